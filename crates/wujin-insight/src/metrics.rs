//! Month-by-month values of the office's target metrics that come from firms' reports: a
//! sum over the last twelve months, the share of firms that bought a service, a ratio of two
//! sums. Each month's value is shown only when its firms pass the small-cell rule, and only
//! from the month a full year of reports stands behind it.

use std::collections::HashMap;

use wujin_domain::disclosure::{Cell, MIN_FIRMS};
use wujin_domain::report::Month;

use crate::table::Point;

/// Each firm's sum over the twelve months ending at `m`.
fn window(points: &[Point], m: Month) -> HashMap<i64, i64> {
    let from = m.plus(-11);
    let mut out: HashMap<i64, i64> = HashMap::new();
    for p in points.iter().filter(|p| p.month >= from && p.month <= m) {
        *out.entry(p.org).or_default() += p.value.max(0);
    }
    out
}

/// Whether a full year of reports stands behind `m`.
fn full_year(points: &[Point], m: Month) -> bool {
    points.iter().map(|p| p.month).min().is_some_and(|first| first <= m.plus(-11))
}

/// The sum over the twelve months to each of `months`, where the rule allows.
pub fn trailing_year(points: &[Point], months: &[Month]) -> Vec<Option<i64>> {
    months
        .iter()
        .map(|&m| {
            if !full_year(points, m) {
                return None;
            }
            let w = window(points, m);
            let cell = Cell::of(w.values().map(|&v| v as u64));
            cell.publishable().then(|| w.values().sum())
        })
        .collect()
}

/// Per cent of firms with a report in the twelve months to each month that spent anything
/// (`points` are their spend; a firm that reported and spent nothing has a zero point).
pub fn uptake(points: &[Point], months: &[Month]) -> Vec<Option<f64>> {
    months
        .iter()
        .map(|&m| {
            if !full_year(points, m) {
                return None;
            }
            let w = window(points, m);
            let buyers = w.values().filter(|&&v| v > 0).count();
            (w.len() as u32 >= MIN_FIRMS).then(|| buyers as f64 * 100.0 / w.len() as f64)
        })
        .collect()
}

/// `top` over `bottom` in per cent, month by month, from their trailing-year sums.
pub fn ratio(top: &[Option<i64>], bottom: &[Option<i64>]) -> Vec<Option<f64>> {
    top.iter()
        .zip(bottom)
        .map(|(t, b)| match (t, b) {
            (Some(t), Some(b)) if *b > 0 => Some(*t as f64 * 100.0 / *b as f64),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(org: i64, month: Month, value: i64) -> Point {
        Point { org, group: String::new(), month, value }
    }

    #[test]
    fn a_trailing_year_needs_a_year_of_reports_and_five_firms() {
        let start = Month::new(2025, 1).unwrap();
        let mut points = vec![];
        for k in 0..14 {
            for org in 1..=5 {
                points.push(p(org, start.plus(k), 10));
            }
        }
        let months: Vec<Month> = (10..14).map(|k| start.plus(k)).collect();
        assert_eq!(trailing_year(&points, &months), [None, Some(600), Some(600), Some(600)]);
        let four: Vec<Point> = points.iter().filter(|p| p.org != 5).cloned().collect();
        assert_eq!(trailing_year(&four, &months[1..2]), [None], "four firms");
        // Two of five firms spent on a family: 40 %.
        let spend: Vec<Point> = (1..=5).map(|org| p(org, start.plus(11), if org <= 2 { 7 } else { 0 })).collect();
        let with_first: Vec<Point> = spend.iter().cloned().chain([p(1, start, 0)]).collect();
        assert_eq!(uptake(&with_first, &[start.plus(11)]), [Some(40.0)]);
        assert_eq!(ratio(&[Some(3), Some(1), None], &[Some(100), Some(0), Some(5)]), [Some(3.0), None, None]);
    }
}
