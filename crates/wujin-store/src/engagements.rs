//! Engagements after an award: each side marks the work completed, then each side rates
//! the other once (1 to 5, a short comment). Ratings are what matching will read as a
//! signal of how a firm delivers.

use sqlx::Row;

use wujin_domain::demand::{DemandState, Progress, follow_engagements};

use crate::inbox::{Kind, notify};
use crate::{Result, Store, StoreError, Tx, now_ms, outbox};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub id: i64,
    pub demand_id: i64,
    pub buyer_org_id: i64,
    pub provider_org_id: i64,
    pub quantity: Option<i64>,
    /// active or completed.
    pub state: String,
    /// The provider has started the work.
    pub started: bool,
    pub buyer_done: bool,
    pub provider_done: bool,
}

/// Which side of an engagement an organisation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buyer,
    Provider,
}

impl Store {
    pub async fn engagement(&self, id: i64) -> Result<Option<Engagement>> {
        let row = sqlx::query(
            "SELECT id, demand_id, buyer_org_id, provider_org_id, quantity, state, buyer_done, provider_done, started \
             FROM engagements WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Engagement {
                id: r.try_get(0)?,
                demand_id: r.try_get(1)?,
                buyer_org_id: r.try_get(2)?,
                provider_org_id: r.try_get(3)?,
                quantity: r.try_get(4)?,
                state: r.try_get(5)?,
                buyer_done: r.try_get::<i64, _>(6)? == 1,
                provider_done: r.try_get::<i64, _>(7)? == 1,
                started: r.try_get::<i64, _>(8)? == 1,
            })
        })
        .transpose()
    }

    /// The provider starts the work; the demand moves to in progress with its first start.
    pub async fn start(&self, id: i64, by: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE engagements SET started = 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
        let (demand, buyer, provider) = parties(&mut tx, id).await?;
        Store::audit_for(
            &mut tx,
            Some(provider),
            &format!("account:{by}"),
            "start",
            "engagement",
            Some(id),
            &serde_json::json!({"buyer": buyer}),
        )
        .await?;
        outbox::record(&mut tx, "engagement", "upsert", &[id]).await?;
        follow(&mut tx, demand, by).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The engagements of a demand, oldest first.
    pub async fn engagement_ids(&self, demand: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM engagements WHERE demand_id = $1 ORDER BY id")
            .bind(demand)
            .fetch_all(self.pool())
            .await?)
    }

    /// Marks one side done; the engagement is completed when both are. One statement, so
    /// two sides marking at once cannot miss each other. The other side hears of it.
    pub async fn mark_done(&self, id: i64, side: Side, by: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let set = match side {
            Side::Buyer => "buyer_done = 1, state = CASE WHEN provider_done = 1 THEN 'completed' ELSE state END",
            Side::Provider => "provider_done = 1, state = CASE WHEN buyer_done = 1 THEN 'completed' ELSE state END",
        };
        sqlx::query(&format!("UPDATE engagements SET {set} WHERE id = $1")).bind(id).execute(&mut *tx).await?;
        let (demand, buyer, provider) = parties(&mut tx, id).await?;
        let (mine, other) = match side {
            Side::Buyer => (buyer, provider),
            Side::Provider => (provider, buyer),
        };
        Store::audit_for(
            &mut tx,
            Some(mine),
            &format!("account:{by}"),
            "complete",
            "engagement",
            Some(id),
            &serde_json::json!({"side": format!("{side:?}")}),
        )
        .await?;
        notify(&mut tx, other, Kind::Completed, Some(demand), Some(id), &serde_json::json!({"by": mine})).await?;
        outbox::record(&mut tx, "engagement", "upsert", &[id]).await?;
        crate::ties::tie_from_engagement(&mut tx, id, &format!("account:{by}"), crate::ties::today()).await?;
        follow(&mut tx, demand, by).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a rating by one side of the other; false when that side has rated already.
    pub async fn rate(&self, id: i64, by_org: i64, of_org: i64, score: i64, comment: &str, by: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "INSERT INTO ratings (engagement_id, by_org_id, of_org_id, score, comment, at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (engagement_id, by_org_id) DO NOTHING",
        )
        .bind(id)
        .bind(by_org)
        .bind(of_org)
        .bind(score)
        .bind(comment)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        Store::audit_for(
            &mut tx,
            Some(by_org),
            &format!("account:{by}"),
            "rate",
            "engagement",
            Some(id),
            &serde_json::json!({"score": score}),
        )
        .await?;
        let (demand, _, _) = parties(&mut tx, id).await?;
        notify(
            &mut tx,
            of_org,
            Kind::Rated,
            Some(demand),
            Some(id),
            &serde_json::json!({"by": by_org, "score": score}),
        )
        .await?;
        outbox::record(&mut tx, "rating", "upsert", &[of_org]).await?;
        follow(&mut tx, demand, by).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An organisation's ratings, of engagements and of tests: how many and their average
    /// (None without any).
    pub async fn rating_of(&self, org_id: i64) -> Result<(i64, Option<f64>)> {
        let sql = format!(
            "SELECT COUNT(*), AVG(CAST(score AS DOUBLE PRECISION)) FROM ({}) g WHERE of_org_id = $1",
            crate::reputation::ALL_RATINGS
        );
        let row = sqlx::query(&sql).bind(org_id).fetch_one(self.pool()).await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

/// The demand, buyer and provider of an engagement.
async fn parties(tx: &mut Tx, id: i64) -> Result<(i64, i64, i64)> {
    let r = sqlx::query("SELECT demand_id, buyer_org_id, provider_org_id FROM engagements WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
}

/// Moves the demand to the state its engagements have reached (the rule is
/// `wujin_domain::demand::follow_engagements`), inside the transaction that moved them.
async fn follow(tx: &mut Tx, demand: i64, by: i64) -> Result<()> {
    let r = sqlx::query(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN started = 1 OR buyer_done = 1 OR provider_done = 1 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END), 0), \
         (SELECT COUNT(*) FROM ratings g JOIN engagements x ON x.id = g.engagement_id WHERE x.demand_id = $1) \
         FROM engagements e WHERE demand_id = $1",
    )
    .bind(demand)
    .fetch_one(&mut **tx)
    .await?;
    let (all, started, completed, ratings): (i64, i64, i64, i64) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    let state: String =
        sqlx::query_scalar("SELECT state FROM demands WHERE id = $1").bind(demand).fetch_one(&mut **tx).await?;
    let from = DemandState::from_code(&state).ok_or_else(|| StoreError::Corrupt(format!("demands.state: {state}")))?;
    let progress =
        Progress { started: started > 0, all_completed: all > 0 && completed == all, all_rated: ratings == 2 * all };
    let to = follow_engagements(from, progress);
    if to == from {
        return Ok(());
    }
    sqlx::query("UPDATE demands SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(to.code())
        .bind(now_ms())
        .bind(demand)
        .execute(&mut **tx)
        .await?;
    let buyer: i64 =
        sqlx::query_scalar("SELECT org_id FROM demands WHERE id = $1").bind(demand).fetch_one(&mut **tx).await?;
    Store::audit_for(
        tx,
        Some(buyer),
        &format!("account:{by}"),
        "follow",
        "demand",
        Some(demand),
        &serde_json::json!({"from": from.code(), "to": to.code()}),
    )
    .await?;
    outbox::record_current(tx, "demand", outbox::Revised::Demands, outbox::Op::Update, &[demand]).await?;
    Ok(())
}
