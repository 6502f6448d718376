//! A measure by group (sector, town or size class) and month, with the month's total over
//! all groups: the office's structure tables and their trend lines.
//!
//! The months' totals are shown, so each month's column is suppressed as a line with a total
//! ([`wujin_domain::disclosure::suppress`]). Growth compares only firms that reported in both
//! months (a matched sample: a firm that starts reporting is not growth), and is shown only
//! when both months' matched cells pass the rule.

use std::collections::{BTreeMap, HashMap};

use wujin_domain::disclosure::{Cell, suppress};
use wujin_domain::report::Month;

use crate::summary::{Summary, summarise};

/// One firm's value of the measure for a month, in the group it falls in ("" for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub org: i64,
    pub group: String,
    pub month: Month,
    pub value: i64,
}

/// What a cell shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    /// No firm reported for it.
    Empty,
    /// Too few firms, one firm too large, or hidden so that another hidden cell stays hidden.
    Hidden,
    Figure {
        summary: Summary,
        /// Per cent change on the month before, over firms that reported in both.
        mom: Option<f64>,
        /// Per cent change on the same month a year before, over firms that reported in both.
        yoy: Option<f64>,
    },
}

impl Shown {
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            Shown::Figure { summary, .. } => Some(summary),
            _ => None,
        }
    }
}

/// A group's cells, one per month of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub group: String,
    pub cells: Vec<Shown>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub months: Vec<Month>,
    /// Groups in code order ("" last).
    pub lines: Vec<Line>,
    /// All groups together, month by month.
    pub total: Line,
}

type Values = HashMap<i64, i64>;

/// The table of `points` over `months` (in the order given). Points of other months are
/// read only as the base of growth.
pub fn table(points: &[Point], months: &[Month]) -> Table {
    // group -> month -> firm -> value; "*" keys the all-groups line.
    let mut by: BTreeMap<&str, HashMap<Month, Values>> = BTreeMap::new();
    let mut all: HashMap<Month, Values> = HashMap::new();
    for p in points {
        by.entry(p.group.as_str()).or_default().entry(p.month).or_default().insert(p.org, p.value);
        all.entry(p.month).or_default().insert(p.org, p.value);
    }
    let mut groups: Vec<&str> = by.keys().copied().collect();
    groups.sort_by_key(|g| (g.is_empty(), *g));
    let cell_of = |m: &HashMap<Month, Values>, month: Month| -> (Cell, Summary) {
        let values: Vec<i64> = m.get(&month).map(|v| v.values().copied().collect()).unwrap_or_default();
        summarise(&values)
    };
    let figures: Vec<Vec<(Cell, Summary)>> =
        groups.iter().map(|g| months.iter().map(|&m| cell_of(&by[g], m)).collect()).collect();
    let cells: Vec<Vec<Cell>> = figures.iter().map(|row| row.iter().map(|(c, _)| *c).collect()).collect();
    let shown = suppress(&cells, false, true);
    let line = |group: &str, m: &HashMap<Month, Values>, shown: &dyn Fn(usize) -> bool| Line {
        group: group.to_string(),
        cells: months
            .iter()
            .enumerate()
            .map(|(i, &month)| {
                let (cell, summary) = cell_of(m, month);
                if cell.firms == 0 {
                    Shown::Empty
                } else if !shown(i) {
                    Shown::Hidden
                } else {
                    Shown::Figure {
                        summary,
                        mom: growth(m, month.plus(-1), month),
                        yoy: growth(m, month.plus(-12), month),
                    }
                }
            })
            .collect(),
    };
    let lines = groups.iter().enumerate().map(|(r, g)| line(g, &by[g], &|c| shown[r][c])).collect();
    let total = line("", &all, &|i| cell_of(&all, months[i]).0.publishable());
    Table { months: months.to_vec(), lines, total }
}

