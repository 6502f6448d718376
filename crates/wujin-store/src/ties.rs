//! Supply ties as stored: declared by a firm, confirmed or rejected by the other side,
//! ended by either, made by completed engagements and imported by operators. Every change
//! writes an audit row for both firms and an internal `tie` outbox row, which the chain
//! graph follows; ties never reach the public change feed.

use sqlx::Row;
use time::Date;
use wujin_domain::demand::Refused;
use wujin_domain::tie::{BufferWeeks, Side, TieAction, TieSource, TieState, is_stale, transition};

use crate::outbox::{Change, Op, record_changes};
use crate::{Result, Store, StoreError, Tx, now_ms};

/// The supplier end of a stored tie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupplierEnd {
    Org { id: i64, uscc: String, name: String },
    Outside { name: String, region: String },
}

/// A tie as stored, with its firms' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tie {
    pub id: i64,
    pub supplier: SupplierEnd,
    pub customer_org_id: i64,
    pub customer_uscc: String,
    pub customer_name: String,
    pub input: String,
    pub share: Option<u8>,
    pub buffer_weeks: Option<BufferWeeks>,
    pub since: Date,
    pub until: Option<Date>,
    pub source: TieSource,
    pub declared_by: Option<Side>,
    pub state: TieState,
    pub last_evidence: Date,
    pub engagement_id: Option<i64>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Tie {
    /// The registry firm that supplies, if it is one.
    pub fn supplier_org_id(&self) -> Option<i64> {
        match self.supplier {
            SupplierEnd::Org { id, .. } => Some(id),
            SupplierEnd::Outside { .. } => None,
        }
    }

    /// Which side `org` is on, if either.
    pub fn side_of(&self, org: i64) -> Option<Side> {
        if self.customer_org_id == org {
            Some(Side::Customer)
        } else if self.supplier_org_id() == Some(org) {
            Some(Side::Supplier)
        } else {
            None
        }
    }

    pub fn is_stale(&self, today: Date) -> bool {
        is_stale(self.last_evidence, today)
    }
}

/// Who supplies, in a new tie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupplierRef {
    Org(i64),
    Outside { name: String, region: String },
}

/// A tie to write: declared by one side, imported by an operator, or made by an engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTie {
    pub supplier: SupplierRef,
    pub customer_org_id: i64,
    pub input: String,
    pub share: Option<u8>,
    pub buffer_weeks: Option<BufferWeeks>,
    pub since: Option<Date>,
    pub until: Option<Date>,
    pub source: TieSource,
    /// The side that declared it (declared ties only).
    pub declared_by: Option<Side>,
}

impl NewTie {
    /// A checked row's tie, once its firms are known by id.
    pub fn of(
        r: wujin_domain::tie::TieRecord,
        supplier: SupplierRef,
        customer_org_id: i64,
        source: TieSource,
        declared_by: Option<Side>,
    ) -> NewTie {
        NewTie {
            supplier,
            customer_org_id,
            input: r.input,
            share: r.share,
            buffer_weeks: r.buffer_weeks,
            since: r.since,
            until: r.until,
            source,
            declared_by,
        }
    }
}

/// Why an action on a tie was refused.
#[derive(Debug)]
pub enum TieError {
    NotFound,
    /// The caller's firm is on neither side.
    NotAParty,
    Conflict {
        current: i64,
    },
    Refused(Refused),
    Store(StoreError),
}

impl From<StoreError> for TieError {
    fn from(e: StoreError) -> Self {
        TieError::Store(e)
    }
}

impl From<sqlx::Error> for TieError {
    fn from(e: sqlx::Error) -> Self {
        TieError::Store(e.into())
    }
}

