//! Reading the audit log. Every state change and every read of sealed content writes a row
//! in the same transaction as the change (see `Store::audit_for`); each row belongs to the
//! organisation it concerns, and that organisation reads its own rows here.

use sqlx::Row;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl Store {
    /// The audit rows of organisation `org`, newest first, below id `before` if given.
    pub async fn audit_of(&self, org: i64, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, detail FROM audit \
             WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(org)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get(6)?;
                Ok(AuditRow {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    entity: r.try_get(4)?,
                    entity_id: r.try_get(5)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }
}
