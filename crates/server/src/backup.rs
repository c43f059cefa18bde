//! Scheduled backups of a center: every so often a consistent copy of the database into a
//! folder, named by its Beijing time, the oldest removed beyond the number kept; each success
//! and failure logged and written to the audit log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use binhe_store::AccountRepository;
use binhe_store::backup::{Backup, BackupError};
use chrono::{DateTime, FixedOffset, Utc};

use crate::auth::{audit_entry, local_principal};

/// Where the audit log says a scheduled backup came from.
const TERMINAL: &str = "定时备份 / scheduled backup";
/// The start of every scheduled backup's file name.
const PREFIX: &str = "binhe-";

/// How often to back up, where to, and how many files to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// A period as written on the command line: a number and `s`, `m`, `h` or `d` (`6h`, `30m`).
pub fn parse_period(text: &str) -> Result<Duration, String> {
    let refused = || {
        format!(
            "“{text}”不是有效的间隔（如 6h、30m、1d）/ {text:?} is no period (such as 6h, 30m, 1d)"
        )
    };
    let text = text.trim();
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(refused)?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().map_err(|_| refused())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(refused()),
    };
    if number == 0 {
        return Err(refused());
    }
    Ok(Duration::from_secs(number * seconds))
}

/// The file name of a backup taken at `at`: `binhe-20261203-081500.sqlite` (Beijing time), so
/// names sort by time.
pub fn file_name(at: DateTime<Utc>, extension: &str) -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    format!(
        "{PREFIX}{}.{extension}",
        at.with_timezone(&beijing).format("%Y%m%d-%H%M%S%3f")
    )
}

/// Takes one backup into the schedule's folder and removes the oldest beyond the number kept.
/// Answers the new file.
pub async fn back_up_once(
    database: &dyn Backup,
    schedule: &Schedule,
) -> Result<PathBuf, BackupError> {
    std::fs::create_dir_all(&schedule.dir).map_err(|source| BackupError::Io {
        path: schedule.dir.display().to_string(),
        source,
    })?;
    let out = schedule
        .dir
        .join(file_name(Utc::now(), database.dialect().extension()));
    database.back_up(&out).await?;
    prune(&schedule.dir, database.dialect().extension(), schedule.keep);
    Ok(out)
}

/// Removes the oldest backups in `dir` beyond `keep` (by name, which is by time), and what a
/// backup cut short by a stop left (`….partial`).
fn prune(dir: &Path, extension: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let suffix = format!(".{extension}");
    let partial = format!(".{extension}.partial");
    let (mut names, cut_short): (Vec<String>, Vec<String>) = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(PREFIX) && (n.ends_with(&suffix) || n.ends_with(&partial)))
        .partition(|n| n.ends_with(&suffix));
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for name in names[..excess].iter().chain(&cut_short) {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => tracing::info!(file = %name, "old backup removed"),
            Err(error) => tracing::warn!(file = %name, %error, "cannot remove an old backup"),
        }
    }
}

/// Backs up on the schedule until the task is aborted; the first backup one period after the
/// start.
pub async fn run(
    database: Box<dyn Backup>,
    schedule: Schedule,
    accounts: Arc<dyn AccountRepository>,
) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let entry = match back_up_once(database.as_ref(), &schedule).await {
            Ok(file) => {
                tracing::info!(file = %file.display(), "scheduled backup written");
                audit_entry(
                    &local_principal(),
                    TERMINAL,
                    "backup.create",
                    &file.display().to_string(),
                )
            }
            Err(error) => {
                tracing::error!(code = error.code(), %error, "scheduled backup failed");
                let mut entry = audit_entry(
                    &local_principal(),
                    TERMINAL,
                    "backup.fail",
                    &schedule.dir.display().to_string(),
                );
                entry.detail = format!("{}: {error}", error.code());
                entry
            }
        };
        if let Err(error) = accounts.record_audit(&[entry]).await {
            tracing::warn!(%error, "cannot write the backup to the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_written_and_nonsense_is_refused() {
        assert_eq!(parse_period("6h"), Ok(Duration::from_hours(6)));
        assert_eq!(parse_period("30m"), Ok(Duration::from_mins(30)));
        assert_eq!(parse_period("1d"), Ok(Duration::from_hours(24)));
        assert_eq!(parse_period("2s"), Ok(Duration::from_secs(2)));
        for bad in ["", "6", "h", "0h", "6x", "-1h", "1.5h"] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_carry_beijing_time_and_sort_by_it() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T23:30:05.123Z")
            .unwrap()
            .to_utc();
        assert_eq!(file_name(at, "sqlite"), "binhe-20261203-073005123.sqlite");
        let later = at + chrono::Duration::hours(3);
        assert!(file_name(at, "sqlite") < file_name(later, "sqlite"));
    }

    #[test]
    fn pruning_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..5 {
            std::fs::write(
                dir.path()
                    .join(format!("binhe-2026120{n}-000000000.sqlite")),
                b"x",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"kept").unwrap();
        std::fs::write(
            dir.path().join("binhe-20261130-000000000.sqlite.partial"),
            b"cut short",
        )
        .unwrap();
        prune(dir.path(), "sqlite", 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "binhe-20261203-000000000.sqlite",
                "binhe-20261204-000000000.sqlite",
                "notes.txt"
            ]
        );
    }
}