const SELECT: &str = "SELECT t.id, t.supplier_org_id, s.name, t.outside_name, t.outside_region, t.customer_org_id, \
     c.name, t.input, t.share, t.buffer_tenths, t.since, t.until, t.source, t.declared_by, t.state, \
     t.last_evidence, t.engagement_id, t.revision, t.created_at, t.updated_at, c.uscc, s.uscc \
     FROM ties t JOIN orgs c ON c.id = t.customer_org_id LEFT JOIN orgs s ON s.id = t.supplier_org_id";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("ties.{what}: {e}"))
}

fn day(text: &str, what: &str) -> Result<Date> {
    wujin_domain::tie::parse_date(text).ok_or_else(|| corrupt(what, text))
}

fn side_code(s: Side) -> &'static str {
    match s {
        Side::Supplier => "supplier",
        Side::Customer => "customer",
    }
}

fn source_code(s: TieSource) -> &'static str {
    match s {
        TieSource::Declared => "declared",
        TieSource::Engagement => "engagement",
        TieSource::Operator => "operator",
        TieSource::Pool => "pool",
    }
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Tie> {
    let supplier = match r.try_get::<Option<i64>, _>(1)? {
        Some(id) => SupplierEnd::Org {
            id,
            uscc: r.try_get::<Option<String>, _>(21)?.unwrap_or_default(),
            name: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        },
        None => SupplierEnd::Outside {
            name: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            region: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
        },
    };
    let source: String = r.try_get(12)?;
    let state: String = r.try_get(14)?;
    let declared_by: Option<String> = r.try_get(13)?;
    let small = |v: Option<i64>, what: &str| v.map(|v| u16::try_from(v).map_err(|e| corrupt(what, e))).transpose();
    Ok(Tie {
        id: r.try_get(0)?,
        supplier,
        customer_org_id: r.try_get(5)?,
        customer_uscc: r.try_get(20)?,
        customer_name: r.try_get(6)?,
        input: r.try_get(7)?,
        share: small(r.try_get(8)?, "share")?.map(|s| s.min(100) as u8),
        buffer_weeks: small(r.try_get(9)?, "buffer_tenths")?.and_then(BufferWeeks::from_tenths),
        since: day(&r.try_get::<String, _>(10)?, "since")?,
        until: r.try_get::<Option<String>, _>(11)?.map(|d| day(&d, "until")).transpose()?,
        source: match source.as_str() {
            "declared" => TieSource::Declared,
            "engagement" => TieSource::Engagement,
            "operator" => TieSource::Operator,
            "pool" => TieSource::Pool,
            other => return Err(corrupt("source", other)),
        },
        declared_by: match declared_by.as_deref() {
            None => None,
            Some("supplier") => Some(Side::Supplier),
            Some("customer") => Some(Side::Customer),
            Some(other) => return Err(corrupt("declared_by", other)),
        },
        state: TieState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        last_evidence: day(&r.try_get::<String, _>(15)?, "last_evidence")?,
        engagement_id: r.try_get(16)?,
        revision: r.try_get(17)?,
        created_at: r.try_get(18)?,
        updated_at: r.try_get(19)?,
    })
}

async fn tie_in(tx: &mut Tx, id: i64) -> Result<Option<Tie>> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1")).bind(id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(from_row).transpose()
}

/// An audit row for each registry firm of the tie.
async fn audit_both(tx: &mut Tx, tie: &Tie, actor: &str, action: &str) -> Result<()> {
    let detail = serde_json::json!({"state": tie.state.code(), "input": tie.input, "revision": tie.revision});
    for org in [Some(tie.customer_org_id), tie.supplier_org_id()].into_iter().flatten() {
        Store::audit_for(tx, Some(org), actor, action, "tie", Some(tie.id), &detail).await?;
    }
    Ok(())
}

