//! Narrowing a search the way a buyer does — budget, lead time, order size, certificates,
//! standards, family — and seeing how many offers sit under each filter value.

mod common;

use common::{Firm, firm, ids, index_of, offer, priced, text};
use wujin_domain::OfferKind;
use wujin_match::SearchQuery;

fn cluster() -> Vec<Firm> {
    vec![
        firm(
            priced(
                offer("1", "304不锈钢真空保温杯 500ml", "真空杯", "双层真空", "GB/T 29606-2013"),
                (18, 25),
                15,
                1000,
            ),
            "330784112",
            &["ISO 9001", "LFGB"],
        ),
        firm(
            priced(offer("2", "316不锈钢保温壶 1.5L", "保温壶", "大容量", "GB/T 29606-2013"), (45, 60), 30, 500),
            "330784112",
            &["ISO 9001"],
        ),
        firm(priced(offer("3", "焖烧杯 800ml", "焖烧杯", "食品级304内胆", ""), (30, 40), 7, 3000), "330784106", &[]),
        firm(
            priced(offer("4", "保温杯检测", "产品检测", "保温效能检测", "GB/T 29606-2013"), (800, 1500), 5, 1),
            "330784001",
            &["CNAS"],
        ),
        firm(
            priced(offer("5", "甲级防盗门", "防盗门", "钢质入户门", "GB 17565-2022"), (900, 1800), 20, 10),
            "330784108",
            &["CCC"],
        ),
    ]
}

#[test]
fn a_budget_keeps_offers_whose_price_range_reaches_into_it() {
    let idx = index_of(&cluster());
    let under_30 = SearchQuery { price_max: Some(30_00), ..text("保温杯") };
    assert_eq!(ids(&idx, under_30), vec![1]);
    let from_50 = SearchQuery { price_min: Some(50_00), kind: Some(OfferKind::Product), ..text("保温") };
    assert_eq!(ids(&idx, from_50), vec![2]);
}

#[test]
fn lead_time_and_order_size_narrow_what_can_be_delivered() {
    let idx = index_of(&cluster());
    let mut fast = ids(&idx, SearchQuery { max_lead_days: Some(15), category: Some("cups".into()), ..text("") });
    fast.sort();
    assert_eq!(fast, vec![1, 3]);
    let mut small_order = ids(&idx, SearchQuery { quantity: Some(800), category: Some("cups".into()), ..text("") });
    small_order.sort();
    assert_eq!(small_order, vec![2], "offer 1 needs 1000, offer 3 needs 3000");
}

#[test]
fn certificates_standards_and_families_must_all_hold() {
    let idx = index_of(&cluster());
    let mut iso = ids(&idx, SearchQuery { certificates: vec!["ISO 9001".into()], ..text("") });
    iso.sort();
    assert_eq!(iso, vec![1, 2]);
    let both = SearchQuery { certificates: vec!["ISO 9001".into(), "LFGB".into()], ..text("") };
    assert_eq!(ids(&idx, both), vec![1]);
    let tested = SearchQuery { standards: vec!["GB/T 29606-2013".into()], family: Some("testing".into()), ..text("") };
    assert_eq!(ids(&idx, tested), vec![4]);
}

#[test]
fn facets_count_the_matching_offers_under_each_value() {
    let idx = index_of(&cluster());
    let r = idx.search(&SearchQuery { facets: true, limit: 10, ..text("保温") }).unwrap();
    let facets = r.facets.expect("asked for");
    assert_eq!(r.total, 3, "保温 is in offers 1, 2 and 4");
    assert_eq!(facets.count("kind", "product"), 2);
    assert_eq!(facets.count("kind", "service"), 1);
    assert_eq!(facets.count("grp", "cups"), 2);
    assert_eq!(facets.count("grp", "testing"), 1);
    assert_eq!(facets.count("town", "330784112"), 2);
    assert_eq!(facets.count("standard", "GB/T 29606-2013"), 3);
    assert_eq!(facets.count("certificate", "ISO 9001"), 2);
    assert_eq!(facets.get("kind")[0], ("product".to_string(), 2), "most first");

    let narrowed = idx
        .search(&SearchQuery { facets: true, town: Some("330784112".into()), limit: 10, ..text("保温") })
        .unwrap()
        .facets
        .unwrap();
    assert_eq!(narrowed.count("kind", "service"), 0, "facets follow the filters");
    assert!(idx.search(&SearchQuery { limit: 10, ..text("保温") }).unwrap().facets.is_none(), "only when asked");
}

#[test]
fn past_a_threshold_of_matches_facets_are_sampled_and_say_so_while_the_total_stays_exact() {
    // 2,000 cups: three in four in one town, one in four in another; every fifth a service.
    let firms: Vec<Firm> = (1..=2000)
        .map(|i| {
            let ext = i.to_string();
            let o = if i % 5 == 0 {
                offer(&ext, "保温杯检测", "产品检测", "保温效能检测", "")
            } else {
                offer(&ext, "真空保温杯", "真空杯", "双层真空", "")
            };
            firm(o, if i % 4 == 0 { "330784106" } else { "330784112" }, &[])
        })
        .collect();
    let idx = index_of(&firms);
    let ask = |exact| SearchQuery { facets: true, facets_exact_up_to: exact, limit: 10, ..text("保温") };

    let exact = idx.search(&ask(None)).unwrap().facets.unwrap();
    assert!(!exact.approximate, "2,000 matches are under the default threshold");
    assert_eq!(exact.count("town", "330784112"), 1500);
    assert_eq!(exact.count("town", "330784106"), 500);

    let r = idx.search(&ask(Some(200))).unwrap();
    let sampled = r.facets.unwrap();
    assert!(sampled.approximate, "past 200 matches the counts are sampled");
    assert_eq!(r.total, 2000, "the total stays exact");
    for (field, value, want) in [
        ("kind", "product", 1600.0),
        ("kind", "service", 400.0),
        ("town", "330784112", 1500.0),
        ("town", "330784106", 500.0),
    ] {
        let got = sampled.count(field, value) as f64;
        assert!((got - want).abs() <= want * 0.25, "{value}: about {want}, got {got}");
    }
}
