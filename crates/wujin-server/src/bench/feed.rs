//! `wujin bench feed`: how fast an integrator can read the change feed and the bulk export.
//!
//! For each engine: write a generated registry of N offers (each a `create` change, after
//! the firms' own), then read the whole feed from the start in pages of 100 through the
//! API's router (routing, the transport guard, visibility, JSON rendering: everything but
//! the socket), and stream the JSON Lines export of every offer the same way. Prints a table.

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use wujin_demo::DEFAULT_SEED;
use wujin_store::Store;

use super::{fail, pg_database};
use crate::api;
use crate::cli::{Failure, msg};
use crate::transfer::import::{self, Options};

struct Row {
    engine: &'static str,
    changes: u64,
    pages: u64,
    feed_rate: f64,
    export_rate: f64,
}

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
    store.analyze().await.map_err(fail)?;
    let router = api::router(store.clone());
    let get = |path: String| {
        let router = router.clone();
        async move {
            let resp =
                router.oneshot(Request::get(path.as_str()).body(Body::empty()).map_err(fail)?).await.map_err(fail)?;
            if resp.status() != StatusCode::OK {
                return Err(msg(format!("{path}: {}", resp.status())));
            }
            axum::body::to_bytes(resp.into_body(), usize::MAX).await.map_err(fail)
        }
    };

    let t = Instant::now();
    let (mut since, mut changes, mut pages) = (0i64, 0u64, 0u64);
    loop {
        let body = get(format!("/api/v1/changes?since={since}&limit=100")).await?;
        let page: serde_json::Value = serde_json::from_slice(&body).map_err(fail)?;
        let n = page["items"].as_array().map_or(0, |a| a.len()) as u64;
        let next = page["next"].as_i64().unwrap_or(since);
        pages += 1;
        changes += n;
        if next == since {
            break;
        }
        since = next;
    }
    let feed_rate = changes as f64 / t.elapsed().as_secs_f64();
    let expected = (cluster.orgs.len() + cluster.offers.len()) as u64;
    if changes != expected {
        return Err(msg(format!("{engine}: the feed held {changes} changes, the registry made {expected}")));
    }

    let t = Instant::now();
    let body = get("/api/v1/export/offers".to_string()).await?;
    let lines = body.iter().filter(|b| **b == b'\n').count();
    let export_rate = lines as f64 / t.elapsed().as_secs_f64();
    if lines != cluster.offers.len() {
        return Err(msg(format!("{engine}: the export held {lines} offers of {}", cluster.offers.len())));
    }
    store.close().await;
    Ok(Row { engine, changes, pages, feed_rate, export_rate })
}

pub async fn run(offers: usize, pg: Option<&str>) -> Result<(), Failure> {
    let firms = (offers as f64 / 9.6).ceil() as usize;
    let mut cluster = wujin_demo::generate(DEFAULT_SEED, firms.max(20));
    cluster.offers.truncate(offers);
    let dir = tempfile::tempdir().map_err(fail)?;
    let mut rows = vec![measure("SQLite", &dir.path().join("feed.db").display().to_string(), &cluster).await?];
    if let Some(admin) = pg {
        let name = format!("wujin_bench_feed_{}", std::process::id());
        let url = pg_database(admin, &name, true).await?;
        let row = measure("PostgreSQL", &url, &cluster).await;
        pg_database(admin, &name, false).await?;
        rows.push(row?);
    }
    println!("| engine | changes | pages of 100 | feed read (changes/s) | export JSON Lines (offers/s) |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        println!("| {} | {} | {} | {:.0} | {:.0} |", r.engine, r.changes, r.pages, r.feed_rate, r.export_rate);
    }
    Ok(())
}
