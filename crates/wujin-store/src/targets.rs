//! The pilot office's targets as stored: created, edited (with the revision seen) and
//! deleted by officers, each change audited. Their progress is computed from the data, not
//! stored.

use sqlx::Row;
use wujin_domain::report::Month;
use wujin_domain::target::{Metric, TargetRecord};

use crate::{Result, Store, StoreError, now_ms};

/// A stored target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: i64,
    pub record: TargetRecord,
    pub revision: i64,
    pub created_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, title, metric, scope, baseline_month, baseline_milli, due, target_milli, revision, created_by, updated_at";

fn milli(v: f64) -> i64 {
    (v * 1000.0).round() as i64
}

fn target_of(r: &sqlx::any::AnyRow) -> Result<Target> {
    let metric: String = r.try_get(2)?;
    let month = |i: usize| -> Result<Month> {
        let text: String = r.try_get(i)?;
        Month::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("target month {text}")))
    };
    Ok(Target {
        id: r.try_get(0)?,
        record: TargetRecord {
            title: r.try_get(1)?,
            metric: Metric::from_code(&metric).ok_or_else(|| StoreError::Corrupt(format!("target metric {metric}")))?,
            scope: r.try_get(3)?,
            baseline_month: month(4)?,
            baseline: r.try_get::<i64, _>(5)? as f64 / 1000.0,
            due: month(6)?,
            target: r.try_get::<i64, _>(7)? as f64 / 1000.0,
        },
        revision: r.try_get(8)?,
        created_by: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

/// What an edit of a target found.
#[derive(Debug)]
pub enum TargetWrite {
    Done(Target),
    NotFound,
    /// The target changed since the revision the editor saw.
    Conflict {
        current: i64,
    },
}

impl Store {
    pub async fn create_target(&self, t: &TargetRecord, actor: &str) -> Result<Target> {
        let mut tx = self.begin().await?;
        let at = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO targets (title, metric, scope, baseline_month, baseline_milli, due, target_milli, revision, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id",
        )
        .bind(t.title.clone())
        .bind(t.metric.code())
        .bind(t.scope.clone())
        .bind(t.baseline_month.to_string())
        .bind(milli(t.baseline))
        .bind(t.due.to_string())
        .bind(milli(t.target))
        .bind(actor.to_string())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        Store::audit(&mut tx, actor, "create", "target", Some(id), &serde_json::json!({"title": t.title})).await?;
        tx.commit().await?;
        self.target(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn target(&self, id: i64) -> Result<Option<Target>> {
        let r = sqlx::query(&format!("SELECT {COLUMNS} FROM targets WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(target_of).transpose()
    }

    /// Every target, soonest due first.
    pub async fn targets(&self) -> Result<Vec<Target>> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM targets ORDER BY due, id")).fetch_all(self.pool()).await?;
        rows.iter().map(target_of).collect()
    }

    /// Replaces a target's terms when `revision` (if given) is the one stored.
    pub async fn edit_target(
        &self,
        id: i64,
        revision: Option<i64>,
        t: &TargetRecord,
        actor: &str,
    ) -> Result<TargetWrite> {
        let mut tx = self.begin().await?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT revision FROM targets WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        let Some(current) = current else { return Ok(TargetWrite::NotFound) };
        if revision.is_some_and(|r| r != current) {
            return Ok(TargetWrite::Conflict { current });
        }
        sqlx::query(
            "UPDATE targets SET title = $1, metric = $2, scope = $3, baseline_month = $4, baseline_milli = $5, due = $6, \
             target_milli = $7, revision = revision + 1, updated_at = $8 WHERE id = $9",
        )
        .bind(t.title.clone())
        .bind(t.metric.code())
        .bind(t.scope.clone())
        .bind(t.baseline_month.to_string())
        .bind(milli(t.baseline))
        .bind(t.due.to_string())
        .bind(milli(t.target))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Store::audit(&mut tx, actor, "update", "target", Some(id), &serde_json::json!({"revision": current + 1}))
            .await?;
        tx.commit().await?;
        Ok(self.target(id).await?.map(TargetWrite::Done).unwrap_or(TargetWrite::NotFound))
    }

    /// Deletes a target; whether there was one.
    pub async fn delete_target(&self, id: i64, actor: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM targets WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        if n > 0 {
            Store::audit(&mut tx, actor, "delete", "target", Some(id), &serde_json::json!({})).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Manufacturers in the registry, and organisations offering services of each family.
    pub async fn provider_density(&self) -> Result<(i64, Vec<(String, i64)>)> {
        let makers: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE kind = 'manufacturer'").fetch_one(self.pool()).await?;
        let rows = sqlx::query("SELECT grp, COUNT(DISTINCT org_id) FROM offers WHERE kind = 'service' GROUP BY grp")
            .fetch_all(self.pool())
            .await?;
        let families = rows
            .iter()
            .map(|r| Ok((r.try_get::<Option<String>, _>(0)?.unwrap_or_default(), r.try_get(1)?)))
            .collect::<Result<_>>()?;
        Ok((makers, families))
    }
}
