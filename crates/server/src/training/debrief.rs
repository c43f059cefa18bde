//! The debrief of a training run: what happened when, in the story's time, and each trainee's
//! handling of the scripted requests read off the event log and scored
//! (`binhe_core::training::score`). Scores of runs of the same scenario compare: the same
//! scripted requests, the same weights.

use std::collections::BTreeMap;

use binhe_api::training::{
    Debrief, DebriefMoment, RequestResult, ScoreView, ScriptedView, TraineeResult,
};
use binhe_core::access::Role;
use binhe_core::ticket::lifecycle::{Change, TicketEvent};
use binhe_core::training::Escalation;
use binhe_core::training::clock::{ClockLog, ScenarioClock};
use binhe_core::training::scenario::{Clock, PlannedRequest};
use binhe_core::training::score::{Handled, handled_by, judge, summarise};
use binhe_core::training::timeline::Happening;
use binhe_store::StoreError;

use super::run::TrainingRun;
use super::{clock_text, state_of};
use crate::dataset::GridView;
use crate::places::named;

/// The clock's changes as the debrief tells them.
/// The trainer's clock as the debrief tells it; an ended run's last setting is its end (at the
/// shift's end, or the trainer's), not a pause.
fn clock_moments(log: &ClockLog, start: Clock, ended: Option<(f64, f64)>) -> Vec<DebriefMoment> {
    let mut moments = Vec::new();
    let mut before: Option<&ScenarioClock> = None;
    let settings = match ended {
        Some(_) => &log.0[..log.0.len().saturating_sub(1)],
        None => &log.0[..],
    };
    if let Some((second, length)) = ended {
        let (zh, en) = if second >= length {
            ("班次结束，演练结束", "The shift ended, and the run with it")
        } else {
            ("培训师结束演练", "The trainer ended the run")
        };
        moments.push(DebriefMoment {
            second: second as u32,
            clock: clock_text(start, second),
            text_zh: zh.to_owned(),
            text_en: en.to_owned(),
        });
    }
    for clock in settings {
        let (_, second) = clock.anchor();
        let (zh, en) = match before {
            None => (
                format!("培训师开始演练（{}×）", clock.speed()),
                format!("The trainer started the run ({}×)", clock.speed()),
            ),
            Some(b) if b.paused() && !clock.paused() => (
                "培训师继续演练".to_owned(),
                "The trainer resumed the run".to_owned(),
            ),
            Some(b) if !b.paused() && clock.paused() => (
                "培训师暂停演练".to_owned(),
                "The trainer paused the run".to_owned(),
            ),
            Some(b) if (b.speed() - clock.speed()).abs() > f64::EPSILON => (
                format!("倍速改为 {}×", clock.speed()),
                format!("Speed set to {}×", clock.speed()),
            ),
            Some(_) => {
                before = Some(clock);
                continue;
            }
        };
        moments.push(DebriefMoment {
            second: second as u32,
            clock: clock_text(start, second),
            text_zh: zh,
            text_en: en,
        });
        before = Some(clock);
    }
    moments
}

fn expected_grid(view: &GridView, scripted: &PlannedRequest) -> String {
    named(view, &scripted.expect_grid).name
}

