//! An integrator keeps a copy of the registry in step through the change feed: every change
//! of a firm or an offer once, in commit order, with what happened and the revision it left,
//! tombstones for deletes, and a firm's new name on each of its offers; paging at any size
//! reads the same feed; a reader behind the retention is told to start again, and the search
//! index behind it rebuilds. On PostgreSQL a transaction that commits late is never skipped.

mod common;

use axum::http::StatusCode;
use common::{Person, send_to};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_store::both_backends;
use wujin_store::outbox::{Change, Op};

/// Every change after `since`, read in pages of `limit`: (type, op, id, revision, resource).
async fn walk(app: &AppState, since: i64, limit: usize) -> (Vec<Value>, i64) {
    let (mut all, mut since) = (vec![], since);
    loop {
        let r = send_to(app, "GET", &format!("/api/v1/changes?since={since}&limit={limit}"), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        let next = r.body["next"].as_i64().unwrap();
        assert!(next >= since, "next never goes back");
        if items.is_empty() && next == since {
            return (all, since);
        }
        for i in &items {
            assert!(i["seq"].as_i64().unwrap() > since && i["seq"].as_i64().unwrap() <= next);
        }
        all.extend(items);
        since = next;
    }
}

fn brief(items: &[Value]) -> Vec<(String, String, i64, Option<i64>)> {
    items
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap().into(),
                i["op"].as_str().unwrap().into(),
                i["id"].as_i64().unwrap(),
                i["revision"].as_i64(),
            )
        })
        .collect()
}

async fn firm(app: &AppState) -> (i64, Person) {
    firm_n(app, 1).await
}

async fn firm_n(app: &AppState, n: u32) -> (i64, Person) {
    let code = wujin_domain::Uscc::complete(&format!("91330784MA75{n:05}")).unwrap().to_string();
    let up = json!({"login": format!("feed{n}@x.example.cn"), "name": "经理", "password": "correct horse", "uscc": code, "firm": format!("永康市戊{n}五金有限公司")});
    let r = send_to(app, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p =
        Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
    (r.body["org_id"].as_i64().unwrap(), p)
}

fn offer(title: &str) -> Value {
    json!({"title": title, "category": "保温杯", "price_min_fen": 2800, "price_max_fen": 3500, "unit": "只"})
}

/// A GET's status, `wujin-feed-seq` header and body text.
async fn raw(app: &AppState, path: &str) -> (StatusCode, Option<i64>, String) {
    use tower::ServiceExt;
    let req = axum::http::Request::builder().uri(path).body(axum::body::Body::empty()).unwrap();
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req).await.unwrap();
    let seq = resp.headers().get("wujin-feed-seq").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, seq, String::from_utf8(bytes.to_vec()).unwrap())
}