/// Per cent change from `base` to `month` over the firms with a value in both, when both
/// sides pass the rule and the base is not nothing.
fn growth(m: &HashMap<Month, Values>, base: Month, month: Month) -> Option<f64> {
    let (now, then) = (m.get(&month)?, m.get(&base)?);
    let both: Vec<(i64, i64)> = now.iter().filter_map(|(org, v)| Some((*v, *then.get(org)?))).collect();
    let (cn, sn) = summarise(&both.iter().map(|b| b.0).collect::<Vec<_>>());
    let (cb, sb) = summarise(&both.iter().map(|b| b.1).collect::<Vec<_>>());
    (cn.publishable() && cb.publishable() && sb.sum > 0).then(|| {
        let pct = (sn.sum - sb.sum) as f64 * 100.0 / sb.sum as f64;
        (pct * 10.0).round() / 10.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(m: u8) -> Month {
        Month::new(2026, m).unwrap()
    }

    fn points(group: &str, first_org: i64, values: &[i64], m: u8) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Point { org: first_org + i as i64, group: group.into(), month: month(m), value })
            .collect()
    }

    #[test]
    fn a_four_firm_group_and_a_dominated_group_are_never_shown_nor_derivable() {
        let mut p = points("C3382", 1, &[100, 120, 90, 110, 105, 98], 3);
        p.extend(points("C3389", 100, &[50, 60, 70, 80], 3)); // four firms
        p.extend(points("C3443", 200, &[950, 10, 10, 10, 10, 10], 3)); // one firm 95 %
        p.extend(points("C3530", 300, &[40, 45, 50, 55, 60, 65, 70], 3));
        let t = table(&p, &[month(3)]);
        let by: HashMap<&str, Shown> = t.lines.iter().map(|l| (l.group.as_str(), l.cells[0])).collect();
        assert_eq!(by["C3389"], Shown::Hidden);
        assert_eq!(by["C3443"], Shown::Hidden);
        assert!(by["C3382"].summary().is_some() || by["C3530"].summary().is_some());
        assert!(by["C3382"].summary().is_some() && by["C3530"].summary().is_some());
        // The total is shown, so what it leaves over the shown cells is the two hidden cells
        // together, which tells neither.
        let total = t.total.cells[0].summary().expect("the month's total").sum;
        let shown_sum: i64 = t.lines.iter().filter_map(|l| l.cells[0].summary()).map(|s| s.sum).sum();
        assert_eq!(total - shown_sum, 260 + 1_000);
        assert_eq!(t.lines.iter().filter(|l| l.cells[0] == Shown::Hidden).count(), 2);
    }

    #[test]
    fn a_lone_small_group_takes_the_next_smallest_with_it_when_the_total_is_shown() {
        let mut p = points("a", 1, &[10, 10, 10, 10, 10, 10], 1);
        p.extend(points("b", 100, &[5, 5, 5], 1));
        p.extend(points("c", 200, &[7, 7, 7, 7, 7], 1));
        let t = table(&p, &[month(1)]);
        let cells: Vec<Shown> = t.lines.iter().map(|l| l.cells[0]).collect();
        assert_eq!(cells[1], Shown::Hidden);
        assert_eq!(cells[2], Shown::Hidden, "c (35) is hidden with b, else b = total − a − c");
        assert!(cells[0].summary().is_some());
        assert_eq!(t.total.cells[0].summary().unwrap().sum, 60 + 15 + 35);
    }

    #[test]
    fn growth_counts_only_firms_that_reported_both_months() {
        let mut p = points("a", 1, &[100; 6], 1);
        p.extend(points("a", 1, &[110; 6], 2));
        // A seventh firm starts reporting in February: no growth of its own.
        p.push(Point { org: 7, group: "a".into(), month: month(2), value: 1_000 });
        let t = table(&p, &[month(1), month(2)]);
        match t.lines[0].cells[1] {
            Shown::Figure { summary, mom, yoy } => {
                assert_eq!(summary.sum, 1_660);
                assert_eq!(mom, Some(10.0));
                assert_eq!(yoy, None, "no year before");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.lines[0].cells[0], Shown::Figure { summary: summarise(&[100; 6]).1, mom: None, yoy: None });
        let empty = table(&p, &[month(5)]);
        assert_eq!(empty.lines[0].cells[0], Shown::Empty);
    }
}
