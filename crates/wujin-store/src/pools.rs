//! Group-purchase pools as stored. The store, not the caller's clock, decides whether a
//! commitment lands: every commitment write and the close update the same pool row, so on
//! either engine they are ordered — a commitment either lands before the close (and is
//! counted) or is refused. The close is one transaction: the total, the tier, the price by
//! the stamped formula, each firm's allocation and total, and the inbox items saying so.
//!
//! Commitments are sealed like quotes: this module hands a firm's quantity only to callers
//! that have decided who may read it (the firm itself; the organiser after the close).

use sqlx::Row;
use time::Date;
use wujin_domain::pool::{Committed, PoolRecord, PoolState, Pricing, Reading, Stamp, Tier, TierMode, allocate, settle};

use crate::inbox::{Kind, notify};
use crate::prices::reading_on;
use crate::tasks::date_of;
use crate::{Result, Sql, Store, StoreError, Tx, now_ms};

/// A stored pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub id: i64,
    pub organiser_org: i64,
    pub organiser_name: String,
    pub supplier_name: Option<String>,
    pub record: PoolRecord,
    pub state: PoolState,
    /// Whether the deadline was extended (it may be, once).
    pub extended: bool,
    /// The running total of standing commitments: everyone may read it.
    pub committed_total: i64,
    /// How many firms stand committed.
    pub firms: i64,
    /// After the close: the total allocated, and the price as computed.
    pub allocated_total: Option<i64>,
    pub stamp: Option<Stamp>,
    /// The settlement day is still ahead: prices will be recomputed then.
    pub provisional: bool,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

/// One firm's commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub pool_id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// 0 once withdrawn.
    pub quantity: i64,
    pub version: i64,
    pub first_at: i64,
    pub updated_at: i64,
    /// After the close.
    pub allocated: Option<i64>,
    pub unit_price_fen: Option<i64>,
    pub total_fen: Option<i64>,
}

/// One version of a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub version: i64,
    pub quantity: i64,
    pub at: i64,
    pub by_account: i64,
}

/// What a commitment write found.
#[derive(Debug)]
pub enum CommitWrite {
    Done(Commitment),
    /// The pool no longer takes commitments (its deadline passed or it was closed).
    Closed,
    /// A withdrawal from a pool the firm has no standing commitment in.
    NotCommitted,
}

/// Which pools to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    pub state: Option<PoolState>,
    pub category: Option<String>,
    pub organiser_org: Option<i64>,
    /// Only pools these organisations committed to (standing or not).
    pub committed_by: Option<Vec<i64>>,
}

/// What an organiser's change of a pool found.
#[derive(Debug, PartialEq, Eq)]
pub enum PoolChange {
    Done,
    NotFound,
    /// Not open any more, or (for an extension) extended already or not later.
    Refused,
}

const COLUMNS: &str = "p.id, p.organiser_org, o.name, s.name, p.spec, p.category, p.unit, p.lot_size, p.tier_mode, p.tiers, \
     p.pricing, p.fee_fen, p.settlement_date, p.deadline, p.min_total, p.cap, p.delivery_from, p.delivery_to, \
     p.supplier_org, p.state, p.extended, p.committed_total, p.allocated_total, p.stamp, p.provisional, \
     p.cancel_reason, p.created_at, p.closed_at, \
     (SELECT COUNT(*) FROM pool_commitments c WHERE c.pool_id = p.id AND c.quantity > 0)";

