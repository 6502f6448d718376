//! Demands in the store. Every change is one transaction with its audit row and an outbox
//! event, and is guarded by the revision the caller last saw: two people editing or
//! publishing at once end with one outcome and the other told so.

use sqlx::Row;
use wujin_domain::demand::{CancelReason, Cancellation, DemandContent, DemandState, Visibility};

use crate::inbox::{Kind, notify};
use crate::{Result, Sql, Store, StoreError, Tx, now_ms, outbox};

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
    /// Why the buyer cancelled it, once cancelled.
    pub cancellation: Option<Cancellation>,
}

/// What a guarded write found. `Done` carries the record as this write left it (read in
/// its transaction, so a later writer's change never shows in this caller's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write<T = ()> {
    Done(T),
    /// Somebody changed the demand since the given revision.
    Stale,
    /// The demand no longer takes responses (its deadline passed or it left the open state).
    Closed,
}

const COLUMNS: &str = "id, org_id, created_by, title, need, family, category, quantity, unit, budget_fen, standards, \
     certificates, deadline, town, visibility, state, revision, created_at, updated_at, cancel_reason, cancel_note";

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
        cancellation: match r.try_get::<Option<String>, _>("cancel_reason")? {
            None => None,
            Some(code) => Some(Cancellation {
                reason: CancelReason::from_code(&code).ok_or_else(|| corrupt("cancel_reason", &code))?,
                note: r.try_get("cancel_note")?,
            }),
        },
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

/// What saving a new draft came to.
#[derive(Debug)]
pub enum NewDemand {
    Saved(Box<Demand>),
    /// An organisation to invite does not exist; nothing was written.
    NoSuchOrg(i64),
}

impl NewDemand {
    /// The saved draft, when one was saved.
    pub fn saved(self) -> Option<Demand> {
        match self {
            Self::Saved(d) => Some(*d),
            Self::NoSuchOrg(_) => None,
        }
    }
}

