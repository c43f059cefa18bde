//! A training scenario as a trainer writes it: one shift of a street, in TOML (the format is
//! `docs/scenarios.md`). It names the background requests by hour and category, the incidents
//! that send a burst of calls to some micro-grids, camera and door events, the workers off duty,
//! and the scripted requests a trainee must handle with what is expected of each: the grid it is
//! dispatched to, whether it is escalated, and how soon. [`read`] checks it against the street it
//! will be played on and names every problem with its line.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::code::GridCode;
use crate::grid::GridHierarchy;
use crate::people::{Device, Worker};
use crate::ticket::Catalogue;
use crate::vocabulary::{Channel, DeviceKind, DoorEventKind, GridLevel, Urgency};

/// Longest shift a scenario may play, in hours.
pub const MAX_HOURS: u32 = 24;
/// Most requests one scenario may generate (background, incidents and scripted together).
pub const MAX_REQUESTS: u32 = 20_000;

/// A time of day in the shift, `HH:MM` (Beijing), kept as minutes after midnight; a shift that
/// runs past midnight goes on with `24:30`, `25:00` ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock(pub u32);

impl Clock {
    fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 48 && m < 60 && text.trim().len() <= 5).then_some(Self(h * 60 + m))
    }

    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let next_day = if self.0 >= 24 * 60 { "次日 " } else { "" };
        let minutes = self.0 % (24 * 60);
        write!(f, "{next_day}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// A scenario as its file has it (names and times still as written).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// When the shift starts, `HH:MM`.
    pub start: Spanned<String>,
    /// How long it runs.
    pub hours: Spanned<u32>,
    /// The seed of the generated requests, so two runs of a scenario are the same shift.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub background: Vec<Background>,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub events: Vec<DeviceEvent>,
    #[serde(default)]
    pub off_duty: Vec<OffDuty>,
    #[serde(default)]
    pub requests: Vec<Scripted>,
}

/// Requests of one category arriving at random over the street between two times.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Background {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub category: Spanned<String>,
    pub per_hour: Spanned<f64>,
}

/// A burst of calls of one category from some micro-grids: a rainstorm's flooding, a heating
/// outage, a market day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub name: Spanned<String>,
    pub at: Spanned<String>,
    /// How long the calls keep coming.
    pub minutes: Spanned<u32>,
    /// The micro-grids (names or codes) the calls come from.
    pub micro: Vec<Spanned<String>>,
    pub category: Spanned<String>,
    pub requests: Spanned<u32>,
    #[serde(default)]
    pub channel: Option<Spanned<String>>,
    #[serde(default)]
    pub description: String,
}

/// A camera alert or a door alarm at a moment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEvent {
    pub at: Spanned<String>,
    /// A camera's or door unit's id.
    pub device: Spanned<String>,
    /// A camera alert's category (a door alarm has none).
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// A door alarm's kind: `held_open` (the default) or `forced`.
    #[serde(default)]
    pub door: Option<Spanned<String>>,
    #[serde(default)]
    pub note: String,
}

/// A worker not on duty between two times: what is dispatched to them waits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffDuty {
    pub worker: Spanned<String>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

/// A request the trainees must handle, and what is expected of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scripted {
    pub at: Spanned<String>,
    pub channel: Spanned<String>,
    pub category: Spanned<String>,
    pub description: Spanned<String>,
    /// Where it is: a micro-grid's name or code.
    pub micro: Spanned<String>,
    #[serde(default)]
    pub urgency: Option<Spanned<String>>,
    pub expect: Expected,
}

/// The right handling of a scripted request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The grid it is dispatched to (a micro-grid's or community's name or code).
    pub grid: Spanned<String>,
    /// `none`, `community` (上交社区) or `street` (上交街道).
    #[serde(default)]
    pub escalate: Option<Spanned<String>>,
    /// Minutes from its arrival by which it must be dispatched.
    pub dispatch_within: Spanned<u32>,
}

pub use super::Escalation;

/// One problem of a scenario file: its line (from 1), the field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioProblem {
    pub line: usize,
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

impl std::fmt::Display for ScenarioProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "第 {} 行（{}）：{}",
            self.line, self.field, self.message_zh
        )
    }
}

/// What a scenario is played against: the street's grids, categories, workers and devices.
#[derive(Debug, Clone, Copy)]
pub struct Street<'a> {
    pub hierarchy: &'a GridHierarchy,
    pub catalogue: &'a Catalogue,
    pub workers: &'a [Worker],
    pub devices: &'a [Device],
}

