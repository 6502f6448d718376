//! The example client in `examples/mirror.py` (Python's standard library only) keeps a copy
//! of a live server's offers: from the bulk export, then the change feed, through a burst of
//! creates, edits, deletes and a firm's new name, and across a server restart; the copy then
//! equals the registry. Its signature check accepts the specification's test vector and a
//! real delivery of ours, and refuses a changed body.

mod common;
mod process;

use std::path::PathBuf;
use std::process::Command;

use axum::http::StatusCode;
use common::{Person, Receiver, drain, send_to};
use process::{start, stop};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_store::both_backends;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/mirror.py")
}

fn python(args: &[&str]) -> (bool, String) {
    let out = Command::new("python3").arg(script()).args(args).output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success() || args[0] == "verify",
        "mirror.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The registry's offers as the export has them.
async fn source(app: &AppState) -> Vec<Value> {
    use tower::ServiceExt;
    let req = axum::http::Request::builder().uri("/api/v1/export/offers").body(axum::body::Body::empty()).unwrap();
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn mirror(db: &str) -> Vec<Value> {
    python(&["dump", db]).1.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn firm(app: &AppState) -> (i64, Person) {
    let code = wujin_domain::Uscc::complete("91330784MA7800001").unwrap().to_string();
    let up = json!({"login": "mirror@x.example.cn", "name": "经理", "password": "correct horse", "uscc": code, "firm": "永康市辛五金有限公司"});
    let r = send_to(app, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p =
        Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
    (r.body["org_id"].as_i64().unwrap(), p)
}

async fn add(app: &AppState, who: &Person, org: i64, n: usize) -> Vec<i64> {
    let mut ids = vec![];
    for i in 0..n {
        let body = json!({"title": format!("真空保温杯 {}ml", 300 + i * 10), "category": "保温杯", "unit": "只", "price_min_fen": 2000 + i as i64});
        let r = send_to(app, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(body), &who.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    ids
}

both_backends! {
    async fn the_example_mirror_equals_the_registry_after_a_burst_and_a_restart(db) {
        let app = AppState::new(db.store.clone());
        let (org, owner) = firm(&app).await;
        let first = add(&app, &owner, org, 20).await;
        let index = db.dir.path().join("index");
        let copy = db.dir.path().join("mirror.sqlite").display().to_string();
        let server = start(&db.url, &index);
        let base = format!("http://{}", server.addr);
        python(&["sync", &base, &copy]);
        assert_eq!(mirror(&copy), source(&app).await, "the copy from the export");

        // A burst: new offers, edits, deletes and a new name for the firm (on every offer).
        let more = add(&app, &owner, org, 15).await;
        for id in &first[..8] {
            let r = send_to(&app, "PATCH", &format!("/api/v1/offers/{id}"), Some(json!({"title": format!("双层保温杯 {id}"), "revision": 1})), &owner.h()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        for id in first[8..12].iter().chain(&more[..3]) {
            let r = send_to(&app, "DELETE", &format!("/api/v1/offers/{id}"), Some(json!({"revision": 1})), &owner.h()).await;
            assert!(r.status.is_success(), "{}", r.body);
        }
        python(&["sync", &base, &copy]);
        assert_eq!(mirror(&copy), source(&app).await, "the copy after the burst");

        stop(server);
        let rev = send_to(&app, "GET", &format!("/api/v1/orgs/{org}"), None, &[]).await.body["revision"].clone();
        let r = send_to(&app, "PATCH", &format!("/api/v1/orgs/{org}"), Some(json!({"name": "永康市辛杯业有限公司", "revision": rev})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        add(&app, &owner, org, 5).await;
        let server = start(&db.url, &index);
        python(&["sync", &format!("http://{}", server.addr), &copy]);
        stop(server);
        let now = source(&app).await;
        assert_eq!(mirror(&copy), now, "the copy after the restart");
        assert_eq!(now.len(), 20 + 15 - 7 + 5);
        assert!(now.iter().all(|o| o["org"]["name"] == "永康市辛杯业有限公司"), "the firm's new name on every offer");
    }
}

#[tokio::test]
async fn the_example_checks_signatures_as_the_specification_and_our_deliveries_make_them() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, br#"{"test": 2432232314}"#).unwrap();
    let b = body.display().to_string();
    let vector = [
        "--secret",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "--id",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "--timestamp",
        "1614265330",
    ];
    let check = |sig: &str| {
        let mut args = vec!["verify"];
        args.extend(vector);
        args.extend(["--signature", sig, "--body-file", &b]);
        python(&args).0
    };
    assert!(check("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    assert!(check("v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), "any of several signatures");
    assert!(!check("v1,bm9wZQ=="));

    // A real delivery of ours checks out in the independent implementation.
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let app = AppState { webhook_allow_private: true, ..AppState::new(db.store.clone()) };
    let (org, owner) = firm(&app).await;
    let rx = Receiver::start().await;
    let r =
        send_to(&app, "POST", "/api/v1/webhooks", Some(json!({"url": rx.url, "types": ["offer"]})), &owner.h()).await;
    let secret = r.body["secret"].as_str().unwrap().to_string();
    add(&app, &owner, org, 1).await;
    drain(
        &wujin_server::webhooks::Worker::new(app.clone(), wujin_server::webhooks::Sender::new(true)),
        wujin_store::now_ms(),
    )
    .await;
    let got = rx.got().await[0].clone();
    let ts = got.timestamp.to_string();
    let verify = |body: &str| {
        std::fs::write(dir.path().join("delivery.json"), body).unwrap();
        let f = dir.path().join("delivery.json").display().to_string();
        python(&[
            "verify",
            "--secret",
            &secret,
            "--id",
            &got.id,
            "--timestamp",
            &ts,
            "--signature",
            &got.signature,
            "--body-file",
            &f,
        ])
        .0
    };
    assert!(verify(&got.body));
    assert!(!verify(&got.body.replace("保温杯", "保温壶")), "a changed body fails");
}
