//! Engagements after an award: each side marks the work completed, then each side rates
//! the other once (1 to 5, a short comment). Ratings are what matching will read as a
//! signal of how a firm delivers.

use sqlx::Row;

use crate::{Result, Store, now_ms, outbox};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub id: i64,
    pub demand_id: i64,
    pub buyer_org_id: i64,
    pub provider_org_id: i64,
    pub quantity: Option<i64>,
    /// active or completed.
    pub state: String,
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
            "SELECT id, demand_id, buyer_org_id, provider_org_id, quantity, state, buyer_done, provider_done FROM engagements WHERE id = $1",
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
            })
        })
        .transpose()
    }

    /// Marks one side done; the engagement is completed when both are. One statement, so
    /// two sides marking at once cannot miss each other.
    pub async fn mark_done(&self, id: i64, side: Side, by: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let set = match side {
            Side::Buyer => "buyer_done = 1, state = CASE WHEN provider_done = 1 THEN 'completed' ELSE state END",
            Side::Provider => "provider_done = 1, state = CASE WHEN buyer_done = 1 THEN 'completed' ELSE state END",
        };
        sqlx::query(&format!("UPDATE engagements SET {set} WHERE id = $1")).bind(id).execute(&mut *tx).await?;
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "complete",
            "engagement",
            Some(id),
            &serde_json::json!({"side": format!("{side:?}")}),
        )
        .await?;
        outbox::record(&mut tx, "engagement", "upsert", &[id]).await?;
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
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "rate",
            "engagement",
            Some(id),
            &serde_json::json!({"score": score}),
        )
        .await?;
        outbox::record(&mut tx, "rating", "upsert", &[of_org]).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An organisation's ratings: how many and their average (None without any).
    pub async fn rating_of(&self, org_id: i64) -> Result<(i64, Option<f64>)> {
        let row =
            sqlx::query("SELECT COUNT(*), AVG(CAST(score AS DOUBLE PRECISION)) FROM ratings WHERE of_org_id = $1")
                .bind(org_id)
                .fetch_one(self.pool())
                .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
