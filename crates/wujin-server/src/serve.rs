//! `wujin serve`: open the store, load the demo cluster if asked and the store is empty,
//! serve until SIGTERM or Ctrl-C, finish the requests in flight, close the store.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use wujin_store::offers::Table;

use crate::api;
use crate::cli::{Failure, load_demo, msg, open};

pub async fn serve(db: &str, addr: SocketAddr, demo: bool) -> Result<(), Failure> {
    let store = open(db).await?;
    if demo {
        let empty = store.count_all(Table::Orgs).await.map_err(|e| msg(e.to_string()))? == 0;
        if empty {
            tracing::info!("empty database: loading the demo cluster");
            let (o, f, g, w) = load_demo(&store, wujin_demo::DEFAULT_SEED, wujin_demo::DEFAULT_FIRMS, true).await?;
            tracing::info!(orgs = o, offers = f, generate_s = g, write_s = w, "demo cluster loaded");
        }
    }
    let listener = TcpListener::bind(addr).await.map_err(|e| msg(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| msg(e.to_string()))?;
    println!("wujin listening on http://{local}  (API: http://{local}/api/v1/orgs, health: http://{local}/healthz)");
    axum::serve(listener, api::router(store.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| msg(format!("server: {e}")))?;
    tracing::info!("requests finished; closing the store");
    store.close().await;
    Ok(())
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
