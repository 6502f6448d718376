//! `wujin serve`: open the store, load the demo cluster if asked and the store is empty,
//! serve until SIGTERM or Ctrl-C, finish the requests in flight, close the store.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use wujin_domain::Lang;
use wujin_match::{MatchIndex, follow};
use wujin_store::Table;

use crate::api;
use crate::cli::{Failure, load_demo, msg, open};

/// How `serve` runs, beyond where.
pub struct Options {
    /// Load the demo cluster first if the database is empty.
    pub demo: bool,
    /// The language of what is printed.
    pub lang: Lang,
    pub sign_in_limit: api::limits::SignInLimit,
    /// Let webhooks go to internal addresses.
    pub webhook_allow_private: bool,
    /// Pages of search results kept for the index as it stands (0: none).
    pub search_cache: usize,
}

pub async fn serve(db: &str, addr: SocketAddr, index_dir: &Path, options: Options) -> Result<(), Failure> {
    let Options { demo, lang, sign_in_limit, webhook_allow_private, search_cache } = options;
    let store = open(db).await?;
    if demo {
        let empty = store.count_all(Table::Orgs).await.map_err(|e| msg(e.to_string()))? == 0;
        if empty {
            tracing::info!("empty database: loading the demo cluster");
            let (o, f, g, w) = load_demo(&store, wujin_demo::DEFAULT_SEED, wujin_demo::DEFAULT_FIRMS, true).await?;
            tracing::info!(orgs = o, offers = f, generate_s = g, write_s = w, "demo cluster loaded");
            crate::demo_people::load(&store).await?;
        }
    }
    let index = MatchIndex::open(index_dir).map_err(|e| msg(format!("{}: {e}", index_dir.display())))?;
    let index = Arc::new(index.with_page_cache(search_cache));
    // The server listens at once; building or catching up the index happens behind it, and
    // /healthz says how far behind the index is until it has caught up. Search answers from
    // the index as it stands meanwhile.
    let index_ready = Arc::new(AtomicBool::new(false));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let follower =
        tokio::spawn(follow_store(store.clone(), index.clone(), index_ready.clone(), index_dir.to_path_buf(), stopped));
    // The supply graph is built from the store behind the listener too; chain questions
    // answer 503 until it is.
    let chain = Arc::new(crate::chain::ChainView::followed());
    let chain_follower = tokio::spawn(crate::chain::follow::run(store.clone(), chain.clone(), stop.subscribe()));
    let listener = TcpListener::bind(addr).await.map_err(|e| msg(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| msg(e.to_string()))?;
    // The handlers are in place before anybody is told the server is up: a SIGTERM sent the
    // moment the address is printed still finishes cleanly.
    let shutdown = shutdown_signal();
    if demo && crate::demo_people::present(&store).await? {
        print!("{}", crate::demo_people::how_to_sign_in(&crate::demo_people::people(&store).await?, lang));
    }
    println!(
        "wujin listening on http://{local}  (pages: http://{local}/, API: http://{local}/api/v1/orgs, health: http://{local}/healthz)"
    );
    let queries = crate::querylog::QueryLog::start(store.clone());
    let state = api::AppState {
        index: Some(index),
        index_ready,
        queries: Some(queries.clone()),
        sign_in_limit: Arc::new(sign_in_limit),
        webhook_allow_private,
        chain,
        ..api::AppState::new(store.clone())
    };
    let sweeper = tokio::spawn(sweep(state.clone(), stop.subscribe()));
    let worker = crate::webhooks::Worker::new(state.clone(), crate::webhooks::Sender::new(webhook_allow_private));
    let deliveries = tokio::spawn(worker.run(stop.subscribe()));
    axum::serve(listener, api::router_with(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| msg(format!("server: {e}")))?;
    let _ = stop.send(true);
    let _ = follower.await;
    let _ = chain_follower.await;
    let _ = sweeper.await;
    let _ = deliveries.await;
    queries.flush().await;
    tracing::info!("requests finished; closing the store");
    store.close().await;
    Ok(())
}

/// Brings the index to the store (building it when it is new or follows another database,
/// then applying what it missed), says so through `ready`, and then applies the store's
/// outbox a few times a second until told to stop, so a committed change is searchable well
/// within a second. A failure is logged and tried again: the server keeps serving.
async fn follow_store(
    store: wujin_store::Store,
    index: Arc<MatchIndex>,
    ready: Arc<AtomicBool>,
    dir: std::path::PathBuf,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let first = async {
        loop {
            let caught_up = async {
                if follow::prepare(&store, &index).await? {
                    tracing::info!(offers = index.num_docs(), dir = %dir.display(), "search index built");
                }
                follow::catch_up(&store, &index).await
            };
            match caught_up.await {
                Ok(applied) => {
                    tracing::info!(applied, "search index caught up");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "search index: catching up failed; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    };
    tokio::select! {
        _ = stop.changed() => return,
        _ = first => ready.store(true, Ordering::Release),
    }
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_millis(250)) => {
                if let Err(e) = follow::catch_up(&store, &index).await {
                    tracing::warn!(error = %e, "search index follower");
                }
            }
        }
    }
}

/// How long the change feed keeps a change (API.md: at least 90 days).
pub const FEED_RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// How long a finished webhook delivery stays in its subscription's log.
pub const DELIVERY_LOG_RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Every few seconds: closes the demands whose deadline has passed (so buyers hear of it in
/// their inbox even if nobody opens the demand), sends what reminders are due, and forgets
/// idle sign-in addresses.
async fn sweep(state: api::AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last_prune: Option<std::time::Instant> = None;
    let mut rolled: Option<time::Date> = None;
    // Deadlines and reminders are the deployment's: one node sweeps, under its lock; the
    // others take over when it stops (see wujin_store::jobs).
    let mut lock: Option<wujin_store::jobs::WorkerLock> = None;
    loop {
        if let Some(l) = &mut lock
            && !l.alive().await
        {
            tracing::warn!("sweep: lost the lock's connection; taking it again");
            lock = None;
        }
        if lock.is_none() {
            match state.store.try_job_lock(wujin_store::jobs::Job::Sweep).await {
                Ok(Some(l)) => {
                    tracing::info!("sweeping deadlines and reminders for this deployment");
                    lock = Some(l);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "sweep: taking the lock"),
            }
        }
        if lock.is_some() {
            deployment_sweep(&state, &mut last_prune, &mut rolled).await;
        }
        state.sign_in_limit.tidy();
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
    if let Some(l) = lock {
        l.release().await;
    }
}

/// One pass of the jobs a deployment runs once, whichever node runs them: pruning, deadlines,
/// reminders, lapses, the calendars' day.
async fn deployment_sweep(
    state: &api::AppState,
    last_prune: &mut Option<std::time::Instant>,
    rolled: &mut Option<time::Date>,
) {
    // Once an hour: the outbox keeps the feed's retention, not the platform's history.
    if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
        *last_prune = Some(std::time::Instant::now());
        if let Err(e) = state.store.prune_outbox(wujin_store::now_ms() - FEED_RETENTION_MS).await {
            tracing::warn!(error = %e, "pruning the outbox");
        }
        if let Err(e) = state.store.prune_deliveries(wujin_store::now_ms() - DELIVERY_LOG_RETENTION_MS).await {
            tracing::warn!(error = %e, "pruning the webhook delivery log");
        }
    }
    match state.store.close_due(wujin_store::now_ms(), 100).await {
        Ok(closed) if !closed.is_empty() => tracing::info!(demands = ?closed, "closed at their deadline"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "closing demands at their deadline"),
    }
    // Monthly-report reminders for today (each firm once per reminder, however often
    // this runs).
    match state.store.send_report_reminders(wujin_store::ties::today()).await {
        Ok(sent) if sent > 0 => tracing::info!(sent, "monthly report reminders"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sending monthly report reminders"),
    }
    // Problem deadline reminders: a week before, the day before, once overdue.
    match state.store.send_problem_reminders(wujin_store::ties::today()).await {
        Ok(sent) if sent > 0 => tracing::info!(sent, "problem deadline reminders"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sending problem deadline reminders"),
    }
    // Group purchase: close pools at their deadline, remind 3 days and 1 day ahead, and
    // make provisional prices final on their settlement day.
    let (now, today) = (wujin_store::now_ms(), wujin_store::ties::today());
    match state.store.close_due_pools(now, today, 100).await {
        Ok(closed) if !closed.is_empty() => tracing::info!(pools = ?closed, "pools closed at their deadline"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "closing pools at their deadline"),
    }
    if let Err(e) = state.store.remind_pools(now).await {
        tracing::warn!(error = %e, "reminding pools' firms of the deadline");
    }
    if let Err(e) = state.store.settle_due_pools(today).await {
        tracing::warn!(error = %e, "settling provisional pool prices");
    }
    // Machine bookings: a request unanswered for 48 hours expires and frees its window.
    if let Err(e) = state.store.expire_bookings(now).await {
        tracing::warn!(error = %e, "expiring unanswered booking requests");
    }
    // Test reports: reminders 60, 30 and 7 days before their last day; a lapsed one stops
    // counting (its offer's outbox row makes the index drop it).
    match state.store.remind_declarations(today).await {
        Ok(sent) if sent > 0 => tracing::info!(sent, "test report expiry reminders"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sending test report expiry reminders"),
    }
    match state.store.lapse_declarations(today).await {
        Ok(n) if n > 0 => tracing::info!(lapsed = n, "test reports lapsed"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "lapsing test reports"),
    }
    // Firms' certificates (ISO 9001, CCC …) likewise: reminders, then a lapse that the
    // organisation's outbox row carries to the index.
    match state.store.remind_certificates(today).await {
        Ok(sent) if sent > 0 => tracing::info!(sent, "certificate expiry reminders"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sending certificate expiry reminders"),
    }
    match state.store.lapse_certificates(today).await {
        Ok(n) if n > 0 => tracing::info!(lapsed = n, "certificates lapsed"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "lapsing certificates"),
    }
    // The search index keeps twelve weeks of free machine windows from the day it read
    // them: each new day, every capacity offer with machines is read again.
    if *rolled != Some(today) {
        match state.store.roll_calendars(&today.to_string()).await {
            Ok(n) => {
                *rolled = Some(today);
                if n > 0 {
                    tracing::info!(offers = n, "free machine windows moved on a day");
                }
            }
            Err(e) => tracing::warn!(error = %e, "moving free machine windows on a day"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        tracing::info!("shutdown signal received");
    }
}
