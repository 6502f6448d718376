//! Whatever a user types — any characters, any length, pasted pages, stray standard-like
//! fragments — the search core answers with a result (possibly empty), never a panic or an
//! error, and never more hits than asked for.

mod common;

use common::{firm, index_of, offer};
use proptest::prelude::*;
use wujin_match::{MatchIndex, SearchQuery, standards_in};

static INDEX: std::sync::LazyLock<MatchIndex> = std::sync::LazyLock::new(|| {
    index_of(&[
        firm(offer("1", "304不锈钢真空保温杯", "保温杯", "双层真空", "GB/T 29606-2013"), "330784112", &["ISO 9001"]),
        firm(offer("2", "保温杯外观设计", "工业设计", "杯壶设计", ""), "330784001", &[]),
        firm(offer("3", "甲级防盗门", "防盗门", "", "GB 17565-2022"), "330784108", &["CCC"]),
    ])
});

/// Text shaped like what people paste: Chinese, ASCII, punctuation, digits, GB fragments.
fn need_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[\\u{4e00}-\\u{9fa5}]{1,6}",
        "[a-zA-Z0-9 ]{1,12}",
        "[！，。；：、？\\-/.()（）【】 ]{1,4}",
        Just("GB/T".to_string()),
        Just("gb ".to_string()),
        "[0-9.\\-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_an_answer(text in need_text(), limit in 0usize..50, near in proptest::option::of("33078[0-9]{4}")) {
        let idx = &*INDEX;
        let q = SearchQuery { text: text.clone(), limit, near_town: near, facets: true, ..Default::default() };
        let r = idx.search(&q).unwrap();
        prop_assert!(r.hits.len() <= limit.max(1));
        prop_assert!(r.total >= r.hits.len());
        let page = idx.search_orgs(&q, 0, 10, 3).unwrap();
        prop_assert!(page.orgs.len() <= 10);
        // Standards read out of the text are always ones the library knows.
        for s in standards_in(&text) {
            prop_assert!(wujin_domain::Taxonomy::get().standard(&s).is_some());
        }
    }
}
