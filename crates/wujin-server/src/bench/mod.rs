//! `wujin bench`: measure what the registry promises, on data shaped like the demo cluster.
//!
//! For each engine it times: writing the generated registry (the batched upsert path),
//! exporting offers to CSV, importing the exported CSV files into a fresh database (read,
//! decode, validate, write: the whole `wujin import`), and a fixed mix of offer lists with
//! two filters through the HTTP router (rendering included), reporting p50/p95/p99.

use std::path::Path;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::Connection;
use tower::ServiceExt;
use wujin_demo::{Cluster, DEFAULT_SEED};
use wujin_domain::Taxonomy;
use wujin_store::Store;

use crate::api;

pub mod booking;
pub mod chain;
pub mod feed;
pub mod search;
use crate::cli::{Failure, msg};
use crate::transfer::export::{ExportFormat, export};
use crate::transfer::import::{self, Kind, Options};
use crate::transfer::read::{Format, read};

struct Row {
    engine: &'static str,
    offers: usize,
    write_rate: f64,
    export_rate: f64,
    import_rate: f64,
    import_orgs_rate: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    queries: usize,
}

pub(crate) fn fail(e: impl std::fmt::Display) -> Failure {
    msg(e.to_string())
}

/// The fixed query mix: pairs of filters, broad and narrow, over real codes.
pub fn list_queries() -> Vec<String> {
    let t = Taxonomy::get();
    let towns: Vec<&str> = t.towns.iter().map(|x| x.code.as_str()).collect();
    let cats = [
        "cups",
        "tools",
        "doors",
        "cups.vacuum_cup",
        "tools.angle_grinder",
        "vehicles.e_scooter",
        "parts.casting",
        "cap.die_casting",
    ];
    let standards = ["GB/T 29606-2013", "GB 17565-2022", "GB/T 3883.1-2014", "GB 4806.9-2023"];
    let mut q = vec![];
    for (i, town) in towns.iter().enumerate() {
        for kind in ["product", "service", "capacity"] {
            q.push(format!("kind={kind}&town={town}"));
        }
        q.push(format!("category={}&town={town}", cats[i % cats.len()]));
        q.push(format!("family=testing&town={town}"));
        q.push(format!("standard={}&town={town}", standards[i % standards.len()]));
    }
    for c in cats {
        for s in standards {
            q.push(format!("category={c}&standard={s}"));
        }
        q.push(format!("category={c}&kind=product"));
    }
    for s in standards {
        q.push(format!("kind=service&standard={s}"));
    }
    let base = q.clone();
    while q.len() < 240 {
        q.extend(base.iter().map(|x| format!("{x}&limit=50")));
    }
    q.truncate(240);
    q.into_iter().map(|x| format!("/api/v1/offers?{}", x.replace(' ', "%20").replace('/', "%2F"))).collect()
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(
    engine: &'static str,
    url_a: &str,
    url_b: &str,
    cluster: &Cluster,
    dir: &Path,
) -> Result<Row, Failure> {
    let quiet = Options { skip_invalid: false, quiet: true, actor: "wujin bench".into() };
    let a = Store::open(url_a).await.map_err(fail)?;
    let t = Instant::now();
    import::write_orgs(&a, &import::whole(cluster.orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS), &quiet)
        .await
        .map_err(fail)?;
    let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = a.org_ids_by_uscc(&codes).await.map_err(fail)?;
    let t_offers = Instant::now();
    import::write_offers(
        &a,
        &import::whole(cluster.offers.iter().cloned(), wujin_domain::sheet::OFFER_COLUMNS),
        &ids,
        &quiet,
    )
    .await
    .map_err(fail)?;
    let write_rate = cluster.offers.len() as f64 / t_offers.elapsed().as_secs_f64();
    a.analyze().await.map_err(fail)?;
    eprintln!("{engine}: registry written in {:.1} s", t.elapsed().as_secs_f64());

    let orgs_csv = dir.join(format!("{engine}-orgs.csv"));
    let offers_csv = dir.join(format!("{engine}-offers.csv"));
    export(&a, Kind::Orgs, ExportFormat::Csv, Some(&orgs_csv), true).await.map_err(fail)?;
    let t = Instant::now();
    let n = export(&a, Kind::Offers, ExportFormat::Csv, Some(&offers_csv), true).await.map_err(fail)?;
    let export_rate = n as f64 / t.elapsed().as_secs_f64();

    let b = Store::open(url_b).await.map_err(fail)?;
    let t = Instant::now();
    let table = read(&orgs_csv, Format::Csv).map_err(fail)?;
    let r = import::import(&b, Kind::Orgs, &table, &quiet).await.map_err(fail)?;
    let import_orgs_rate = r.valid as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    // As `wujin import` does: the file streamed, checked and written a block at a time.
    let rows = crate::transfer::read::open(&offers_csv, Format::Csv).map_err(fail)?;
    let r = import::import_rows(&b, Kind::Offers, rows, &quiet, None).await.map_err(fail)?;
    if r.written.is_none() || !r.problems.is_empty() {
        return Err(msg(format!("{engine}: re-import of the export found {} problems", r.problems.len())));
    }
    let import_rate = r.valid as f64 / t.elapsed().as_secs_f64();
    b.close().await;

    let router = api::router(a.clone());
    let queries = list_queries();
    for q in queries.iter().take(20) {
        let _ = router.clone().oneshot(Request::get(q.as_str()).body(Body::empty()).map_err(fail)?).await;
    }
    let mut times = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        let resp =
            router.clone().oneshot(Request::get(q.as_str()).body(Body::empty()).map_err(fail)?).await.map_err(fail)?;
        let status = resp.status();
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await.map_err(fail)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != StatusCode::OK {
            return Err(msg(format!("{q}: {status}")));
        }
    }
    times.sort_by(|x, y| x.total_cmp(y));
    a.close().await;
    Ok(Row {
        engine,
        offers: cluster.offers.len(),
        write_rate,
        export_rate,
        import_rate,
        import_orgs_rate,
        p50: percentile(&times, 0.50),
        p95: percentile(&times, 0.95),
        p99: percentile(&times, 0.99),
        queries: times.len(),
    })
}