/// A scenario read and checked: its times in minutes, its places as grid codes.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    pub start: Clock,
    pub hours: u32,
    pub seed: u64,
    pub background: Vec<PlannedBackground>,
    pub incidents: Vec<PlannedIncident>,
    pub events: Vec<PlannedEvent>,
    pub off_duty: Vec<PlannedOffDuty>,
    pub requests: Vec<PlannedRequest>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedBackground {
    pub from: Clock,
    pub to: Clock,
    pub category: String,
    pub per_hour: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedIncident {
    pub name: String,
    pub at: Clock,
    pub minutes: u32,
    pub micro: Vec<GridCode>,
    pub category: String,
    pub requests: u32,
    pub channel: Channel,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub at: Clock,
    pub device: String,
    pub kind: DeviceKind,
    pub category: Option<String>,
    /// A door alarm's kind (`None` for a camera).
    pub door: Option<DoorEventKind>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedOffDuty {
    pub worker: String,
    pub from: Clock,
    pub to: Clock,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRequest {
    pub at: Clock,
    pub channel: Channel,
    pub category: String,
    pub description: String,
    pub micro: GridCode,
    pub urgency: Urgency,
    pub expect_grid: GridCode,
    pub escalate: Escalation,
    pub dispatch_within: u32,
}

impl Scenario {
    /// When the shift ends.
    pub fn end(&self) -> Clock {
        Clock(self.start.0 + self.hours * 60)
    }

    /// Requests it generates in all: background (expected), incidents and scripted.
    pub fn request_count(&self) -> f64 {
        let background: f64 = self
            .background
            .iter()
            .map(|b| b.per_hour * f64::from(b.to.0 - b.from.0) / 60.0)
            .sum();
        let incidents: u32 = self.incidents.iter().map(|i| i.requests).sum();
        background + f64::from(incidents) + self.requests.len() as f64
    }
}

/// The line (from 1) a byte offset of `text` is on.
fn line_of(text: &str, offset: usize) -> usize {
    // Segments between newlines before the offset: the newlines plus one.
    text.as_bytes()[..offset.min(text.len())]
        .split(|&b| b == b'\n')
        .count()
}

/// Checks one scenario against a street while it is read.
struct Checker<'a> {
    text: &'a str,
    street: Street<'a>,
    problems: Vec<ScenarioProblem>,
    shift: (Clock, Clock),
}

impl Checker<'_> {
    fn problem(&mut self, span: Range<usize>, field: &str, zh: String, en: String) {
        self.problems.push(ScenarioProblem {
            line: line_of(self.text, span.start),
            field: field.to_owned(),
            message_zh: zh,
            message_en: en,
        });
    }

    /// A time inside the shift.
    fn clock(&mut self, value: &Spanned<String>, field: &str) -> Option<Clock> {
        let Some(clock) = Clock::parse(value.get_ref()) else {
            self.problem(
                value.span(),
                field,
                format!("“{}”不是时间，请写成 时:分（如 18:30）", value.get_ref()),
                format!("{:?} is not a time: write HH:MM (18:30)", value.get_ref()),
            );
            return None;
        };
        // A time before the start is read as the next day's, for a shift past midnight.
        let clock = if clock < self.shift.0 && clock.0 < 24 * 60 {
            Clock(clock.0 + 24 * 60)
        } else {
            clock
        };
        if clock < self.shift.0 || clock > self.shift.1 {
            self.problem(
                value.span(),
                field,
                format!(
                    "{} 不在本班次 {}—{} 内",
                    value.get_ref(),
                    self.shift.0,
                    self.shift.1
                ),
                format!(
                    "{} is outside the shift {}–{}",
                    value.get_ref(),
                    self.shift.0,
                    self.shift.1
                ),
            );
            return None;
        }
        Some(clock)
    }

    fn span_of(&mut self, from: &Spanned<String>, to: &Spanned<String>) -> Option<(Clock, Clock)> {
        let (from_at, to_at) = (self.clock(from, "from"), self.clock(to, "to"));
        let (from_at, to_at) = (from_at?, to_at?);
        if to_at <= from_at {
            self.problem(
                to.span(),
                "to",
                format!(
                    "结束时间 {} 须晚于开始时间 {}",
                    to.get_ref(),
                    from.get_ref()
                ),
                format!("{} must be after {}", to.get_ref(), from.get_ref()),
            );
            return None;
        }
        Some((from_at, to_at))
    }

    fn category(&mut self, value: &Spanned<String>) -> Option<String> {
        let found = self
            .street
            .catalogue
            .find(value.get_ref())
            .map(|c| c.code.clone());
        if found.is_none() {
            self.problem(
                value.span(),
                "category",
                format!("问题类别中没有“{}”", value.get_ref()),
                format!("No category {:?} in the catalogue", value.get_ref()),
            );
        }
        found
    }

    fn channel(&mut self, value: &Spanned<String>) -> Option<Channel> {
        let found = Channel::ALL.into_iter().find(|c| {
            let text = value.get_ref().trim();
            c.as_str() == text || c.label_zh() == text || c.short_zh() == text
        });
        if found.is_none() {
            self.problem(
                value.span(),
                "channel",
                format!(
                    "没有“{}”这个来源渠道（如 12345热线 hotline、网格巡查 patrol）",
                    value.get_ref()
                ),
                format!("No channel {:?}", value.get_ref()),
            );
        }
        found
    }

    /// A grid of one of `levels`, by code or by a name only one such grid has.
    fn grid(
        &mut self,
        value: &Spanned<String>,
        field: &str,
        levels: &[GridLevel],
    ) -> Option<GridCode> {
        let h = self.street.hierarchy;
        let text = value.get_ref().trim();
        if let Ok(code) = GridCode::parse(text)
            && h.by_code(&code)
                .is_some_and(|g| levels.contains(&g.level()))
        {
            return Some(code);
        }
        let named: Vec<GridCode> = levels
            .iter()
            .flat_map(|&level| h.at_level(level))
            .map(|i| h.get(i))
            .filter(|g| g.name == text)
            .map(|g| g.code.clone())
            .collect();
        match named.as_slice() {
            [one] => Some(one.clone()),
            [] => {
                self.problem(
                    value.span(),
                    field,
                    format!("本街道没有名为“{text}”的网格"),
                    format!("The street has no grid named {text:?}"),
                );
                None
            }
            many => {
                self.problem(
                    value.span(),
                    field,
                    format!("“{text}”有 {} 个同名网格，请改用网格编码", many.len()),
                    format!("{} grids are named {text:?}: use the code", many.len()),
                );
                None
            }
        }
    }

    fn positive(&mut self, value: &Spanned<u32>, field: &str, max: u32) -> Option<u32> {
        let n = *value.get_ref();
        if n == 0 || n > max {
            self.problem(
                value.span(),
                field,
                format!("{field} 须为 1 至 {max}"),
                format!("{field} must be 1 to {max}"),
            );
            return None;
        }
        Some(n)
    }
}

/// Reads a scenario file and checks it against `street`: the scenario, or every problem found,
/// each with its line.
pub fn read(text: &str, street: Street<'_>) -> Result<Scenario, Vec<ScenarioProblem>> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        vec![ScenarioProblem {
            line,
            field: String::new(),
            message_zh: format!("文件格式有误：{}", e.message()),
            message_en: e.message().to_owned(),
        }]
    })?;
    let mut c = Checker {
        text,
        street,
        problems: Vec::new(),
        shift: (Clock(0), Clock(0)),
    };
    if file.title.get_ref().trim().is_empty() {
        c.problem(
            file.title.span(),
            "title",
            "请填写场景名称".to_owned(),
            "The title is empty".to_owned(),
        );
    }
    let hours = c.positive(&file.hours, "hours", MAX_HOURS).unwrap_or(1);
    let parsed = Clock::parse(file.start.get_ref()).filter(|s| s.0 < 24 * 60);
    if parsed.is_none() {
        c.problem(
            file.start.span(),
            "start",
            format!("开始时间“{}”须写成 时:分（如 17:00）", file.start.get_ref()),
            format!("start {:?} must be HH:MM", file.start.get_ref()),
        );
    }
    let start = parsed.unwrap_or(Clock(0));
    c.shift = (start, Clock(start.0 + hours * 60));

    let mut background = Vec::new();
    for b in &file.background {
        let span = c.span_of(&b.from, &b.to);
        let category = c.category(&b.category);
        let rate = *b.per_hour.get_ref();
        if !(rate.is_finite() && rate > 0.0 && rate <= 1_000.0) {
            c.problem(
                b.per_hour.span(),
                "per_hour",
                "每小时件数须大于 0 且不超过 1000".to_owned(),
                "per_hour must be above 0 and at most 1000".to_owned(),
            );
        }
        if let (Some((from, to)), Some(category)) = (span, category) {
            background.push(PlannedBackground {
                from,
                to,
                category,
                per_hour: rate,
            });
        }
    }

    let mut incidents = Vec::new();
    for i in &file.incidents {
        let at = c.clock(&i.at, "at");
        let minutes = c.positive(&i.minutes, "minutes", MAX_HOURS * 60);
        let requests = c.positive(&i.requests, "requests", MAX_REQUESTS);
        let category = c.category(&i.category);
        let channel = match &i.channel {
            Some(ch) => c.channel(ch),
            None => Some(Channel::Hotline),
        };
        let micro: Vec<Option<GridCode>> = i
            .micro
            .iter()
            .map(|m| c.grid(m, "micro", &[GridLevel::Micro]))
            .collect();
        if i.micro.is_empty() {
            c.problem(
                i.name.span(),
                "micro",
                format!("事件“{}”须列出来电的微网格", i.name.get_ref()),
                format!("Incident {:?} names no micro-grid", i.name.get_ref()),
            );
        }
        if let (Some(at), Some(minutes), Some(requests), Some(category), Some(channel)) =
            (at, minutes, requests, category, channel)
            && micro.iter().all(Option::is_some)
        {
            incidents.push(PlannedIncident {
                name: i.name.get_ref().clone(),
                at,
                minutes,
                micro: micro.into_iter().flatten().collect(),
                category,
                requests,
                channel,
                description: i.description.clone(),
            });
        }
    }

    let mut events = Vec::new();
    for e in &file.events {
        let at = c.clock(&e.at, "at");
        let device = c
            .street
            .devices
            .iter()
            .find(|d| d.id == e.device.get_ref().trim())
            .map(|d| (d.id.clone(), d.kind));
        let kind = match device {
            Some((_, kind @ (DeviceKind::Camera | DeviceKind::DoorAccess))) => Some(kind),
            Some(_) => {
                c.problem(
                    e.device.span(),
                    "device",
                    format!("“{}”是卡口，不发告警；请写摄像头或门禁", e.device.get_ref()),
                    format!(
                        "{:?} is a checkpoint: name a camera or door unit",
                        e.device.get_ref()
                    ),
                );
                None
            }
            None => {
                c.problem(
                    e.device.span(),
                    "device",
                    format!("本街道没有编号为“{}”的设备", e.device.get_ref()),
                    format!("The street has no device {:?}", e.device.get_ref()),
                );
                None
            }
        };
        let category = match (&e.category, kind) {
            (Some(cat), _) => c.category(cat),
            (None, Some(DeviceKind::Camera)) => {
                c.problem(
                    e.device.span(),
                    "category",
                    "视频告警须写问题类别".to_owned(),
                    "A camera alert needs a category".to_owned(),
                );
                None
            }
            (None, _) => None,
        };
        let door = match (&e.door, kind) {
            (_, Some(DeviceKind::Camera) | None) => {
                if let Some(door) = &e.door {
                    c.problem(
                        door.span(),
                        "door",
                        "只有门禁告警写 door".to_owned(),
                        "Only a door alarm has a door kind".to_owned(),
                    );
                }
                None
            }
            (None, Some(_)) => Some(DoorEventKind::HeldOpen),
            (Some(door), Some(_)) => {
                let text = door.get_ref().trim();
                let kind = [DoorEventKind::HeldOpen, DoorEventKind::Forced]
                    .into_iter()
                    .find(|k| k.as_str() == text || k.label_zh() == text);
                if kind.is_none() {
                    c.problem(
                        door.span(),
                        "door",
                        format!("门禁告警须为 held_open（门长时间未关）或 forced（门被强行打开），不是“{text}”"),
                        format!("A door alarm is held_open or forced, not {text:?}"),
                    );
                }
                kind
            }
        };
        if let (Some(at), Some(kind), Some((id, _))) = (at, kind, device) {
            events.push(PlannedEvent {
                at,
                device: id,
                kind,
                category,
                door,
                note: e.note.clone(),
            });
        }
    }

    let mut off_duty = Vec::new();
    for o in &file.off_duty {
        let known = c
            .street
            .workers
            .iter()
            .any(|w| w.id == o.worker.get_ref().trim());
        if !known {
            c.problem(
                o.worker.span(),
                "worker",
                format!("本街道没有编号为“{}”的网格员", o.worker.get_ref()),
                format!("The street has no worker {:?}", o.worker.get_ref()),
            );
        }
        if let (Some((from, to)), true) = (c.span_of(&o.from, &o.to), known) {
            off_duty.push(PlannedOffDuty {
                worker: o.worker.get_ref().trim().to_owned(),
                from,
                to,
            });
        }
    }

    let mut requests = Vec::new();
    for r in &file.requests {
        let at = c.clock(&r.at, "at");
        let channel = c.channel(&r.channel);
        let category = c.category(&r.category);
        let micro = c.grid(&r.micro, "micro", &[GridLevel::Micro]);
        let expect_grid = c.grid(
            &r.expect.grid,
            "expect.grid",
            &[GridLevel::Micro, GridLevel::Community],
        );
        let urgency = match &r.urgency {
            None => Some(Urgency::Normal),
            Some(u) => {
                let found = Urgency::ALL.into_iter().find(|x| {
                    x.as_str() == u.get_ref().trim() || x.label_zh() == u.get_ref().trim()
                });
                if found.is_none() {
                    c.problem(
                        u.span(),
                        "urgency",
                        format!("紧急程度须为“一般”或“紧急”，不是“{}”", u.get_ref()),
                        format!("urgency must be normal or urgent, not {:?}", u.get_ref()),
                    );
                }
                found
            }
        };
        let escalate = match &r.expect.escalate {
            None => Some(Escalation::None),
            Some(e) => match e.get_ref().trim() {
                "none" | "不上交" => Some(Escalation::None),
                "community" | "社区" | "上交社区" => Some(Escalation::Community),
                "street" | "街道" | "上交街道" => Some(Escalation::Street),
                other => {
                    c.problem(
                        e.span(),
                        "expect.escalate",
                        format!("上交须为 none、community 或 street，不是“{other}”"),
                        format!("escalate must be none, community or street, not {other:?}"),
                    );
                    None
                }
            },
        };
        let within = c.positive(
            &r.expect.dispatch_within,
            "expect.dispatch_within",
            MAX_HOURS * 60,
        );
        if r.description.get_ref().trim().is_empty() {
            c.problem(
                r.description.span(),
                "description",
                "请填写诉求内容".to_owned(),
                "The description is empty".to_owned(),
            );
        }
        // Dispatched to a community, it cannot go up to the community again.
        if let (Some(grid), Some(Escalation::Community), Some(e)) =
            (&expect_grid, escalate, &r.expect.escalate)
            && grid.level() == GridLevel::Community
        {
            c.problem(
                e.span(),
                "expect.escalate",
                "派到社区的诉求不能再上交社区：grid 写微网格，或 escalate 写 street".to_owned(),
                "A request dispatched to a community cannot go up to the community: name a \
                 micro-grid as grid, or escalate to the street"
                    .to_owned(),
            );
        }
        if let (
            Some(at),
            Some(channel),
            Some(category),
            Some(micro),
            Some(expect_grid),
            Some(urgency),
            Some(escalate),
            Some(dispatch_within),
        ) = (
            at,
            channel,
            category,
            micro,
            expect_grid,
            urgency,
            escalate,
            within,
        ) {
            requests.push(PlannedRequest {
                at,
                channel,
                category,
                description: r.description.get_ref().trim().to_owned(),
                micro,
                urgency,
                expect_grid,
                escalate,
                dispatch_within,
            });
        }
    }

    let scenario = Scenario {
        title: file.title.get_ref().trim().to_owned(),
        description: file.description.trim().to_owned(),
        start,
        hours,
        seed: file.seed,
        background,
        incidents,
        events,
        off_duty,
        requests,
    };
    if scenario.request_count() > f64::from(MAX_REQUESTS) {
        c.problem(
            file.hours.span(),
            "hours",
            format!(
                "本场景会产生约 {:.0} 件诉求，超过上限 {MAX_REQUESTS}",
                scenario.request_count()
            ),
            format!(
                "The scenario makes about {:.0} requests, above {MAX_REQUESTS}",
                scenario.request_count()
            ),
        );
    }
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        c.problems.sort_by_key(|p| p.line);
        Err(c.problems)
    }
}
