//! `wujin bench feed`: how fast an integrator can read the change feed and the bulk export,
//! and how soon webhooks follow a write.
//!
//! For each engine: write a generated registry of N offers (each a `create` change, after
//! the firms' own), let the engine settle (statistics, and a checkpoint so that PostgreSQL
//! is not still flushing the load while it is read), then read the whole feed from the
//! start in pages of 1,000 over HTTP on loopback, one client, as an integrator would, three
//! times (the median is the figure, the slowest and fastest show the spread), and stream
//! the JSON Lines export of every offer the same way.
//!
//! Then webhooks, each subscription with its own receiver on loopback (real HTTP): offers
//! are written through the API at 100 a second for the given time while the delivery
//! worker runs as `serve` runs it, and each delivery's arrival at the one subscriber is
//! timed from the moment its write was answered (committed). Then, with the worker stopped,
//! 1,000 more offers are written and the worker is timed clearing that backlog, for one
//! subscriber and again for ten. Prints two tables.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use wujin_demo::DEFAULT_SEED;
use wujin_store::Store;

use super::{fail, pg_database};

/// Changes per feed page: the feed's most.
const PAGE: i64 = api::changes::MAX_LIMIT;
use crate::api;
use crate::cli::{Failure, msg};
use crate::transfer::import::{self, Options};

struct Row {
    engine: &'static str,
    changes: u64,
    pages: u64,
    /// Each pass's read rate, slowest first.
    feed_rates: Vec<f64>,
    export_rate: f64,
}

/// Whole reads of the feed per engine; the table gives their median and their spread, since
/// one pass on a shared machine varies by a fifth or more.
const PASSES: usize = 3;

async fn measure(engine: &'static str, url: &str, cluster: &wujin_demo::Cluster) -> Result<Row, Failure> {
    let quiet = Options { skip_invalid: false, quiet: true, actor: "wujin bench".into() };
    let store = Store::open(url).await.map_err(fail)?;
    import::write_orgs(&store, &import::whole(cluster.orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS), &quiet)
        .await
        .map_err(fail)?;
    let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.map_err(fail)?;
    import::write_offers(
        &store,
        &import::whole(cluster.offers.iter().cloned(), wujin_domain::sheet::OFFER_COLUMNS),
        &ids,
        &quiet,
    )
    .await
    .map_err(fail)?;
    store.settle().await.map_err(fail)?;
    // Real HTTP on loopback, as an integrator reads it: one client, one connection at a time.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(fail)?;
    let base = format!("http://{}", listener.local_addr().map_err(fail)?);
    let app = api::router(store.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let get = |path: String| {
        let (client, url) = (client.clone(), format!("{base}{path}"));
        async move {
            let resp = client.get(&url).send().await.map_err(fail)?;
            if resp.status() != reqwest::StatusCode::OK {
                return Err(msg(format!("{path}: {}", resp.status())));
            }
            resp.bytes().await.map_err(fail)
        }
    };
    /// What the client needs of a page: how many changes it held and where to go on.
    #[derive(serde::Deserialize)]
    struct Page {
        items: Vec<serde::de::IgnoredAny>,
        next: i64,
    }

    let expected = (cluster.orgs.len() + cluster.offers.len()) as u64;
    let (mut feed_rates, mut changes, mut pages) = (vec![], 0u64, 0u64);
    for _ in 0..PASSES {
        let t = Instant::now();
        let mut since = 0i64;
        (changes, pages) = (0, 0);
        loop {
            let body = get(format!("/api/v1/changes?since={since}&limit={PAGE}")).await?;
            let page: Page = serde_json::from_slice(&body).map_err(fail)?;
            let (n, next) = (page.items.len() as u64, page.next);
            pages += 1;
            changes += n;
            if next == since {
                break;
            }
            since = next;
        }
        feed_rates.push(changes as f64 / t.elapsed().as_secs_f64());
        if changes != expected {
            return Err(msg(format!("{engine}: the feed held {changes} changes, the registry made {expected}")));
        }
    }
    feed_rates.sort_by(f64::total_cmp);

    let t = Instant::now();
    let body = get("/api/v1/export/offers".to_string()).await?;
    let lines = body.iter().filter(|b| **b == b'\n').count();
    let export_rate = lines as f64 / t.elapsed().as_secs_f64();
    if lines != cluster.offers.len() {
        return Err(msg(format!("{engine}: the export held {lines} offers of {}", cluster.offers.len())));
    }
    server.abort();
    store.close().await;
    Ok(Row { engine, changes, pages, feed_rates, export_rate })
}

struct HookRow {
    engine: &'static str,
    writes: usize,
    deliveries: usize,
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
    backlog_one: f64,
    backlog_rate: f64,
}

/// Subscriptions in the webhook measurement.
const SUBSCRIBERS: usize = 10;

/// Arrival times of deliveries, by offer id, and how many arrived.
#[derive(Default)]
struct Arrivals {
    at: std::sync::Mutex<HashMap<i64, Vec<Instant>>>,
    count: std::sync::atomic::AtomicUsize,
    changed: tokio::sync::Notify,
}

impl Arrivals {
    async fn until(&self, n: usize, limit: Duration) -> Result<(), Failure> {
        let end = tokio::time::Instant::now() + limit;
        loop {
            // Registered before the count is read, so an arrival in between is not missed.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count.load(std::sync::atomic::Ordering::SeqCst) >= n {
                return Ok(());
            }
            if tokio::time::timeout_at(end, notified).await.is_err() {
                let got = self.count.load(std::sync::atomic::Ordering::SeqCst);
                return Err(msg(format!("only {got} of {n} deliveries arrived in {} s", limit.as_secs())));
            }
        }
    }
}

