//! How far the exports under way have come, for the terminals' progress bars: an export started
//! with `progress=<token>` counts its rows here as its pages are written, and
//! `GET /api/exports/{token}` reads the count. Entries belong to the account that started them
//! (another account's token is simply unknown), are kept ten minutes after their file ends, and
//! the board holds at most [`MAX_ENTRIES`]: the oldest ended entry, else the oldest, gives way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binhe_api::tickets::{EXPORT_PROGRESS_TOKEN, ExportProgress};

/// Most entries the board holds.
pub const MAX_ENTRIES: usize = 256;
/// How long an entry is kept after its file has ended (whole or not).
pub const KEEP_AFTER_END: Duration = Duration::from_mins(10);

/// Reads a progress token: 8 to 64 characters of `A–Z a–z 0–9 - _`; why not, in both languages.
pub fn check_token(token: &str) -> Result<(), (String, String)> {
    let length = token.chars().count();
    if !EXPORT_PROGRESS_TOKEN.contains(&length) {
        return Err((
            format!(
                "a progress token has {} to {} characters, not {length}",
                EXPORT_PROGRESS_TOKEN.start(),
                EXPORT_PROGRESS_TOKEN.end()
            ),
            format!(
                "进度标识应为 {}–{} 个字符，实为 {length} 个",
                EXPORT_PROGRESS_TOKEN.start(),
                EXPORT_PROGRESS_TOKEN.end()
            ),
        ));
    }
    if let Some(bad) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err((
            format!("a progress token holds only A-Z a-z 0-9 - _, not {bad:?}"),
            format!("进度标识只能含字母、数字、“-”和“_”，不能含“{bad}”"),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Entry {
    progress: ExportProgress,
    /// Which start of the token this is (a token used again starts a new entry).
    serial: u64,
    started: Instant,
    /// When the file ended (whole, failed or abandoned by the client).
    ended: Option<Instant>,
}

type Key = (String, String);

/// The board of exports under way and lately ended (a service every export room shares).
#[derive(Debug, Clone, Default)]
pub struct ExportBoard {
    entries: Arc<Mutex<HashMap<Key, Entry>>>,
    serials: Arc<AtomicU64>,
}

impl ExportBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries
            .lock()
            .expect("the export board's lock is never poisoned")
    }

    /// Registers the export `token` of `account` with `total` rows to write (a token used again
    /// starts over) and hands back the tracker its writer advances.
    pub fn start(&self, account: &str, token: &str, total: u64) -> Tracker {
        self.start_at(account, token, total, Instant::now())
    }

    fn start_at(&self, account: &str, token: &str, total: u64, now: Instant) -> Tracker {
        let key = (account.to_owned(), token.to_owned());
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.lock();
        purge(&mut entries, now);
        if !entries.contains_key(&key) && entries.len() >= MAX_ENTRIES {
            // The oldest ended entry gives way, else the oldest of all.
            let victim = entries
                .iter()
                .min_by_key(|(_, e)| (e.ended.is_none(), e.ended.unwrap_or(e.started)))
                .map(|(k, _)| k.clone());
            if let Some(victim) = victim {
                entries.remove(&victim);
            }
        }
        entries.insert(
            key.clone(),
            Entry {
                progress: ExportProgress {
                    written: 0,
                    total,
                    done: false,
                },
                serial,
                started: now,
                ended: None,
            },
        );
        Tracker {
            board: self.clone(),
            key,
            serial,
            ended: false,
        }
    }

    /// How far `account`'s export `token` has come; `None` if there is none (never started,
    /// another account's, or ended more than ten minutes ago).
    pub fn progress(&self, account: &str, token: &str) -> Option<ExportProgress> {
        self.progress_at(account, token, Instant::now())
    }

    fn progress_at(&self, account: &str, token: &str, now: Instant) -> Option<ExportProgress> {
        let mut entries = self.lock();
        purge(&mut entries, now);
        entries
            .get(&(account.to_owned(), token.to_owned()))
            .map(|e| e.progress)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Changes the entry of `tracker` if it is still its own (not replaced by a new start).
    fn update(&self, tracker: &Tracker, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&tracker.key)
            && entry.serial == tracker.serial
        {
            change(entry);
        }
    }
}

fn purge(entries: &mut HashMap<Key, Entry>, now: Instant) {
    entries.retain(|_, e| {
        e.ended
            .is_none_or(|ended| now.saturating_duration_since(ended) < KEEP_AFTER_END)
    });
}

/// One export's hold on its entry: advanced as pages are written, done at the end. Dropped
/// before the end (the client went away, the store failed), the entry ends not done.
#[derive(Debug)]
pub struct Tracker {
    board: ExportBoard,
    key: Key,
    serial: u64,
    ended: bool,
}

impl Tracker {
    /// `rows` more rows are written.
    pub fn advance(&self, rows: u64) {
        self.board.update(self, |e| {
            e.progress.written += rows;
            e.progress.total = e.progress.total.max(e.progress.written);
        });
    }

    /// The file is whole.
    pub fn finish(&mut self) {
        self.ended = true;
        self.board.update(self, |e| {
            e.progress.done = true;
            e.ended = Some(Instant::now());
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if !self.ended {
            self.board.update(self, |e| e.ended = Some(Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_strictly() {
        assert!(check_token("a1B2-c3_d4").is_ok());
        assert!(check_token("short").is_err());
        assert!(check_token(&"x".repeat(65)).is_err());
        assert!(check_token("with space").is_err());
        assert!(check_token("中文中文中文中文").is_err());
    }

    #[test]
    fn an_entry_counts_belongs_to_its_account_and_expires_ten_minutes_after_its_end() {
        let board = ExportBoard::default();
        let t0 = Instant::now();
        let mut tracker = board.start_at("a", "token-01", 3, t0);
        tracker.advance(2);
        let seen = board.progress_at("a", "token-01", t0).unwrap();
        assert_eq!((seen.written, seen.total, seen.done), (2, 3, false));
        assert_eq!(board.progress_at("b", "token-01", t0), None, "another's");
        tracker.advance(1);
        tracker.finish();
        let done = board.progress("a", "token-01").unwrap();
        assert_eq!((done.written, done.done), (3, true));
        let later = Instant::now() + Duration::from_secs(599);
        assert!(board.progress_at("a", "token-01", later).is_some());
        let gone = Instant::now() + KEEP_AFTER_END + Duration::from_secs(1);
        assert_eq!(board.progress_at("a", "token-01", gone), None);
        assert!(board.is_empty());
    }

    #[test]
    fn an_abandoned_export_ends_not_done_and_a_new_start_takes_the_token_over() {
        let board = ExportBoard::default();
        let first = board.start("a", "token-02", 10);
        first.advance(4);
        let second = board.start("a", "token-02", 7);
        drop(first);
        let seen = board.progress("a", "token-02").unwrap();
        assert_eq!(
            (seen.written, seen.total),
            (0, 7),
            "the old one no longer counts"
        );
        drop(second);
        let seen = board.progress("a", "token-02").unwrap();
        assert!(!seen.done);
        let gone = Instant::now() + KEEP_AFTER_END + Duration::from_secs(1);
        assert_eq!(board.progress_at("a", "token-02", gone), None);
    }

    #[test]
    fn the_board_is_bounded_and_ended_entries_give_way_first() {
        let board = ExportBoard::default();
        let t0 = Instant::now();
        let mut trackers = Vec::new();
        for i in 0..MAX_ENTRIES {
            trackers.push(board.start_at("a", &format!("token-{i:04}"), 1, t0));
        }
        trackers[5].finish();
        let _extra = board.start_at("a", "token-extra", 1, t0 + Duration::from_secs(1));
        assert_eq!(board.len(), MAX_ENTRIES);
        assert_eq!(
            board.progress("a", "token-0005"),
            None,
            "the ended one went"
        );
        assert!(board.progress("a", "token-0000").is_some());
        let _more = board.start_at("a", "token-more", 1, t0 + Duration::from_secs(2));
        assert_eq!(board.len(), MAX_ENTRIES);
    }
}