both_backends! {
    async fn a_mirror_from_the_export_and_the_feed_equals_the_registry(db) {
        let app = AppState::new(db.store.clone());
        let (org, owner) = firm(&app).await;
        let add = format!("/api/v1/orgs/{org}/offers");
        let mut ids = vec![];
        for t in ["真空保温杯 500ml", "儿童保温杯 350ml", "焖烧杯 750ml"] {
            ids.push(send_to(&app, "POST", &add, Some(offer(t)), &owner.h()).await.body["id"].as_i64().unwrap());
        }
        let (status, seq, body) = raw(&app, "/api/v1/export/offers").await;
        assert_eq!(status, StatusCode::OK);
        let seq = seq.expect("the export says where the feed goes on");
        let mut mirror: std::collections::BTreeMap<i64, Value> = body
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|o| (o["id"].as_i64().unwrap(), o))
            .collect();
        assert_eq!(mirror.keys().copied().collect::<Vec<_>>(), ids);

        // The registry moves on; the mirror follows from the export's position.
        send_to(&app, "PATCH", &format!("/api/v1/offers/{}", ids[0]), Some(json!({"title": "真空保温杯 600ml", "revision": 1})), &owner.h()).await;
        send_to(&app, "DELETE", &format!("/api/v1/offers/{}", ids[1]), Some(json!({"revision": 1})), &owner.h()).await;
        send_to(&app, "POST", &add, Some(offer("保温壶 1.5L")), &owner.h()).await;
        let (changes, _) = walk(&app, seq, 100).await;
        for c in changes.iter().filter(|c| c["type"] == "offer") {
            let id = c["id"].as_i64().unwrap();
            match (c["op"].as_str().unwrap(), &c["resource"]) {
                ("delete", _) | (_, Value::Null) => {
                    mirror.remove(&id);
                }
                (_, r) => {
                    mirror.insert(id, r.clone());
                }
            }
        }
        let source = send_to(&app, "GET", &format!("/api/v1/offers?org_id={org}&limit=100"), None, &[]).await.body;
        let source: std::collections::BTreeMap<i64, Value> =
            source["items"].as_array().unwrap().iter().map(|o| (o["id"].as_i64().unwrap(), o.clone())).collect();
        assert_eq!(mirror, source, "the mirror equals the registry");

        let (status, _, csv) = raw(&app, "/api/v1/export/offers?format=csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.starts_with("\u{feff}外部编号,"), "the import's columns under Chinese headers");
        assert_eq!(csv.lines().count(), 1 + 3);
        let (status, _, orgs) = raw(&app, "/api/v1/export/orgs").await;
        assert_eq!((status, orgs.lines().count()), (StatusCode::OK, 1));
        let r = send_to(&app, "GET", "/api/v1/export/offers?format=xml", None, &[]).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("format")));
    }

    async fn a_reader_gets_every_change_once_in_order_with_tombstones(db) {
        let app = AppState::new(db.store.clone());
        let (org, owner) = firm(&app).await;
        let add = format!("/api/v1/orgs/{org}/offers");
        let a = send_to(&app, "POST", &add, Some(offer("真空保温杯 500ml")), &owner.h()).await.body["id"].as_i64().unwrap();
        let b = send_to(&app, "POST", &add, Some(offer("儿童保温杯 350ml")), &owner.h()).await.body["id"].as_i64().unwrap();
        let r = send_to(&app, "PATCH", &format!("/api/v1/offers/{a}"), Some(json!({"title": "真空保温杯 600ml", "revision": 1})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send_to(&app, "DELETE", &format!("/api/v1/offers/{b}"), Some(json!({"revision": 1})), &owner.h()).await;
        assert!(r.status.is_success(), "{}", r.body);
        let rev = send_to(&app, "GET", &format!("/api/v1/orgs/{org}"), None, &[]).await.body["revision"].clone();
        let r = send_to(&app, "PATCH", &format!("/api/v1/orgs/{org}"), Some(json!({"name_en": "Yongkang Wu Hardware", "revision": rev})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let (all, end) = walk(&app, 0, 100).await;
        let s = |t: &str, o: &str, id: i64, r: i64| (t.to_string(), o.to_string(), id, Some(r));
        assert_eq!(brief(&all), vec![
            s("org", "create", org, 1),
            s("offer", "create", a, 1),
            s("offer", "create", b, 1),
            s("offer", "update", a, 2),
            s("offer", "delete", b, 2),
            s("org", "update", org, 2),
            s("offer", "update", a, 2),
        ], "the firm's new name is a change of how its remaining offer reads");
        let seqs: Vec<i64> = all.iter().map(|i| i["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "commit order: {seqs:?}");
        assert_eq!(all[1]["resource"]["title"], "真空保温杯 600ml", "each change shows the resource as it is now");
        assert_eq!(all[6]["resource"]["org"]["id"], org);
        assert_eq!(all[4]["resource"], Value::Null, "a tombstone");
        assert_eq!(all[2]["resource"], Value::Null, "deleted since: its tombstone follows");

        // Any page size reads the same feed; a reader at the end waits for nothing new.
        for limit in [1, 2, 3] {
            let (paged, _) = walk(&app, 0, limit).await;
            assert_eq!(brief(&paged), brief(&all), "limit {limit}");
        }
        let r = send_to(&app, "GET", &format!("/api/v1/changes?since={end}&wait=1"), None, &[]).await;
        assert_eq!((r.body["items"].as_array().unwrap().len(), r.body["next"].as_i64()), (0, Some(end)));
        let far = send_to(&app, "GET", &format!("/api/v1/changes?since={}", i64::MAX), None, &[]).await;
        assert_eq!((far.status, far.body["items"].clone()), (StatusCode::OK, json!([])), "a position past the end reads nothing yet");
        let only = send_to(&app, "GET", "/api/v1/changes?types=org", None, &[]).await;
        assert!(only.body["items"].as_array().unwrap().iter().all(|i| i["type"] == "org"));

        for (query, field) in [("limit=1001", "limit"), ("limit=0", "limit"), ("since=-1", "since"), ("types=quote", "types"), ("wait=26", "wait")] {
            let r = send_to(&app, "GET", &format!("/api/v1/changes?{query}"), None, &[]).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{query}: {}", r.body);
        }
    }

    async fn a_page_holds_up_to_a_thousand_changes_each_as_its_get_shows_it(db) {
        common::with_demo(&db.store).await;
        let app = common::with_index(&db.store).await;
        let first = send_to(&app, "GET", "/api/v1/changes?limit=1000", None, &[]).await;
        assert_eq!(first.body["items"].as_array().unwrap().len(), 1000, "the demo made more than 1,000 changes");
        // Big pages read exactly what small ones do, resources and all.
        let (big, end) = walk(&app, 0, 1000).await;
        let (small, small_end) = walk(&app, 0, 100).await;
        assert_eq!(end, small_end);
        assert!(big == small, "pages of 1,000 and of 100 read the same feed");
        // Each resource is what its own GET answers.
        let mut checked = 0;
        for i in big.iter().filter(|i| !i["resource"].is_null()).step_by(37) {
            let path = format!("/api/v1/{}s/{}", i["type"].as_str().unwrap(), i["id"]);
            let r = send_to(&app, "GET", &path, None, &[]).await;
            assert_eq!(r.body, i["resource"], "{path}");
            checked += 1;
        }
        assert!(checked > 20, "firms and offers were compared");

        // The API's document says so, and still holds other lists to 100.
        let (_, doc) = common::get(&db.store, "/api/v1/openapi.json").await;
        let limit = |path: &str| {
            let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap().clone();
            let p = params.into_iter().find(|p| p["name"] == "limit").unwrap();
            (p["schema"]["maximum"].as_i64(), p["schema"]["default"].as_i64())
        };
        assert_eq!(limit("/api/v1/changes"), (Some(1000), Some(100)));
        assert_eq!(limit("/api/v1/offers"), (Some(100), Some(20)));
    }

    async fn a_reader_behind_the_retention_starts_again_and_so_does_the_index(db) {
        let app = common::with_index(&db.store).await;
        let (org, owner) = firm(&app).await;
        let (_, end) = walk(&app, 0, 100).await;
        // Everything written so far is pruned, as 90 days would.
        let floor = db.store.prune_outbox(wujin_store::now_ms() + 1).await.unwrap();
        assert_eq!(floor, end);
        let r = send_to(&app, "GET", "/api/v1/changes?since=0", None, &[]).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str(), r.body["error"]["field"].as_str()), (StatusCode::GONE, Some("gone"), Some("since")), "{}", r.body);
        let r = send_to(&app, "GET", &format!("/api/v1/changes?since={floor}"), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "from the floor on, the feed reads");

        // An index that stopped before the prune has missed changes: it rebuilds.
        let index = app.index.as_ref().unwrap();
        let add = format!("/api/v1/orgs/{org}/offers");
        send_to(&app, "POST", &add, Some(offer("焖烧壶 1000ml")), &owner.h()).await;
        db.store.prune_outbox(wujin_store::now_ms() + 1).await.unwrap();
        send_to(&app, "POST", &add, Some(offer("真空保温杯 800ml")), &owner.h()).await;
        wujin_match::follow::catch_up(&db.store, index).await.unwrap();
        for q in ["%E7%84%96%E7%83%A7%E5%A3%B6", "%E4%BF%9D%E6%B8%A9%E6%9D%AF"] {
            let r = send_to(&app, "GET", &format!("/api/v1/search?q={q}"), None, &[]).await;
            assert!(r.body["items"].as_array().unwrap().iter().any(|i| i["org"]["id"] == org), "{q}: {}", r.body);
        }
    }
}

/// PostgreSQL numbers a change when it is written, not when it commits: a reader must not
/// step over the number of a transaction still open, or it would never see that change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_commits_late_is_not_skipped_on_postgres() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Postgres).await;
    let app = AppState::new(db.store.clone());
    let (_, end) = walk(&app, 0, 100).await;
    let mut late = db.store.begin().await.unwrap();
    wujin_store::outbox::record_changes(&mut late, "org", &[Change { id: 901, op: Op::Update, revision: 2 }])
        .await
        .unwrap();
    let mut early = db.store.begin().await.unwrap();
    wujin_store::outbox::record_changes(&mut early, "org", &[Change { id: 902, op: Op::Update, revision: 2 }])
        .await
        .unwrap();
    early.commit().await.unwrap();

    let r = send_to(&app, "GET", &format!("/api/v1/changes?since={end}"), None, &[]).await;
    assert_eq!(r.body["items"], json!([]), "the later number waits behind the open one: {}", r.body);
    assert_eq!(r.body["next"].as_i64(), Some(end), "and next does not move past the hole");

    late.commit().await.unwrap();
    let (items, _) = walk(&app, end, 100).await;
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![901, 902], "both, in sequence order, once");
}

/// Demand ids in the feed as `headers` read it.
async fn demands_seen(app: &AppState, headers: &[(&str, &str)]) -> Vec<(i64, String)> {
    let r = send_to(app, "GET", "/api/v1/changes?types=demand&limit=100", None, headers).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["op"].as_str().unwrap().to_string()))
        .collect()
}

