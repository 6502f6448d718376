//! A server keeps the pages it answered for the index as it stands: asked again, the same
//! page comes back without a search; once the index changes, every page is searched anew,
//! so a buyer never sees an offer that was withdrawn or misses one just listed.

mod common;

use common::{firm, index_of, offer};
use wujin_match::SearchQuery;

fn offers_of(page: &wujin_match::OrgPage) -> Vec<u64> {
    let mut ids: Vec<u64> = page.orgs.iter().flat_map(|o| o.hits.iter().map(|h| h.offer_id)).collect();
    ids.sort();
    ids
}

#[test]
fn a_page_asked_again_is_the_same_and_a_change_to_the_index_is_seen_at_once() {
    let idx = index_of(&[
        firm(offer("1", "304不锈钢真空保温杯", "保温杯", "双层真空", ""), "330784112", &[]),
        firm(offer("2", "儿童保温杯 500ml", "保温杯", "", ""), "330784001", &[]),
    ])
    .with_page_cache(16);
    let q = SearchQuery { text: "保温杯".into(), limit: 80, facets: true, ..Default::default() };
    let first = idx.search_orgs(&q, 0, 10, 3).unwrap();
    assert_eq!(offers_of(&first), vec![1, 2]);
    let again = idx.search_orgs(&q, 0, 10, 3).unwrap();
    assert_eq!(offers_of(&again), offers_of(&first));
    assert_eq!(again.facets, first.facets);
    let stats = idx.page_cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses, stats.pages), (1, 1, 1), "the second asking came from the cache");

    // Another page, other filters: each its own search.
    idx.search_orgs(&q, 1, 10, 3).unwrap();
    idx.search_orgs(&SearchQuery { town: Some("330784112".into()), ..q.clone() }, 0, 10, 3).unwrap();
    assert_eq!(idx.page_cache_stats().unwrap().hits, 1);

    idx.delete(1);
    idx.commit().unwrap();
    let after = idx.search_orgs(&q, 0, 10, 3).unwrap();
    assert_eq!(offers_of(&after), vec![2], "the withdrawn offer is gone from the page kept before");
    assert_eq!(after.total, 1);
}

#[test]
fn without_a_cache_every_search_runs() {
    let idx = index_of(&[firm(offer("1", "甲级防盗门", "防盗门", "", ""), "330784108", &[])]);
    assert!(idx.page_cache_stats().is_none());
    let idx = idx.with_page_cache(0);
    assert!(idx.page_cache_stats().is_none(), "0 pages keeps none");
    let q = SearchQuery { text: "防盗门".into(), limit: 10, ..Default::default() };
    assert_eq!(idx.search_orgs(&q, 0, 10, 3).unwrap().total, 1);
}
