//! Demands in the store. Every change is one transaction with its audit row and an outbox
//! event, and is guarded by the revision the caller last saw: two people editing or
//! publishing at once end with one outcome and the other told so.

use sqlx::Row;
use wujin_domain::demand::{DemandContent, DemandState, Visibility};

use crate::{Result, Store, StoreError, now_ms, outbox};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub id: i64,
    pub org_id: i64,
    pub created_by: i64,
    pub content: DemandContent,
    pub state: DemandState,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a guarded write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Done,
    /// Somebody changed the demand since the given revision.
    Stale,
}

const COLUMNS: &str = "id, org_id, created_by, title, need, family, category, quantity, unit, budget_fen, standards, \
     certificates, deadline, town, visibility, state, revision, created_at, updated_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("demands.{what}: {e}"))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Demand> {
    let standards: String = r.try_get("standards")?;
    let certificates: String = r.try_get("certificates")?;
    let visibility: String = r.try_get("visibility")?;
    let state: String = r.try_get("state")?;
    Ok(Demand {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        created_by: r.try_get("created_by")?,
        content: DemandContent {
            title: r.try_get("title")?,
            need: r.try_get("need")?,
            family: r.try_get("family")?,
            category: r.try_get("category")?,
            quantity: r.try_get("quantity")?,
            unit: r.try_get("unit")?,
            budget_fen: r.try_get("budget_fen")?,
            standards: serde_json::from_str(&standards).map_err(|e| corrupt("standards", e))?,
            certificates: serde_json::from_str(&certificates).map_err(|e| corrupt("certificates", e))?,
            deadline_ms: r.try_get("deadline")?,
            town: r.try_get("town")?,
            visibility: match visibility.as_str() {
                "public" => Visibility::Public,
                "invited" => Visibility::Invited,
                other => return Err(corrupt("visibility", other)),
            },
        },
        state: DemandState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        revision: r.try_get("revision")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn visibility_code(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "public",
        Visibility::Invited => "invited",
    }
}

/// Binds a demand's content columns, in the order both statements name them.
fn bind_content<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &'q DemandContent,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&c.title)
        .bind(&c.need)
        .bind(c.family.clone())
        .bind(c.category.clone())
        .bind(c.quantity)
        .bind(c.unit.clone())
        .bind(c.budget_fen)
        .bind(serde_json::to_string(&c.standards).unwrap_or_default())
        .bind(serde_json::to_string(&c.certificates).unwrap_or_default())
        .bind(c.deadline_ms)
        .bind(c.town.clone())
        .bind(visibility_code(c.visibility))
}

impl Store {
    /// Saves a new draft for `org_id`, written by `by`.
    pub async fn create_demand(&self, org_id: i64, by: i64, c: &DemandContent) -> Result<Demand> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let q = sqlx::query(
            "INSERT INTO demands (org_id, created_by, title, need, family, category, quantity, unit, budget_fen, standards, \
             certificates, deadline, town, visibility, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $15) RETURNING id",
        );
        let id: i64 = bind_content(q.bind(org_id).bind(by), c).bind(now).fetch_one(&mut *tx).await?.try_get(0)?;
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "create",
            "demand",
            Some(id),
            &serde_json::json!({"org": org_id}),
        )
        .await?;
        outbox::record(&mut tx, "demand", "upsert", &[id]).await?;
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let demand = from_row(&row)?;
        tx.commit().await?;
        Ok(demand)
    }

    pub async fn demand(&self, id: i64) -> Result<Option<Demand>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Replaces a draft's content if it is still at `revision`.
    pub async fn update_demand(&self, id: i64, revision: i64, c: &DemandContent, by: i64) -> Result<Write> {
        let mut tx = self.begin().await?;
        let q = sqlx::query(
            "UPDATE demands SET title = $1, need = $2, family = $3, category = $4, quantity = $5, unit = $6, budget_fen = $7, \
             standards = $8, certificates = $9, deadline = $10, town = $11, visibility = $12, revision = revision + 1, \
             updated_at = $13 WHERE id = $14 AND revision = $15 AND state = 'draft'",
        );
        let n = bind_content(q, c).bind(now_ms()).bind(id).bind(revision).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Ok(Write::Stale);
        }
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "edit",
            "demand",
            Some(id),
            &serde_json::json!({"revision": revision + 1}),
        )
        .await?;
        outbox::record(&mut tx, "demand", "upsert", &[id]).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    /// Moves a demand from `from` (at `revision`) to `to`; `action` goes to the audit log.
    pub async fn move_demand(
        &self,
        id: i64,
        revision: i64,
        from: DemandState,
        to: DemandState,
        action: &str,
        by: i64,
    ) -> Result<Write> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE demands SET state = $1, revision = revision + 1, updated_at = $2 WHERE id = $3 AND revision = $4 AND state = $5",
        )
        .bind(to.code())
        .bind(now_ms())
        .bind(id)
        .bind(revision)
        .bind(from.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(Write::Stale);
        }
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            action,
            "demand",
            Some(id),
            &serde_json::json!({"from": from.code(), "to": to.code()}),
        )
        .await?;
        outbox::record(&mut tx, "demand", "upsert", &[id]).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }
}

/// One award: a response of the demand and, optionally, the quantity given to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardLine {
    pub response_id: i64,
    pub quantity: Option<i64>,
}

/// What an award found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Awarded {
    /// The engagements created, one per line.
    Done(Vec<i64>),
    Stale,
    /// A line names a response that is not a submitted response to this demand.
    NotAResponse(i64),
}

impl Store {
    /// Awards a closed demand (or an open one past its deadline, closing it on the way) to
    /// one or several responses, all in one transaction: the state moves once, each line
    /// becomes an engagement, and two awards racing end with one.
    pub async fn award_demand(
        &self,
        id: i64,
        revision: i64,
        from: DemandState,
        lines: &[AwardLine],
        by: i64,
    ) -> Result<Awarded> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE demands SET state = 'awarded', revision = revision + 1, updated_at = $1 WHERE id = $2 AND revision = $3 AND state = $4",
        )
        .bind(now_ms())
        .bind(id)
        .bind(revision)
        .bind(from.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(Awarded::Stale);
        }
        let mut created = vec![];
        for line in lines {
            let row = sqlx::query(
                "SELECT r.org_id, d.org_id FROM responses r JOIN demands d ON d.id = r.demand_id \
                 WHERE r.id = $1 AND r.demand_id = $2 AND r.state = 'submitted'",
            )
            .bind(line.response_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            // Dropping the transaction rolls the state change back.
            let Some(row) = row else { return Ok(Awarded::NotAResponse(line.response_id)) };
            let (provider, buyer): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let e: i64 = sqlx::query(
                "INSERT INTO engagements (demand_id, response_id, buyer_org_id, provider_org_id, quantity, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6) RETURNING id",
            )
            .bind(id)
            .bind(line.response_id)
            .bind(buyer)
            .bind(provider)
            .bind(line.quantity)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            created.push(e);
        }
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "award",
            "demand",
            Some(id),
            &serde_json::json!({"engagements": created}),
        )
        .await?;
        outbox::record(&mut tx, "demand", "upsert", &[id]).await?;
        outbox::record(&mut tx, "engagement", "upsert", &created).await?;
        tx.commit().await?;
        Ok(Awarded::Done(created))
    }
}
