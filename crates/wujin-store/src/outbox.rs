//! The outbox: one row per changed entity, written in the same transaction as the change.
//! Derived views (the search index, the chain graph, metrics) read it in sequence order and
//! remember the last sequence number they applied, so they can always catch up.
//!
//! Two things a follower must know. An `org` event also means "this organisation's offers
//! may have moved town" (the town is copied onto its offers without an event per offer).
//! And on PostgreSQL sequence numbers are handed out at insert time, not at commit, so two
//! concurrent writers can commit out of order; a follower there must not skip past a gap
//! that is younger than the longest transaction.

use sqlx::Row;

use crate::{Result, Store, Tx, now_ms};

/// One change to follow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub topic: String,
    pub entity_id: i64,
    pub op: String,
    pub at: i64,
}

/// Records that `topic` entities `ids` changed (`op`: upsert or delete). The ids travel as
/// one JSON array, unpacked by the engine (`json_each` in SQLite, `json_array_elements_text`
/// in PostgreSQL): one parameter instead of four per row.
pub async fn record(tx: &mut Tx, topic: &str, op: &str, ids: &[i64]) -> Result<()> {
    let at = now_ms();
    let from = match crate::backend_of(tx) {
        crate::Backend::Sqlite => "json_each($4)",
        crate::Backend::Postgres => "json_array_elements_text($4::json)",
    };
    let text =
        format!("INSERT INTO outbox (topic, entity_id, op, at) SELECT $1, CAST(value AS BIGINT), $2, $3 FROM {from}");
    for chunk in ids.chunks(10_000) {
        let json = serde_json::to_string(chunk).unwrap_or_default();
        sqlx::query(&text).bind(topic).bind(op).bind(at).bind(json).execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// This database's random identity (made by the migrations).
    pub async fn store_id(&self) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'store_id'").fetch_one(self.pool()).await?)
    }

    /// The newest sequence number (0 when nothing happened yet).
    pub async fn outbox_max_seq(&self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM outbox")
            .fetch_one(self.pool())
            .await?
            .unwrap_or(0))
    }

    /// Events after `after_seq`, oldest first, at most `limit`.
    pub async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query("SELECT seq, topic, entity_id, op, at FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after_seq)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| Event { seq: r.get(0), topic: r.get(1), entity_id: r.get(2), op: r.get(3), at: r.get(4) })
            .collect())
    }
}
