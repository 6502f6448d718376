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
    let code = wujin_domain::Uscc::complete("91330784MA7500001").unwrap().to_string();
    let up = json!({"login": "feed@x.example.cn", "name": "经理", "password": "correct horse", "uscc": code, "firm": "永康市戊五金有限公司"});
    let r = send_to(app, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p =
        Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
    (r.body["org_id"].as_i64().unwrap(), p)
}

fn offer(title: &str) -> Value {
    json!({"title": title, "category": "保温杯", "price_min_fen": 2800, "price_max_fen": 3500, "unit": "只"})
}

both_backends! {
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

        let (all, end) = walk(&app, 0, 1000).await;
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
        let only = send_to(&app, "GET", "/api/v1/changes?types=org", None, &[]).await;
        assert!(only.body["items"].as_array().unwrap().iter().all(|i| i["type"] == "org"));

        for (query, field) in [("limit=1001", "limit"), ("limit=0", "limit"), ("since=-1", "since"), ("types=demand", "types"), ("wait=26", "wait")] {
            let r = send_to(&app, "GET", &format!("/api/v1/changes?{query}"), None, &[]).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{query}: {}", r.body);
        }
    }

    async fn a_reader_behind_the_retention_starts_again_and_so_does_the_index(db) {
        let app = common::with_index(&db.store).await;
        let (org, owner) = firm(&app).await;
        let (_, end) = walk(&app, 0, 1000).await;
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
    let (_, end) = walk(&app, 0, 1000).await;
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
    let (items, _) = walk(&app, end, 1000).await;
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![901, 902], "both, in sequence order, once");
}