/// Writes `new` inside `tx` on `today`. A tie still in the graph with the same supplier,
/// customer, input and source is the same tie said again: its terms are updated and its
/// evidence renewed (a "still true"), instead of a second row.
pub async fn write_tie(tx: &mut Tx, new: &NewTie, actor: &str, today: Date) -> Result<Tie> {
    let at = now_ms();
    let (org, name, region) = match &new.supplier {
        SupplierRef::Org(id) => (Some(*id), None, None),
        SupplierRef::Outside { name, region } => (None, Some(name.clone()), Some(region.clone())),
    };
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM ties WHERE customer_org_id = $1 AND input = $2 AND source = $3 \
         AND state IN ('declared', 'confirmed') \
         AND ((supplier_org_id = $4) OR (supplier_org_id IS NULL AND outside_name = $5 AND outside_region = $6)) \
         ORDER BY id LIMIT 1",
    )
    .bind(new.customer_org_id)
    .bind(new.input.clone())
    .bind(source_code(new.source))
    .bind(org.unwrap_or(-1))
    .bind(name.clone().unwrap_or_default())
    .bind(region.clone().unwrap_or_default())
    .fetch_optional(&mut **tx)
    .await?;
    let share = new.share.map(i64::from);
    let buffer = new.buffer_weeks.map(|b| i64::from(b.tenths()));
    let until = new.until.map(|d| d.to_string());
    let (id, op, action) = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE ties SET share = $1, buffer_tenths = $2, until = $3, last_evidence = $4, \
                 since = COALESCE($5, since), revision = revision + 1, updated_at = $6 WHERE id = $7",
            )
            .bind(share)
            .bind(buffer)
            .bind(until)
            .bind(today.to_string())
            .bind(new.since.map(|d| d.to_string()))
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            (id, Op::Update, "reaffirm")
        }
        None => {
            // An engagement or an operator's survey stands as confirmed; a declaration waits
            // for the other side.
            let state = match new.source {
                TieSource::Declared => TieState::Declared,
                TieSource::Engagement | TieSource::Operator | TieSource::Pool => TieState::Confirmed,
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ties (supplier_org_id, outside_name, outside_region, customer_org_id, input, share, \
                 buffer_tenths, since, until, source, declared_by, state, last_evidence, revision, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) RETURNING id",
            )
            .bind(org)
            .bind(name)
            .bind(region)
            .bind(new.customer_org_id)
            .bind(new.input.clone())
            .bind(share)
            .bind(buffer)
            .bind(new.since.unwrap_or(today).to_string())
            .bind(until)
            .bind(source_code(new.source))
            .bind(new.declared_by.map(side_code))
            .bind(state.code())
            .bind(today.to_string())
            .bind(at)
            .fetch_one(&mut **tx)
            .await?;
            // The audit names how the tie came: declared by a side, recorded from a completed
            // engagement, or imported by an operator.
            let action = match new.source {
                TieSource::Declared => "declare",
                TieSource::Engagement | TieSource::Pool => "record",
                TieSource::Operator => "import",
            };
            (id, Op::Create, action)
        }
    };
    let tie = tie_in(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit_both(tx, &tie, actor, action).await?;
    record_changes(tx, "tie", &[Change { id, op, revision: tie.revision }]).await?;
    Ok(tie)
}

/// Today in the cluster (China Standard Time, UTC+8), the day ties are dated by.
pub fn today() -> Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    time::OffsetDateTime::now_utc().to_offset(offset).date()
}