/// A receiver on loopback that notes when each offer's delivery arrived.
async fn receiver(arrivals: Arc<Arrivals>) -> Result<String, Failure> {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let arrivals = arrivals.clone();
            async move {
                let now = Instant::now();
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                if let Some(id) = v["data"]["id"].as_i64() {
                    arrivals.at.lock().unwrap_or_else(|e| e.into_inner()).entry(id).or_default().push(now);
                    arrivals.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    arrivals.changed.notify_waiters();
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(fail)?;
    let url = format!("http://{}/hook", listener.local_addr().map_err(fail)?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

async fn webhooks(engine: &'static str, url: &str, seconds: u64) -> Result<HookRow, Failure> {
    let store = Store::open(url).await.map_err(fail)?;
    let app = api::AppState { webhook_allow_private: true, ..api::AppState::new(store.clone()) };
    let router = api::router_with(app.clone());
    let call = |method: &'static str, path: String, body: serde_json::Value, headers: Vec<(String, String)>| {
        let router = router.clone();
        async move {
            let mut req =
                Request::builder().method(method).uri(path.as_str()).header("content-type", "application/json");
            for (k, v) in &headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let resp = router.oneshot(req.body(Body::from(body.to_string())).map_err(fail)?).await.map_err(fail)?;
            let status = resp.status();
            let cookie = resp
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .map(|c| c.split(';').next().unwrap_or("").to_string());
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.map_err(fail)?;
            let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if !status.is_success() {
                return Err(msg(format!("{method} {path}: {status} {json}")));
            }
            Ok::<_, Failure>((json, cookie))
        }
    };
    let code = wujin_domain::Uscc::complete("91330784MA7900001").map_err(|e| msg(format!("{e:?}")))?.to_string();
    let up = serde_json::json!({"login": "bench-hooks@example.cn", "name": "bench", "password": "correct horse battery", "uscc": code, "firm": "永康市基准测试五金有限公司"});
    let (me, cookie) = call("POST", "/api/v1/accounts".into(), up, vec![]).await?;
    let org = me["org_id"].as_i64().unwrap_or(0);
    let headers = vec![
        ("cookie".to_string(), cookie.unwrap_or_default()),
        ("x-csrf-token".to_string(), me["csrf_token"].as_str().unwrap_or("").to_string()),
    ];
    let arrivals = Arc::new(Arrivals::default());
    let subscribe = || async {
        let url = receiver(arrivals.clone()).await?;
        call("POST", "/api/v1/webhooks".into(), serde_json::json!({"url": url, "types": ["offer"]}), headers.clone())
            .await
    };
    subscribe().await?;
    let offer = |i: usize| serde_json::json!({"title": format!("基准保温杯 {i}"), "category": "保温杯", "unit": "只"});
    let write = |i: usize| call("POST", format!("/api/v1/orgs/{org}/offers"), offer(i), headers.clone());
    let start_worker = || {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = crate::webhooks::Worker::new(app.clone(), crate::webhooks::Sender::new(true));
        (stop, tokio::spawn(worker.run(stopped)))
    };

    // Latency: 100 writes a second while the worker runs.
    let (stop, running) = start_worker();
    let mut committed: HashMap<i64, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let writes = (seconds * 100) as usize;
    for i in 0..writes {
        tick.tick().await;
        let (o, _) = write(i).await?;
        committed.insert(o["id"].as_i64().unwrap_or(0), Instant::now());
    }
    arrivals.until(writes, Duration::from_secs(120)).await?;
    let _ = stop.send(true);
    let _ = running.await;
    let mut lat: Vec<f64> = vec![];
    for (id, times) in arrivals.at.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        if let Some(c) = committed.get(id) {
            lat.extend(times.iter().map(|t| t.saturating_duration_since(*c).as_secs_f64() * 1000.0));
        }
    }
    lat.sort_by(f64::total_cmp);
    let pct =
        |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or(0.0);

    // Throughput: a backlog of 1,000 changes, to one subscriber and then to ten.
    let mut rates = vec![];
    for (round, subscribers) in [1, SUBSCRIBERS].into_iter().enumerate() {
        for _ in 1..subscribers {
            subscribe().await?;
        }
        let before = arrivals.count.load(std::sync::atomic::Ordering::SeqCst);
        for i in 0..1000 {
            write(writes + 1000 * round + i).await?;
        }
        let t = Instant::now();
        let (stop, running) = start_worker();
        arrivals.until(before + 1000 * subscribers, Duration::from_secs(600)).await?;
        rates.push((1000 * subscribers) as f64 / t.elapsed().as_secs_f64());
        let _ = stop.send(true);
        let _ = running.await;
    }
    store.close().await;
    Ok(HookRow {
        engine,
        writes,
        deliveries: lat.len(),
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
        max_ms: lat.last().copied().unwrap_or(0.0),
        backlog_one: rates[0],
        backlog_rate: rates[1],
    })
}

pub async fn run(offers: usize, pg: Option<&str>, hook_seconds: u64) -> Result<(), Failure> {
    let firms = (offers as f64 / 9.6).ceil() as usize;
    let mut cluster = wujin_demo::generate(DEFAULT_SEED, firms.max(20));
    cluster.offers.truncate(offers);
    let dir = tempfile::tempdir().map_err(fail)?;
    let sqlite = dir.path().join("feed.db").display().to_string();
    let mut rows = vec![measure("SQLite", &sqlite, &cluster).await?];
    let mut hooks = vec![webhooks("SQLite", &sqlite, hook_seconds).await?];
    if let Some(admin) = pg {
        let name = format!("wujin_bench_feed_{}", std::process::id());
        let url = pg_database(admin, &name, true).await?;
        let row = measure("PostgreSQL", &url, &cluster).await;
        let hook = match row {
            Ok(_) => Some(webhooks("PostgreSQL", &url, hook_seconds).await),
            Err(_) => None,
        };
        pg_database(admin, &name, false).await?;
        rows.push(row?);
        if let Some(h) = hook {
            hooks.push(h?);
        }
    }
    println!(
        "| engine | changes | pages of {PAGE} | feed read, median of {PASSES} (changes/s) | slowest pass | fastest pass | export JSON Lines (offers/s) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (slowest, fastest) = (r.feed_rates[0], r.feed_rates[r.feed_rates.len() - 1]);
        let median = r.feed_rates[r.feed_rates.len() / 2];
        println!(
            "| {} | {} | {} | {median:.0} | {slowest:.0} | {fastest:.0} | {:.0} |",
            r.engine, r.changes, r.pages, r.export_rate
        );
    }
    println!();
    println!(
        "| engine | writes (100/s for {hook_seconds} s) | deliveries | commit→delivery p50 (ms) | p95 (ms) | max (ms) | backlog, 1 subscriber (deliveries/s) | backlog, {SUBSCRIBERS} subscribers (deliveries/s) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for h in hooks {
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            h.engine, h.writes, h.deliveries, h.p50_ms, h.p95_ms, h.max_ms, h.backlog_one, h.backlog_rate
        );
    }
    Ok(())
}
