//! The small-cell rule: what may be shown of counts and sums built from firms' secrets
//! (supply ties, monthly reports, booked capacity) to anyone but the firms themselves.
//!
//! A cell is shown only when at least [`MIN_FIRMS`] firms contribute to it and no single firm
//! makes over [`MAX_SHARE_PERCENT`] % of its value. In a table whose totals are shown, a hidden
//! cell could be worked out from the others and the total, so more cells are hidden until no
//! line (row or column) with a shown total has exactly one hidden cell (complementary
//! suppression). Concentration figures (top-5 share, HHI) need [`MIN_FIRMS_CONCENTRATION`].

/// The fewest firms a shown cell is built from.
pub const MIN_FIRMS: u32 = 5;
/// The largest share of a shown cell's value one firm may make, in per cent.
pub const MAX_SHARE_PERCENT: u64 = 80;
/// The fewest firms a cell needs before its top-5 share or HHI is shown.
pub const MIN_FIRMS_CONCENTRATION: u32 = 10;

/// What the rule needs to know of one cell: how many firms contribute, the sum of their
/// values and the largest single value (values are counts, fen, hours: never negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cell {
    pub firms: u32,
    pub total: u64,
    pub largest: u64,
}

impl Cell {
    /// The cell of these per-firm values (one value per firm).
    pub fn of(values: impl IntoIterator<Item = u64>) -> Cell {
        values.into_iter().fold(Cell::default(), |c, v| Cell {
            firms: c.firms + 1,
            total: c.total.saturating_add(v),
            largest: c.largest.max(v),
        })
    }

    /// A count of firms: each contributes one.
    pub fn count(firms: u32) -> Cell {
        Cell { firms, total: u64::from(firms), largest: u64::from(firms.min(1)) }
    }

    /// The primary rule: enough firms, none dominant.
    pub fn publishable(&self) -> bool {
        self.firms >= MIN_FIRMS
            && u128::from(self.largest) * 100 <= u128::from(self.total) * u128::from(MAX_SHARE_PERCENT)
    }

    /// Whether concentration figures may be shown for this cell.
    pub fn concentration_publishable(&self) -> bool {
        self.firms >= MIN_FIRMS_CONCENTRATION && self.publishable()
    }
}

/// Which cells of a table may be shown: `cells[r][c]`, with the row totals shown when
/// `row_totals` and the column totals when `col_totals`. Cells failing the rule are hidden
/// (a cell of no firm is shown: it is known to hold nothing);
/// then, while a line with a shown total has exactly one hidden cell, its smallest shown
/// cell (by value, then by firms) is hidden too. Returns `shown[r][c]`.
pub fn suppress(cells: &[Vec<Cell>], row_totals: bool, col_totals: bool) -> Vec<Vec<bool>> {
    // A cell no firm contributes to is shown: it reveals nobody, and hiding it would protect
    // nothing (its value is known to be nothing).
    let mut shown: Vec<Vec<bool>> =
        cells.iter().map(|row| row.iter().map(|c| c.firms == 0 || c.publishable()).collect()).collect();
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    loop {
        let mut changed = false;
        if row_totals {
            for r in 0..cells.len() {
                let line: Vec<(usize, usize)> = (0..cells[r].len()).map(|c| (r, c)).collect();
                changed |= complete_line(cells, &mut shown, &line);
            }
        }
        if col_totals {
            for c in 0..width {
                let line: Vec<(usize, usize)> =
                    (0..cells.len()).filter(|&r| c < cells[r].len()).map(|r| (r, c)).collect();
                changed |= complete_line(cells, &mut shown, &line);
            }
        }
        if !changed {
            return shown;
        }
    }
}

/// Hides one more cell of `line` when exactly one is hidden; says whether it did.
fn complete_line(cells: &[Vec<Cell>], shown: &mut [Vec<bool>], line: &[(usize, usize)]) -> bool {
    let hidden = line.iter().filter(|&&(r, c)| !shown[r][c]).count();
    if hidden != 1 {
        return false;
    }
    let partner = line
        .iter()
        .filter(|&&(r, c)| shown[r][c] && cells[r][c].firms > 0)
        .min_by_key(|&&(r, c)| (cells[r][c].total, cells[r][c].firms));
    match partner {
        Some(&(r, c)) => {
            shown[r][c] = false;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_needs_five_firms_and_no_firm_over_four_fifths() {
        assert!(Cell::count(5).publishable());
        assert!(!Cell::count(4).publishable());
        assert!(Cell::of([80, 5, 5, 5, 5]).publishable(), "exactly 80 % is allowed");
        assert!(!Cell::of([81, 5, 5, 5, 4]).publishable());
        assert!(!Cell::of([1, 1, 1, 1]).publishable());
        assert!(Cell::of([0, 0, 0, 0, 0]).publishable(), "five firms with nothing: nobody dominates");
        assert!(!Cell::count(9).concentration_publishable());
        assert!(Cell::count(10).concentration_publishable());
    }

    #[test]
    fn a_lone_hidden_cell_takes_the_smallest_other_cell_of_its_line_with_it() {
        let row = vec![Cell::count(3), Cell::count(12), Cell::count(7), Cell::count(20)];
        let shown = suppress(std::slice::from_ref(&row), true, false);
        assert_eq!(shown, vec![vec![false, true, false, true]]);
        // Without a total shown, the small cell alone is hidden.
        assert_eq!(suppress(&[row], false, false), vec![vec![false, true, true, true]]);
    }

    #[test]
    fn no_hidden_cell_can_be_worked_out_from_its_row_or_column_totals() {
        let c = Cell::count;
        let table = vec![vec![c(2), c(9), c(6)], vec![c(8), c(30), c(11)], vec![c(7), c(5), c(40)]];
        let shown = suppress(&table, true, true);
        for r in 0..3 {
            assert_ne!(shown[r].iter().filter(|s| !**s).count(), 1, "row {r}: {shown:?}");
        }
        for col in 0..3 {
            assert_ne!((0..3).filter(|&r| !shown[r][col]).count(), 1, "column {col}: {shown:?}");
        }
        assert!(!shown[0][0], "the small cell stays hidden");
        assert!(shown[1][1] && shown[2][2], "large cells away from it stay shown");
    }
}