both_backends! {
    async fn a_demand_shows_in_the_feed_only_to_whom_its_get_shows_it(db) {
        let app = AppState::new(db.store.clone());
        let (a, buyer) = firm_n(&app, 11).await;
        let (b, maker) = firm_n(&app, 12).await;
        let (_, outsider) = firm_n(&app, 13).await;
        send_to(&app, "POST", &format!("/api/v1/orgs/{b}/offers"), Some(offer("真空保温杯 500ml")), &maker.h()).await;
        let body = json!({"org_id": a, "title": "保温杯 5000 只", "category": "保温杯", "quantity": 5000, "unit": "只",
            "deadline": "2099-12-31", "visibility": "invited", "invite_org_ids": [b]});
        let d = send_to(&app, "POST", "/api/v1/demands", Some(body), &buyer.h()).await;
        assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
        let id = d.body["id"].as_i64().unwrap();
        assert_eq!(demands_seen(&app, &buyer.h()).await, vec![(id, "create".to_string())], "the buyer sees its draft");
        assert!(demands_seen(&app, &maker.h()).await.is_empty(), "a draft is the buyer's alone");

        send_to(&app, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let r = send_to(&app, "POST", &format!("/api/v1/demands/{id}/responses"), Some(common::quote(b, 1850)), &maker.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let seen = demands_seen(&app, &maker.h()).await;
        assert!(!seen.is_empty() && seen.iter().all(|(d, _)| *d == id), "the invited firm sees it once published: {seen:?}");
        assert!(demands_seen(&app, &outsider.h()).await.is_empty(), "never the uninvited");
        assert!(demands_seen(&app, &[]).await.is_empty(), "never a visitor");
        // Nothing of the sealed quote reaches anyone's feed.
        for who in [&buyer, &maker, &outsider] {
            let all = send_to(&app, "GET", "/api/v1/changes?limit=100", None, &who.h()).await.body.to_string();
            assert!(!all.contains("1850") && !all.contains("含税含运"), "a sealed quote stays sealed");
        }
    }
}

both_backends! {
    async fn one_caller_runs_at_most_two_exports_at_once(db) {
        use tower::ServiceExt;
        let app = AppState::new(db.store.clone());
        let (org, owner) = firm(&app).await;
        send_to(&app, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(offer("真空保温杯 500ml")), &owner.h()).await;
        let open = |headers: Vec<(String, String)>| {
            let app = app.clone();
            async move {
                let mut req = axum::http::Request::builder().uri("/api/v1/export/offers");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                wujin_server::api::router_with(app).oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap()
            }
        };
        // Two exports still streaming (their bodies unread) hold the caller's two places.
        let (a, b) = (open(vec![]).await, open(vec![]).await);
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
        let third = open(vec![]).await;
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
        let body = axum::body::to_bytes(third.into_body(), usize::MAX).await.unwrap();
        let err: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(err["error"]["code"], "too_many_exports");
        // Another caller (a signed-in account) has places of its own.
        let mine = open(vec![("cookie".into(), owner.cookie.clone())]).await;
        assert_eq!(mine.status(), StatusCode::OK);
        // Read to the end, an export gives its place back.
        let whole = axum::body::to_bytes(a.into_body(), usize::MAX).await.unwrap();
        assert_eq!(whole.iter().filter(|b| **b == b'\n').count(), 1);
        assert_eq!(open(vec![]).await.status(), StatusCode::OK);
        // A dropped one (the client went away) too.
        drop(b);
        assert_eq!(open(vec![]).await.status(), StatusCode::OK);
    }
}
