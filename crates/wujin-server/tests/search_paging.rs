//! Walking the pages of a search reaches the same organisations in the same order whatever
//! the page size, down to the depth the API documents (200 organisations), and `total`
//! counts what the pages hold: organisations, not offers. Both engines.

mod common;

use common::send_to;
use serde_json::Value;
use wujin_store::both_backends;

/// Every organisation the pages of `query` list at `limit`, in order, and the first page's
/// body.
async fn walk(app: &wujin_server::api::AppState, query: &str, limit: usize) -> (Vec<i64>, Value) {
    let mut orgs = vec![];
    let mut cursor: Option<String> = None;
    let mut first = Value::Null;
    loop {
        let mut path = format!("/api/v1/search?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = send_to(app, "GET", &path, None, &[]).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{path}: {}", r.body);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        orgs.extend(items.iter().map(|i| i["org"]["id"].as_i64().unwrap()));
        if first.is_null() {
            first = r.body.clone();
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "only the last page is short");
                cursor = Some(c.to_string());
            }
            None => break,
        }
        assert!(orgs.len() <= wujin_server::api::search::MAX_ORGS, "pages stop at the documented depth");
    }
    (orgs, first)
}

both_backends! {
    async fn pages_of_any_size_list_the_same_firms_in_the_same_order(db) {
        common::with_demo(&db.store).await;
        let app = common::with_index(&db.store).await;
        let q: String = form_urlencoded::byte_serialize("不锈钢".as_bytes()).collect();
        for query in [format!("q={q}"), "kind=product".to_string()] {
            let (by_100, first) = walk(&app, &query, 100).await;
            assert!(by_100.len() > 20, "{query}: a broad query finds many firms ({})", by_100.len());
            let distinct: std::collections::HashSet<_> = by_100.iter().collect();
            assert_eq!(distinct.len(), by_100.len(), "{query}: each firm once");
            for limit in [7, 20] {
                let (walked, _) = walk(&app, &query, limit).await;
                assert_eq!(walked, by_100, "{query}: limit {limit} walks the same firms in the same order");
            }
            let total = first["total"].as_u64().unwrap() as usize;
            if first["total_is_lower_bound"] == false {
                assert_eq!(total, by_100.len(), "{query}: total counts the firms the pages hold");
            } else {
                assert!(total >= by_100.len().min(200), "{query}");
            }
            assert!(first["offers_total"].as_u64().unwrap() as usize >= by_100.len(), "{query}");
        }
    }
}

both_backends! {
    async fn no_words_browse_the_firms_and_only_needs_in_words_are_logged(db) {
        common::with_demo(&db.store).await;
        let log = wujin_server::querylog::QueryLog::start(db.store.clone());
        let app = wujin_server::api::AppState { queries: Some(log.clone()), ..common::with_index(&db.store).await };

        // No words: the firms, standing first (verified, rated, certified), then more offers.
        let (firms, first) = walk(&app, "lang=zh", 20).await;
        assert!(firms.len() > 20, "browsing lists firms, not nothing ({})", firms.len());
        let items = first["items"].as_array().unwrap();
        for pair in items.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let (sa, sb) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
            assert!(sa > sb || (sa == sb && a["matched_offers"].as_u64() >= b["matched_offers"].as_u64()), "{a}\n{b}");
        }
        assert!(first["facets"]["kind"].as_object().is_some_and(|k| !k.is_empty()), "with facets");

        log.flush().await;
        assert_eq!(db.store.count_queries().await.unwrap(), 0, "browsing is not a search that found nothing");
        let q: String = form_urlencoded::byte_serialize("保温杯".as_bytes()).collect();
        let r = send_to(&app, "GET", &format!("/api/v1/search?q={q}&limit=5"), None, &[]).await;
        let next = r.body["next_cursor"].as_str().unwrap().to_string();
        send_to(&app, "GET", &format!("/api/v1/search?q={q}&limit=5&cursor={next}"), None, &[]).await;
        send_to(&app, "GET", &format!("/api/v1/search?q={q}&kind=product&refine=1"), None, &[]).await;
        log.flush().await;
        assert_eq!(db.store.count_queries().await.unwrap(), 1, "the need once: not its next page, not a filter link");
    }
}
