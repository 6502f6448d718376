//! Why one firm ranks above another: the words of the need, the category a word names, and
//! the signals kept in the store (certificates held, being local) — each stated on the hit.

mod common;

use common::{firm, index_of, offer, text};
use wujin_match::{SearchQuery, Signal};

#[test]
fn a_word_naming_a_category_finds_offers_that_never_say_it() {
    let idx = index_of(&[
        firm(offer("1", "焖烧杯造型与CMF方案", "工业设计", "十年杯壶设计经验", ""), "330784001", &[]),
        firm(offer("2", "304不锈钢焖烧杯", "焖烧杯", "食品级内胆", ""), "330784112", &[]),
    ]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("想找个做焖烧杯外观设计的工作室") }).unwrap();
    let first = &r.hits[0];
    assert_eq!(first.offer_id, 1, "the design house, not the maker");
    assert!(first.matched.iter().any(|m| m.term == "外观设计" && m.field == "category"), "{:?}", first.matched);
}

#[test]
fn certificates_order_firms_that_match_equally() {
    let same = || offer("x", "锂电角磨机 20V", "角磨机", "无刷电机", "");
    let idx = index_of(&[firm(same(), "330784105", &[]), firm(same(), "330784105", &["ISO 9001", "CCC", "ISO 14001"])]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("角磨机") }).unwrap();
    assert_eq!(r.hits[0].offer_id, 2);
    assert_eq!(r.hits[0].signals, vec![Signal::Certificates(3)]);
    assert!(r.hits[1].signals.is_empty());
    assert!(r.hits[0].score > r.hits[1].score);
}

#[test]
fn how_a_firm_has_dealt_orders_firms_that_match_equally() {
    use wujin_match::Standing;
    let same = || offer("x", "铝合金压铸件", "压铸件", "ADC12", "");
    let with = |standing: Standing| common::Firm { standing, ..firm(same(), "330784105", &[]) };
    let idx = index_of(&[
        with(Standing::default()),
        with(Standing { ratings: 6, rating_avg: 4.8, invited: 10, answered: 9, verified: true }),
        with(Standing { ratings: 5, rating_avg: 1.4, invited: 4, answered: 0, verified: false }),
        // Two invitations are too few to judge a response rate by.
        with(Standing { invited: 2, answered: 0, ..Standing::default() }),
    ]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("压铸件") }).unwrap();
    let order: Vec<u64> = r.hits.iter().map(|h| h.offer_id).collect();
    assert_eq!(order[0], 2, "well rated, answers, verified");
    assert_eq!(*order.last().unwrap(), 3, "rated poorly and never answers");
    let good = &r.hits[0].signals;
    assert!(good.contains(&Signal::Rating { tenths: 48, count: 6 }), "{good:?}");
    assert!(good.contains(&Signal::ResponseRate { answered: 9, invited: 10 }) && good.contains(&Signal::Verified));
    assert!(r.hits.iter().find(|h| h.offer_id == 4).unwrap().signals.is_empty(), "no signal from two invitations");
    for h in &r.hits {
        let product: f32 = h.signals.iter().map(|s| s.factor()).product();
        assert!((0.9..1.12).contains(&product), "reputation orders, it never decides: {product}");
    }
}

#[test]
fn local_firms_come_first_when_the_need_names_a_town() {
    let same = || offer("x", "铝合金压铸件", "压铸件", "800T压铸", "");
    let idx = index_of(&[firm(same(), "330784106", &[]), firm(same(), "330784112", &[])]);
    let near =
        |town: &str| idx.search(&SearchQuery { near_town: Some(town.into()), limit: 10, ..text("压铸") }).unwrap().hits;
    let hits = near("330784112");
    assert_eq!(hits.len(), 2, "local first orders, it does not filter");
    assert_eq!((hits[0].offer_id, hits[0].signals.clone()), (2, vec![Signal::SameTown]));
    assert_eq!(near("330784106")[0].offer_id, 1);
}

#[test]
fn a_signal_never_lifts_a_firm_above_one_that_matches_the_need_better() {
    let idx = index_of(&[
        firm(offer("1", "甲级防盗门", "防盗门", "", ""), "330784108", &["ISO 9001", "CCC", "ISO 14001", "ISO 45001"]),
        firm(offer("2", "甲级防盗门 指纹锁", "防盗门", "指纹锁 智能锁", ""), "330784108", &[]),
    ]);
    let r =
        idx.search(&SearchQuery { near_town: Some("330784108".into()), limit: 10, ..text("防盗门 指纹锁") }).unwrap();
    assert_eq!(r.hits[0].offer_id, 2);
}