const FROM: &str = "FROM pools p JOIN orgs o ON o.id = p.organiser_org LEFT JOIN orgs s ON s.id = p.supplier_org";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn pool_of(r: &sqlx::any::AnyRow) -> Result<Pool> {
    let text = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
    let tier_mode = text(8)?;
    let tiers: Vec<Tier> = serde_json::from_str(&text(9)?).map_err(|_| corrupt("pool tiers"))?;
    let pricing: Pricing = serde_json::from_str(&text(10)?).map_err(|_| corrupt("pool pricing"))?;
    let settlement: Option<String> = r.try_get(12)?;
    let state = text(19)?;
    let stamp: Option<String> = r.try_get(23)?;
    Ok(Pool {
        id: r.try_get(0)?,
        organiser_org: r.try_get(1)?,
        organiser_name: r.try_get(2)?,
        supplier_name: r.try_get(3)?,
        record: PoolRecord {
            spec: r.try_get(4)?,
            category: r.try_get(5)?,
            unit: r.try_get(6)?,
            lot_size: r.try_get(7)?,
            tier_mode: TierMode::from_code(&tier_mode).ok_or_else(|| corrupt("tier mode"))?,
            tiers,
            pricing,
            fee_fen: r.try_get(11)?,
            settlement_date: settlement.as_deref().map(date_of).transpose()?,
            deadline_ms: r.try_get(13)?,
            min_total: r.try_get(14)?,
            cap: r.try_get(15)?,
            delivery_from: date_of(&text(16)?)?,
            delivery_to: date_of(&text(17)?)?,
            supplier_org: r.try_get(18)?,
        },
        state: PoolState::from_code(&state).ok_or_else(|| corrupt("pool state"))?,
        extended: r.try_get::<i64, _>(20)? != 0,
        committed_total: r.try_get(21)?,
        allocated_total: r.try_get(22)?,
        stamp: stamp.map(|s| serde_json::from_str(&s).map_err(|_| corrupt("pool stamp"))).transpose()?,
        provisional: r.try_get::<i64, _>(24)? != 0,
        cancel_reason: r.try_get(25)?,
        created_at: r.try_get(26)?,
        closed_at: r.try_get(27)?,
        firms: r.try_get(28)?,
    })
}

const COMMITMENT: &str = "SELECT c.pool_id, c.org_id, o.name, c.quantity, c.version, c.first_at, c.updated_at, \
     c.allocated, c.unit_price_fen, c.total_fen FROM pool_commitments c JOIN orgs o ON o.id = c.org_id";

fn commitment_of(r: &sqlx::any::AnyRow) -> Result<Commitment> {
    Ok(Commitment {
        pool_id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        quantity: r.try_get(3)?,
        version: r.try_get(4)?,
        first_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
        allocated: r.try_get(7)?,
        unit_price_fen: r.try_get(8)?,
        total_fen: r.try_get(9)?,
    })
}

/// The day in the cluster (UTC+8) of an instant.
fn day_of(ms: i64) -> Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| t.to_offset(offset).date())
        .unwrap_or(Date::MIN)
}

