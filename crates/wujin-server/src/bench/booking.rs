//! `wujin bench booking`: the booking engine under contention, through the HTTP API of a
//! running server on loopback.
//!
//! For each engine: one firm offers 50 machines open round the clock with 30 minutes' setup;
//! another firm's owner, signed in, sends requests from 100 concurrent clients for the given
//! time, each for a random machine, a random quarter-hour start within four weeks and 1 to 8
//! hours, so that requests clash often. Every answer is counted: 201 booked, 409 a clash,
//! 503 busy (with Retry-After), anything else an error (which must stay 0). Then every
//! machine's standing bookings are scanned for overlap, setup included (which must be 0).
//! Prints one table.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wujin_store::Store;

use super::{fail, pg_database};
use crate::api;
use crate::cli::{Failure, msg};

const MACHINES: usize = 50;
const CLIENTS: usize = 100;

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    booked: u64,
    clashed: u64,
    busy: u64,
    other: u64,
}

struct Row {
    engine: &'static str,
    requests: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    tally: Tally,
    overlaps: usize,
}

async fn measure(engine: &'static str, url: &str, seconds: u64) -> Result<Row, Failure> {
    let store = Store::open(url).await.map_err(fail)?;
    let cluster = wujin_demo::generate(wujin_demo::DEFAULT_SEED, 20);
    let quiet = crate::transfer::import::Options { skip_invalid: false, quiet: true, actor: "wujin bench".into() };
    let whole = crate::transfer::import::whole(cluster.orgs.iter().take(2).cloned(), wujin_domain::sheet::ORG_COLUMNS);
    crate::transfer::import::write_orgs(&store, &whole, &quiet).await.map_err(fail)?;
    let codes: Vec<String> = cluster.orgs.iter().take(2).map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.map_err(fail)?;
    let (provider, requester) = (ids[&codes[0]].0, ids[&codes[1]].0);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(fail)?;
    let base = format!("http://{}", listener.local_addr().map_err(fail)?);
    let app = api::router(store.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().map_err(fail)?;

    // The requester's owner signs up over HTTP; both firms get an owner.
    let body =
        serde_json::json!({"login": "bench@booking.example.cn", "name": "bench", "password": "correct horse battery"});
    let resp = client
        .post(format!("{base}/api/v1/accounts"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(fail)?;
    let cookie = resp
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| msg("sign-up set no cookie"))?;
    let me: serde_json::Value = serde_json::from_slice(&resp.bytes().await.map_err(fail)?).map_err(fail)?;
    let (account, csrf) =
        (me["account"]["id"].as_i64().unwrap_or(0), me["csrf_token"].as_str().unwrap_or("").to_string());
    for org in [provider, requester] {
        store.set_member(org, account, wujin_domain::account::Role::Owner, account).await.map_err(fail)?;
    }
    let week = vec!["00:00-24:00".to_string(); 7];
    let record = wujin_domain::capacity::check_machine("压铸岛", "压铸 800 T", &week, 30, None)
        .map_err(|e| msg(format!("{e:?}")))?;
    let mut machines = vec![];
    for _ in 0..MACHINES {
        machines.push(store.create_machine(provider, None, account, &record).await.map_err(fail)?.id);
    }
    let machines = Arc::new(machines);
    let day = 86_400_000;
    let first = (wujin_store::now_ms() / day + 2) * day;

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = vec![];
    for c in 0..CLIENTS {
        let (client, base, cookie, csrf, machines, stop) =
            (client.clone(), base.clone(), cookie.clone(), csrf.clone(), machines.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (c as u64 + 1);
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            while !stop.load(Ordering::Relaxed) {
                let machine = machines[(next() % MACHINES as u64) as usize];
                let start = first + (next() % (28 * 96)) as i64 * 15 * 60_000;
                let hours = 1 + next() % 8;
                let body =
                    serde_json::json!({"org_id": requester, "start": api::views::rfc3339(start), "hours": hours});
                let t = Instant::now();
                let resp = client
                    .post(format!("{base}/api/v1/machines/{machine}/bookings"))
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                tally.latencies_us.push(t.elapsed().as_micros() as u64);
                match resp.map(|r| r.status().as_u16()) {
                    Ok(201) => tally.booked += 1,
                    Ok(409) => tally.clashed += 1,
                    Ok(503) => tally.busy += 1,
                    _ => tally.other += 1,
                }
            }
            tally
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut tally = Tally::default();
    for t in tasks {
        let one = t.await.map_err(fail)?;
        tally.latencies_us.extend(one.latencies_us);
        tally.booked += one.booked;
        tally.clashed += one.clashed;
        tally.busy += one.busy;
        tally.other += one.other;
    }
    let elapsed = started.elapsed().as_secs_f64();
    server.abort();
    let mut overlaps = 0;
    for m in machines.iter() {
        let standing = store.standing_bookings(*m).await.map_err(fail)?;
        overlaps += standing.windows(2).filter(|p| p[0].block_end_ms > p[1].start_ms).count();
    }
    store.close().await;
    tally.latencies_us.sort_unstable();
    let at = |q: f64| {
        let n = tally.latencies_us.len();
        if n == 0 { 0.0 } else { tally.latencies_us[((n - 1) as f64 * q) as usize] as f64 / 1000.0 }
    };
    let requests = tally.latencies_us.len() as u64;
    Ok(Row { engine, requests, rate: requests as f64 / elapsed, p50_ms: at(0.5), p99_ms: at(0.99), tally, overlaps })
}

pub async fn run(seconds: u64, pg: Option<&str>) -> Result<(), Failure> {
    let dir = tempfile::tempdir().map_err(fail)?;
    let mut rows = vec![measure("sqlite", &dir.path().join("bench.db").display().to_string(), seconds).await?];
    if let Some(admin) = pg {
        let name = format!("wujin_bench_booking_{}", std::process::id());
        let url = pg_database(admin, &name, true).await?;
        let row = measure("postgres", &url, seconds).await;
        pg_database(admin, &name, false).await?;
        rows.push(row?);
    }
    println!(
        "{MACHINES} machines, {CLIENTS} clients, {seconds} s, requests of 1-8 h on quarter hours within 4 weeks, 30 min setup"
    );
    println!(
        "{:<9} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6} {:>6} {:>9}",
        "engine", "requests", "req/s", "p50 ms", "p99 ms", "booked", "409", "503", "other", "overlaps"
    );
    for r in &rows {
        println!(
            "{:<9} {:>9} {:>8.0} {:>8.1} {:>8.1} {:>9} {:>9} {:>6} {:>6} {:>9}",
            r.engine,
            r.requests,
            r.rate,
            r.p50_ms,
            r.p99_ms,
            r.tally.booked,
            r.tally.clashed,
            r.tally.busy,
            r.tally.other,
            r.overlaps
        );
    }
    if rows.iter().any(|r| r.overlaps > 0 || r.tally.other > 0) {
        return Err(msg("overlapping bookings or failed requests: see the table"));
    }
    Ok(())
}