/// The debrief of `run` as it stands (while it plays, so far).
pub async fn debrief(run: &TrainingRun) -> Result<Debrief, StoreError> {
    let scenario = run.scenario();
    let services = run.services();
    let view = services.grids.view();
    let (clock, state, played_seconds, requests_sent, injected, started_at, ended_at, schedule) = {
        let p = run.progress().await;
        let played = p.played;
        (
            p.clock.clone(),
            state_of(&p),
            p.second_now(crate::desk::now()).min(run.length()),
            p.requests_sent,
            p.injected.clone(),
            p.clock.started(),
            p.ended_at,
            p.schedule[..played].to_vec(),
        )
    };
    let arrivals = services.store.arrivals().await?;
    let arrived: BTreeMap<u32, (i64, f64)> = arrivals
        .iter()
        .map(|a| (a.scripted, (a.ticket_id, a.second)))
        .collect();
    let mut events: BTreeMap<i64, Vec<TicketEvent>> = BTreeMap::new();
    for (ticket, _) in arrived.values() {
        let log = services.desk.store().events(*ticket).await?;
        events.insert(*ticket, log.into_iter().map(|e| e.event).collect());
    }

    let scripted: Vec<ScriptedView> = scenario
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            ScriptedView {
                index,
                at: r.at.to_string(),
                channel: r.channel,
                category: r.category.clone(),
                description: r.description.clone(),
                micro: named(&view, &r.micro),
                expect_grid: named(&view, &r.expect_grid),
                escalate: r.escalate,
                dispatch_within: r.dispatch_within,
                ticket: arrived.get(&index).map(|(t, _)| *t),
                arrived: arrived.get(&index).map(|(_, second)| *second as u32),
                handling_started: arrived
                    .get(&index)
                    .and_then(|(t, _)| events.get(t))
                    .and_then(|log| {
                        log.iter()
                            .find(|e| matches!(e.change, Change::Started))
                            .map(|e| clock.second_at(e.at) as u32)
                    }),
            }
        })
        .collect();

    // What happened when: the moments played, the trainer's clock and injections.
    let mut timeline: Vec<DebriefMoment> = Vec::new();
    let mut incidents_begun = std::collections::BTreeSet::new();
    for moment in &schedule {
        let (zh, en) = match &moment.happening {
            Happening::Scripted { request } => {
                let r = &scenario.requests[*request];
                (
                    format!(
                        "脚本诉求 {}：{}（应派 {}）",
                        request + 1,
                        r.description,
                        expected_grid(&view, r)
                    ),
                    format!("Scripted request {}: {}", request + 1, r.description),
                )
            }
            Happening::IncidentCall { incident, .. } => {
                if !incidents_begun.insert(*incident) {
                    continue;
                }
                let name = scenario.incidents.get(*incident).map_or_else(
                    || {
                        injected
                            .get(incident - scenario.incidents.len())
                            .map_or_else(String::new, |i| i.name.clone())
                    },
                    |i| i.name.clone(),
                );
                (
                    format!("事件开始来电：{name}"),
                    format!("Incident calls begin: {name}"),
                )
            }
            Happening::Device { event } => {
                let e = &scenario.events[*event];
                (
                    format!("设备告警 {}：{}", e.device, e.note),
                    format!("Device alert {}: {}", e.device, e.note),
                )
            }
            Happening::OffDuty { worker } => (
                format!("网格员 {} 离岗", worker_name(&view, worker)),
                format!("Worker {worker} off duty"),
            ),
            Happening::BackOnDuty { worker } => (
                format!("网格员 {} 返岗", worker_name(&view, worker)),
                format!("Worker {worker} back on duty"),
            ),
            Happening::Background { .. } => continue,
        };
        timeline.push(DebriefMoment {
            second: moment.second,
            clock: clock_text(scenario.start, f64::from(moment.second)),
            text_zh: zh,
            text_en: en,
        });
    }
    for i in &injected {
        timeline.push(DebriefMoment {
            second: i.second,
            clock: clock_text(scenario.start, f64::from(i.second)),
            text_zh: format!("培训师注入事件：{}（{} 个来电）", i.name, i.requests),
            text_en: format!("The trainer injected: {} ({} calls)", i.name, i.requests),
        });
    }
    let end = ended_at.map(|_| (played_seconds, run.length()));
    timeline.extend(clock_moments(&clock, scenario.start, end));
    timeline.sort_by_key(|m| m.second);

    // Each trainee: dispatchers answer for every scripted request, commanders for their
    // community's.
    let conflicts = run.conflicts();
    let mut trainees = Vec::new();
    for account in services.accounts.accounts().await? {
        let principal = &account.principal;
        if account.disabled || !matches!(principal.role, Role::Dispatcher | Role::Commander) {
            continue;
        }
        let theirs: Vec<usize> = scenario
            .requests
            .iter()
            .enumerate()
            .filter(|(_, r)| match (&principal.role, &principal.community) {
                (Role::Commander, Some(community)) => [&r.expect_grid, &r.micro]
                    .iter()
                    .any(|g| g.as_str().starts_with(community.scope_prefix())),
                (Role::Commander, None) => false,
                _ => true,
            })
            .map(|(i, _)| i)
            .collect();
        let handled: Vec<Handled> = theirs
            .iter()
            .map(|&i| {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                arrived
                    .get(&index)
                    .map_or_else(Handled::default, |(ticket, second)| {
                        handled_by(
                            events.get(ticket).map_or(&[][..], Vec::as_slice),
                            *second,
                            |a| a.id == principal.account,
                            |at| clock.second_at(at),
                        )
                    })
            })
            .collect();
        let expected: Vec<_> = theirs
            .iter()
            .map(|&i| scenario.requests[i].clone())
            .collect();
        let mut summary = summarise(&expected, &handled);
        summary.conflicts = conflicts.get(&principal.account).copied().unwrap_or(0);
        let requests = theirs
            .iter()
            .zip(&handled)
            .zip(&expected)
            .map(|((&i, h), e)| {
                let verdict = judge(e, h);
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                RequestResult {
                    index,
                    ticket: arrived.get(&index).map(|(t, _)| *t),
                    registered_after: h.registered_after,
                    dispatched_after: h.dispatched_after,
                    assigned_to: h.assigned_to.as_ref().map(|g| named(&view, g)),
                    escalated: h.escalated.unwrap_or(Escalation::None),
                    delegated: h.delegated,
                    right_grid: verdict.right_grid,
                    right_escalation: verdict.right_escalation,
                    in_time: verdict.in_time,
                    points: verdict.points,
                }
            })
            .collect();
        trainees.push(TraineeResult {
            login: principal.account.clone(),
            name: principal.name.clone(),
            role: principal.role,
            community: principal.community.as_ref().map(|c| named(&view, c)),
            summary: ScoreView {
                scripted: summary.scripted,
                dispatched: summary.dispatched,
                right_grid: summary.right_grid,
                right_escalation: summary.right_escalation,
                in_time: summary.in_time,
                conflicts: summary.conflicts,
                median_register_seconds: summary.median_register_seconds,
                median_dispatch_seconds: summary.median_dispatch_seconds,
                score: (summary.score * 10.0).round() / 10.0,
            },
            requests,
        });
    }
    trainees.sort_by(|a, b| b.summary.score.total_cmp(&a.summary.score));

    Ok(Debrief {
        title: scenario.title.clone(),
        seed: scenario.seed,
        state,
        started_at,
        ended_at,
        starts: scenario.start.to_string(),
        ends: scenario.end().to_string(),
        played_seconds,
        requests_sent,
        scripted,
        timeline,
        trainees,
    })
}

fn worker_name(view: &GridView, id: &str) -> String {
    view.worker(id)
        .map_or_else(|| id.to_owned(), |w| w.name.clone())
}