/// Locks pool `pool` for a commitment write if it still takes commitments at `now`.
async fn lock_open(tx: &mut Tx, pool: i64, now: i64) -> Result<bool> {
    let n = sqlx::query("UPDATE pools SET updated_at = updated_at WHERE id = $1 AND state = 'open' AND deadline > $2")
        .bind(pool)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The organisations to tell of a pool's news: every firm that stands committed, and the
/// organiser.
async fn concerned(tx: &mut Tx, pool: i64, organiser: i64) -> Result<Vec<i64>> {
    let mut orgs: Vec<i64> =
        sqlx::query_scalar("SELECT org_id FROM pool_commitments WHERE pool_id = $1 AND quantity > 0 ORDER BY org_id")
            .bind(pool)
            .fetch_all(&mut **tx)
            .await?;
    if !orgs.contains(&organiser) {
        orgs.push(organiser);
    }
    Ok(orgs)
}

async fn tell(tx: &mut Tx, orgs: &[i64], detail: &serde_json::Value) -> Result<()> {
    for org in orgs {
        notify(tx, *org, Kind::Pool, None, None, detail).await?;
    }
    Ok(())
}

/// Reads the series for a pool's price: the latest value on or before `day`, and for an
/// index its value on or before the base date.
async fn read_series(tx: &mut Tx, pricing: &Pricing, day: Date) -> Result<Option<Reading>> {
    let Some(series) = pricing.series() else { return Ok(None) };
    let Some((on, value)) = reading_on(tx, series, day).await? else { return Ok(None) };
    let base = match pricing {
        Pricing::Indexed { base_date, .. } => reading_on(tx, series, *base_date).await?.map(|(_, v)| v),
        _ => None,
    };
    Ok(Some(Reading { value_milli: value, day: on, base_value_milli: base }))
}

/// Prices a closed pool as of `today` and writes the stamp on the pool and every
/// commitment. Returns the stamp (None while the series has no value to read).
async fn price(tx: &mut Tx, pool: &Pool, allocated_total: i64, today: Date) -> Result<Option<Stamp>> {
    let r = &pool.record;
    let closed_day = day_of(pool.closed_at.unwrap_or_else(now_ms));
    let settlement = r.settlement_date.unwrap_or(closed_day);
    let provisional = settlement > today;
    let reading = read_series(tx, &r.pricing, settlement.min(today)).await?;
    let stamp = settle(&r.pricing, reading, r.tier_mode, &r.tiers, r.fee_fen, allocated_total, provisional);
    let unit = stamp.as_ref().map(|s| s.unit_price_fen);
    sqlx::query("UPDATE pools SET stamp = $2, provisional = $3 WHERE id = $1")
        .bind(pool.id)
        .bind(stamp.as_ref().map(|s| serde_json::to_string(s).unwrap_or_default()))
        .bind(i64::from(provisional || stamp.is_none()))
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE pool_commitments SET unit_price_fen = $2, total_fen = $2 * allocated WHERE pool_id = $1 AND allocated IS NOT NULL",
    )
    .bind(pool.id)
    .bind(unit)
    .execute(&mut **tx)
    .await?;
    Ok(stamp)
}