#[test]
fn makers_stay_below_the_service_even_when_indexed_apart() {
    // Products and services committed separately land in separate segments; the service a
    // need names must win in every segment, including one that holds no service at all.
    let maker = offer("1", "304不锈钢焖烧杯", "焖烧杯", "焖烧杯 焖烧罐 食品级内胆 焖烧杯", "");
    let studio = offer("2", "保温杯工业设计", "工业设计", "杯壶设计", "");
    let certs: Vec<String> = vec![];
    let idx = wujin_match::MatchIndex::in_memory().unwrap();
    for (id, r) in [(1u64, &maker), (2, &studio)] {
        let doc = wujin_match::OfferDoc {
            offer_id: id,
            org_id: 100 + id,
            org_name: "永康市测试有限公司",
            town: Some("330784001"),
            certificates: certs.iter().map(String::as_str).collect(),
            sectors: &[],
            standing: Default::default(),
            record: r,
            free: &[],
            declared: &[],
            tests: &[],
        };
        idx.upsert(&[doc]).unwrap();
        idx.commit().unwrap();
    }
    assert_eq!(idx.segments(), 2);
    let r = idx.search(&SearchQuery { limit: 10, ..text("焖烧杯外观设计") }).unwrap();
    assert_eq!(r.hits[0].offer_id, 2, "{:?}", r.hits);
}

#[test]
fn a_design_house_that_knows_the_product_comes_before_one_that_does_not() {
    let design = |ext: &str, title: &str| offer(ext, title, "工业设计", "外观设计、结构设计，出图快。", "");
    let firms = vec![
        firm(design("m", "电机工业设计"), "330784105", &[]),
        firm(design("p", "挂锁工业设计"), "330784105", &[]),
        firm(design("c", "保温杯工业设计"), "330784105", &[]),
    ];
    let idx = common::index_of(&firms);
    let result = idx.search(&SearchQuery { limit: 10, ..text("想找个做焖烧杯外观设计的工作室") }).unwrap();
    let top = &result.hits[0];
    assert_eq!(
        top.offer_id,
        3,
        "the cup designer first: {:?}",
        result.hits.iter().map(|h| h.offer_id).collect::<Vec<_>>()
    );
    assert!(top.signals.contains(&wujin_match::Signal::Specialist(true)), "and says why: {:?}", top.signals);
    assert!(result.hits[1..].iter().all(|h| h.signals.is_empty()), "the others have no such reason");
    // A product need is not work: nobody is a specialist for it.
    let maker = idx.search(&SearchQuery { limit: 10, ..text("焖烧杯") }).unwrap();
    assert!(maker.hits.iter().all(|h| !h.signals.iter().any(|s| matches!(s, wujin_match::Signal::Specialist(_)))));
}

#[test]
fn a_size_in_the_need_puts_the_offer_stating_a_fitting_one_first() {
    // Equal text but for the size; the fitting one is listed last, so a tie would not pick it.
    let cup = |ext: &str, size: &str| offer(ext, &format!("双层真空保温杯 {size}"), "保温杯", "", "");
    let idx = index_of(&[
        firm(cup("1", "750ml"), "330784105", &[]),
        firm(cup("2", "400ml"), "330784105", &[]),
        firm(cup("3", "1L"), "330784105", &[]),
        firm(cup("4", "520ml"), "330784105", &[]),
    ]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("500毫升左右的保温杯") }).unwrap();
    let order: Vec<u64> = r.hits.iter().map(|h| h.offer_id).collect();
    assert_eq!(order[0], 4, "520 ml is about 500: {order:?}");
    assert_eq!(r.hits[0].signals, vec![Signal::Size(100)]);
    assert_eq!(r.hits[0].sizes.as_deref(), Some("520 ml ≈ 500 毫升"), "the explanation names the sizes");
    let far = r.hits.iter().find(|h| h.offer_id == 1).unwrap();
    assert_eq!(far.sizes.as_deref(), Some("750 ml ≠ 500 毫升"));
    assert_eq!(*order.last().unwrap(), 3, "1 L is the furthest off: {order:?}");

    let machine = |ext: &str, t: &str| offer(ext, &format!("{t}压铸机产能对外承接"), "压铸产能", "", "");
    let idx = index_of(&[
        firm(machine("1", "280T"), "330784105", &[]),
        firm(machine("2", "350T"), "330784105", &[]),
        firm(machine("3", "800T"), "330784105", &[]),
    ]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("有400吨以上压铸机的压铸厂") }).unwrap();
    assert_eq!(r.hits[0].offer_id, 3, "only the 800 t machine is 400 t or more");
    assert_eq!(r.hits[0].sizes.as_deref(), Some("800 T ≥ 400 吨"));
    let small = r.hits.iter().find(|h| h.offer_id == 1).unwrap();
    assert_eq!(small.sizes.as_deref(), Some("280 T < 400 吨"));
    // A need that states no size leaves the order to the words.
    let r = idx.search(&SearchQuery { limit: 10, ..text("压铸机") }).unwrap();
    assert!(r.hits.iter().all(|h| h.signals.is_empty() && h.sizes.is_none()));
}

#[test]
fn a_title_for_the_trade_comes_before_a_generic_one() {
    let idx = index_of(&[
        firm(
            offer("1", "结构设计服务", "结构设计", "提供各类产品结构设计、机构设计服务，结构设计团队十年经验", ""),
            "330784001",
            &["ISO 9001"],
        ),
        firm(offer("2", "电动工具结构设计", "结构设计", "冲击钻、角磨机壳体与传动结构", ""), "330784001", &[]),
    ]);
    let r = idx.search(&SearchQuery { limit: 10, ..text("电动工具结构设计 冲击钻") }).unwrap();
    assert_eq!(r.hits.iter().map(|h| h.offer_id).collect::<Vec<_>>(), vec![2, 1], "{:?}", r.hits);
}
