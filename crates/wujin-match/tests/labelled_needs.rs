//! The labelled needs in `data/needs.toml`, searched over the demo cluster: the firms that
//! should come up do, and the first one is right for most needs. The same figures, over a
//! cluster of any size, are printed by `wujin bench search`.

use wujin_match::labelled::{Need, Quality, evaluate, needs};
use wujin_match::{MatchIndex, docs_for};

/// How `needs` fare over the demo cluster of 600 firms.
fn over_the_demo(needs: &[Need]) -> Quality {
    let cluster = wujin_demo::generate(wujin_demo::DEFAULT_SEED, 600);
    let docs = docs_for(&cluster.orgs, &cluster.offers);
    let index = MatchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    index.commit().unwrap();
    let offers: Vec<(u64, &wujin_domain::OfferRecord)> = docs.iter().map(|d| (d.org_id, d.record)).collect();
    evaluate(&index, needs, &offers).unwrap()
}

#[test]
fn the_labelled_needs_find_the_right_firms() {
    let needs = needs();
    assert!(needs.len() >= 60, "the set has {} needs", needs.len());
    let q = over_the_demo(&needs);
    let report: Vec<String> = q
        .results
        .iter()
        .filter(|r| r.recall_at_10 < 1.0 || !r.first_right)
        .map(|r| format!("{}: recall {:.2}, first {}, {} firms", r.text, r.recall_at_10, r.first_right, r.relevant))
        .collect();
    assert!(q.judged_count() >= 60, "{} needs had firms to find", q.judged_count());
    assert!(q.recall_at_10() >= 0.9, "recall@10 {:.3}\n{}", q.recall_at_10(), report.join("\n"));
    assert!(q.first_right() >= 0.7, "right firm first {:.3}\n{}", q.first_right(), report.join("\n"));
}

#[test]
fn a_need_stating_a_size_finds_a_firm_stating_a_fitting_one_first() {
    let sized: Vec<_> = needs().into_iter().filter(|n| n.size.is_some()).collect();
    assert!(sized.len() >= 2, "the set has needs with sizes");
    for r in &over_the_demo(&sized).results {
        assert!(r.relevant > 0, "{}: the cluster has firms stating a fitting size", r.text);
        assert!(r.first_right, "{}: a firm stating a fitting size first (recall {:.2})", r.text, r.recall_at_10);
    }
}

#[test]
fn skipping_offers_that_cannot_reach_the_top_changes_no_answer() {
    let cluster = wujin_demo::generate(wujin_demo::DEFAULT_SEED, 600);
    let docs = docs_for(&cluster.orgs, &cluster.offers);
    let index = MatchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    index.commit().unwrap();
    let mut asked = 0;
    for need in needs() {
        // A small k makes the floor rise early, so that many offers are skipped.
        for limit in [3, 10, 80] {
            let q = wujin_match::SearchQuery {
                text: need.text.clone(),
                limit,
                near_town: Some("330784112".into()),
                ..Default::default()
            };
            let fast = index.search(&q).unwrap();
            let full = index.search(&wujin_match::SearchQuery { exhaustive: true, ..q }).unwrap();
            let ranked = |r: &wujin_match::SearchResult| -> Vec<(u64, u32)> {
                r.hits.iter().map(|h| (h.offer_id, h.score.to_bits())).collect()
            };
            assert_eq!(ranked(&fast), ranked(&full), "{} (top {limit})", need.text);
            assert_eq!(fast.total, full.total);
            asked += 1;
        }
    }
    assert!(asked >= 180, "{asked} searches compared");
}
