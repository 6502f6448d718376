//! How a change of standard reaches the cluster: for an edition that is replaced or
//! withdrawn, per pillar industry, how many firms and offers cite or declare it, and how
//! many of those firms have already declared the edition that replaces it. The office reads
//! it to see which trades need help with retesting; the store hands in the rows.

use std::collections::{BTreeMap, BTreeSet};

/// One offer that cites or declares the edition, with its firm's pillar industry (None when
/// the firm declared none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub org_id: i64,
    pub offer_id: i64,
    pub pillar: Option<String>,
}

/// The figures of one industry, or of all (`pillar` None in [`Impact::total`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImpactRow {
    pub pillar: Option<String>,
    pub firms: usize,
    pub offers: usize,
    /// Firms among them with a declaration of the new edition in force.
    pub redeclared: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Impact {
    /// Most firms first, then by industry code; firms without an industry last.
    pub rows: Vec<ImpactRow>,
    pub total: ImpactRow,
}

/// Counts `reached` by industry; `redeclared` holds the firms that have declared the new
/// edition. A firm counts once per industry (its first declared one) and once in the total.
pub fn impact(reached: &[Reached], redeclared: &BTreeSet<i64>) -> Impact {
    let mut by: BTreeMap<Option<String>, (BTreeSet<i64>, BTreeSet<i64>)> = BTreeMap::new();
    let (mut firms, mut offers) = (BTreeSet::new(), BTreeSet::new());
    for r in reached {
        let (f, o) = by.entry(r.pillar.clone()).or_default();
        f.insert(r.org_id);
        o.insert(r.offer_id);
        firms.insert(r.org_id);
        offers.insert(r.offer_id);
    }
    let row = |pillar: Option<String>, f: &BTreeSet<i64>, o: &BTreeSet<i64>| ImpactRow {
        pillar,
        firms: f.len(),
        offers: o.len(),
        redeclared: f.iter().filter(|id| redeclared.contains(id)).count(),
    };
    let mut rows: Vec<ImpactRow> = by.iter().map(|(p, (f, o))| row(p.clone(), f, o)).collect();
    rows.sort_by(|a, b| {
        (a.pillar.is_none(), std::cmp::Reverse(a.firms), &a.pillar).cmp(&(
            b.pillar.is_none(),
            std::cmp::Reverse(b.firms),
            &b.pillar,
        ))
    });
    Impact { rows, total: row(None, &firms, &offers) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(org: i64, offer: i64, pillar: Option<&str>) -> Reached {
        Reached { org_id: org, offer_id: offer, pillar: pillar.map(String::from) }
    }

    #[test]
    fn firms_offers_and_those_redeclared_are_counted_per_industry_and_once_in_all() {
        let reached = [
            r(1, 10, Some("cups")),
            r(1, 11, Some("cups")),
            r(2, 20, Some("cups")),
            r(3, 30, Some("doors")),
            r(4, 40, None),
        ];
        let done: BTreeSet<i64> = [2, 3].into();
        let i = impact(&reached, &done);
        let rows: Vec<(Option<&str>, usize, usize, usize)> =
            i.rows.iter().map(|r| (r.pillar.as_deref(), r.firms, r.offers, r.redeclared)).collect();
        assert_eq!(rows, [(Some("cups"), 2, 3, 1), (Some("doors"), 1, 1, 1), (None, 1, 1, 0)]);
        assert_eq!((i.total.firms, i.total.offers, i.total.redeclared), (4, 5, 2));
    }

    #[test]
    fn nothing_reached_is_an_empty_table() {
        let i = impact(&[], &BTreeSet::new());
        assert!(i.rows.is_empty());
        assert_eq!(i.total, ImpactRow::default());
    }
}
