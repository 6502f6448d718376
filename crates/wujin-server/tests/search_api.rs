//! `GET /api/v1/search` on the demo cluster: organisations with their matching offers and
//! the words that matched, filters that hold, and a clear 400 for what cannot be a search.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use wujin_match::MatchIndex;
use wujin_server::api::{AppState, router_with};
use wujin_store::Store;

async fn call(store: &Store, index: Option<Arc<MatchIndex>>, path: &str) -> (StatusCode, Value) {
    let resp = router_with(AppState { store: store.clone(), index })
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn indexed() -> (wujin_store::testing::TestDb, Arc<MatchIndex>) {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    common::with_demo(&db.store).await;
    let index = Arc::new(MatchIndex::in_memory().unwrap());
    wujin_match::follow::rebuild(&db.store, &index, |_, _| {}).await.unwrap();
    (db, index)
}

#[tokio::test]
async fn a_search_for_vacuum_cups_finds_their_makers_and_says_why() {
    let (db, index) = indexed().await;
    let (s, body) = call(&db.store, Some(index.clone()), "/api/v1/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&limit=5").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 5);
    let mut orgs = std::collections::HashSet::new();
    for item in items {
        assert!(orgs.insert(item["org"]["id"].as_i64().unwrap()), "one item per organisation");
        assert!(!item["offers"].as_array().unwrap().is_empty());
        let terms = item["explanation"]["terms"].as_array().unwrap();
        assert!(terms.iter().any(|t| t["term"] == "保温杯" || t["via"] == "保温杯"), "{item}");
    }
    assert!(body["total"].as_u64().unwrap() >= items.len() as u64);

    let (_, filtered) = call(&db.store, Some(index), "/api/v1/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&kind=service").await;
    for item in filtered["items"].as_array().unwrap() {
        assert_eq!(item["explanation"]["filters"][0], "kind=service");
    }
}

#[tokio::test]
async fn bad_searches_are_400_and_a_missing_index_is_503() {
    let (db, index) = indexed().await;
    let long = "杯".repeat(10_000);
    for (path, field) in [
        (format!("/api/v1/search?q={long}"), "q"),
        ("/api/v1/search?q=x&category=nothing".to_string(), "category"),
        ("/api/v1/search?q=x&limit=0".to_string(), "limit"),
    ] {
        let (s, body) = call(&db.store, Some(index.clone()), &path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["field"], field);
    }
    let (s, body) = call(&db.store, Some(index), "/api/v1/search?q=%EF%BC%81%EF%BC%81").await;
    assert_eq!((s, body["items"].as_array().unwrap().len()), (StatusCode::OK, 0), "punctuation only: an empty result");
    let (s, body) = call(&db.store, None, "/api/v1/search?q=x").await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("index_unavailable")));
}
