//! An integrator subscribes a URL and gets the registry's changes pushed to it: signed as
//! Standard Webhooks specifies, in feed order, numbered without gaps, at least once; a
//! receiver that fails is retried on a schedule (driven here by a test clock) and, after
//! three days or a 410, the subscription is disabled and its owner told; internal addresses
//! are refused; secrets rotate with both keys valid; a test event and a redelivery go beside
//! the queue. Deliveries go to a real HTTP receiver on loopback.

mod common;

use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use common::{Person, Receiver, drain, send_to};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_server::webhooks::signature::verify;
use wujin_server::webhooks::{Sender, Worker};
use wujin_store::both_backends;

/// A server that lets webhooks go to loopback (as `--webhook-allow-private` does).
fn server(db: &wujin_store::testing::TestDb) -> AppState {
    AppState { webhook_allow_private: true, ..AppState::new(db.store.clone()) }
}

fn worker(app: &AppState) -> Worker {
    Worker::new(app.clone(), Sender::new(true))
}

async fn firm(app: &AppState, n: u32) -> (i64, Person) {
    let code = wujin_domain::Uscc::complete(&format!("91330784MA76{n:05}")).unwrap().to_string();
    let up = json!({"login": format!("hook{n}@x.example.cn"), "name": "经理", "password": "correct horse", "uscc": code, "firm": format!("永康市己{n}五金有限公司")});
    let r = send_to(app, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = Person {
        cookie: common::jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().into(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    };
    (r.body["org_id"].as_i64().unwrap(), p)
}

fn offer(title: &str) -> Value {
    json!({"title": title, "category": "保温杯", "price_min_fen": 2800, "price_max_fen": 3500, "unit": "只"})
}

/// Subscribes `url` for `who`; returns (id, secret).
async fn subscribe(app: &AppState, who: &Person, url: &str, types: &[&str]) -> (i64, String) {
    let r = send_to(app, "POST", "/api/v1/webhooks", Some(json!({"url": url, "types": types})), &who.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.body["webhook"]["id"].as_i64().unwrap(), r.body["secret"].as_str().unwrap().to_string())
}

async fn add_offer(app: &AppState, who: &Person, org: i64, title: &str) -> i64 {
    let r = send_to(app, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(offer(title)), &who.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_i64().unwrap()
}

const HOUR: i64 = 3600 * 1000;

both_backends! {
    async fn deliveries_are_signed_in_feed_order_and_numbered_without_gaps(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        let (org, owner) = firm(&app, 1).await;
        let (hook, secret) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        assert!(secret.starts_with("whsec_"));
        let a = add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        let b = add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        let r = send_to(&app, "PATCH", &format!("/api/v1/offers/{a}"), Some(json!({"title": "真空保温杯 600ml", "revision": 1})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send_to(&app, "DELETE", &format!("/api/v1/offers/{b}"), Some(json!({"revision": 1})), &owner.h()).await;
        assert!(r.status.is_success(), "{}", r.body);

        drain(&worker(&app), wujin_store::now_ms()).await;
        let got = rx.got().await;
        let events: Vec<(String, i64)> =
            got.iter().map(|g| (g.json()["type"].as_str().unwrap().to_string(), g.json()["data"]["id"].as_i64().unwrap())).collect();
        assert_eq!(
            events,
            vec![("offer.create".into(), a), ("offer.create".into(), b), ("offer.update".into(), a), ("offer.delete".into(), b)]
        );
        let counters: Vec<i64> = got.iter().map(|g| g.json()["counter"].as_i64().unwrap()).collect();
        assert_eq!(counters, vec![1, 2, 3, 4], "the subscription's counter has no gaps");
        let seqs: Vec<i64> = got.iter().map(|g| g.json()["data"]["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in feed order: {seqs:?}");
        for g in &got {
            assert!(verify(&secret, &g.signature, &g.id, g.timestamp, g.body.as_bytes()), "signed with the secret");
            assert!((g.timestamp - wujin_store::now_ms() / 1000).abs() < 60);
        }
        assert_eq!(got[3].json()["data"]["resource"], Value::Null, "a delete is a tombstone");
        assert_eq!(got[2].json()["data"]["resource"]["title"], "真空保温杯 600ml");
        // The body's change is the feed's change.
        let feed = send_to(&app, "GET", &format!("/api/v1/changes?since={}&types=offer", seqs[0] - 1), None, &[]).await.body;
        assert_eq!(feed["items"][0], got[0].json()["data"]);

        // The log says what happened.
        let log = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None, &owner.h()).await;
        assert_eq!(log.status, StatusCode::OK);
        let items = log.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert!(items.iter().all(|d| d["state"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200));
        let one = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries/{}", items[0]["id"]), None, &owner.h()).await;
        assert_eq!(one.body["log"][0]["status"], 200);
        let w = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await;
        assert_eq!((w.body["state"].as_str(), w.body["counter"].as_i64()), (Some("active"), Some(4)));

        // Nobody else sees or touches the subscription.
        let (_, other) = firm(&app, 2).await;
        for (m, p) in [("GET", format!("/api/v1/webhooks/{hook}")), ("DELETE", format!("/api/v1/webhooks/{hook}")), ("GET", format!("/api/v1/webhooks/{hook}/deliveries"))] {
            assert_eq!(send_to(&app, m, &p, None, &other.h()).await.status, StatusCode::NOT_FOUND, "{m} {p}");
        }
        let listed = send_to(&app, "GET", "/api/v1/webhooks", None, &other.h()).await;
        assert_eq!(listed.body["items"], json!([]));
        assert_eq!(send_to(&app, "GET", "/api/v1/webhooks", None, &[]).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn a_failing_receiver_is_retried_on_schedule_holds_back_the_rest_and_is_disabled_after_three_days(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        rx.answer.store(500, Ordering::SeqCst);
        let (org, owner) = firm(&app, 1).await;
        let (hook, _) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        let first = add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        let second = add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        let w = worker(&app);
        let t0 = wujin_store::now_ms();
        drain(&w, t0).await;
        assert_eq!(rx.got().await.len(), 1, "one attempt, and the later delivery waits behind it");
        drain(&w, t0 + 4_000).await;
        assert_eq!(rx.got().await.len(), 1, "not before the first backoff of 5 s");
        drain(&w, t0 + 5_000).await;
        let got = rx.got().await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].id, got[1].id, "a retry keeps its webhook-id");
        assert_eq!(got[1].json()["data"]["id"], first);
        drain(&w, t0 + 5_000 + 4 * 60_000).await;
        assert_eq!(rx.got().await.len(), 2, "the second wait is 5 minutes");
        drain(&w, t0 + 5_000 + 5 * 60_000).await;
        assert_eq!(rx.got().await.len(), 3);
        let log = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None, &owner.h()).await.body;
        let head = log["items"].as_array().unwrap().iter().find(|d| d["counter"] == 1).unwrap().clone();
        assert_eq!((head["state"].as_str(), head["attempts"].as_i64(), head["last_status"].as_i64()), (Some("pending"), Some(3), Some(500)));

        // Three days of failure disable it; the owner's firm hears of it.
        let mut t = t0 + 5_000 + 5 * 60_000;
        while t < t0 + 72 * HOUR {
            t += HOUR;
            drain(&w, t).await;
        }
        let sub = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await.body;
        assert_eq!((sub["state"].as_str(), sub["disabled_reason"].as_str()), (Some("disabled"), Some("failing")));
        let attempts = rx.got().await.len();
        assert!((10..=16).contains(&attempts), "retried on the schedule, not every hour: {attempts}");
        assert!(rx.got().await.iter().all(|g| g.json()["data"]["id"] == first), "nothing overtook the failing delivery");
        let inbox = send_to(&app, "GET", "/api/v1/inbox", None, &owner.h()).await.body;
        let notice = inbox["items"].as_array().unwrap().iter().find(|i| i["kind"] == "webhook_disabled").expect("an inbox notice").clone();
        assert!(notice["text"].as_str().unwrap().contains(&rx.url), "{notice}");
        drain(&w, t + 10 * HOUR).await;
        assert_eq!(rx.got().await.len(), attempts, "a disabled subscription gets nothing");

        // Fixed and made active again, it resumes where it stopped.
        rx.answer.store(204, Ordering::SeqCst);
        let r = send_to(&app, "PATCH", &format!("/api/v1/webhooks/{hook}"), Some(json!({"state": "active", "revision": sub["revision"]})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        drain(&w, t + 11 * HOUR).await;
        let got = rx.got().await;
        let tail: Vec<(i64, i64)> = got[attempts - 1..].iter().map(|g| (g.json()["counter"].as_i64().unwrap(), g.json()["data"]["id"].as_i64().unwrap())).collect();
        assert_eq!(tail, vec![(1, first), (1, first), (2, second)]);
    }

    async fn a_receiver_that_answers_410_disables_its_subscription_at_once(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        rx.answer.store(410, Ordering::SeqCst);
        let (org, owner) = firm(&app, 1).await;
        let (hook, _) = subscribe(&app, &owner, &rx.url, &["offer", "org"]).await;
        add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        drain(&worker(&app), wujin_store::now_ms()).await;
        assert_eq!(rx.got().await.len(), 1);
        let sub = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await.body;
        assert_eq!((sub["state"].as_str(), sub["disabled_reason"].as_str()), (Some("disabled"), Some("gone")));
        let inbox = send_to(&app, "GET", "/api/v1/inbox?lang=en", None, &owner.h()).await.body;
        assert!(inbox["items"].as_array().unwrap().iter().any(|i| i["kind"] == "webhook_disabled" && i["text"].as_str().unwrap().contains("410")));
    }

    async fn the_delivery_log_forgets_finished_deliveries_after_its_retention_but_never_pending_ones(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        let (org, owner) = firm(&app, 1).await;
        let (hook, _) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        let w = worker(&app);
        drain(&w, wujin_store::now_ms()).await;
        rx.answer.store(503, Ordering::SeqCst);
        add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        drain(&w, wujin_store::now_ms()).await;
        let path = format!("/api/v1/webhooks/{hook}/deliveries");
        let states = |body: Value| -> Vec<String> {
            body["items"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(states(send_to(&app, "GET", &path, None, &owner.h()).await.body), vec!["pending", "delivered"]);
        let gone = db.store.prune_deliveries(wujin_store::now_ms() + wujin_server::serve::DELIVERY_LOG_RETENTION_MS).await.unwrap();
        assert_eq!(gone, 1);
        assert_eq!(states(send_to(&app, "GET", &path, None, &owner.h()).await.body), vec!["pending"], "the delivery still being retried stays");
    }

    async fn a_receiver_that_hangs_does_not_hold_up_other_subscriptions(db) {
        let app = server(&db);
        // A receiver that takes connections and never answers (the sender gives up at 10 s).
        let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hang_url = format!("http://{}/hook", hang.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = vec![];
            while let Ok((conn, _)) = hang.accept().await {
                held.push(conn);
            }
        });
        let rx = Receiver::start().await;
        let (org, owner) = firm(&app, 1).await;
        let (_, other) = firm(&app, 2).await;
        subscribe(&app, &owner, &hang_url, &["offer"]).await;
        subscribe(&app, &other, &rx.url, &["offer"]).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let running = tokio::spawn(worker(&app).run(stopped));
        add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        assert!(rx.wait_for(1, std::time::Duration::from_secs(5)).await, "the first change arrives");
        add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        assert!(
            rx.wait_for(2, std::time::Duration::from_secs(5)).await,
            "the next one too, while the other subscription's delivery still hangs"
        );
        stop.send(true).unwrap();
        running.await.unwrap();
    }

    async fn a_redirect_is_not_followed_and_counts_as_a_failure(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        rx.answer.store(307, Ordering::SeqCst);
        let (org, owner) = firm(&app, 1).await;
        let (hook, _) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        drain(&worker(&app), wujin_store::now_ms()).await;
        assert_eq!(rx.got().await.len(), 1, "one request, no second one to wherever it pointed");
        let log = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None, &owner.h()).await.body;
        assert_eq!((log["items"][0]["state"].as_str(), log["items"][0]["last_status"].as_i64()), (Some("pending"), Some(307)));
    }

    async fn internal_addresses_are_refused_when_subscribing_and_when_delivering(db) {
        let strict = AppState::new(db.store.clone());
        let (org, owner) = firm(&strict, 1).await;
        for url in ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://10.1.2.3/hook", "http://localhost:8080/hook"] {
            let r = send_to(&strict, "POST", "/api/v1/webhooks", Some(json!({"url": url})), &owner.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("url")), "{url}: {}", r.body);
            assert_eq!(r.body["error"]["code"], "internal_address");
        }
        for url in ["ftp://example.com/x", "https://user:pw@example.com/x", "example.com/hook"] {
            let r = send_to(&strict, "POST", "/api/v1/webhooks", Some(json!({"url": url})), &owner.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("url")), "{url}");
        }
        // A name is checked when a delivery connects: localhost resolves inside, so the
        // strict worker refuses it (a subscription made while private addresses were allowed).
        let rx = Receiver::start().await;
        let named = rx.url.replace("127.0.0.1", "localhost");
        let (hook, _) = subscribe(&server(&db), &owner, &named, &["offer"]).await;
        add_offer(&strict, &owner, org, "真空保温杯 500ml").await;
        let w = Worker::new(strict.clone(), Sender::new(false));
        w.tick(wujin_store::now_ms()).await.unwrap();
        w.tick(wujin_store::now_ms()).await.unwrap();
        assert!(rx.got().await.is_empty(), "nothing reached the internal receiver");
        let log = send_to(&strict, "GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None, &owner.h()).await.body;
        assert!(log["items"][0]["last_error"].as_str().unwrap_or("").contains("refused"), "{log}");
    }

    async fn a_rotated_secret_signs_beside_the_old_one_and_test_events_and_redeliveries_go_beside_the_queue(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        let (org, owner) = firm(&app, 1).await;
        let (hook, old) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        let r = send_to(&app, "POST", &format!("/api/v1/webhooks/{hook}/secret"), None, &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let new = r.body["secret"].as_str().unwrap().to_string();
        assert_ne!(new, old);
        assert!(r.body["webhook"]["previous_secret_until"].is_string());
        add_offer(&app, &owner, org, "真空保温杯 500ml").await;
        let w = worker(&app);
        drain(&w, wujin_store::now_ms()).await;
        let g = rx.got().await[0].clone();
        assert_eq!(g.signature.split(' ').count(), 2);
        assert!(verify(&new, &g.signature, &g.id, g.timestamp, g.body.as_bytes()));
        assert!(verify(&old, &g.signature, &g.id, g.timestamp, g.body.as_bytes()));
        // A day later only the new secret signs.
        add_offer(&app, &owner, org, "儿童保温杯 350ml").await;
        drain(&w, wujin_store::now_ms() + 25 * HOUR).await;
        let g = rx.got().await[1].clone();
        assert!(verify(&new, &g.signature, &g.id, g.timestamp, g.body.as_bytes()));
        assert!(!verify(&old, &g.signature, &g.id, g.timestamp, g.body.as_bytes()));

        let r = send_to(&app, "POST", &format!("/api/v1/webhooks/{hook}/test"), None, &owner.h()).await;
        assert_eq!((r.status, r.body["event"].as_str()), (StatusCode::ACCEPTED, Some("webhook.test")));
        drain(&w, wujin_store::now_ms()).await;
        let got = rx.got().await;
        assert_eq!(got[2].json()["type"], "webhook.test");
        assert!(got[2].json()["counter"].is_null(), "a test event does not count");
        let log = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries?limit=1"), None, &owner.h()).await.body;
        assert_eq!(log["items"].as_array().unwrap().len(), 1);
        let cursor = log["next_cursor"].as_str().unwrap().to_string();
        let older = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}/deliveries?limit=1&cursor={cursor}"), None, &owner.h()).await.body;
        let first = older["items"][0].clone();
        assert_eq!(first["counter"], 2);
        let r = send_to(&app, "POST", &format!("/api/v1/webhooks/{hook}/deliveries/{}/redeliver", first["id"]), None, &owner.h()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        drain(&w, wujin_store::now_ms()).await;
        let got = rx.got().await;
        assert_eq!(got.len(), 4);
        assert_eq!((got[3].id.as_str(), got[3].body.as_str()), (got[1].id.as_str(), got[1].body.as_str()), "the same message again");

        // Paused, it gets nothing; resumed, it gets what happened meanwhile.
        let rev = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await.body["revision"].clone();
        let r = send_to(&app, "PATCH", &format!("/api/v1/webhooks/{hook}"), Some(json!({"state": "paused", "revision": rev})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let stale = send_to(&app, "PATCH", &format!("/api/v1/webhooks/{hook}"), Some(json!({"state": "active", "revision": rev})), &owner.h()).await;
        assert_eq!((stale.status, stale.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("revision_conflict")));
        add_offer(&app, &owner, org, "焖烧杯 750ml").await;
        drain(&w, wujin_store::now_ms()).await;
        assert_eq!(rx.got().await.len(), 4);
        let r = send_to(&app, "PATCH", &format!("/api/v1/webhooks/{hook}"), Some(json!({"state": "active"})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        drain(&w, wujin_store::now_ms()).await;
        let got = rx.got().await;
        assert_eq!((got.len(), got[4].json()["counter"].as_i64()), (5, Some(3)));
    }

    async fn demands_reach_only_the_subscriptions_whose_owner_may_see_them(db) {
        let app = server(&db);
        let (rx_a, rx_b) = (Receiver::start().await, Receiver::start().await);
        let (org, buyer) = firm(&app, 1).await;
        let (_, stranger) = firm(&app, 2).await;
        subscribe(&app, &buyer, &rx_a.url, &["demand"]).await;
        subscribe(&app, &stranger, &rx_b.url, &["demand"]).await;
        let body = json!({"org_id": org, "title": "采购 304 不锈钢保温杯内胆 5000 只", "deadline": "2099-12-31", "visibility": "invited"});
        let r = send_to(&app, "POST", "/api/v1/demands", Some(body), &buyer.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        drain(&worker(&app), wujin_store::now_ms()).await;
        assert_eq!(rx_a.got().await.len(), 1, "the buyer's own draft reaches the buyer");
        assert_eq!(rx_a.got().await[0].json()["type"], "demand.create");
        assert!(rx_b.got().await.is_empty(), "another firm's draft reaches nobody else");
    }

    async fn one_node_of_a_deployment_holds_the_delivery_lock(db) {
        let first = db.store.try_job_lock(wujin_store::jobs::Job::Webhooks).await.unwrap();
        assert!(first.is_some());
        // A second worker on the same database (another node on PostgreSQL, another process
        // on the SQLite file) waits.
        let second = db.store.try_job_lock(wujin_store::jobs::Job::Webhooks).await.unwrap();
        assert!(second.is_none(), "a second worker waits");
        first.unwrap().release().await;
        assert!(db.store.try_job_lock(wujin_store::jobs::Job::Webhooks).await.unwrap().is_some(), "the lock passes on when its holder lets go");
    }

    async fn a_subscriptions_pages_are_its_owners_alone(db) {
        let app = server(&db);
        let rx = Receiver::start().await;
        let (_, owner) = firm(&app, 3).await;
        let (hook, _) = subscribe(&app, &owner, &rx.url, &["offer"]).await;
        let (_, rival) = firm(&app, 4).await;
        let page = format!("/webhooks/{hook}");
        // The page escapes the URL's slashes; its host and port read as they are.
        let host = rx.url.trim_start_matches("http://").split('/').next().unwrap().to_string();
        let (status, _, html) = common::page(&db.store, "GET", &page, Some(&owner), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&host), "the owner sees the URL");
        let (status, _, html) = common::page(&db.store, "GET", "/webhooks", Some(&rival), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(&host), "another account's list does not show it");
        for path in [page.clone(), format!("{page}/deliveries/1")] {
            let (status, _, _) = common::page(&db.store, "GET", &path, Some(&rival), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        // A rival's delete (with their own good form token) changes nothing.
        let form = format!("csrf={}&sure=1", rival.csrf);
        common::page(&db.store, "POST", &format!("{page}/delete"), Some(&rival), Some(&form)).await;
        let still = send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await;
        assert_eq!(still.status, StatusCode::OK, "still there");
        // Signed out, the page asks for a sign-in first.
        let (status, location, _) = common::page(&db.store, "GET", &page, None, None).await;
        assert_eq!((status, location.starts_with("/login")), (StatusCode::SEE_OTHER, true), "{location}");
        // The owner's own delete needs the tick, then goes.
        let form = format!("csrf={}", owner.csrf);
        common::page(&db.store, "POST", &format!("{page}/delete"), Some(&owner), Some(&form)).await;
        assert_eq!(send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await.status, StatusCode::OK);
        let form = format!("csrf={}&sure=1", owner.csrf);
        let (status, location, _) = common::page(&db.store, "POST", &format!("{page}/delete"), Some(&owner), Some(&form)).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/webhooks"));
        assert_eq!(send_to(&app, "GET", &format!("/api/v1/webhooks/{hook}"), None, &owner.h()).await.status, StatusCode::NOT_FOUND);
    }
}
