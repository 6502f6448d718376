//! A target's progress: the straight path from its baseline to its target value, and where
//! the latest actual value stands against that path.

use wujin_domain::report::Month;

/// From `baseline` (a month and its value) to `target` by `due`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetPath {
    pub baseline_month: Month,
    pub baseline: f64,
    pub due: Month,
    pub target: f64,
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The latest month with an actual value, and the value.
    pub month: Month,
    pub actual: f64,
    /// Where the straight path is in that month.
    pub expected: f64,
    /// The share of the way from baseline to target covered, in per cent (may pass 100 or
    /// fall below 0).
    pub done_percent: f64,
    /// The actual value is at or beyond the path, in the target's direction.
    pub on_track: bool,
}

impl TargetPath {
    /// The path's value in `month`: the baseline before it starts, the target after it ends.
    pub fn expected(&self, month: Month) -> f64 {
        let span = self.baseline_month.until(self.due);
        if span <= 0 {
            return self.target;
        }
        let k = f64::from(self.baseline_month.until(month).clamp(0, span)) / f64::from(span);
        self.baseline + (self.target - self.baseline) * k
    }

    /// Progress at the latest of `actuals` (month, value); none without an actual value.
    pub fn progress(&self, actuals: &[(Month, f64)]) -> Option<Progress> {
        let &(month, actual) = actuals.iter().max_by_key(|(m, _)| *m)?;
        let expected = self.expected(month);
        let rising = self.target >= self.baseline;
        let on_track = if rising { actual >= expected } else { actual <= expected };
        let way = self.target - self.baseline;
        let done_percent = if way == 0.0 { 100.0 } else { (actual - self.baseline) * 100.0 / way };
        Some(Progress { month, actual, expected, done_percent, on_track })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfway_in_time_a_target_expects_half_the_way() {
        let m = |y, n| Month::new(y, n).unwrap();
        let path = TargetPath { baseline_month: m(2026, 1), baseline: 100.0, due: m(2027, 1), target: 160.0 };
        assert_eq!(path.expected(m(2026, 7)), 130.0);
        assert_eq!(path.expected(m(2025, 7)), 100.0);
        assert_eq!(path.expected(m(2028, 1)), 160.0);
        let behind = path.progress(&[(m(2026, 6), 140.0), (m(2026, 7), 125.0)]).unwrap();
        assert_eq!(behind.month, m(2026, 7));
        assert!(!behind.on_track);
        assert!((behind.done_percent - 41.666).abs() < 0.01);
        assert!(path.progress(&[(m(2026, 7), 131.0)]).unwrap().on_track);
        assert_eq!(path.progress(&[]), None);
        // A target to bring something down is on track below the path.
        let down = TargetPath { baseline_month: m(2026, 1), baseline: 40.0, due: m(2026, 11), target: 20.0 };
        assert!(down.progress(&[(m(2026, 6), 29.0)]).unwrap().on_track);
        assert!(!down.progress(&[(m(2026, 6), 31.0)]).unwrap().on_track);
    }
}
