//! Service gaps from unmet demand: signals (a demand that drew too few responses, an
//! invitation nobody answered, a demand cancelled for want of a provider, a search that
//! found little) grouped by service family and town, ranked by weight, with examples and
//! whether the gap grows or shrinks. What firms asked for is their business: the demand
//! side of a cell is shown only when at least five firms stand behind it; searches are
//! anonymous and always counted.

use std::collections::{BTreeMap, BTreeSet};

use wujin_domain::disclosure::MIN_FIRMS;
use wujin_domain::report::Month;

/// What a signal weighs in a gap's score: a demand nobody answered, or cancelled for want of
/// a provider, weighs most; a search that found little, least.
pub fn weight(kind: &str) -> u32 {
    match kind {
        "no_response" | "no_provider" => 3,
        "thin" => 2,
        _ => 1,
    }
}

/// One signal, placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub kind: &'static str,
    /// The service family ("" when its words name none).
    pub family: String,
    /// The town ("" when unknown, as for searches).
    pub town: String,
    /// The firm behind it, if any (searches have none).
    pub firm: Option<i64>,
    pub month: Month,
    pub example: Option<String>,
}

/// Whether a gap grows: the last three months against the three before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Growing,
    Shrinking,
    Steady,
}

/// A family's gap, or a family's in one town.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub family: String,
    /// None for the family over all towns.
    pub town: Option<String>,
    /// Signals by kind; the demand kinds only when shown.
    pub counts: BTreeMap<&'static str, u32>,
    pub score: u32,
    /// Distinct firms behind the demand signals.
    pub firms: u32,
    /// Whether the demand signals may be shown (no firm, or at least five).
    pub shown: bool,
    /// Score of the last three months and of the three before.
    pub recent: u32,
    pub before: u32,
    pub direction: Direction,
    /// Up to three examples (public demands' titles, words searched).
    pub examples: Vec<String>,
}

fn gap(family: &str, town: Option<&str>, signals: &[&Signal], latest: Month) -> Gap {
    let firms: BTreeSet<i64> = signals.iter().filter_map(|s| s.firm).collect();
    let shown = firms.is_empty() || firms.len() as u32 >= MIN_FIRMS;
    let visible: Vec<&&Signal> = signals.iter().filter(|s| shown || s.firm.is_none()).collect();
    let mut counts = BTreeMap::new();
    for s in &visible {
        *counts.entry(s.kind).or_insert(0) += 1;
    }
    let score_in = |from: Month, to: Month| -> u32 {
        visible.iter().filter(|s| s.month >= from && s.month <= to).map(|s| weight(s.kind)).sum()
    };
    let recent = score_in(latest.plus(-2), latest);
    let before = score_in(latest.plus(-5), latest.plus(-3));
    let direction = if recent * 4 > before * 5 {
        Direction::Growing
    } else if recent * 5 < before * 4 {
        Direction::Shrinking
    } else {
        Direction::Steady
    };
    let mut examples: Vec<String> = vec![];
    for s in visible.iter().rev() {
        if let Some(e) = &s.example
            && !examples.contains(e)
            && examples.len() < 3
        {
            examples.push(e.clone());
        }
    }
    Gap {
        family: family.to_string(),
        town: town.map(str::to_string),
        score: visible.iter().map(|s| weight(s.kind)).sum(),
        counts,
        firms: firms.len() as u32,
        shown,
        recent,
        before,
        direction,
        examples,
    }
}

/// The gaps of each family over all towns, largest score first; and within each family its
/// towns (only towns whose demand signals may be shown, and never the unknown town).
pub fn rank(signals: &[Signal], latest: Month) -> Vec<(Gap, Vec<Gap>)> {
    let mut by_family: BTreeMap<&str, Vec<&Signal>> = BTreeMap::new();
    for s in signals {
        by_family.entry(s.family.as_str()).or_default().push(s);
    }
    let mut out: Vec<(Gap, Vec<Gap>)> = by_family
        .iter()
        .map(|(family, list)| {
            let mut by_town: BTreeMap<&str, Vec<&Signal>> = BTreeMap::new();
            for s in list.iter().filter(|s| !s.town.is_empty()) {
                by_town.entry(s.town.as_str()).or_default().push(s);
            }
            let mut towns: Vec<Gap> = by_town
                .iter()
                .map(|(town, l)| gap(family, Some(town), l, latest))
                .filter(|g| g.shown && g.firms > 0)
                .collect();
            towns.sort_by_key(|g| std::cmp::Reverse(g.score));
            (gap(family, None, list, latest), towns)
        })
        .collect();
    // A family whose signals are all hidden has nothing to show.
    out.retain(|(g, _)| g.score > 0);
    out.sort_by_key(|(g, _)| std::cmp::Reverse(g.score));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(kind: &'static str, family: &str, town: &str, firm: Option<i64>, month: Month) -> Signal {
        Signal { kind, family: family.into(), town: town.into(), firm, month, example: Some(format!("{kind}{firm:?}")) }
    }

    #[test]
    fn gaps_rank_by_weight_grow_or_shrink_and_hide_what_few_firms_asked() {
        let m = Month::new(2026, 10).unwrap();
        let mut signals = vec![];
        // Testing: six firms' demands went unanswered lately, in one town.
        for firm in 1..=6 {
            signals.push(s("no_response", "testing", "330784105", Some(firm), m));
        }
        // Design: two firms' thin demands long ago, and searches.
        signals.push(s("thin", "rd_design", "330784001", Some(7), m.plus(-4)));
        signals.push(s("thin", "rd_design", "330784001", Some(8), m.plus(-4)));
        signals.push(s("empty_search", "rd_design", "", None, m));
        let ranked = rank(&signals, m);
        let (testing, towns) = &ranked[0];
        assert_eq!((testing.family.as_str(), testing.score, testing.direction), ("testing", 18, Direction::Growing));
        assert_eq!(towns.len(), 1);
        assert_eq!(towns[0].town.as_deref(), Some("330784105"));
        let (design, towns) = &ranked[1];
        assert!(!design.shown, "two firms' demands are not shown");
        assert_eq!(design.counts.get("thin"), None);
        assert_eq!((design.counts.get("empty_search"), design.score), (Some(&1), 1), "the search counts");
        assert!(design.examples.iter().all(|e| e.starts_with("empty_search")), "{:?}", design.examples);
        assert!(towns.is_empty());
    }
}
