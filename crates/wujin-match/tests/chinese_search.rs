//! Finding offers the way people in the cluster ask: sub-words inside longer words,
//! synonyms, English, standard numbers in any spacing, filters — each hit saying why.

mod common;

use common::{firm, ids, index_of, offer, text};
use wujin_domain::{OfferKind, OfferRecord};
use wujin_match::{MatchIndex, OfferDoc, SearchQuery, standards_in};

fn index() -> (MatchIndex, Vec<OfferRecord>) {
    let offers = vec![
        offer("1", "304不锈钢真空保温杯 500ml", "保温杯", "双层真空，保温12小时", "GB/T 29606-2013"),
        offer("2", "铝合金压铸件 电动工具齿轮箱壳体", "压铸件", "800T压铸机，ADC12", ""),
        offer("3", "甲级防盗门", "防盗门", "钢质入户门，C级锁芯", "GB 17565-2022"),
        offer("4", "保温杯外观设计", "工业设计", "为杯业企业做外观与结构设计", ""),
        offer("5", "锂电角磨机 20V 无刷", "角磨机", "Cordless angle grinder, brushless motor", "GB/T 3883.1-2014"),
    ];
    let towns = ["330784112", "330784106", "330784108", "330784001", "330784105"];
    let firms: Vec<_> = offers.iter().zip(towns).map(|(o, t)| firm(o.clone(), t, &[])).collect();
    (index_of(&firms), offers)
}

#[test]
fn a_word_inside_a_longer_word_is_found() {
    let (idx, _) = index();
    assert_eq!(
        ids(&idx, text("保温杯"))[..2].iter().copied().collect::<std::collections::BTreeSet<_>>(),
        [1, 4].into()
    );
    assert_eq!(ids(&idx, text("压铸")).first(), Some(&2));
}

#[test]
fn a_synonym_finds_the_same_offer_and_says_so() {
    let (idx, _) = index();
    let r = idx.search(&SearchQuery { limit: 10, ..text("真空杯") }).unwrap();
    assert_eq!(r.hits.first().map(|h| h.offer_id), Some(1));
    assert!(
        r.hits[0].matched.iter().any(|m| m.term == "保温杯" && m.via.as_deref() == Some("真空杯")),
        "{:?}",
        r.hits[0].matched
    );
}

#[test]
fn english_and_spoken_needs_work() {
    let (idx, _) = index();
    assert_eq!(ids(&idx, text("cordless angle grinder 20V")).first(), Some(&5));
    assert_eq!(ids(&idx, text("想找个做保温杯外观设计的工作室")).first(), Some(&4));
}

#[test]
fn standard_numbers_in_any_spacing() {
    assert_eq!(standards_in("GB/T29606 检测"), vec!["GB/T 29606-2013"]);
    assert_eq!(standards_in("按 gb 4806.9 和 GB 17565-2022"), vec!["GB 4806.9-2023", "GB 17565-2022"]);
    let (idx, _) = index();
    let r = idx.search(&SearchQuery { limit: 10, ..text("GB/T29606") }).unwrap();
    assert_eq!(r.hits.first().map(|h| h.offer_id), Some(1));
    assert_eq!(r.hits[0].standards, vec!["GB/T 29606-2013"]);
}

#[test]
fn filters_hold_and_absurd_queries_are_empty() {
    let (idx, _) = index();
    assert_eq!(ids(&idx, SearchQuery { kind: Some(OfferKind::Service), ..text("保温杯") }), vec![4]);
    assert_eq!(ids(&idx, SearchQuery { town: Some("330784108".into()), ..text("") }), vec![3]);
    assert_eq!(ids(&idx, SearchQuery { category: Some("doors".into()), ..text("") }), vec![3]);
    assert!(ids(&idx, text("！！！，。")).is_empty());
    assert!(ids(&idx, text(&"保温杯".repeat(5000))).contains(&1), "a very long need is cut, not refused");
}

#[test]
fn re_indexing_an_offer_replaces_it() {
    let (idx, offers) = index();
    let changed = OfferRecord { title: "甲级防盗门 升级款".into(), ..offers[2].clone() };
    idx.upsert(&[OfferDoc {
        offer_id: 3,
        org_id: 102,
        org_name: "永康市测试有限公司",
        town: Some("330784108"),
        certificates: vec![],
        sectors: &[],
        standing: Default::default(),
        record: &changed,
        free: &[],
        declared: &[],
        tests: &[],
    }])
    .unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.num_docs(), 5);
    assert_eq!(ids(&idx, text("升级款")), vec![3]);
}

#[test]
fn the_demo_cluster_finds_vacuum_flask_makers() {
    let cluster = wujin_demo::generate(3, 300);
    let idx = MatchIndex::in_memory().unwrap();
    let docs: Vec<OfferDoc> = cluster
        .offers
        .iter()
        .enumerate()
        .map(|(i, r)| OfferDoc {
            offer_id: i as u64 + 1,
            org_id: 1,
            org_name: "x",
            town: None,
            certificates: vec![],
            sectors: &[],
            standing: Default::default(),
            record: r,
            free: &[],
            declared: &[],
            tests: &[],
        })
        .collect();
    idx.upsert(&docs).unwrap();
    idx.commit().unwrap();
    let r = idx.search(&SearchQuery { limit: 10, ..text("保温杯") }).unwrap();
    assert!(r.total > 10);
    for h in &r.hits {
        let o = &cluster.offers[h.offer_id as usize - 1];
        assert!(
            o.title.contains("保温杯") || o.title.contains("真空杯") || o.category.starts_with("cups"),
            "{}",
            o.title
        );
    }
}

#[test]
fn a_word_run_together_with_a_size_is_found_and_a_model_number_stays_whole() {
    let idx = index_of(&[
        firm(offer("1", "18VBMS保护板", "控制器", "锂电池组保护", ""), "330784001", &[]),
        firm(offer("2", "无刷电机控制器 36V", "控制器", "电动工具用", ""), "330784001", &[]),
    ]);
    assert_eq!(ids(&idx, text("BMS")).first(), Some(&1), "BMS inside 18VBMS");
    assert_eq!(ids(&idx, text("18V BMS")).first(), Some(&1));
    let (idx, _) = index();
    assert_eq!(ids(&idx, text("ADC12")), vec![2], "a model number is found whole");
    assert_eq!(ids(&idx, text("ADC")), vec![2], "and by its letters");
}

#[test]
fn words_in_every_firms_name_do_not_widen_a_need() {
    // Enough offers for a share to say something: every firm's name says 永康 and 公司.
    let cluster = wujin_demo::generate(wujin_demo::DEFAULT_SEED, 300);
    let docs = wujin_match::docs_for(&cluster.orgs, &cluster.offers);
    assert!(docs.len() >= 1000, "{} offers", docs.len());
    let idx = MatchIndex::in_memory().unwrap();
    idx.upsert(&docs).unwrap();
    idx.commit().unwrap();
    let total = |need: &str| idx.search(&SearchQuery { limit: 10, ..text(need) }).unwrap().total;
    let plain = total("焖烧杯");
    assert!(plain > 0 && plain < docs.len() / 10, "{plain} of {}", docs.len());
    assert_eq!(total("永康有没有做焖烧杯的公司"), plain, "永康 and 公司 match no more offers");
    assert_eq!(total("永康焖烧杯厂家"), plain);
    // Alone, a common word is all the need says, and it matches.
    assert!(total("永康") > docs.len() / 2);
}
