//! Responses to demands. Each write is one transaction: the response row, its history row
//! and the audit row. The store hands responses only to code that has decided, with
//! `wujin_domain::demand::may_read_response`, that the caller may read them.

use sqlx::Row;

use crate::demands::Write;
use crate::{Result, Sql, Store, StoreError, Tx, now_ms};

/// What a provider offers: a price in fen per unit or for the lot, lead time, validity,
/// notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub price_fen: i64,
    /// unit or lump_sum.
    pub basis: String,
    pub lead_time_days: i64,
    pub valid_days: i64,
    pub notes: String,
}

/// What a first response found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Done(i64),
    /// The organisation has responded already (it revises that response instead).
    Already,
    /// The demand no longer takes responses.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: i64,
    pub demand_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub terms: Terms,
    /// submitted or withdrawn.
    pub state: String,
    pub revision: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT r.id, r.demand_id, r.org_id, g.name, r.price_fen, r.basis, r.lead_time_days, r.valid_days, \
     r.notes, r.state, r.revision, r.updated_at FROM responses r JOIN orgs g ON g.id = r.org_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Response> {
    Ok(Response {
        id: r.try_get(0)?,
        demand_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        org_name: r.try_get(3)?,
        terms: Terms {
            price_fen: r.try_get(4)?,
            basis: r.try_get(5)?,
            lead_time_days: r.try_get(6)?,
            valid_days: r.try_get(7)?,
            notes: r.try_get(8)?,
        },
        state: r.try_get(9)?,
        revision: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

/// Locks demand `demand` for a response write if it still takes responses at `now`; false
/// if not. Closing the demand updates the same row, so on either engine a response write
/// and the close are ordered: a revision committed before the close is what the buyer
/// reads, and one that comes after is refused. Nothing lands in between.
async fn lock_open(tx: &mut Tx, demand: i64, now: i64) -> Result<bool> {
    let n =
        sqlx::query("UPDATE demands SET updated_at = updated_at WHERE id = $1 AND state = 'open' AND deadline > $2")
            .bind(demand)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(n == 1)
}

async fn history(tx: &mut crate::Tx, id: i64, by: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO response_history (response_id, revision, price_fen, basis, lead_time_days, valid_days, notes, state, at, by_account) \
         SELECT id, revision, price_fen, basis, lead_time_days, valid_days, notes, state, $2, $3 FROM responses WHERE id = $1",
    )
    .bind(id)
    .bind(now_ms())
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// A provider's first response to a demand.
    pub async fn create_response(&self, demand_id: i64, org_id: i64, by: i64, t: &Terms) -> Result<Created> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        if !lock_open(&mut tx, demand_id, now).await? {
            return Ok(Created::Closed);
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO responses (demand_id, org_id, created_by, price_fen, basis, lead_time_days, valid_days, notes, state, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $9) \
             ON CONFLICT (demand_id, org_id) DO NOTHING RETURNING id",
        )
        .bind(demand_id)
        .bind(org_id)
        .bind(by)
        .bind(t.price_fen)
        .bind(t.basis.clone())
        .bind(t.lead_time_days)
        .bind(t.valid_days)
        .bind(t.notes.clone())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(Created::Already) };
        history(&mut tx, id, by).await?;
        // Answering counts towards the provider's response rate.
        crate::outbox::record(&mut tx, "reputation", "upsert", &[org_id]).await?;
        Store::audit_for(
            &mut tx,
            Some(org_id),
            &format!("account:{by}"),
            "respond",
            "response",
            Some(id),
            &serde_json::json!({"demand": demand_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(Created::Done(id))
    }

    pub async fn response(&self, id: i64) -> Result<Option<Response>> {
        let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every response to a demand. Callers filter with the sealing rule before showing any.
    pub async fn responses_to(&self, demand_id: i64) -> Result<Vec<Response>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE r.demand_id = $1 ORDER BY r.id"))
            .bind(demand_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The responses to a demand written by these organisations (a caller's own).
    pub async fn responses_by(&self, demand_id: i64, orgs: &[i64]) -> Result<Vec<Response>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::Sql::new(self.backend(), &format!("{SELECT} WHERE r.demand_id = "));
        sql.bind(demand_id).push(" AND r.org_id IN ").bind_list(orgs.iter().copied()).push(" ORDER BY r.id");
        sql.fetch_all(self.pool()).await?.iter().map(from_row).collect()
    }

    /// Revises (new terms) or withdraws (`terms` None) a response still at `revision`.
    pub async fn change_response(
        &self,
        id: i64,
        revision: i64,
        terms: Option<&Terms>,
        by: i64,
    ) -> Result<Write<Response>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT demand_id, org_id FROM responses WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(Write::Stale) };
        let (demand, org): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if !lock_open(&mut tx, demand, now_ms()).await? {
            return Ok(Write::Closed);
        }
        let n = match terms {
            Some(t) => sqlx::query(
                "UPDATE responses SET price_fen = $1, basis = $2, lead_time_days = $3, valid_days = $4, notes = $5, \
                 state = 'submitted', revision = revision + 1, updated_at = $6 WHERE id = $7 AND revision = $8",
            )
            .bind(t.price_fen)
            .bind(t.basis.clone())
            .bind(t.lead_time_days)
            .bind(t.valid_days)
            .bind(t.notes.clone())
            .bind(now_ms())
            .bind(id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => sqlx::query(
                "UPDATE responses SET state = 'withdrawn', revision = revision + 1, updated_at = $1 WHERE id = $2 AND revision = $3",
            )
            .bind(now_ms())
            .bind(id)
            .bind(revision)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if n == 0 {
            return Ok(Write::Stale);
        }
        history(&mut tx, id, by).await?;
        let action = if terms.is_some() { "revise" } else { "withdraw" };
        Store::audit_for(
            &mut tx,
            Some(org),
            &format!("account:{by}"),
            action,
            "response",
            Some(id),
            &serde_json::json!({"revision": revision + 1}),
        )
        .await?;
        let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let response = from_row(&row)?;
        tx.commit().await?;
        Ok(Write::Done(response))
    }
}

/// How a response fared, for the provider's own history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The demand has not been decided yet.
    Pending,
    /// The response won (all or part of) the award.
    Won,
    /// The demand was awarded to others.
    Lost,
    /// The demand was cancelled.
    Cancelled,
    /// The provider withdrew it.
    Withdrawn,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::Cancelled => "cancelled",
            Outcome::Withdrawn => "withdrawn",
        }
    }
}

/// One line of a provider's quote history: its response, the demand, and how it fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    pub response: Response,
    pub demand_title: String,
    pub demand_state: String,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub awarded_quantity: Option<i64>,
    pub outcome: Outcome,
}

impl Store {
    /// The responses written by these organisations across all demands, newest first, each
    /// with how it fared, so a provider can price the next one.
    pub async fn quote_history(&self, orgs: &[i64], before: Option<i64>, limit: i64) -> Result<Vec<Quoted>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new(
            self.backend(),
            "SELECT r.id, r.demand_id, r.org_id, g.name, r.price_fen, r.basis, r.lead_time_days, r.valid_days, r.notes, \
             r.state, r.revision, r.updated_at, d.title, d.state, d.quantity, d.unit, e.id, e.quantity \
             FROM responses r JOIN orgs g ON g.id = r.org_id JOIN demands d ON d.id = r.demand_id \
             LEFT JOIN engagements e ON e.response_id = r.id WHERE r.org_id IN ",
        );
        sql.bind_list(orgs.iter().copied());
        if let Some(b) = before {
            sql.push(" AND r.id < ").bind(b);
        }
        sql.push(" ORDER BY r.id DESC LIMIT ").bind(limit);
        let rows = sql.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let response = from_row(row)?;
                let demand_state: String = row.try_get(13)?;
                let engagement: Option<i64> = row.try_get(16)?;
                let outcome = if response.state == "withdrawn" {
                    Outcome::Withdrawn
                } else if engagement.is_some() {
                    Outcome::Won
                } else {
                    match demand_state.as_str() {
                        "draft" | "open" | "closed" => Outcome::Pending,
                        "cancelled" => Outcome::Cancelled,
                        "awarded" | "in_progress" | "completed" | "rated" => Outcome::Lost,
                        other => return Err(StoreError::Corrupt(format!("demands.state: {other}"))),
                    }
                };
                Ok(Quoted {
                    response,
                    demand_title: row.try_get(12)?,
                    demand_state,
                    quantity: row.try_get(14)?,
                    unit: row.try_get(15)?,
                    awarded_quantity: row.try_get(17)?,
                    outcome,
                })
            })
            .collect()
    }

    /// Records that `by`, for the buyer `buyer`, read these responses after the deadline: one
    /// audit row per response, belonging to the provider that wrote it, so every firm can see
    /// who opened its sealed quote and when.
    pub async fn record_reads(&self, by: i64, buyer: i64, responses: &[(i64, i64)]) -> Result<()> {
        if responses.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for &(id, org) in responses {
            Store::audit_for(
                &mut tx,
                Some(org),
                &format!("account:{by}"),
                "read",
                "response",
                Some(id),
                &serde_json::json!({"buyer": buyer}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
