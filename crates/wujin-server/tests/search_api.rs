//! `GET /api/v1/search` and `POST /api/v1/match` on the demo cluster: organisations with
//! their matching offers and why, facet counts, pages, every search recorded, and a clear
//! 4xx for what cannot be a search.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use wujin_match::MatchIndex;
use wujin_server::api::{AppState, router_with};
use wujin_server::querylog::QueryLog;

struct App {
    db: wujin_store::testing::TestDb,
    state: AppState,
}

impl App {
    async fn new() -> App {
        let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
        common::with_demo(&db.store).await;
        let index = Arc::new(MatchIndex::in_memory().unwrap());
        wujin_match::follow::rebuild(&db.store, &index, |_, _| {}).await.unwrap();
        let state = AppState {
            index: Some(index),
            queries: Some(QueryLog::start(db.store.clone())),
            ..AppState::new(db.store.clone())
        };
        App { db, state }
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let resp = router_with(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, body: impl Into<String>) -> (StatusCode, Value) {
        let req = Request::post(path).header("content-type", "application/json").body(Body::from(body.into()));
        self.send(req.unwrap()).await
    }
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_search_for_vacuum_cups_finds_their_makers_and_says_why() {
    let app = App::new().await;
    let (s, body) = app.get(&format!("/api/v1/search?q={}&limit=5", q("保温杯"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 5);
    let mut orgs = std::collections::HashSet::new();
    for item in items {
        assert!(orgs.insert(item["org"]["id"].as_i64().unwrap()), "one item per organisation");
        assert!(!item["offers"].as_array().unwrap().is_empty());
        let terms = item["explanation"]["terms"].as_array().unwrap();
        assert!(terms.iter().any(|t| t["term"] == "保温杯" || t["via"] == "synonym 保温杯"), "{item}");
    }
    assert!(body["total"].as_u64().unwrap() >= items.len() as u64);

    let (_, filtered) = app.get(&format!("/api/v1/search?q={}&kind=service", q("保温杯"))).await;
    for item in filtered["items"].as_array().unwrap() {
        assert_eq!(item["explanation"]["filters"][0], "kind=service");
        assert!(item["offers"].as_array().unwrap().iter().all(|o| o["kind"] == "service"));
    }
}

#[tokio::test]
async fn facets_count_what_the_filters_would_leave() {
    let app = App::new().await;
    let (_, body) = app.get(&format!("/api/v1/search?q={}", q("不锈钢"))).await;
    let total = body["offers_total"].as_u64().unwrap();
    let kinds: u64 = body["facets"]["kind"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(kinds, total, "every matching offer has one kind: {}", body["facets"]);
    assert_eq!(body["facets_approximate"], false, "a cluster's few thousand matches are counted exactly");
    // Following a facet gives as many offers as it promised.
    let (town, n) = body["facets"]["town"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .unwrap();
    let (_, narrowed) = app.get(&format!("/api/v1/search?q={}&town={town}", q("不锈钢"))).await;
    assert_eq!(narrowed["offers_total"].as_u64(), Some(n));
    for item in narrowed["items"].as_array().unwrap() {
        assert_eq!(item["org"]["town"]["code"], town.as_str());
    }
}

#[tokio::test]
async fn pages_of_organisations_follow_each_other() {
    let app = App::new().await;
    let (_, first) = app.get(&format!("/api/v1/search?q={}&limit=3", q("不锈钢"))).await;
    let cursor = first["next_cursor"].as_str().expect("more than three firms sell stainless steel");
    let (s, second) = app.get(&format!("/api/v1/search?q={}&limit=3&cursor={cursor}", q("不锈钢"))).await;
    assert_eq!(s, StatusCode::OK);
    let ids =
        |b: &Value| b["items"].as_array().unwrap().iter().map(|i| i["org"]["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(a.len(), 3);
    assert!(!b.is_empty() && b.iter().all(|id| !a.contains(id)), "{a:?} then {b:?}");
    let (s, body) = app.get("/api/v1/search?q=x&cursor=d2oxOjU").await;
    assert_eq!((s, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("cursor")));
}

#[tokio::test]
async fn a_need_is_matched_to_firms_with_reasons() {
    let app = App::new().await;
    let need = json!({
        "text": "GB/T29606 保温杯检测",
        "family": "testing",
        "town": "东城街道",
        "limit": 5
    });
    let (s, body) = app.post("/api/v1/match", need.to_string()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo cluster has testing labs");
    for item in items {
        assert!(item["offers"].as_array().unwrap().iter().all(|o| o["kind"] == "service"));
        assert!(item["explanation"]["filters"].as_array().unwrap().contains(&json!("family=testing")));
        let local = item["org"]["town"]["name"] == "东城街道";
        let said = item["explanation"]["signals"].as_array().unwrap().iter().any(|s| s["name"] == "same_town");
        assert_eq!(local, said, "local first is stated exactly for local firms: {item}");
    }
    // Required standards and certificates narrow.
    let strict = json!({"text": "检测", "standards": ["gb/t 29606"], "certificates": ["CNAS"]});
    let (s, body) = app.post("/api/v1/match", strict.to_string()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for item in body["items"].as_array().unwrap() {
        assert!(item["org"]["certificates"].as_array().unwrap().contains(&json!("CNAS")));
        for o in item["offers"].as_array().unwrap() {
            assert!(o["standards"].as_array().unwrap().contains(&json!("GB/T 29606-2013")), "{o}");
        }
    }
}

#[tokio::test]
async fn a_need_that_cannot_be_read_is_refused_naming_the_field() {
    let app = App::new().await;
    for (body, status, field) in [
        ("{\"text\": ", StatusCode::BAD_REQUEST, None),
        ("{}", StatusCode::UNPROCESSABLE_ENTITY, Some("text")),
        ("{\"text\": \"  \"}", StatusCode::BAD_REQUEST, Some("text")),
        ("{\"text\": \"杯\", \"colour\": \"red\"}", StatusCode::UNPROCESSABLE_ENTITY, Some("colour")),
        ("{\"text\": \"杯\", \"quantity\": \"many\"}", StatusCode::UNPROCESSABLE_ENTITY, Some("quantity")),
        ("{\"text\": \"杯\", \"deadline\": \"2001-01-01\"}", StatusCode::UNPROCESSABLE_ENTITY, Some("deadline")),
        ("{\"text\": \"杯\", \"deadline\": \"next week\"}", StatusCode::BAD_REQUEST, Some("deadline")),
        ("{\"text\": \"杯\", \"standards\": [\"不是标准\"]}", StatusCode::BAD_REQUEST, Some("standards/0")),
        ("{\"text\": \"杯\", \"category\": \"nothing\"}", StatusCode::BAD_REQUEST, Some("category")),
        ("{\"text\": \"杯\", \"limit\": 1000}", StatusCode::BAD_REQUEST, Some("limit")),
    ] {
        let resp = app.post("/api/v1/match", body).await;
        common::assert_error(&resp, status, field);
    }
    let long = json!({"text": "杯".repeat(10_000)}).to_string();
    common::assert_error(&app.post("/api/v1/match", long).await, StatusCode::BAD_REQUEST, Some("text"));
}

#[tokio::test]
async fn bad_searches_are_400_and_a_missing_index_is_503() {
    let app = App::new().await;
    // Longer than any need (500 characters), short enough for the server's 8 KB address.
    let long = "杯".repeat(600);
    for (path, field) in [
        (format!("/api/v1/search?q={}", q(&long)), "q"),
        ("/api/v1/search?q=x&category=nothing".to_string(), "category"),
        ("/api/v1/search?q=x&limit=0".to_string(), "limit"),
        ("/api/v1/search?q=x&price_max=abc".to_string(), "price_max"),
        ("/api/v1/search?price_min=50&price_max=20".to_string(), "price_min"),
        ("/api/v1/search?certificate=ISO%2099999".to_string(), "certificate"),
    ] {
        let resp = app.get(&path).await;
        common::assert_error(&resp, StatusCode::BAD_REQUEST, Some(field));
    }
    let (s, body) = app.get(&format!("/api/v1/search?q={}", q("！！"))).await;
    assert_eq!((s, body["items"].as_array().unwrap().len()), (StatusCode::OK, 0), "punctuation only: an empty result");
    let no_index = AppState { index: None, ..app.state.clone() };
    let resp =
        router_with(no_index).oneshot(Request::get("/api/v1/search?q=x").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn searches_are_recorded_and_those_that_found_nothing_are_listed() {
    let app = App::new().await;
    app.get(&format!("/api/v1/search?q={}", q("保温杯"))).await;
    app.get(&format!("/api/v1/search?q={}", q("量子计算机 13957912345"))).await;
    app.get(&format!("/api/v1/search?q={}", q("量子计算机  13957912345"))).await;
    app.post("/api/v1/match", json!({"text": "量子计算机", "kind": "service"}).to_string()).await;
    app.state.queries.as_ref().unwrap().flush().await;
    assert_eq!(app.db.store.count_queries().await.unwrap(), 4);
    let zero = app.db.store.zero_hit_queries(10).await.unwrap();
    assert_eq!(zero[0].text, "量子计算机 #", "normalised, the phone number masked");
    assert_eq!(zero[0].times, 2);
    assert!(zero.iter().any(|z| z.text == "量子计算机" && z.filters == "kind=service"));
    assert!(!zero.iter().any(|z| z.text.contains("保温杯")));
}

#[tokio::test]
async fn a_signed_in_firms_search_is_placed_in_its_town_and_nobody_is_recorded() {
    let app = App::new().await;
    let s = &app.db.store;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 50).await.unwrap();
    let firm = orgs.iter().find(|o| o.record.town.is_some()).expect("a firm with a town");
    let person = common::owner(s, "searcher@town.example.cn", Some(firm.id)).await;
    let path = format!("/api/v1/search?q={}", q("量子计算机 维修"));
    common::send_to(&app.state, "GET", &path, None, &[("cookie", person.cookie.as_str())]).await;
    app.get(&path).await;
    app.state.queries.as_ref().unwrap().flush().await;
    let now = wujin_store::now_ms();
    let signals = s.gap_signals(now - 60_000, now + 1).await.unwrap();
    let mut towns: Vec<Option<String>> =
        signals.iter().filter(|g| g.example.as_deref() == Some("量子计算机 维修")).map(|g| g.town.clone()).collect();
    towns.sort();
    assert_eq!(towns, [None, firm.record.town.clone()], "the visitor's in no town, the firm's in its own");
    assert!(
        signals.iter().all(|g| g.firm.is_none() || g.example.as_deref() != Some("量子计算机 维修")),
        "never the firm"
    );
}

/// The HTTP benchmark (`bench/http-search-1m`) loads the server with `bench search`'s query
/// mix written as API paths: every one must be a search the API answers, or the benchmark
/// would time error pages.
#[tokio::test]
async fn the_benchmark_query_paths_are_searches_the_api_answers() {
    let app = App::new().await;
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wujin"))
        .args(["bench", "search-paths", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut loaded = 0;
    for group in ["short", "long", "filters", "filters-only", "english"] {
        let paths = std::fs::read_to_string(dir.path().join(format!("{group}.txt"))).unwrap();
        let paths: Vec<&str> = paths.lines().collect();
        assert!(paths.len() >= 20, "{group}: {} paths", paths.len());
        let mut found = 0;
        for path in &paths {
            let (s, body) = app.get(path).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            found += usize::from(!body["items"].as_array().unwrap().is_empty());
        }
        // The mix is made of the taxonomy's words and towns. Product words alone find firms
        // on the demo cluster; with a town or a certificate many find none (a small cluster).
        let share = if matches!(group, "filters" | "filters-only") { 10 } else { 2 };
        assert!(found * share > paths.len(), "{group}: {found} of {} found firms", paths.len());
        if group != "filters-only" {
            loaded += paths.len();
        }
    }
    assert!(loaded >= 200, "the four groups the HTTP load cycles through hold {loaded} queries");
}
