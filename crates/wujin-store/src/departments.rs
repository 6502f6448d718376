//! Government departments (经信局, 市场监管局 …): organisations of kind `government` whose
//! members are officers. A department can be a task's or a problem's responsible unit, so it
//! reads its reminders in an inbox like any firm.

use wujin_domain::OrgRecord;

use crate::orgs::upsert;
use crate::{Result, Store, StoreError, now_ms};

/// What setting up a department found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewDepartment {
    Done(i64),
    /// The registry has this credit code already.
    Exists(i64),
}

impl Store {
    /// Registers a department with `officer` as its owner, in one transaction.
    pub async fn create_department(&self, org: &OrgRecord, officer: i64) -> Result<NewDepartment> {
        if org.kind != wujin_domain::OrgKind::Government {
            return Err(StoreError::Corrupt("a department is of kind government".into()));
        }
        let mut tx = self.begin().await?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM orgs WHERE uscc = $1")
            .bind(org.uscc.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = existing {
            return Ok(NewDepartment::Exists(id));
        }
        upsert(&mut tx, std::slice::from_ref(org)).await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE uscc = $1")
            .bind(org.uscc.as_str())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO memberships (account_id, org_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
            .bind(officer)
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let actor = format!("account:{officer}");
        Store::audit_for(&mut tx, Some(id), &actor, "create", "department", Some(id), &serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(NewDepartment::Done(id))
    }

    /// Every department, by name.
    pub async fn departments(&self) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM orgs WHERE kind = 'government' ORDER BY name, id")
                .fetch_all(self.pool())
                .await?;
        Ok(rows)
    }
}