impl Store {
    /// Saves a new draft for `org_id`, written by `by`, inviting `invite` in the same
    /// transaction (a buyer asking one firm for a quote from its page). An id naming no
    /// organisation writes nothing.
    pub async fn create_demand(&self, org_id: i64, by: i64, c: &DemandContent, invite: &[i64]) -> Result<NewDemand> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let q = sqlx::query(
            "INSERT INTO demands (org_id, created_by, title, need, family, category, quantity, unit, budget_fen, standards, \
             certificates, deadline, town, visibility, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $15) RETURNING id",
        );
        let id: i64 = bind_content(q.bind(org_id).bind(by), c).bind(now).fetch_one(&mut *tx).await?.try_get(0)?;
        Store::audit_for(
            &mut tx,
            Some(org_id),
            &format!("account:{by}"),
            "create",
            "demand",
            Some(id),
            &serde_json::json!({"org": org_id}),
        )
        .await?;
        outbox::record_current(&mut tx, "demand", outbox::Revised::Demands, outbox::Op::Create, &[id]).await?;
        if !invite.is_empty()
            && let crate::invitations::Invited::NoSuchOrg(org) =
                crate::invitations::invite_in(&mut tx, id, invite, by).await?
        {
            return Ok(NewDemand::NoSuchOrg(org));
        }
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let demand = from_row(&row)?;
        tx.commit().await?;
        Ok(NewDemand::Saved(Box::new(demand)))
    }

    pub async fn demand(&self, id: i64) -> Result<Option<Demand>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Replaces a draft's content if it is still at `revision`.
    pub async fn update_demand(&self, id: i64, revision: i64, c: &DemandContent, by: i64) -> Result<Write<Demand>> {
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
        let org = buyer_of(&mut tx, id).await?;
        Store::audit_for(
            &mut tx,
            Some(org),
            &format!("account:{by}"),
            "edit",
            "demand",
            Some(id),
            &serde_json::json!({"revision": revision + 1}),
        )
        .await?;
        outbox::record_current(&mut tx, "demand", outbox::Revised::Demands, outbox::Op::Update, &[id]).await?;
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let demand = from_row(&row)?;
        tx.commit().await?;
        Ok(Write::Done(demand))
    }

    /// Moves a demand from `from` (at `revision`) to `to`; `action` goes to the audit log.
    /// A cancellation goes through [`Store::cancel_demand`], which says why.
    pub async fn move_demand(
        &self,
        id: i64,
        revision: i64,
        from: DemandState,
        to: DemandState,
        action: &str,
        by: i64,
    ) -> Result<Write<Demand>> {
        self.move_with(id, revision, from, to, action, by, None).await
    }

    /// Cancels a demand in `from` (at `revision`), keeping why; the providers who responded
    /// are told, with the reason.
    pub async fn cancel_demand(
        &self,
        id: i64,
        revision: i64,
        from: DemandState,
        why: &Cancellation,
        by: i64,
    ) -> Result<Write<Demand>> {
        self.move_with(id, revision, from, DemandState::Cancelled, "cancel", by, Some(why)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn move_with(
        &self,
        id: i64,
        revision: i64,
        from: DemandState,
        to: DemandState,
        action: &str,
        by: i64,
        why: Option<&Cancellation>,
    ) -> Result<Write<Demand>> {
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
        if let Some(why) = why {
            sqlx::query("UPDATE demands SET cancel_reason = $1, cancel_note = $2 WHERE id = $3")
                .bind(why.reason.code())
                .bind(why.note.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let org = buyer_of(&mut tx, id).await?;
        let mut moved = serde_json::json!({"from": from.code(), "to": to.code()});
        let title: String =
            sqlx::query_scalar("SELECT title FROM demands WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let mut detail = serde_json::json!({"title": title});
        if let Some(why) = why {
            for d in [&mut moved, &mut detail] {
                d["reason_code"] = serde_json::json!(why.reason.code());
                d["reason_text"] = serde_json::json!(why.note);
            }
        }
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), action, "demand", Some(id), &moved).await?;
        match to {
            DemandState::Open => {
                let invited: Vec<i64> =
                    sqlx::query_scalar("SELECT org_id FROM invitations WHERE demand_id = $1 ORDER BY org_id")
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                crate::invitations::deliver(&mut tx, id, &invited, &title).await?;
                outbox::record(&mut tx, "reputation", "upsert", &invited).await?;
            }
            DemandState::Cancelled => {
                for org in responders(&mut tx, id).await? {
                    notify(&mut tx, org, Kind::Cancelled, Some(id), None, &detail).await?;
                }
            }
            _ => {}
        }
        outbox::record_current(&mut tx, "demand", outbox::Revised::Demands, outbox::Op::Update, &[id]).await?;
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM demands WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let demand = from_row(&row)?;
        tx.commit().await?;
        Ok(Write::Done(demand))
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
        let mut winners = vec![];
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
            winners.push((e, provider, line.quantity));
        }
        let (buyer, title): (i64, String) = {
            let r = sqlx::query("SELECT org_id, title FROM demands WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            (r.try_get(0)?, r.try_get(1)?)
        };
        Store::audit_for(
            &mut tx,
            Some(buyer),
            &format!("account:{by}"),
            "award",
            "demand",
            Some(id),
            &serde_json::json!({"engagements": created}),
        )
        .await?;
        for (e, provider, quantity) in &winners {
            notify(
                &mut tx,
                *provider,
                Kind::Awarded,
                Some(id),
                Some(*e),
                &serde_json::json!({"title": title, "quantity": quantity}),
            )
            .await?;
        }
        for org in responders(&mut tx, id).await? {
            if !winners.iter().any(|(_, p, _)| *p == org) {
                notify(&mut tx, org, Kind::NotAwarded, Some(id), None, &serde_json::json!({"title": title})).await?;
            }
        }
        outbox::record_current(&mut tx, "demand", outbox::Revised::Demands, outbox::Op::Update, &[id]).await?;
        outbox::record(&mut tx, "engagement", "upsert", &created).await?;
        tx.commit().await?;
        Ok(Awarded::Done(created))
    }
}

/// The buyer organisation of a demand, inside a transaction.
async fn buyer_of(tx: &mut Tx, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT org_id FROM demands WHERE id = $1").bind(id).fetch_one(&mut **tx).await?)
}

/// The organisations with a standing (submitted) response to a demand.
async fn responders(tx: &mut Tx, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT org_id FROM responses WHERE demand_id = $1 AND state = 'submitted' ORDER BY org_id")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?)
}

/// Closes demand `id` if it is open and its deadline is at or before `now`: the state moves,
/// and the buyer is told how many responses it may now read. The clock is not an editor, so
/// the revision stays as it was. Response writes lock the same row first (see
/// `responses::lock_open`), so a revision either lands before the close or is refused.
async fn close_in(tx: &mut Tx, id: i64, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE demands SET state = 'closed', updated_at = $1 WHERE id = $2 AND state = 'open' AND deadline <= $1",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    let r = sqlx::query("SELECT org_id, title FROM demands WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    let (buyer, title): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
    let count = responders(tx, id).await?.len();
    Store::audit_for(tx, Some(buyer), "clock", "close", "demand", Some(id), &serde_json::json!({"responses": count}))
        .await?;
    outbox::record_current(tx, "demand", outbox::Revised::Demands, outbox::Op::Update, &[id]).await?;
    notify(tx, buyer, Kind::Unsealed, Some(id), None, &serde_json::json!({"title": title, "responses": count})).await?;
    Ok(true)
}

/// Which demands to list, and where a page starts.
#[derive(Debug, Clone, Default)]
pub struct DemandFilter {
    pub state: Option<DemandState>,
    pub family: Option<String>,
    pub category: Option<String>,
    /// Only ids below this (the cursor; lists run newest first).
    pub before: Option<i64>,
    /// Open demands in (or, negated, outside) a seller's line.
    pub line: Option<Line>,
}

/// A seller's line of business, as open demands are sorted by it: demands about one of
/// these categories or families, or inviting one of these organisations.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub categories: Vec<String>,
    pub families: Vec<String>,
    pub invited: Vec<i64>,
    /// The demands outside the line instead ("其他需求").
    pub outside: bool,
}

impl Store {
    /// Closes demand `id` if its deadline has passed; true if this call closed it.
    pub async fn close_if_due(&self, id: i64, now: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let closed = close_in(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// Closes up to `limit` open demands whose deadline has passed, oldest deadline first;
    /// returns their ids. The server runs this every few seconds.
    pub async fn close_due(&self, now: i64, limit: i64) -> Result<Vec<i64>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM demands WHERE state = 'open' AND deadline <= $1 ORDER BY deadline, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut closed = vec![];
        for id in due {
            if self.close_if_due(id, now).await? {
                closed.push(id);
            }
        }
        Ok(closed)
    }

    /// The demands of these (buyer) organisations, newest first.
    pub async fn demands_of(&self, orgs: &[i64], f: &DemandFilter, limit: i64) -> Result<Vec<Demand>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new(self.backend(), &format!("SELECT {COLUMNS} FROM demands d WHERE org_id IN "));
        sql.bind_list(orgs.iter().copied());
        filtered(&mut sql, f, limit);
        sql.fetch_all(self.pool()).await?.iter().map(from_row).collect()
    }

    /// Demands a provider may respond to now: open, before the deadline, and public or
    /// inviting one of `orgs`; not the providers' own. Newest first.
    pub async fn open_demands(&self, orgs: &[i64], now: i64, f: &DemandFilter, limit: i64) -> Result<Vec<Demand>> {
        let mut sql =
            Sql::new(self.backend(), &format!("SELECT {COLUMNS} FROM demands d WHERE state = 'open' AND deadline > "));
        sql.bind(now).push(" AND (visibility = 'public'");
        if !orgs.is_empty() {
            sql.push(" OR EXISTS (SELECT 1 FROM invitations i WHERE i.demand_id = d.id AND i.org_id IN ")
                .bind_list(orgs.iter().copied())
                .push(")")
                .push(") AND org_id NOT IN ")
                .bind_list(orgs.iter().copied());
        } else {
            sql.push(")");
        }
        filtered(&mut sql, f, limit);
        sql.fetch_all(self.pool()).await?.iter().map(from_row).collect()
    }

    /// How many standing responses a demand has. Counts are aggregates, not content: the
    /// callers decide who may see even this (the buyer after the deadline, officers).
    pub async fn response_count(&self, demand: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE demand_id = $1 AND state = 'submitted'")
            .bind(demand)
            .fetch_one(self.pool())
            .await?)
    }
}

