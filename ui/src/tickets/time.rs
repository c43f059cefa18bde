//! Times on the dispatch desk: shown in Asia/Shanghai whatever the PC's zone, and the time
//! left against a deadline in words a dispatcher reads at a glance.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::i18n::Lang;

/// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991).
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The current time from the browser's clock (the server runs on the same machine).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Resolves after `duration` (the browser's timer).
pub async fn sleep(duration: std::time::Duration) {
    let ms = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `2026-11-28 09:05`.
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `2026-11-28`, the Beijing day.
pub fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d").to_string()
}

/// `2026-11-28T09:05`: the moment as a `datetime-local` field shows it, in Beijing time.
pub fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The moment a `datetime-local` field's value names, read as Beijing time.
pub fn from_local_input(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    naive
        .and_local_timezone(shanghai())
        .single()
        .map(|t| t.to_utc())
}

/// `2026-11-28 09:05:07`, for the audit log.
pub fn full(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Where a Beijing calendar day (`2026-11-28`, as a date field gives it) begins.
pub fn day_start(date: &str) -> Option<DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let midnight = day.and_hms_opt(0, 0, 0)?.and_local_timezone(shanghai());
    midnight.single().map(|t| t.to_utc())
}

/// Where the Beijing day after `date` begins: the end of a range that includes `date`.
pub fn day_end(date: &str) -> Option<DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    day_start(&day.checked_add_days(Days::new(1))?.to_string())
}

/// `09:05:07`, for the 离线 banner's last update.
pub fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%H:%M:%S").to_string()
}

/// `11-28 09:05:07`, for the timeline where the order of quick steps matters.
pub fn short_with_seconds(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%m-%d %H:%M:%S")
        .to_string()
}

/// A duration in minutes as the two largest units: `2天3小时`, `5小时12分`, `7分钟` /
/// `2d 3h`, `5h 12m`, `7 min`.
fn span(lang: Lang, minutes: i64) -> String {
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match lang {
        Lang::Zh if d > 0 => format!("{d}天{h}小时"),
        Lang::Zh if h > 0 => format!("{h}小时{m}分"),
        Lang::Zh => format!("{m}分钟"),
        Lang::En if d > 0 => format!("{d}d {h}h"),
        Lang::En if h > 0 => format!("{h}h {m}m"),
        Lang::En => format!("{m} min"),
    }
}

/// Time left until `due`, or how long it is overdue: `剩余 5小时12分` / `超期 2天3小时`.
pub fn time_left(lang: Lang, due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (due - now).num_seconds();
    let minutes = seconds.abs() / 60;
    match (lang, seconds >= 0, minutes == 0) {
        (Lang::Zh, true, true) => "剩余不足1分钟".to_owned(),
        (Lang::Zh, false, true) => "刚刚超期".to_owned(),
        (Lang::Zh, true, false) => format!("剩余 {}", span(lang, minutes)),
        (Lang::Zh, false, false) => format!("超期 {}", span(lang, minutes)),
        (Lang::En, true, true) => "under 1 min left".to_owned(),
        (Lang::En, false, true) => "just overdue".to_owned(),
        (Lang::En, true, false) => format!("{} left", span(lang, minutes)),
        (Lang::En, false, false) => format!("{} overdue", span(lang, minutes)),
    }
}

/// How long ago `t` was: `3分钟前` / `3 min ago`; `刚刚` / `just now` under a minute.
pub fn age(lang: Lang, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - t).num_minutes().max(0);
    match lang {
        Lang::Zh if minutes == 0 => "刚刚".to_owned(),
        Lang::En if minutes == 0 => "just now".to_owned(),
        Lang::Zh => format!("{}前", span(lang, minutes)),
        Lang::En => format!("{} ago", span(lang, minutes)),
    }
}

/// A distance in metres: `85 米` / `1.2 公里`.
pub fn distance(lang: Lang, metres: f64) -> String {
    if metres < 1000.0 {
        let m = metres.round();
        lang.pick(&format!("{m} 米"), &format!("{m} m")).to_owned()
    } else {
        let km = metres / 1000.0;
        lang.pick(&format!("{km:.1} 公里"), &format!("{km:.1} km"))
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn times_are_shown_in_shanghai() {
        // 17:30 UTC is half past one the next morning in Beijing.
        assert_eq!(date_time(at("2026-11-27T17:30:00Z")), "2026-11-28 01:30");
        assert_eq!(
            short_with_seconds(at("2026-11-28T01:00:05Z")),
            "11-28 09:00:05"
        );
    }

    #[test]
    fn a_beijing_day_runs_from_midnight_to_midnight() {
        assert_eq!(day_start("2026-11-28"), Some(at("2026-11-27T16:00:00Z")));
        assert_eq!(day_end("2026-11-28"), Some(at("2026-11-28T16:00:00Z")));
        assert_eq!(day_end("2026-12-31"), Some(at("2026-12-31T16:00:00Z")));
        assert_eq!(day_start(""), None);
        assert_eq!(day_start("28/11/2026"), None);
        assert_eq!(full(at("2026-11-27T16:00:05Z")), "2026-11-28 00:00:05");
    }

    #[test]
    fn a_datetime_field_reads_and_shows_beijing_time() {
        let t = at("2026-11-28T01:05:00Z");
        assert_eq!(local_input(t), "2026-11-28T09:05");
        assert_eq!(from_local_input("2026-11-28T09:05"), Some(t));
        assert_eq!(from_local_input("2026-11-28T09:05:00"), Some(t));
        assert_eq!(from_local_input(""), None);
        assert_eq!(day(at("2026-11-27T16:00:05Z")), "2026-11-28");
    }

    #[test]
    fn time_left_uses_the_two_largest_units() {
        let now = at("2026-11-28T00:00:00Z");
        assert_eq!(
            time_left(Lang::Zh, at("2026-11-30T03:20:00Z"), now),
            "剩余 2天3小时"
        );
        assert_eq!(
            time_left(Lang::Zh, at("2026-11-28T05:12:30Z"), now),
            "剩余 5小时12分"
        );
        assert_eq!(
            time_left(Lang::En, at("2026-11-28T00:07:00Z"), now),
            "7 min left"
        );
        assert_eq!(
            time_left(Lang::Zh, at("2026-11-28T00:00:30Z"), now),
            "剩余不足1分钟"
        );
    }

    #[test]
    fn overdue_time_counts_up() {
        let now = at("2026-11-28T12:00:00Z");
        assert_eq!(
            time_left(Lang::Zh, at("2026-11-28T09:55:00Z"), now),
            "超期 2小时5分"
        );
        assert_eq!(
            time_left(Lang::En, at("2026-11-26T09:00:00Z"), now),
            "2d 3h overdue"
        );
    }

    #[test]
    fn age_and_distance_read_naturally() {
        let now = at("2026-11-28T12:00:00Z");
        assert_eq!(age(Lang::Zh, at("2026-11-28T11:57:10Z"), now), "2分钟前");
        assert_eq!(age(Lang::En, at("2026-11-28T11:59:50Z"), now), "just now");
        assert_eq!(distance(Lang::Zh, 84.6), "85 米");
        assert_eq!(distance(Lang::En, 1234.0), "1.2 km");
    }
}
