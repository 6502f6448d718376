//! A server killed with SIGKILL in the middle of a webhook delivery loses nothing: the
//! receiver has the request but the server never learnt the answer. Restarted, the server
//! sends that delivery again with the same `webhook-id` and then every later one, in order,
//! numbered without gaps. A real server process and a real receiver, on both engines.

mod common;
mod process;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use common::{Person, send_to};
use process::{kill, start_with, stop};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_store::both_backends;

/// (webhook-id, body) of each request, in arrival order.
type Arrivals = tokio::sync::mpsc::UnboundedReceiver<(String, Value)>;

/// A receiver that tells the test of each request, and answers none while `hold` is set.
async fn receiver(hold: Arc<AtomicBool>) -> (String, Arrivals) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (tx, hold) = (tx.clone(), hold.clone());
            async move {
                let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let _ = tx.send((id, serde_json::from_str(&body).unwrap_or(Value::Null)));
                if hold.load(Ordering::SeqCst) {
                    std::future::pending::<()>().await;
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn next(rx: &mut Arrivals) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("a delivery within a minute")
        .expect("the receiver runs")
}

both_backends! {
    async fn a_server_killed_mid_delivery_resends_it_and_everything_after_in_order(db) {
        let app = AppState { webhook_allow_private: true, ..AppState::new(db.store.clone()) };
        let code = wujin_domain::Uscc::complete("91330784MA7700001").unwrap().to_string();
        let up = json!({"login": "erp@x.example.cn", "name": "经理", "password": "correct horse", "uscc": code, "firm": "永康市庚五金有限公司"});
        let r = send_to(&app, "POST", "/api/v1/accounts", Some(up), &[]).await;
        let org = r.body["org_id"].as_i64().unwrap();
        let owner = Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
        let hold = Arc::new(AtomicBool::new(true));
        let (url, mut arrivals) = receiver(hold.clone()).await;
        let r = send_to(&app, "POST", "/api/v1/webhooks", Some(json!({"url": url, "types": ["offer"]})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let titles = ["真空保温杯 500ml", "儿童保温杯 350ml", "焖烧杯 750ml", "保温壶 1.5L", "咖啡杯 400ml"];
        for t in titles {
            let body = json!({"title": t, "category": "保温杯", "unit": "只"});
            let r = send_to(&app, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(body), &owner.h()).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }

        let index = db.dir.path().join("index");
        let server = start_with(&db.url, &index, &["--webhook-allow-private"]);
        let (first_id, first) = next(&mut arrivals).await;
        assert_eq!(first["counter"], 1);
        // The receiver holds the request: the server dies before it hears the answer.
        kill(server);
        hold.store(false, Ordering::SeqCst);

        let server = start_with(&db.url, &index, &["--webhook-allow-private"]);
        let mut seen: Vec<(String, Value)> = vec![];
        while seen.iter().map(|(id, _)| id.clone()).collect::<BTreeSet<_>>().len() < titles.len() {
            seen.push(next(&mut arrivals).await);
        }
        stop(server);
        assert_eq!(seen[0].0, first_id, "the delivery in flight is sent again, with its webhook-id");
        assert_eq!(seen[0].1, first, "and its body");
        let counters: Vec<i64> = seen.iter().map(|(_, b)| b["counter"].as_i64().unwrap()).collect();
        assert_eq!(counters, vec![1, 2, 3, 4, 5], "then every later one once, in order");
        let got: Vec<String> = seen.iter().map(|(_, b)| b["data"]["resource"]["title"].as_str().unwrap().to_string()).collect();
        assert_eq!(got, titles);
    }
}
