//! The outbox: one row per changed entity, written in the same transaction as the change.
//! Derived views (the search index, the chain graph, metrics) read it in sequence order and
//! remember the last sequence number they applied, so they can always catch up.
//!
//! Two things a follower must know. An `org` event also means "this organisation's offers
//! may have moved town" (the town is copied onto its offers without an event per offer).
//! And on PostgreSQL sequence numbers are handed out at insert time, not at commit, so two
//! concurrent writers can commit out of order; a follower there must not skip past a gap
//! that is younger than the longest transaction, unless it knows the gap's transaction
//! rolled back ([`Holes`]).

use std::collections::BTreeMap;

use crate::{Backend, Result, Store, Tx, now_ms};

/// How long a hole in the sequence may stay open before a reader steps over it. On
/// PostgreSQL numbers are taken at insert time, so a transaction still in flight leaves a
/// hole that fills when it commits; a rolled-back one leaves a hole for ever. Stepping over
/// an open hole would lose that transaction's changes, so a reader (the search follower, the
/// change feed) stops before a young hole and waits; no transaction of ours runs anywhere
/// near this long.
pub const GAP_GRACE_MS: i64 = 30_000;

/// How many of `events` (read after `after`, in sequence order) may be read as final now:
/// all of them up to the first hole in the sequence younger than [`GAP_GRACE_MS`] that
/// `closed` does not say (by its first missing number) will never fill.
fn settled_past(after: i64, events: &[Event], now_ms: i64, closed: impl Fn(i64) -> bool) -> usize {
    let mut expected = after.saturating_add(1);
    for (i, e) in events.iter().enumerate() {
        if e.seq != expected && now_ms - e.at < GAP_GRACE_MS && !closed(expected) {
            return i;
        }
        expected = e.seq + 1;
    }
    events.len()
}

/// The transactions running when a PostgreSQL snapshot was taken: the in-progress list of
/// `pg_current_snapshot()` (`xmin:xmax:xip,…`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Running(Vec<u64>);

impl Running {
    /// Reads the text form of a `pg_snapshot`; None when it is not one.
    pub fn parse(text: &str) -> Option<Running> {
        let mut parts = text.trim().splitn(3, ':');
        let (_xmin, _xmax, list) = (parts.next()?, parts.next()?, parts.next()?);
        let xids = list.split(',').filter(|x| !x.is_empty()).map(|x| x.parse().ok()).collect::<Option<Vec<u64>>>()?;
        Some(Running(xids))
    }

    #[cfg(test)]
    fn of(xids: impl IntoIterator<Item = u64>) -> Running {
        Running(xids.into_iter().collect())
    }

    fn contains(&self, xid: u64) -> bool {
        self.0.contains(&xid)
    }
}

/// What one process knows of the young holes its readers met, keyed by a hole's first
/// missing number.
///
/// Why this is enough to tell a rolled-back hole from one still in flight: every write
/// transaction takes its transaction id when it begins ([`Store::begin`]), before it takes
/// any sequence number. A hole below a committed row was taken before that row, so its
/// transaction had begun before any snapshot that sees the row. Under such a snapshot, with
/// the hole still empty, that transaction is either running (in the snapshot's list) or
/// finished without its rows (rolled back). So a hole first seen while nothing ran, or still
/// empty once every transaction running at its first sight has finished, never fills.
#[derive(Debug, Default)]
pub struct Holes {
    seen: BTreeMap<i64, Hole>,
}

#[derive(Debug)]
struct Hole {
    /// Transactions running when the hole was first seen empty; None once it is known closed.
    running: Option<Running>,
    first_seen_ms: i64,
}

/// Holes remembered at most (a reader meets one at a time; many only if writes keep failing).
const HOLES_KEPT: usize = 4096;

impl Holes {
    /// Whether the hole starting at `first` is known never to fill.
    pub fn is_closed(&self, first: i64) -> bool {
        self.seen.get(&first).is_some_and(|h| h.running.is_none())
    }

    /// Judges the hole starting at `first`, seen empty under a snapshot in which `running`
    /// were in progress; returns whether it is closed for good.
    pub fn judge(&mut self, first: i64, running: &Running, now_ms: i64) -> bool {
        // A hole older than the grace is stepped over anyway: forget it.
        self.seen.retain(|_, h| now_ms - h.first_seen_ms < 2 * GAP_GRACE_MS);
        while self.seen.len() >= HOLES_KEPT {
            self.seen.pop_first();
        }
        let hole =
            self.seen.entry(first).or_insert_with(|| Hole { running: Some(running.clone()), first_seen_ms: now_ms });
        let closed = match &hole.running {
            None => true,
            Some(then) => then.0.iter().all(|&x| !running.contains(x)),
        };
        if closed {
            hole.running = None;
        }
        closed
    }
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

