//! The cluster's idle machine capacity (共享产能): free hours per process and town, week by
//! week, for the pilot office.
//!
//! A firm's free hours say how busy it is, so every figure is a cell of the small-cell rule
//! ([`wujin_domain::disclosure`]) over the firms' free hours: at least five firms, none with
//! over four fifths of the cell's hours. The rows' and columns' totals are shown, so hidden
//! cells take partners with them until no total gives one away; a total that fails the rule
//! itself is hidden too.

use std::collections::{BTreeMap, HashMap};

use wujin_domain::disclosure::{Cell, suppress};

/// One machine's week: the firm, the process and town it counts under ("" when unknown),
/// which column it falls in (a week, or a town), and its open and free minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineWeek {
    pub org: i64,
    pub machine: i64,
    pub process: String,
    pub column: String,
    pub open_minutes: i64,
    pub idle_minutes: i64,
}

/// What one cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// No machine counts here.
    Empty,
    /// Too few firms, one firm too large, or hidden so that another hidden cell stays hidden.
    Hidden,
    Hours {
        firms: u32,
        machines: u32,
        idle_minutes: i64,
        open_minutes: i64,
    },
}

impl Idle {
    /// Free hours, when shown.
    pub fn idle_hours(&self) -> Option<i64> {
        match self {
            Idle::Empty => Some(0),
            Idle::Hidden => None,
            Idle::Hours { idle_minutes, .. } => Some(idle_minutes / 60),
        }
    }

    /// The share of open hours that is free, in per cent to one decimal (per mille), when
    /// shown and open at all.
    pub fn idle_permille(&self) -> Option<i64> {
        match self {
            Idle::Hours { idle_minutes, open_minutes, .. } if *open_minutes > 0 => {
                Some(idle_minutes * 1000 / open_minutes)
            }
            _ => None,
        }
    }
}

/// Processes down, the given columns across, with both lines' totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// Process codes in code order, "" (no known process) last.
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<Idle>>,
    pub row_totals: Vec<Idle>,
    pub column_totals: Vec<Idle>,
    pub total: Idle,
}

/// Sums of one cell: free minutes per firm, open minutes, machines.
#[derive(Default)]
struct Acc {
    idle_by_firm: HashMap<i64, i64>,
    open: i64,
    machines: std::collections::BTreeSet<i64>,
}

impl Acc {
    fn add(&mut self, p: &MachineWeek) {
        *self.idle_by_firm.entry(p.org).or_default() += p.idle_minutes.max(0);
        self.open += p.open_minutes.max(0);
        self.machines.insert(p.machine);
    }

    fn cell(&self) -> Cell {
        Cell::of(self.idle_by_firm.values().map(|v| *v as u64))
    }

    fn shown(&self, publish: bool) -> Idle {
        if self.machines.is_empty() {
            Idle::Empty
        } else if !publish {
            Idle::Hidden
        } else {
            Idle::Hours {
                firms: self.idle_by_firm.len() as u32,
                machines: self.machines.len() as u32,
                idle_minutes: self.idle_by_firm.values().sum(),
                open_minutes: self.open,
            }
        }
    }
}