pub(crate) async fn pg_database(admin: &str, name: &str, create: bool) -> Result<String, Failure> {
    let mut conn = sqlx::PgConnection::connect(admin).await.map_err(|e| msg(format!("{admin}: {e}")))?;
    let sql = if create { format!("CREATE DATABASE {name}") } else { format!("DROP DATABASE IF EXISTS {name}") };
    sqlx::query(&sql).execute(&mut conn).await.map_err(fail)?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    Ok(format!("{base}/{name}"))
}

pub async fn run(offers: usize, pg: Option<&str>) -> Result<(), Failure> {
    let firms = (offers as f64 / 9.6).ceil() as usize;
    let t = Instant::now();
    let mut cluster = wujin_demo::generate(DEFAULT_SEED, firms.max(20));
    cluster.offers.truncate(offers);
    eprintln!(
        "generated {} orgs and {} offers in {:.1} s",
        cluster.orgs.len(),
        cluster.offers.len(),
        t.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().map_err(fail)?;
    let mut rows = vec![];
    let a = dir.path().join("a.db").display().to_string();
    let b = dir.path().join("b.db").display().to_string();
    rows.push(measure("SQLite", &a, &b, &cluster, dir.path()).await?);
    if let Some(admin) = pg {
        let stamp = std::process::id();
        let a = pg_database(admin, &format!("wujin_bench_a_{stamp}"), true).await?;
        let b = pg_database(admin, &format!("wujin_bench_b_{stamp}"), true).await?;
        let row = measure("PostgreSQL", &a, &b, &cluster, dir.path()).await;
        pg_database(admin, &format!("wujin_bench_a_{stamp}"), false).await?;
        pg_database(admin, &format!("wujin_bench_b_{stamp}"), false).await?;
        rows.push(row?);
    }
    println!(
        "| engine | offers | write (offers/s) | import CSV (orgs/s) | import CSV (offers/s) | export CSV (offers/s) | list 2 filters p50 | p95 | p99 | queries |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
            r.engine,
            r.offers,
            r.write_rate,
            r.import_orgs_rate,
            r.import_rate,
            r.export_rate,
            r.p50,
            r.p95,
            r.p99,
            r.queries
        );
    }
    Ok(())
}
