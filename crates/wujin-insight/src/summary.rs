//! One cell's figures: how many firms, their sum and median, and how concentrated it is.

use wujin_domain::disclosure::Cell;

/// Top-5 share and Herfindahl–Hirschman index of a cell's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concentration {
    /// The five largest firms' share of the sum, in per mille.
    pub top5_permille: u32,
    /// Σ (share in per cent)², 0 to 10,000: under 1,500 reads as unconcentrated, over 2,500
    /// as highly concentrated.
    pub hhi: u32,
}

/// A cell's figures, as may be shown when its [`Cell`] passes the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub firms: u32,
    pub sum: i64,
    /// The middle value; the mean of the two middle ones (rounded down) for an even count.
    pub median: i64,
    /// Only for cells of at least [`wujin_domain::disclosure::MIN_FIRMS_CONCENTRATION`] firms.
    pub concentration: Option<Concentration>,
}

/// The rule's view of `values` (one per firm, never negative) and their figures.
pub fn summarise(values: &[i64]) -> (Cell, Summary) {
    let cell = Cell::of(values.iter().map(|&v| v.max(0) as u64));
    let mut sorted: Vec<i64> = values.iter().map(|&v| v.max(0)).collect();
    sorted.sort_unstable();
    let n = sorted.len();
    let median = match n {
        0 => 0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => ((i128::from(sorted[n / 2 - 1]) + i128::from(sorted[n / 2])) / 2) as i64,
    };
    let sum: i64 = sorted.iter().sum();
    let concentration = (cell.concentration_publishable() && sum > 0).then(|| {
        let top5: i128 = sorted.iter().rev().take(5).map(|&v| i128::from(v)).sum();
        let total = i128::from(sum);
        let hhi: i128 = sorted.iter().map(|&v| (i128::from(v) * 100 * 100 / total).pow(2)).sum::<i128>() / 10_000;
        Concentration { top5_permille: (top5 * 1000 / total) as u32, hhi: hhi.min(10_000) as u32 }
    });
    (cell, Summary { firms: cell.firms, sum, median, concentration })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_median_is_the_middle_and_a_monopoly_is_ten_thousand() {
        let (_, s) = summarise(&[5, 1, 3]);
        assert_eq!((s.firms, s.sum, s.median), (3, 9, 3));
        assert_eq!(summarise(&[4, 1, 3, 2]).1.median, 2, "the mean of 2 and 3, rounded down");
        assert_eq!(s.concentration, None, "three firms are too few for concentration");
        let even: Vec<i64> = vec![10; 10];
        let c = summarise(&even).1.concentration.expect("ten equal firms");
        assert_eq!((c.top5_permille, c.hhi), (500, 1000));
        let mut one_big = vec![1; 9];
        one_big.push(991);
        let (cell, s) = summarise(&one_big);
        assert!(!cell.publishable(), "one firm makes 99 %");
        assert_eq!(s.concentration, None, "nor is its concentration shown");
    }
}
