//! "Free between these dates for at least N hours in one window": capacity offers carry their
//! machines' free windows, and the search keeps only those with a window that fits, counting
//! and ranking the rest as before.

mod common;

use common::{offer, text};
use wujin_domain::capacity::FreeAsk;
use wujin_domain::{OfferKind, OfferRecord};
use wujin_match::index::{pack_window, unpack_window};
use wujin_match::{MatchIndex, OfferDoc, SearchQuery};

const HOUR: i64 = 3_600_000;
/// 2026-12-07 00:00 UTC.
const DAY0: i64 = 1_796_601_600_000;

fn capacity(ext: &str, title: &str) -> OfferRecord {
    OfferRecord {
        kind: OfferKind::Capacity, ..offer(ext, title, "压铸产能", "800T 压铸岛，可接铝合金件", "")
    }
}

/// Three die-casting shops and one product maker: a shop with a long free day on day 1, one
/// free only in short gaps, one with no machine on the platform.
fn index() -> MatchIndex {
    let offers = [
        capacity("1", "800T 压铸产能 对外开放"),
        capacity("2", "400T 压铸产能 空闲机时"),
        capacity("3", "280T 压铸产能"),
        offer("4", "铝合金压铸件", "压铸件", "齿轮箱壳体", ""),
    ];
    let long_day = [(DAY0 + 24 * HOUR + 8 * HOUR, DAY0 + 24 * HOUR + 20 * HOUR)];
    let short_gaps: Vec<(i64, i64)> =
        (0..10).map(|d| (DAY0 + d * 24 * HOUR + 9 * HOUR, DAY0 + d * 24 * HOUR + 12 * HOUR)).collect();
    let free: [&[(i64, i64)]; 4] = [&long_day, &short_gaps, &[], &[]];
    let idx = MatchIndex::in_memory().unwrap();
    let docs: Vec<OfferDoc> = offers
        .iter()
        .zip(free)
        .enumerate()
        .map(|(i, (r, free))| OfferDoc {
            offer_id: i as u64 + 1,
            org_id: 101 + i as u64,
            org_name: "永康市测试压铸厂",
            town: Some("330784106"),
            certificates: vec![],
            sectors: &[],
            standing: Default::default(),
            record: r,
            free,
            declared: &[],
            tests: &[],
        })
        .collect();
    idx.upsert(&docs).unwrap();
    idx.commit().unwrap();
    idx
}

fn found(idx: &MatchIndex, words: &str, ask: FreeAsk) -> (Vec<u64>, usize) {
    let r = idx.search(&SearchQuery { limit: 10, free: Some(ask), facets: true, ..text(words) }).unwrap();
    let mut ids: Vec<u64> = r.hits.iter().map(|h| h.offer_id).collect();
    ids.sort();
    (ids, r.total)
}

#[test]
fn only_machines_free_long_enough_inside_the_dates_are_found() {
    let idx = index();
    let fortnight = FreeAsk { from: DAY0, to: DAY0 + 14 * 24 * HOUR, minutes: 0 };
    assert_eq!(found(&idx, "压铸", FreeAsk { minutes: 8 * 60, ..fortnight }), (vec![1], 1));
    assert_eq!(found(&idx, "压铸", FreeAsk { minutes: 3 * 60, ..fortnight }), (vec![1, 2], 2));
    // The product maker and the shop without machines never pass a free-window filter.
    assert_eq!(found(&idx, "", FreeAsk { minutes: 60, ..fortnight }), (vec![1, 2], 2));
    // Day 1 is outside these dates: only the short gaps are left, and they are too short.
    let later = FreeAsk { from: DAY0 + 2 * 24 * HOUR, to: DAY0 + 14 * 24 * HOUR, minutes: 4 * 60 };
    assert_eq!(found(&idx, "压铸", later), (vec![], 0));
    // The long day cut to its last four hours by the end of the dates asked.
    let cut = FreeAsk { from: DAY0, to: DAY0 + 24 * HOUR + 12 * HOUR, minutes: 4 * 60 };
    assert_eq!(found(&idx, "压铸", cut), (vec![1], 1));
    assert_eq!(found(&idx, "压铸", FreeAsk { minutes: 4 * 60 + 15, ..cut }), (vec![], 0));
}

#[test]
fn the_facets_count_only_what_the_window_lets_through() {
    let idx = index();
    let ask = FreeAsk { from: DAY0, to: DAY0 + 14 * 24 * HOUR, minutes: 8 * 60 };
    let r = idx.search(&SearchQuery { limit: 10, free: Some(ask), facets: true, ..text("压铸") }).unwrap();
    let kinds = r.facets.unwrap();
    assert_eq!(kinds.get("kind"), [("capacity".to_string(), 1)]);
}

#[test]
fn a_packed_window_never_claims_time_that_is_not_free() {
    let w = (DAY0 + 30_001, DAY0 + 8 * HOUR + 59_999);
    let back = unpack_window(pack_window(w).unwrap());
    assert!(back.0 >= w.0 && back.1 <= w.1, "{back:?} inside {w:?}");
    assert_eq!(back, (DAY0 + 60_000, DAY0 + 8 * HOUR));
    assert_eq!(pack_window((DAY0, DAY0 + 59_000)), None, "less than a whole minute");
}