fn filtered(sql: &mut Sql, f: &DemandFilter, limit: i64) {
    if let Some(s) = f.state {
        sql.push(" AND state = ").bind(s.code().to_string());
    }
    if let Some(x) = &f.family {
        sql.push(" AND family = ").bind(x.clone());
    }
    if let Some(x) = &f.category {
        sql.push(" AND category = ").bind(x.clone());
    }
    if let Some(line) = &f.line {
        sql.push(if line.outside { " AND NOT (" } else { " AND (" });
        sql.push("COALESCE(category, '') IN ")
            .bind_list(line.categories.iter().cloned().chain([String::from("\u{1}")]));
        sql.push(" OR COALESCE(family, '') IN ")
            .bind_list(line.families.iter().cloned().chain([String::from("\u{1}")]));
        if !line.invited.is_empty() {
            sql.push(" OR EXISTS (SELECT 1 FROM invitations li WHERE li.demand_id = d.id AND li.org_id IN ")
                .bind_list(line.invited.iter().copied())
                .push(")");
        }
        sql.push(")");
    }
    if let Some(b) = f.before {
        sql.push(" AND id < ").bind(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
}

impl Store {
    /// Moves a demand's deadline into the past without the state machine. Only the demo
    /// uses it, to write a history (demands already closed, awarded, rated) into a fresh
    /// demo database; no route reaches it.
    pub async fn backdate_deadline(&self, id: i64, deadline: i64) -> Result<()> {
        sqlx::query("UPDATE demands SET deadline = $1 WHERE id = $2")
            .bind(deadline)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
