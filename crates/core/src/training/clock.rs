//! The clock a trainer controls: scenario time runs at 1× to 1000× wall time, and can be paused,
//! resumed and sped up or slowed down at any moment without a jump. Pure: every change takes the
//! wall instant it happens at.

use chrono::{DateTime, Duration, Utc};

/// Slowest and fastest a scenario may be played.
pub const MIN_SPEED: f64 = 1.0;
pub const MAX_SPEED: f64 = 1_000.0;

/// Why the clock refused a change.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ClockError {
    #[error("the speed must be from 1 to 1000, not {0}")]
    Speed(f64),
}

impl ClockError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Speed(_) => "INVALID_SPEED",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Speed(speed) => format!("倍速须为 1 至 1000，不是 {speed}"),
        }
    }
}

/// Scenario seconds (from the shift's start) against wall time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioClock {
    /// The wall instant and scenario second of the last change.
    anchor_wall: DateTime<Utc>,
    anchor_second: f64,
    speed: f64,
    paused: bool,
}

impl ScenarioClock {
    /// A clock at the shift's start at `wall`, running at `speed`.
    pub fn start(wall: DateTime<Utc>, speed: f64) -> Result<Self, ClockError> {
        Ok(Self {
            anchor_wall: wall,
            anchor_second: 0.0,
            speed: checked(speed)?,
            paused: false,
        })
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The wall instant of the last change and the scenario second it stood at.
    pub fn anchor(&self) -> (DateTime<Utc>, f64) {
        (self.anchor_wall, self.anchor_second)
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// The scenario second at wall instant `wall` (not before the last change).
    pub fn second_at(&self, wall: DateTime<Utc>) -> f64 {
        if self.paused || wall <= self.anchor_wall {
            return self.anchor_second;
        }
        let elapsed = (wall - self.anchor_wall)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64;
        self.anchor_second + elapsed / 1e6 * self.speed
    }

    /// The wall instant scenario second `second` comes at, if the clock keeps running as it is;
    /// `None` while paused (it does not come) or for a second already past.
    pub fn wall_at(&self, second: f64) -> Option<DateTime<Utc>> {
        if self.paused || second < self.anchor_second {
            return None;
        }
        let micros = (second - self.anchor_second) / self.speed * 1e6;
        Some(self.anchor_wall + Duration::microseconds(micros as i64))
    }

    fn rebase(&mut self, wall: DateTime<Utc>) {
        self.anchor_second = self.second_at(wall);
        self.anchor_wall = wall.max(self.anchor_wall);
    }

    pub fn pause(&mut self, wall: DateTime<Utc>) {
        self.rebase(wall);
        self.paused = true;
    }

    pub fn resume(&mut self, wall: DateTime<Utc>) {
        self.rebase(wall);
        self.paused = false;
    }

    /// Plays on at `speed` from `wall`, without a jump.
    pub fn set_speed(&mut self, wall: DateTime<Utc>, speed: f64) -> Result<(), ClockError> {
        let speed = checked(speed)?;
        self.rebase(wall);
        self.speed = speed;
        Ok(())
    }
}

/// Every setting a run's clock had, oldest first (each as it was from the change that made it):
/// reads a wall instant of the run, such as a ticket event's, as the scenario second it fell
/// on, whatever the trainer did with the clock in between.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClockLog(pub Vec<ScenarioClock>);

impl ClockLog {
    /// Keeps `clock` as the setting from its last change on.
    pub fn push(&mut self, clock: ScenarioClock) {
        self.0.push(clock);
    }

    /// The clock as it is now.
    pub fn current(&self) -> Option<&ScenarioClock> {
        self.0.last()
    }

    /// The wall instant the run started at.
    pub fn started(&self) -> Option<DateTime<Utc>> {
        self.0.first().map(|c| c.anchor_wall)
    }

    /// The scenario second at `wall`: by the setting of that moment; 0 before the start.
    pub fn second_at(&self, wall: DateTime<Utc>) -> f64 {
        self.0
            .iter()
            .rev()
            .find(|c| c.anchor_wall <= wall)
            .map_or(0.0, |c| c.second_at(wall))
    }
}

fn checked(speed: f64) -> Result<f64, ClockError> {
    if speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed) {
        Ok(speed)
    } else {
        Err(ClockError::Speed(speed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The clock reads `expected` scenario seconds `wall` seconds in.
    #[track_caller]
    fn at(clock: &ScenarioClock, wall: i64, expected: f64) {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let read = clock.second_at(t0 + Duration::seconds(wall));
        assert!((read - expected).abs() < 1e-6, "{read} ≠ {expected}");
    }

    #[test]
    fn speed_pause_and_resume_never_jump() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let secs = |s: i64| t0 + Duration::seconds(s);
        let mut clock = ScenarioClock::start(t0, 60.0).unwrap();
        // 10 s at 60× is 10 minutes; a change of speed does not jump.
        at(&clock, 10, 600.0);
        clock.set_speed(secs(10), 1_000.0).unwrap();
        at(&clock, 10, 600.0);
        at(&clock, 11, 1_600.0);
        // Paused, scenario time stands.
        clock.pause(secs(12));
        at(&clock, 100, 2_600.0);
        assert_eq!(clock.wall_at(3_000.0), None, "nothing comes while paused");
        clock.resume(secs(100));
        at(&clock, 101, 3_600.0);
        assert_eq!(clock.wall_at(4_600.0), Some(secs(102)));
        assert_eq!(clock.wall_at(100.0), None, "a second already past");
        assert_eq!(
            clock.set_speed(secs(101), 5_000.0),
            Err(ClockError::Speed(5_000.0))
        );
        assert!(
            (clock.speed() - 1_000.0).abs() < 1e-9,
            "a refused change changes nothing"
        );
        assert!(ScenarioClock::start(t0, 0.5).is_err());
    }

    #[test]
    fn the_log_reads_any_past_instant_by_the_setting_of_its_moment() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let secs = |s: i64| t0 + Duration::seconds(s);
        let mut log = ClockLog::default();
        let mut clock = ScenarioClock::start(t0, 10.0).unwrap();
        log.push(clock);
        clock.set_speed(secs(60), 100.0).unwrap();
        log.push(clock);
        clock.pause(secs(70));
        log.push(clock);
        clock.resume(secs(200));
        log.push(clock);
        let read = |s: i64| log.second_at(secs(s));
        assert!((read(-5) - 0.0).abs() < 1e-9, "before the start");
        assert!((read(30) - 300.0).abs() < 1e-9);
        assert!((read(65) - 1_100.0).abs() < 1e-9);
        assert!((read(150) - 1_600.0).abs() < 1e-9, "paused");
        assert!((read(201) - 1_700.0).abs() < 1e-9);
        assert_eq!(log.started(), Some(t0));
        let kept: ClockLog = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
        assert_eq!(kept, log);
        assert!(ScenarioClock::start(t0, f64::NAN).is_err());
    }
}
