//! Keeping the graph in step with the store: build it at start, then read the outbox a few
//! times a second and build it again when a tie, a firm's visibility choice or a firm (its
//! name, sector, town) changed, or when the day turned (staleness is judged by the day).
//!
//! The graph is small next to the store and a build reads it whole, so there is nothing to
//! resume after a crash: the next start builds from what the store committed. The follower
//! moves its position only over settled outbox rows (see [`wujin_store::Store::settled`]),
//! so a PostgreSQL transaction that commits out of order still triggers its rebuild.

use std::sync::Arc;
use std::time::Duration;

use wujin_store::Store;

use super::{ChainView, Snapshot};

/// Outbox topics that change what the graph answers.
const TOPICS: &[&str] = &["tie", "chain_settings", "org"];

/// Builds the graph, then follows the store until `stop` says so. A failure is logged and
/// tried again; the server keeps serving the last graph it built.
pub async fn run(store: Store, view: Arc<ChainView>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut at: Option<i64> = None;
    loop {
        match step(&store, &view, at).await {
            Ok(next) => at = Some(next),
            Err(e) => tracing::warn!(error = %e, "chain graph follower"),
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
}

/// One round: builds the graph when there is none, the outbox shows a relevant settled change
/// after `after`, or the day turned. Returns the position it reached.
pub async fn step(store: &Store, view: &ChainView, after: Option<i64>) -> Result<i64, wujin_store::StoreError> {
    let today = wujin_store::ties::today();
    let current = view.current();
    let Some(after) = after.filter(|_| current.as_ref().is_some_and(|s| s.today == today)) else {
        return rebuild(store, view, today).await;
    };
    let mut at = after;
    let mut changed = false;
    loop {
        let mut events = store.outbox_after(at, 2000).await?;
        let full = events.len() == 2000;
        events.truncate(store.settled(at, &events).await?);
        let Some(last) = events.last().map(|e| e.seq) else { break };
        changed |= events.iter().any(|e| TOPICS.contains(&e.topic.as_str()));
        at = last;
        if !full {
            break;
        }
    }
    if changed {
        // Built from the store as it stands now, which includes everything up to `at`.
        let s = Snapshot::build(store, today).await?;
        tracing::debug!(ties = s.ties, "chain graph rebuilt");
        view.replace(s);
    }
    Ok(at)
}

async fn rebuild(store: &Store, view: &ChainView, today: time::Date) -> Result<i64, wujin_store::StoreError> {
    let started = std::time::Instant::now();
    let s = Snapshot::build(store, today).await?;
    let seq = s.seq;
    tracing::info!(
        ties = s.ties,
        nodes = s.nodes.len(),
        stale = s.stale,
        ms = started.elapsed().as_millis() as u64,
        "chain graph built"
    );
    view.replace(s);
    Ok(seq)
}
