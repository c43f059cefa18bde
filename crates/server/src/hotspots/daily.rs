//! The center's own analysis, once a day: prospective, for the last whole Beijing day, with the
//! default settings. At start a server catches up when the last day's is missing; then it wakes
//! shortly after each Beijing midnight. Several server processes on one PostgreSQL database may
//! all try: the store keeps one per day (the others' are dropped, and said so in the log).

use std::time::Duration;

use binhe_core::ticket::intake::beijing;
use binhe_store::RunTrigger;
use chrono::{DateTime, NaiveTime, Utc};

use super::HotspotSources;
use super::analysis::{Settings, run_and_keep};

/// When after Beijing midnight the day's analysis runs (the day before is whole by then).
const DAILY_AT: NaiveTime = match NaiveTime::from_hms_opt(0, 30, 0) {
    Some(t) => t,
    None => panic!("a valid time"),
};
/// How long to wait before trying again when the database did not answer.
const RETRY: Duration = Duration::from_mins(1);

/// How long from `now` until the next daily run.
fn until_next(now: DateTime<Utc>) -> Duration {
    let local = now.with_timezone(&beijing());
    let today = local.date_naive().and_time(DAILY_AT);
    let next = if local.naive_local() < today {
        today
    } else {
        today + chrono::Duration::days(1)
    };
    next.and_local_timezone(beijing())
        .single()
        .map_or(RETRY, |at| {
            (at.to_utc() - now).to_std().unwrap_or(Duration::ZERO)
        })
}

/// Starts the daily analysis after `delay` (time for the server to settle first).
pub fn spawn_daily(sources: HotspotSources, delay: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        loop {
            let settings = Settings::daily(crate::desk::now());
            let day = settings.analysis_day.to_string();
            let due = match sources
                .store
                .latest_hotspot_run(Some(RunTrigger::Daily))
                .await
            {
                Ok(kept) => kept.is_none_or(|kept| kept.run.analysis_day < day),
                Err(error) => {
                    tracing::warn!(%error, "daily hotspot analysis: cannot read the last one; trying again");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            if due {
                match run_and_keep(&sources, &settings, RunTrigger::Daily, None).await {
                    Ok(Some(run)) => tracing::info!(
                        day,
                        cases = run.cases,
                        significant = run.hotspots.len(),
                        took_ms = run.took_ms,
                        "daily hotspot analysis kept"
                    ),
                    Ok(None) => {
                        tracing::info!(
                            day,
                            "daily hotspot analysis: another server kept the day's first"
                        );
                    }
                    Err(error) => {
                        tracing::warn!(day, ?error, "daily hotspot analysis failed; trying again");
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                }
            }
            tokio::time::sleep(until_next(crate::desk::now())).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_next_run_is_half_past_midnight_beijing_time() {
        // 2026-12-02 23:00 Beijing = 15:00 UTC: 1 h 30 min to go.
        let evening = Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap();
        assert_eq!(until_next(evening), Duration::from_mins(90));
        // 00:10 Beijing: 20 minutes.
        let night = Utc.with_ymd_and_hms(2026, 12, 2, 16, 10, 0).unwrap();
        assert_eq!(until_next(night), Duration::from_mins(20));
        // 00:30 exactly: the next day's.
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 16, 30, 0).unwrap();
        assert_eq!(until_next(now), Duration::from_hours(24));
    }
}
