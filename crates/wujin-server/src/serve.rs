//! `wujin serve`: open the store, load the demo cluster if asked and the store is empty,
//! serve until SIGTERM or Ctrl-C, finish the requests in flight, close the store.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use wujin_match::{MatchIndex, follow};
use wujin_store::Table;

use crate::api;
use crate::cli::{Failure, load_demo, msg, open};

pub async fn serve(db: &str, addr: SocketAddr, demo: bool, index_dir: &Path) -> Result<(), Failure> {
    let store = open(db).await?;
    if demo {
        let empty = store.count_all(Table::Orgs).await.map_err(|e| msg(e.to_string()))? == 0;
        if empty {
            tracing::info!("empty database: loading the demo cluster");
            let (o, f, g, w) = load_demo(&store, wujin_demo::DEFAULT_SEED, wujin_demo::DEFAULT_FIRMS, true).await?;
            tracing::info!(orgs = o, offers = f, generate_s = g, write_s = w, "demo cluster loaded");
        }
    }
    let index = Arc::new(MatchIndex::open(index_dir).map_err(|e| msg(format!("{}: {e}", index_dir.display())))?);
    if follow::prepare(&store, &index).await.map_err(|e| msg(e.to_string()))? {
        tracing::info!(offers = index.num_docs(), dir = %index_dir.display(), "search index built");
    }
    follow::catch_up(&store, &index).await.map_err(|e| msg(e.to_string()))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let follower = tokio::spawn(follow_store(store.clone(), index.clone(), stopped));
    let listener = TcpListener::bind(addr).await.map_err(|e| msg(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| msg(e.to_string()))?;
    println!("wujin listening on http://{local}  (API: http://{local}/api/v1/orgs, health: http://{local}/healthz)");
    let queries = crate::querylog::QueryLog::start(store.clone());
    let state = api::AppState { store: store.clone(), index: Some(index), queries: Some(queries.clone()) };
    axum::serve(listener, api::router_with(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| msg(format!("server: {e}")))?;
    let _ = stop.send(true);
    let _ = follower.await;
    queries.flush().await;
    tracing::info!("requests finished; closing the store");
    store.close().await;
    Ok(())
}

/// Applies the store's outbox to the index a few times a second until told to stop, so a
/// committed change is searchable well within a second.
async fn follow_store(store: wujin_store::Store, index: Arc<MatchIndex>, mut stop: tokio::sync::watch::Receiver<bool>) {
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

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
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