/// The grid of `points` with `columns` across (points in other columns are left out).
///
/// The totals are suppressed with the cells: the table is read as one of (rows + 1) ×
/// (columns + 1) cells whose last row and column are the totals, so a line with one hidden
/// figure among its cells and its total always loses another, and a single process shown in
/// a single town cannot be read off its row's total either.
pub fn grid(points: &[MachineWeek], columns: &[String]) -> Grid {
    let at: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let width = columns.len() + 1;
    let mut rows: BTreeMap<(bool, &str), Vec<Acc>> = BTreeMap::new();
    let mut totals: Vec<Acc> = (0..width).map(|_| Acc::default()).collect();
    for p in points {
        let Some(&c) = at.get(p.column.as_str()) else { continue };
        // Known processes in code order, the unknown one last.
        let key = (p.process.is_empty(), p.process.as_str());
        let row = rows.entry(key).or_insert_with(|| (0..width).map(|_| Acc::default()).collect());
        row[c].add(p);
        row[width - 1].add(p);
        totals[c].add(p);
        totals[width - 1].add(p);
    }
    let mut table: Vec<&Vec<Acc>> = rows.values().collect();
    table.push(&totals);
    let cells: Vec<Vec<Cell>> = table.iter().map(|r| r.iter().map(Acc::cell).collect()).collect();
    let shown = suppress(&cells, true, true);
    let mut lines: Vec<Vec<Idle>> =
        table.iter().zip(&shown).map(|(r, s)| r.iter().zip(s).map(|(a, s)| a.shown(*s)).collect()).collect();
    let mut column_totals = lines.pop().unwrap_or_default();
    let total = column_totals.pop().unwrap_or(Idle::Empty);
    let row_totals = lines.iter_mut().map(|l| l.pop().unwrap_or(Idle::Empty)).collect();
    Grid {
        rows: rows.keys().map(|(_, p)| p.to_string()).collect(),
        columns: columns.to_vec(),
        cells: lines,
        row_totals,
        column_totals,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(org: i64, process: &str, column: &str, idle_hours: i64) -> MachineWeek {
        MachineWeek {
            org,
            machine: org * 10 + process.len() as i64,
            process: process.into(),
            column: column.into(),
            open_minutes: 60 * 60,
            idle_minutes: idle_hours * 60,
        }
    }

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_cell_of_five_firms_shows_its_free_hours_and_one_of_four_does_not() {
        let mut points: Vec<MachineWeek> = (1..=5).map(|o| week(o, "die_casting", "w1", 30)).collect();
        points.extend((6..=11).map(|o| week(o, "polishing", "w1", 20)));
        points.extend((12..=15).map(|o| week(o, "stamping", "w1", 20)));
        let g = grid(&points, &cols(&["w1"]));
        assert_eq!(g.rows, ["die_casting", "polishing", "stamping"]);
        assert_eq!(g.cells[0][0].idle_hours(), Some(150));
        assert_eq!(g.cells[0][0].idle_permille(), Some(500), "150 of 300 open hours");
        assert_eq!(g.cells[2][0], Idle::Hidden, "four firms");
        // The week's total is shown, so the smaller other cell goes too: else the four
        // firms' hours would be the total less the rest.
        assert_eq!(g.cells[1][0], Idle::Hidden);
        assert_eq!(g.row_totals[2], Idle::Hidden, "the process's total is four firms too");
        assert_eq!(g.row_totals[1], Idle::Hidden, "one column: the total is the hidden cell");
        assert_eq!(g.column_totals[0].idle_hours(), Some(350), "fifteen firms together");
    }

    #[test]
    fn one_firm_with_most_of_the_free_hours_hides_the_cell() {
        let mut points: Vec<MachineWeek> = (1..=4).map(|o| week(o, "polishing", "w1", 2)).collect();
        points.push(week(5, "polishing", "w1", 60));
        let g = grid(&points, &cols(&["w1"]));
        assert_eq!(g.cells[0][0], Idle::Hidden, "60 of 68 hours is one firm's");
    }

    #[test]
    fn no_hidden_cell_can_be_worked_out_from_a_total() {
        // Every line of cells and its total holds no hidden figure or at least two.
        fn check(g: &Grid) {
            for (r, row) in g.cells.iter().enumerate() {
                let line: Vec<Idle> = row.iter().copied().chain([g.row_totals[r]]).collect();
                assert_ne!(line.iter().filter(|c| **c == Idle::Hidden).count(), 1, "row {r}: {line:?}");
            }
            for c in 0..g.columns.len() {
                let line: Vec<Idle> = g.cells.iter().map(|r| r[c]).chain([g.column_totals[c]]).collect();
                assert_ne!(line.iter().filter(|c| **c == Idle::Hidden).count(), 1, "column {c}: {line:?}");
            }
        }
        // Die casting: five firms in each of two towns, and two in a third.
        let mut points = vec![];
        for (town, firms) in [("a", 5), ("b", 6), ("c", 2)] {
            for o in 0..firms {
                points.push(week(100 * town.len() as i64 + o + town.as_bytes()[0] as i64 * 7, "die_casting", town, 10));
            }
        }
        points.extend((500..503).map(|o| week(o, "stamping", "a", 7)));
        let g = grid(&points, &cols(&["a", "b", "c"]));
        check(&g);
        let hidden = g.cells[0].iter().filter(|c| **c == Idle::Hidden).count();
        assert_ne!(hidden, 1, "{:?}", g.cells);
        assert_eq!(g.cells[0][2], Idle::Hidden);
        // The die-casting total would be the whole less stamping's hidden total: it goes too,
        // and the whole stays.
        assert_eq!(g.row_totals[0], Idle::Hidden);
        assert_eq!(g.total.idle_hours(), Some(151), "sixteen firms together");
    }

    #[test]
    fn a_machine_without_a_known_process_counts_last_and_columns_keep_their_order() {
        let points = vec![week(1, "", "w2", 5), week(2, "stamping", "w1", 5)];
        let g = grid(&points, &cols(&["w1", "w2"]));
        assert_eq!(g.rows, ["stamping", ""]);
        assert_eq!(g.columns, ["w1", "w2"]);
        assert_eq!(g.cells[0][1], Idle::Empty);
    }
}
