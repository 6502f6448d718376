//! The outbox: one row per changed entity, written in the same transaction as the change.
//! Derived views (the search index, the chain graph, metrics) read it in sequence order and
//! remember the last sequence number they applied, so they can always catch up.
//!
//! Two things a follower must know. An `org` event also means "this organisation's offers
//! may have moved town" (the town is copied onto its offers without an event per offer).
//! And on PostgreSQL sequence numbers are handed out at insert time, not at commit, so two
//! concurrent writers can commit out of order; a follower there must not skip past a gap
//! that is younger than the longest transaction.

use crate::{Result, Store, Tx, now_ms};

/// How long a hole in the sequence may stay open before a reader steps over it. On
/// PostgreSQL numbers are taken at insert time, so a transaction still in flight leaves a
/// hole that fills when it commits; a rolled-back one leaves a hole for ever. Stepping over
/// an open hole would lose that transaction's changes, so a reader (the search follower, the
/// change feed) stops before a young hole and waits; no transaction of ours runs anywhere
/// near this long.
pub const GAP_GRACE_MS: i64 = 30_000;

/// How many of `events` (read after `after`, in sequence order) may be read as final now:
/// all of them up to the first hole in the sequence younger than [`GAP_GRACE_MS`].
pub fn settled(after: i64, events: &[Event], now_ms: i64) -> usize {
    let mut expected = after.saturating_add(1);
    for (i, e) in events.iter().enumerate() {
        if e.seq != expected && now_ms - e.at < GAP_GRACE_MS {
            return i;
        }
        expected = e.seq + 1;
    }
    events.len()
}

/// One change to follow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub topic: String,
    pub entity_id: i64,
    pub op: String,
    pub at: i64,
    /// The revision of its resource the change made (or, for a change in how the resource
    /// reads made by another's write, the revision it already had); None for internal topics.
    pub revision: Option<i64>,
}

/// What a change did to a resource the change feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// One change of one resource: its id, what happened, and the revision it has after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub op: Op,
    pub revision: i64,
}

/// Records changes of `topic` resources, each with its operation and revision, for the
/// followers and the change feed. One JSON parameter carries them all, as in [`record`].
pub async fn record_changes(tx: &mut Tx, topic: &str, changes: &[Change]) -> Result<()> {
    let at = now_ms();
    let text = match crate::backend_of(tx) {
        crate::Backend::Sqlite => {
            "INSERT INTO outbox (topic, entity_id, op, revision, at) SELECT $1, json_extract(value, '$[0]'), \
             json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2 FROM json_each($3)"
        }
        crate::Backend::Postgres => {
            "INSERT INTO outbox (topic, entity_id, op, revision, at) SELECT $1, (v->>0)::bigint, v->>1, \
             (v->>2)::bigint, $2 FROM json_array_elements($3::json) AS v"
        }
    };
    for chunk in changes.chunks(10_000) {
        let rows: Vec<(i64, &str, i64)> = chunk.iter().map(|c| (c.id, c.op.as_str(), c.revision)).collect();
        let json = serde_json::to_string(&rows).unwrap_or_default();
        sqlx::query(text).bind(topic).bind(at).bind(json).execute(&mut **tx).await?;
    }
    Ok(())
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

/// A table whose rows carry their own revision, for [`record_current`].
#[derive(Debug, Clone, Copy)]
pub enum Revised {
    Demands,
    Offers,
    Orgs,
}

impl Revised {
    fn table(self) -> &'static str {
        match self {
            Revised::Demands => "demands",
            Revised::Offers => "offers",
            Revised::Orgs => "orgs",
        }
    }
}

/// Records that rows `ids` of `table` changed (`op`), each at the revision it has now in
/// this transaction: for writes that bump a revision in SQL and never read it back.
pub async fn record_current(tx: &mut Tx, topic: &str, table: Revised, op: Op, ids: &[i64]) -> Result<()> {
    let at = now_ms();
    let from = match crate::backend_of(tx) {
        crate::Backend::Sqlite => "SELECT CAST(value AS BIGINT) FROM json_each($4)",
        crate::Backend::Postgres => "SELECT CAST(value AS BIGINT) FROM json_array_elements_text($4::json)",
    };
    let text = format!(
        "INSERT INTO outbox (topic, entity_id, op, revision, at) SELECT $1, id, $2, revision, $3 FROM {} \
         WHERE id IN ({from}) ORDER BY id",
        table.table()
    );
    for chunk in ids.chunks(10_000) {
        let json = serde_json::to_string(chunk).unwrap_or_default();
        sqlx::query(&text).bind(topic).bind(op.as_str()).bind(at).bind(json).execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// This database's random identity (made by the migrations).
    pub async fn store_id(&self) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'store_id'").fetch_one(self.pool()).await?)
    }

    /// The newest sequence number (0 when nothing happened yet; the floor when everything
    /// was pruned).
    pub async fn outbox_max_seq(&self) -> Result<i64> {
        match sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM outbox").fetch_one(self.pool()).await? {
            Some(seq) => Ok(seq),
            None => self.outbox_floor().await,
        }
    }

    /// Events after `after_seq`, oldest first, at most `limit`.
    pub async fn outbox_after(&self, after_seq: i64, limit: i64) -> Result<Vec<Event>> {
        // A packed read (see crate::packed): the feed and the followers read thousands of
        // rows a page, where the driver's cost per value outweighs the query's.
        let mut read = crate::packed::Packed::open(self.backend, "seq, topic, entity_id, op, at, revision", "seq");
        read.sql
            .push("SELECT seq, topic, entity_id, op, at, revision FROM outbox WHERE seq > ")
            .bind(after_seq)
            .push(" ORDER BY seq LIMIT ")
            .bind(limit);
        type Columns = (i64, String, i64, String, i64, Option<i64>);
        let rows: Vec<Columns> = read.fetch(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|(seq, topic, entity_id, op, at, revision)| Event { seq, topic, entity_id, op, at, revision })
            .collect())
    }

    /// The last sequence number pruned away (0 when none was): a reader behind it has
    /// missed changes and must start again from the store.
    pub async fn outbox_floor(&self) -> Result<i64> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'outbox_floor'").fetch_optional(self.pool()).await?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Prunes the outbox rows written before `cutoff_ms` (the feed's retention), in one
    /// transaction with the new floor. Returns the floor.
    pub async fn prune_outbox(&self, cutoff_ms: i64) -> Result<i64> {
        let mut tx = self.begin().await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM outbox WHERE at < $1").bind(cutoff_ms).fetch_one(&mut *tx).await?;
        let floor = match last {
            Some(last) => {
                sqlx::query("DELETE FROM outbox WHERE seq <= $1").bind(last).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('outbox_floor', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(last.to_string())
                .execute(&mut *tx)
                .await?;
                last
            }
            None => {
                tx.rollback().await?;
                return self.outbox_floor().await;
            }
        };
        tx.commit().await?;
        Ok(floor)
    }
}