    /// How many of `events` (read by [`Store::outbox_after`] after `after`) may be read as
    /// final now: all of them up to the first hole younger than [`GAP_GRACE_MS`], and on
    /// PostgreSQL past young holes left by transactions that rolled back ([`Holes`]), so that
    /// a failed write does not hold readers back for the whole grace.
    pub async fn settled(&self, after: i64, events: &[Event]) -> Result<usize> {
        loop {
            let now = now_ms();
            let n = {
                let holes = self.holes.lock().unwrap_or_else(|e| e.into_inner());
                settled_past(after, events, now, |first| holes.is_closed(first))
            };
            if n == events.len() || self.backend == Backend::Sqlite {
                // SQLite hands out numbers at commit, one writer at a time: it has no holes
                // of its own making.
                return Ok(n);
            }
            let below = if n == 0 { after } else { events[n - 1].seq };
            let above = events[n].seq;
            // One statement, one snapshot: whether the hole is still empty, and who runs.
            let (snapshot, filled): (String, i64) = sqlx::query_as(
                "SELECT pg_current_snapshot()::text, (SELECT COUNT(*) FROM outbox WHERE seq > $1 AND seq < $2)",
            )
            .bind(below)
            .bind(above)
            .fetch_one(self.pool())
            .await?;
            let Some(running) = Running::parse(&snapshot) else { return Ok(n) };
            // Filled since the events were read: the next read takes it.
            if filled > 0 {
                return Ok(n);
            }
            let closed = self.holes.lock().unwrap_or_else(|e| e.into_inner()).judge(below + 1, &running, now);
            if !closed {
                return Ok(n);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, at: i64) -> Event {
        Event { seq, topic: "offer".into(), entity_id: seq, op: "upsert".into(), at, revision: None }
    }

    /// With no hole known to be closed.
    fn settled(after: i64, events: &[Event], now_ms: i64) -> usize {
        settled_past(after, events, now_ms, |_| false)
    }

    #[test]
    fn a_young_hole_holds_readers_back_and_an_old_one_does_not() {
        let now = 1_000_000;
        assert_eq!(settled(0, &[event(1, now), event(2, now)], now), 2);
        // 3 is missing: a writer may still commit it.
        assert_eq!(settled(2, &[event(4, now - 5), event(5, now)], now), 0);
        assert_eq!(settled(0, &[event(1, now), event(3, now)], now), 1);
        // Long enough ago that 3 was rolled back.
        assert_eq!(settled(2, &[event(4, now - GAP_GRACE_MS), event(5, now)], now), 2);
    }

    #[test]
    fn a_snapshot_names_the_transactions_running() {
        assert_eq!(Running::parse("742:750:742,745,749"), Some(Running::of([742, 745, 749])));
        assert_eq!(Running::parse("750:750:"), Some(Running::default()));
        assert_eq!(Running::parse("750:750"), None);
        assert_eq!(Running::parse("1:2:x"), None);
    }

    #[test]
    fn a_hole_closes_once_everything_running_at_its_first_sight_has_ended() {
        let mut holes = Holes::default();
        let now = 1_000_000;
        // Seen while 10 and 11 ran: one of them may still fill it.
        assert!(!holes.judge(3, &Running::of([10, 11]), now));
        // 10 ended; 12 began later and cannot own it, 11 still may.
        assert!(!holes.judge(3, &Running::of([11, 12]), now + 1));
        assert!(!holes.is_closed(3));
        // Both ended and it is still empty: rolled back.
        assert!(holes.judge(3, &Running::of([12, 13]), now + 2));
        assert!(holes.is_closed(3));
        assert_eq!(settled_past(2, &[event(4, now), event(5, now)], now, |first| holes.is_closed(first)), 2);
        // A hole first seen while nothing ran is closed at once.
        assert!(holes.judge(9, &Running::default(), now));
    }

    #[test]
    fn holes_are_forgotten_once_old_and_never_pile_up() {
        let mut holes = Holes::default();
        assert!(!holes.judge(3, &Running::of([10]), 0));
        assert!(!holes.judge(4, &Running::of([10]), 2 * GAP_GRACE_MS));
        assert!(holes.seen.len() == 1 && !holes.seen.contains_key(&3));
        for first in 0..(HOLES_KEPT as i64 + 10) {
            holes.judge(first, &Running::of([10]), 2 * GAP_GRACE_MS);
        }
        assert_eq!(holes.seen.len(), HOLES_KEPT);
    }
}