impl Store {
    /// Opens a pool for `org`; firms with offers or demands in its category (or below it)
    /// are told in their inbox.
    pub async fn create_pool(&self, org: i64, by: i64, r: &PoolRecord) -> Result<Pool> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let settlement = r.settlement_date.map(|d| d.to_string());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pools (organiser_org, supplier_org, spec, category, unit, lot_size, tier_mode, tiers, pricing, \
             series_id, fee_fen, settlement_date, deadline, min_total, cap, delivery_from, delivery_to, state, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             'open', $18, $19, $19) RETURNING id",
        )
        .bind(org)
        .bind(r.supplier_org)
        .bind(r.spec.clone())
        .bind(r.category.clone())
        .bind(r.unit.clone())
        .bind(r.lot_size)
        .bind(r.tier_mode.code())
        .bind(serde_json::to_string(&r.tiers).unwrap_or_default())
        .bind(serde_json::to_string(&r.pricing).unwrap_or_default())
        .bind(r.pricing.series())
        .bind(r.fee_fen)
        .bind(settlement)
        .bind(r.deadline_ms)
        .bind(r.min_total)
        .bind(r.cap)
        .bind(r.delivery_from.to_string())
        .bind(r.delivery_to.to_string())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"pool": id, "spec": r.spec, "category": r.category});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), "create", "pool", Some(id), &detail).await?;
        let categories = wujin_domain::Taxonomy::get().category_with_descendants(&r.category);
        let mut sql = Sql::new(self.backend(), "SELECT org_id FROM offers WHERE category IN ");
        sql.bind_list(categories.iter().map(|c| c.to_string()))
            .push(" UNION SELECT org_id FROM demands WHERE state <> 'draft' AND category IN ")
            .bind_list(categories.iter().map(|c| c.to_string()));
        let mut interested: Vec<i64> =
            sql.fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        interested.sort_unstable();
        interested.dedup();
        interested.retain(|o| *o != org);
        let news = serde_json::json!({"pool": id, "title": r.spec, "event": "opened"});
        tell(&mut tx, &interested, &news).await?;
        tx.commit().await?;
        self.pool_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn pool_by_id(&self, id: i64) -> Result<Option<Pool>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(pool_of).transpose()
    }

    /// Pools, open ones first by deadline, then the rest newest first; at most `limit`.
    pub async fn pools(&self, f: &PoolFilter, limit: i64) -> Result<Vec<Pool>> {
        let mut sql = Sql::new(self.backend(), &format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
        if let Some(s) = f.state {
            sql.push(" AND p.state = ").bind(s.code().to_string());
        }
        if let Some(c) = &f.category {
            let all = wujin_domain::Taxonomy::get().category_with_descendants(c);
            sql.push(" AND p.category IN ").bind_list(all.iter().map(|c| c.to_string()));
        }
        if let Some(o) = f.organiser_org {
            sql.push(" AND p.organiser_org = ").bind(o);
        }
        if let Some(orgs) = &f.committed_by {
            if orgs.is_empty() {
                return Ok(vec![]);
            }
            sql.push(" AND p.id IN (SELECT pool_id FROM pool_commitments WHERE org_id IN ")
                .bind_list(orgs.iter().copied())
                .push(")");
        }
        sql.push(" ORDER BY CASE WHEN p.state = 'open' THEN 0 ELSE 1 END, CASE WHEN p.state = 'open' THEN p.deadline ELSE -p.id END LIMIT ")
            .bind(limit);
        sql.fetch_all(self.pool()).await?.iter().map(pool_of).collect()
    }

    /// The commitment of `org` in `pool`, standing or withdrawn.
    pub async fn commitment(&self, pool: i64, org: i64) -> Result<Option<Commitment>> {
        let row = sqlx::query(&format!("{COMMITMENT} WHERE c.pool_id = $1 AND c.org_id = $2"))
            .bind(pool)
            .bind(org)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(commitment_of).transpose()
    }

    /// Every commitment of a pool, standing ones first by quantity. Sealed: only for the
    /// organiser after the close (the caller decides).
    pub async fn commitments(&self, pool: i64) -> Result<Vec<Commitment>> {
        let rows =
            sqlx::query(&format!("{COMMITMENT} WHERE c.pool_id = $1 ORDER BY c.quantity DESC, c.first_at, c.org_id"))
                .bind(pool)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(commitment_of).collect()
    }

    /// Every version of `org`'s commitment to `pool`, oldest first.
    pub async fn commitment_versions(&self, pool: i64, org: i64) -> Result<Vec<Version>> {
        let rows = sqlx::query(
            "SELECT h.version, h.quantity, h.at, h.by_account FROM pool_commitment_history h \
             JOIN pool_commitments c ON c.id = h.commitment_id WHERE c.pool_id = $1 AND c.org_id = $2 ORDER BY h.version",
        )
        .bind(pool)
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Version {
                    version: r.try_get(0)?,
                    quantity: r.try_get(1)?,
                    at: r.try_get(2)?,
                    by_account: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Commits `quantity` for `org` (a new commitment or a revision; 0 withdraws), if the
    /// pool still takes commitments now. Every version is kept and audited.
    pub async fn commit_to_pool(&self, pool: i64, org: i64, by: i64, quantity: i64) -> Result<CommitWrite> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        if !lock_open(&mut tx, pool, now).await? {
            return Ok(CommitWrite::Closed);
        }
        let standing: Option<i64> =
            sqlx::query_scalar("SELECT quantity FROM pool_commitments WHERE pool_id = $1 AND org_id = $2")
                .bind(pool)
                .bind(org)
                .fetch_optional(&mut *tx)
                .await?;
        if quantity == 0 && standing.unwrap_or(0) == 0 {
            return Ok(CommitWrite::NotCommitted);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pool_commitments (pool_id, org_id, quantity, version, first_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (pool_id, org_id) DO UPDATE SET quantity = excluded.quantity, \
             version = pool_commitments.version + 1, updated_at = excluded.updated_at RETURNING id",
        )
        .bind(pool)
        .bind(org)
        .bind(quantity)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO pool_commitment_history (commitment_id, version, quantity, at, by_account) \
             SELECT id, version, quantity, $2, $3 FROM pool_commitments WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE pools SET committed_total = (SELECT COALESCE(SUM(quantity), 0) FROM pool_commitments WHERE pool_id = $1), \
             updated_at = $2 WHERE id = $1",
        )
        .bind(pool)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let action = match (standing, quantity) {
            (_, 0) => "withdraw",
            (None, _) | (Some(0), _) => "commit",
            _ => "revise",
        };
        let detail = serde_json::json!({"pool": pool, "quantity": quantity});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), action, "pool_commitment", Some(id), &detail)
            .await?;
        tx.commit().await?;
        let c = self.commitment(pool, org).await?.ok_or(StoreError::NotFound)?;
        Ok(CommitWrite::Done(c))
    }

    /// Closes pool `id` if its deadline has passed at `now`, in one transaction: below the
    /// minimum it fails and every commitment is released; otherwise the cap is shared out,
    /// the tier decided on the allocated total and the price stamped. Every firm committed,
    /// and the organiser, is told. False when the pool was not due (or closed already).
    pub async fn close_pool(&self, id: i64, now: i64, today: Date) -> Result<bool> {
        let mut tx = self.begin().await?;
        let claimed =
            sqlx::query("UPDATE pools SET updated_at = $2 WHERE id = $1 AND state = 'open' AND deadline <= $2")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed != 1 {
            return Ok(false);
        }
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE p.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let mut pool = pool_of(&row)?;
        pool.closed_at = Some(now);
        let rows = sqlx::query(
            "SELECT org_id, quantity, first_at FROM pool_commitments WHERE pool_id = $1 AND quantity > 0 ORDER BY org_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let committed: Vec<Committed> = rows
            .iter()
            .map(|r| Ok(Committed { org: r.try_get(0)?, quantity: r.try_get(1)?, first_at: r.try_get(2)? }))
            .collect::<Result<_>>()?;
        let total: i64 = committed.iter().map(|c| c.quantity).sum();
        let orgs = concerned(&mut tx, id, pool.organiser_org).await?;
        let title = pool.record.spec.clone();
        if committed.is_empty() || total < pool.record.min_total {
            sqlx::query("UPDATE pools SET state = 'failed', closed_at = $2, committed_total = $3 WHERE id = $1")
                .bind(id)
                .bind(now)
                .bind(total)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({"pool": id, "total": total, "min_total": pool.record.min_total});
            Store::audit_for(&mut tx, Some(pool.organiser_org), "system", "fail", "pool", Some(id), &detail).await?;
            let news = serde_json::json!({"pool": id, "title": title, "event": "failed", "total": total});
            tell(&mut tx, &orgs, &news).await?;
            tx.commit().await?;
            return Ok(true);
        }
        let shares = allocate(&committed, pool.record.cap, pool.record.lot_size);
        let allocated_total: i64 = shares.iter().sum();
        for (c, share) in committed.iter().zip(&shares) {
            sqlx::query("UPDATE pool_commitments SET allocated = $3 WHERE pool_id = $1 AND org_id = $2")
                .bind(id)
                .bind(c.org)
                .bind(*share)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE pools SET state = 'allocated', closed_at = $2, committed_total = $3, allocated_total = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(total)
        .bind(allocated_total)
        .execute(&mut *tx)
        .await?;
        let stamp = price(&mut tx, &pool, allocated_total, today).await?;
        let unit = stamp.as_ref().map(|s| s.unit_price_fen);
        let provisional = stamp.as_ref().is_none_or(|s| s.provisional);
        for (c, share) in committed.iter().zip(&shares) {
            let news = serde_json::json!({
                "pool": id, "title": title, "event": "allocated", "committed": c.quantity, "allocated": share,
                "unit_price_fen": unit, "provisional": provisional,
            });
            notify(&mut tx, c.org, Kind::Pool, None, None, &news).await?;
            if let Some(supplier) = pool.record.supplier_org.filter(|s| *s != c.org && *share > 0) {
                crate::ties::tie_from_pool(&mut tx, supplier, c.org, &pool.record.category, today).await?;
            }
        }
        if !committed.iter().any(|c| c.org == pool.organiser_org) {
            let news = serde_json::json!({
                "pool": id, "title": title, "event": "closed", "allocated_total": allocated_total, "firms": committed.len(),
            });
            notify(&mut tx, pool.organiser_org, Kind::Pool, None, None, &news).await?;
        }
        let detail =
            serde_json::json!({"pool": id, "total": total, "allocated": allocated_total, "unit_price_fen": unit});
        Store::audit_for(&mut tx, Some(pool.organiser_org), "system", "close", "pool", Some(id), &detail).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Closes every pool whose deadline has passed at `now` (at most `limit`); returns their
    /// ids.
    pub async fn close_due_pools(&self, now: i64, today: Date, limit: i64) -> Result<Vec<i64>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM pools WHERE state = 'open' AND deadline <= $1 ORDER BY deadline, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut closed = vec![];
        for id in due {
            if self.close_pool(id, now, today).await? {
                closed.push(id);
            }
        }
        Ok(closed)
    }

    /// Makes provisional prices final once their settlement day has come (`today`): the
    /// price is recomputed from the value on or before that day and every firm is told.
    /// Returns the pools settled.
    pub async fn settle_due_pools(&self, today: Date) -> Result<Vec<i64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM pools WHERE state = 'allocated' AND provisional = 1 ORDER BY id LIMIT 100",
        )
        .fetch_all(self.pool())
        .await?;
        let mut settled = vec![];
        for id in ids {
            let mut tx = self.begin().await?;
            let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE p.id = $1 AND p.provisional = 1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { continue };
            let pool = pool_of(&row)?;
            let settlement = pool.record.settlement_date.unwrap_or_else(|| day_of(pool.closed_at.unwrap_or(0)));
            if settlement > today {
                continue;
            }
            let Some(stamp) = price(&mut tx, &pool, pool.allocated_total.unwrap_or(0), today).await? else { continue };
            let orgs = concerned(&mut tx, id, pool.organiser_org).await?;
            let news = serde_json::json!({
                "pool": id, "title": pool.record.spec, "event": "settled", "unit_price_fen": stamp.unit_price_fen,
            });
            tell(&mut tx, &orgs, &news).await?;
            let detail = serde_json::json!({"pool": id, "unit_price_fen": stamp.unit_price_fen});
            Store::audit_for(&mut tx, Some(pool.organiser_org), "system", "settle", "pool", Some(id), &detail).await?;
            tx.commit().await?;
            settled.push(id);
        }
        Ok(settled)
    }

    /// Cancels an open pool (the organiser's call): every commitment is released and every
    /// firm committed is told why.
    pub async fn cancel_pool(&self, id: i64, by: i64, reason: &str) -> Result<PoolChange> {
        let mut tx = self.begin().await?;
        let Some(organiser) = organiser_of(&mut tx, id).await? else { return Ok(PoolChange::NotFound) };
        let n = sqlx::query(
            "UPDATE pools SET state = 'cancelled', cancel_reason = $2, closed_at = $3, updated_at = $3 \
             WHERE id = $1 AND state = 'open'",
        )
        .bind(id)
        .bind(reason.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(PoolChange::Refused);
        }
        let (orgs, title) = (concerned(&mut tx, id, organiser).await?, spec_of(&mut tx, id).await?);
        tell(&mut tx, &orgs, &serde_json::json!({"pool": id, "title": title, "event": "cancelled", "reason": reason}))
            .await?;
        let detail = serde_json::json!({"pool": id, "reason": reason});
        Store::audit_for(&mut tx, Some(organiser), &format!("account:{by}"), "cancel", "pool", Some(id), &detail)
            .await?;
        tx.commit().await?;
        Ok(PoolChange::Done)
    }

    /// Moves an open pool's deadline later, once; every firm committed is told.
    pub async fn extend_pool(&self, id: i64, by: i64, deadline: i64) -> Result<PoolChange> {
        let mut tx = self.begin().await?;
        let Some(organiser) = organiser_of(&mut tx, id).await? else { return Ok(PoolChange::NotFound) };
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE pools SET deadline = $2, extended = 1, reminded = 0, updated_at = $3 \
             WHERE id = $1 AND state = 'open' AND extended = 0 AND deadline > $3 AND deadline < $2",
        )
        .bind(id)
        .bind(deadline)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(PoolChange::Refused);
        }
        let (orgs, title) = (concerned(&mut tx, id, organiser).await?, spec_of(&mut tx, id).await?);
        let news = serde_json::json!({"pool": id, "title": title, "event": "extended", "deadline": deadline});
        tell(&mut tx, &orgs, &news).await?;
        let detail = serde_json::json!({"pool": id, "deadline": deadline});
        Store::audit_for(&mut tx, Some(organiser), &format!("account:{by}"), "extend", "pool", Some(id), &detail)
            .await?;
        tx.commit().await?;
        Ok(PoolChange::Done)
    }

    /// Reminds the firms committed to an open pool, and its organiser, 3 days and 1 day
    /// before its deadline (each once). Returns how many pools were reminded.
    pub async fn remind_pools(&self, now: i64) -> Result<usize> {
        const DAY: i64 = 86_400_000;
        let mut done = 0;
        for (stage, ahead, key) in [(2i64, DAY, "1d"), (1, 3 * DAY, "3d")] {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM pools WHERE state = 'open' AND reminded < $1 AND deadline > $2 AND deadline <= $3 ORDER BY id",
            )
            .bind(stage)
            .bind(now)
            .bind(now + ahead)
            .fetch_all(self.pool())
            .await?;
            for id in ids {
                let mut tx = self.begin().await?;
                let n = sqlx::query("UPDATE pools SET reminded = $2 WHERE id = $1 AND reminded < $2")
                    .bind(id)
                    .bind(stage)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    let organiser = organiser_of(&mut tx, id).await?.unwrap_or(0);
                    let (orgs, title) = (concerned(&mut tx, id, organiser).await?, spec_of(&mut tx, id).await?);
                    tell(
                        &mut tx,
                        &orgs,
                        &serde_json::json!({"pool": id, "title": title, "event": "due", "stage": key}),
                    )
                    .await?;
                    done += 1;
                }
                tx.commit().await?;
            }
        }
        Ok(done)
    }

    /// Sets a pool's deadline (tests and the demo: a pool closing now, one closed in the past).
    pub async fn backdate_pool(&self, id: i64, deadline: i64) -> Result<()> {
        sqlx::query("UPDATE pools SET deadline = $2 WHERE id = $1")
            .bind(id)
            .bind(deadline)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

async fn organiser_of(tx: &mut Tx, pool: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT organiser_org FROM pools WHERE id = $1").bind(pool).fetch_optional(&mut **tx).await?)
}

async fn spec_of(tx: &mut Tx, pool: i64) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT spec FROM pools WHERE id = $1").bind(pool).fetch_one(&mut **tx).await?)
}

impl Store {
    /// Whether organisation `org` may open a pool: a manufacturer, or a provider with an
    /// offer in the supply and procurement family. None when there is no such organisation.
    pub async fn may_organise_pool(&self, org: i64) -> Result<Option<bool>> {
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org).fetch_optional(self.pool()).await?;
        let Some(kind) = kind else { return Ok(None) };
        if kind == wujin_domain::OrgKind::Manufacturer.code() {
            return Ok(Some(true));
        }
        let procurement: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM offers WHERE org_id = $1 AND grp = 'supply_procurement'")
                .bind(org)
                .fetch_one(self.pool())
                .await?;
        Ok(Some(procurement > 0))
    }
}
