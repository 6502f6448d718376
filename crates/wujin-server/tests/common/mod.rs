//! The one test helper: a store on either engine, loaded with a small demo cluster if
//! asked, and a way to call the API router as a client would.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;
use tower::ServiceExt;
use wujin_store::Store;

pub const SEED: u64 = 11;
pub const FIRMS: usize = 120;

/// Writes the small demo cluster into `store`.
pub async fn with_demo(store: &Store) {
    wujin_server::cli::load_demo(store, SEED, FIRMS, true).await.map_err(|f| f.message).expect("demo loads");
}

/// GET `path` through the router; returns the status and the JSON body.
pub async fn get(store: &Store, path: &str) -> (StatusCode, Value) {
    let resp = wujin_server::api::router(store.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{path}: body is not JSON: {:?}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

/// Asserts the API's error shape with a status and the field named.
pub fn assert_error(resp: &(StatusCode, Value), status: StatusCode, field: Option<&str>) {
    assert_eq!(resp.0, status, "{}", resp.1);
    let err = &resp.1["error"];
    assert!(err["code"].as_str().is_some_and(|c| !c.is_empty()), "{}", resp.1);
    assert!(err["message"].as_str().is_some_and(|c| !c.is_empty()), "{}", resp.1);
    assert_eq!(err["field"].as_str(), field, "{}", resp.1);
}

/// What a browser-like client sees of a reply.
pub struct Reply {
    pub status: StatusCode,
    pub cookie: Option<String>,
    pub body: Value,
}

/// Sends a request with a JSON body (if any) and headers through the router.
pub async fn send(store: &Store, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Reply {
    send_to(&wujin_server::api::AppState::new(store.clone()), method, path, body, headers).await
}

/// The same, to a server with the given state (a search index, for instance).
pub async fn send_to(
    app: &wujin_server::api::AppState,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder().method(method).uri(path).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let cookie = resp.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    Reply { status, cookie, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

/// The `name=value` part of a Set-Cookie header, as a browser sends it back.
pub fn jar(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// A signed-in person as a browser holds them: the session cookie and the CSRF token.
pub struct Person {
    pub cookie: String,
    pub csrf: String,
    pub id: i64,
}

impl Person {
    /// The headers of a write made from the browser.
    pub fn h(&self) -> [(&str, &str); 2] {
        [("cookie", self.cookie.as_str()), ("x-csrf-token", self.csrf.as_str())]
    }
}

/// Signs a new person up through the API; they are signed in.
pub async fn sign_up(store: &Store, login: &str) -> Person {
    let body = serde_json::json!({"login": login, "name": "测试", "password": "correct horse"});
    let r = send(store, "POST", "/api/v1/accounts", Some(body), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Person {
        cookie: jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().to_string(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    }
}

/// A server state with a search index built from the store.
pub async fn with_index(store: &Store) -> wujin_server::api::AppState {
    let index = std::sync::Arc::new(wujin_match::MatchIndex::in_memory().unwrap());
    wujin_match::follow::rebuild(store, &index, |_, _| {}).await.unwrap();
    wujin_server::api::AppState { index: Some(index), ..wujin_server::api::AppState::new(store.clone()) }
}

/// Registers a person and, when `org` is given, makes them its owner.
pub async fn owner(store: &Store, login: &str, org: Option<i64>) -> Person {
    let p = sign_up(store, login).await;
    if let Some(org) = org {
        store.set_member(org, p.id, wujin_domain::account::Role::Owner, p.id).await.unwrap();
    }
    p
}

/// Moves a demand's deadline into the past, as time would.
pub async fn pass_deadline(store: &Store, demand: i64) {
    store.backdate_deadline(demand, wujin_store::now_ms() - 1000).await.unwrap();
}

/// A quote in the API's shape.
pub fn quote(org: i64, price: i64) -> Value {
    serde_json::json!({"org_id": org, "price_fen": price, "basis": "unit", "lead_time_days": 20, "valid_days": 30, "notes": "含税含运"})
}

/// A page request as the browser makes it: the session cookie of `who` (a visitor when
/// none), and a form body if given. Answers the status, the `location` and the page.
pub async fn page(
    store: &Store,
    method: &str,
    path: &str,
    who: Option<&Person>,
    form: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder().method(method).uri(path).header("host", "wujin.test");
    if let Some(who) = who {
        req = req.header("cookie", &who.cookie);
    }
    if form.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded").header("origin", "http://wujin.test");
    }
    let body = form.map(|f| Body::from(f.to_string())).unwrap_or_else(Body::empty);
    let resp = wujin_server::api::router(store.clone()).oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, location, String::from_utf8_lossy(&bytes).into_owned())
}

/// Sends a file as a browser's or an integrator's `multipart/form-data` upload, in the part
/// named `file`, with `fields` as text parts before it.
pub async fn upload_to(
    app: &wujin_server::api::AppState,
    path: &str,
    file_name: &str,
    file: &[u8],
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let boundary = "----wujin-test-boundary-7d41";
    let mut body: Vec<u8> = vec![];
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").into_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .into_bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let mut req = Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "wujin.test")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let cookie = resp.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let body =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Reply { status, cookie, body }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: String,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver on loopback that records what it gets and answers `answer`.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Got>>>,
    pub answer: Arc<AtomicU16>,
    /// Told of every request.
    pub arrived: Arc<tokio::sync::Notify>,
}

impl Receiver {
    /// A receiver; a 3xx answer points back at itself (`location`), so a client that
    /// followed redirects would be seen asking twice.
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let arrived = Arc::new(tokio::sync::Notify::new());
        let (g, a, here, told) = (got.clone(), answer.clone(), url.clone(), arrived.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (g, a, here, told) = (g.clone(), a.clone(), here.clone(), told.clone());
                async move {
                    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    g.lock().await.push(Got {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp").parse().unwrap_or(0),
                        signature: h("webhook-signature"),
                        body,
                    });
                    told.notify_waiters();
                    (StatusCode::from_u16(a.load(Ordering::SeqCst)).unwrap(), [(axum::http::header::LOCATION, here)])
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got, answer, arrived }
    }

    /// Waits until `n` requests have arrived, up to `limit`; whether they did.
    pub async fn wait_for(&self, n: usize, limit: std::time::Duration) -> bool {
        let end = tokio::time::Instant::now() + limit;
        loop {
            let told = self.arrived.notified();
            tokio::pin!(told);
            told.as_mut().enable();
            if self.got.lock().await.len() >= n {
                return true;
            }
            if tokio::time::timeout_at(end, told).await.is_err() {
                return false;
            }
        }
    }

    pub async fn got(&self) -> Vec<Got> {
        self.got.lock().await.clone()
    }
}

/// Ticks the webhook worker at `now` until it has nothing more to do now.
pub async fn drain(w: &wujin_server::webhooks::Worker, now: i64) {
    for _ in 0..50 {
        let t = w.tick(now).await.unwrap();
        if t.attempted + t.queued == 0 {
            return;
        }
    }
    panic!("the worker never ran out of work");
}