/// A completed engagement is evidence of supply: it makes (or renews) a confirmed tie from
/// the provider to the buyer for the demand's category, and renews every tie in the graph
/// between the two.
pub(crate) async fn tie_from_engagement(tx: &mut Tx, engagement: i64, actor: &str, today: Date) -> Result<()> {
    let row = sqlx::query(
        "SELECT e.state, e.buyer_org_id, e.provider_org_id, d.category FROM engagements e \
         JOIN demands d ON d.id = e.demand_id WHERE e.id = $1",
    )
    .bind(engagement)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let (state, buyer, provider, category): (String, i64, i64, Option<String>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
    if state != "completed" {
        return Ok(());
    }
    sqlx::query(
        "UPDATE ties SET last_evidence = $1, updated_at = $2 WHERE supplier_org_id = $3 AND customer_org_id = $4 \
         AND state IN ('declared', 'confirmed') AND last_evidence < $1",
    )
    .bind(today.to_string())
    .bind(now_ms())
    .bind(provider)
    .bind(buyer)
    .execute(&mut **tx)
    .await?;
    let Some(input) = category.filter(|c| wujin_domain::Taxonomy::get().category(c).is_some()) else { return Ok(()) };
    let new = NewTie {
        supplier: SupplierRef::Org(provider),
        customer_org_id: buyer,
        input,
        share: None,
        buffer_weeks: None,
        since: Some(today),
        until: None,
        source: TieSource::Engagement,
        declared_by: None,
    };
    let tie = write_tie(tx, &new, actor, today).await?;
    sqlx::query("UPDATE ties SET engagement_id = $1 WHERE id = $2 AND engagement_id IS NULL")
        .bind(engagement)
        .bind(tie.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A group-purchase allocation is evidence of supply: it makes (or renews) a confirmed tie
/// from the pool's named supplier to the firm, for the pool's category.
pub(crate) async fn tie_from_pool(tx: &mut Tx, supplier: i64, firm: i64, category: &str, today: Date) -> Result<()> {
    let new = NewTie {
        supplier: SupplierRef::Org(supplier),
        customer_org_id: firm,
        input: category.to_string(),
        share: None,
        buffer_weeks: None,
        since: Some(today),
        until: None,
        source: TieSource::Pool,
        declared_by: None,
    };
    write_tie(tx, &new, "system", today).await?;
    Ok(())
}

impl Store {
    /// Declares or imports one tie (see [`write_tie`]) in a transaction of its own.
    pub async fn declare_tie(&self, new: &NewTie, actor: &str, today: Date) -> Result<Tie> {
        let mut tx = self.begin().await?;
        let tie = write_tie(&mut tx, new, actor, today).await?;
        tx.commit().await?;
        Ok(tie)
    }

    /// Writes many ties in one transaction (an import: all or nothing), with one audit row
    /// for the import besides each tie's own; answers how many were new and how many renewed.
    pub async fn write_ties(&self, ties: &[NewTie], actor: &str, today: Date) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (mut new, mut renewed) = (0, 0);
        for t in ties {
            if write_tie(&mut tx, t, actor, today).await?.revision == 1 {
                new += 1;
            } else {
                renewed += 1;
            }
        }
        let detail = serde_json::json!({"inserted": new, "updated": renewed});
        Store::audit(&mut tx, actor, "import", "ties", None, &detail).await?;
        tx.commit().await?;
        Ok((new, renewed))
    }

    pub async fn tie(&self, id: i64) -> Result<Option<Tie>> {
        let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The ties `org` is a side of, newest first, below id `before` if given; with the
    /// rejected and ended ones when `history`.
    pub async fn ties_of(&self, org: i64, history: bool, before: Option<i64>, limit: i64) -> Result<Vec<Tie>> {
        let states = if history { "" } else { " AND t.state IN ('declared', 'confirmed')" };
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE (t.customer_org_id = $1 OR t.supplier_org_id = $1) AND t.id < $2{states} \
             ORDER BY t.id DESC LIMIT $3"
        ))
        .bind(org)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every tie in the graph (declared or confirmed), in id order: what the chain graph is
    /// built from.
    pub async fn ties_in_graph(&self) -> Result<Vec<Tie>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE t.state IN ('declared', 'confirmed') ORDER BY t.id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// `org`'s side does `action` to tie `id` on `today`, if the tie is still at `revision`
    /// (when given). Confirming or reaffirming renews the tie's evidence.
    pub async fn act_on_tie(
        &self,
        id: i64,
        org: i64,
        action: TieAction,
        revision: Option<i64>,
        actor: &str,
        today: Date,
    ) -> std::result::Result<Tie, TieError> {
        let mut tx = self.begin().await?;
        let tie = tie_in(&mut tx, id).await?.ok_or(TieError::NotFound)?;
        let side = tie.side_of(org).ok_or(TieError::NotAParty)?;
        if let Some(r) = revision
            && r != tie.revision
        {
            return Err(TieError::Conflict { current: tie.revision });
        }
        let state = transition(tie.state, action, side, tie.declared_by).map_err(TieError::Refused)?;
        let renew = matches!(action, TieAction::Confirm | TieAction::Reaffirm);
        let until = match action {
            TieAction::End => Some(tie.until.map_or(today, |u| u.min(today)).to_string()),
            _ => tie.until.map(|u| u.to_string()),
        };
        sqlx::query(
            "UPDATE ties SET state = $1, until = $2, last_evidence = $3, revision = revision + 1, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(state.code())
        .bind(until)
        .bind(if renew { today } else { tie.last_evidence }.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = tie_in(&mut tx, id).await?.ok_or(TieError::NotFound)?;
        let verb = match action {
            TieAction::Confirm => "confirm",
            TieAction::Reject => "reject",
            TieAction::End => "end",
            TieAction::Reaffirm => "reaffirm",
        };
        audit_both(&mut tx, &after, actor, verb).await?;
        record_changes(&mut tx, "tie", &[Change { id, op: Op::Update, revision: after.revision }]).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A firm's visibility choices for its ties: (public to other firms, named to the pilot
    /// office). Both false until it says otherwise.
    pub async fn chain_settings(&self, org: i64) -> Result<(bool, bool)> {
        let row = sqlx::query("SELECT open_to_firms, open_to_office FROM org_chain_settings WHERE org_id = $1")
            .bind(org)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => (r.try_get::<i64, _>(0)? != 0, r.try_get::<i64, _>(1)? != 0),
            None => (false, false),
        })
    }

    /// Every firm's visibility choices that differ from the default.
    pub async fn chain_settings_all(&self) -> Result<Vec<(i64, bool, bool)>> {
        let rows = sqlx::query("SELECT org_id, open_to_firms, open_to_office FROM org_chain_settings ORDER BY org_id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? != 0, r.try_get::<i64, _>(2)? != 0))).collect()
    }

    pub async fn set_chain_settings(&self, org: i64, public: bool, helps: bool, actor: &str) -> Result<()> {
        self.set_chain_settings_of(&[(org, public, helps)], actor).await
    }

    /// Several firms' visibility choices (org, public, helps), in one transaction.
    pub async fn set_chain_settings_of(&self, choices: &[(i64, bool, bool)], actor: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        for &(org, public, helps) in choices {
            set_settings_in(&mut tx, org, public, helps, actor).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes ties each as of its own day, in one transaction (a survey's history, the demo
    /// cluster): a tie's evidence is the day given with it.
    pub async fn write_dated_ties(&self, ties: &[(NewTie, Date)], actor: &str) -> Result<usize> {
        let mut tx = self.begin().await?;
        for (t, day) in ties {
            write_tie(&mut tx, t, actor, *day).await?;
        }
        tx.commit().await?;
        Ok(ties.len())
    }
}

async fn set_settings_in(tx: &mut Tx, org: i64, public: bool, helps: bool, actor: &str) -> Result<()> {
    {
        sqlx::query(
            "INSERT INTO org_chain_settings (org_id, open_to_firms, open_to_office, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id) DO UPDATE SET open_to_firms = excluded.open_to_firms, \
             open_to_office = excluded.open_to_office, updated_at = excluded.updated_at",
        )
        .bind(org)
        .bind(i64::from(public))
        .bind(i64::from(helps))
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        let detail = serde_json::json!({"public": public, "helps": helps});
        Store::audit_for(tx, Some(org), actor, "chain_settings", "org", Some(org), &detail).await?;
        // The graph's answers name firms by these choices: its followers re-read them.
        record_changes(tx, "chain_settings", &[Change { id: org, op: Op::Update, revision: 0 }]).await?;
        Ok(())
    }
}
