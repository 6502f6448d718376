//! Who acts for which organisation: memberships with a role, claims of registered
//! organisations and their approval by a platform admin, and platform admins themselves.

use sqlx::Row;
use wujin_domain::account::Role;

use crate::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: i64,
    pub org_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub org_id: i64,
    pub org_name: String,
    pub uscc: String,
    pub status: String,
}

/// What deciding a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Approved,
    Rejected,
    /// No pending claim with that id.
    NotPending,
}

const CLAIM: &str = "SELECT c.id, c.account_id, a.login, c.org_id, g.name, g.uscc, c.status FROM claims c \
     JOIN accounts a ON a.id = c.account_id JOIN orgs g ON g.id = c.org_id";

fn claim_of(r: &sqlx::any::AnyRow) -> Result<Claim> {
    Ok(Claim {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        login: r.try_get(2)?,
        org_id: r.try_get(3)?,
        org_name: r.try_get(4)?,
        uscc: r.try_get(5)?,
        status: r.try_get(6)?,
    })
}

impl Store {
    pub async fn is_platform_admin(&self, account_id: i64) -> Result<bool> {
        let v: Option<i64> = sqlx::query_scalar("SELECT platform_admin FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(v == Some(1))
    }

    /// Whether an account is an officer of the pilot office (reads aggregates only).
    pub async fn is_officer(&self, account_id: i64) -> Result<bool> {
        let v: Option<i64> = sqlx::query_scalar("SELECT officer FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(v == Some(1))
    }

    /// Makes an account an officer of the pilot office (from the command line only).
    pub async fn make_officer(&self, account_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET officer = 1 WHERE id = $1").bind(account_id).execute(&mut *tx).await?;
        Store::audit(
            &mut tx,
            "wujin admin create",
            "make_officer",
            "account",
            Some(account_id),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes an account a platform admin (from the command line only).
    pub async fn make_platform_admin(&self, account_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET platform_admin = 1 WHERE id = $1").bind(account_id).execute(&mut *tx).await?;
        Store::audit(&mut tx, "wujin admin create", "make_admin", "account", Some(account_id), &serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn memberships(&self, account_id: i64) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.org_id, g.name, m.role FROM memberships m JOIN orgs g ON g.id = m.org_id \
             WHERE m.account_id = $1 ORDER BY m.org_id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(2)?;
                Ok(Membership {
                    org_id: r.try_get(0)?,
                    org_name: r.try_get(1)?,
                    role: Role::from_code(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("memberships.role: {role}")))?,
                })
            })
            .collect()
    }

    /// Files a claim; None when the same person already has one pending for that organisation.
    pub async fn create_claim(&self, account_id: i64, org_id: i64) -> Result<Option<Claim>> {
        let mut tx = self.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO claims (account_id, org_id, status, created_at) VALUES ($1, $2, 'pending', $3) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(account_id)
        .bind(org_id)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(None) };
        Store::audit(
            &mut tx,
            &format!("account:{account_id}"),
            "claim",
            "org",
            Some(org_id),
            &serde_json::json!({"claim": id}),
        )
        .await?;
        let row = sqlx::query(&format!("{CLAIM} WHERE c.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let claim = claim_of(&row)?;
        tx.commit().await?;
        Ok(Some(claim))
    }

    pub async fn pending_claims(&self, limit: i64) -> Result<Vec<Claim>> {
        let rows = sqlx::query(&format!("{CLAIM} WHERE c.status = 'pending' ORDER BY c.id LIMIT $1"))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(claim_of).collect()
    }

    /// Approves or rejects a pending claim in one transaction; an approved claimant becomes
    /// the organisation's owner (or keeps a stronger role they already had).
    pub async fn decide_claim(&self, claim_id: i64, approve: bool, admin_id: i64) -> Result<Decided> {
        let mut tx = self.begin().await?;
        let status = if approve { "approved" } else { "rejected" };
        let row = sqlx::query(
            "UPDATE claims SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending' \
             RETURNING account_id, org_id",
        )
        .bind(status)
        .bind(now_ms())
        .bind(admin_id)
        .bind(claim_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(Decided::NotPending) };
        let (account_id, org_id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if approve {
            sqlx::query(
                "INSERT INTO memberships (account_id, org_id, role, created_at) VALUES ($1, $2, 'owner', $3) \
                 ON CONFLICT (account_id, org_id) DO UPDATE SET role = 'owner'",
            )
            .bind(account_id)
            .bind(org_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            crate::outbox::record(&mut tx, "reputation", "upsert", &[org_id]).await?;
        }
        Store::audit(
            &mut tx,
            &format!("account:{admin_id}"),
            status,
            "claim",
            Some(claim_id),
            &serde_json::json!({"org": org_id, "account": account_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(if approve { Decided::Approved } else { Decided::Rejected })
    }
}

/// A person acting for an organisation, as its members see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
}

/// What removing a member found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    Removed,
    NotMember,
    /// An organisation keeps at least one owner.
    LastOwner,
}

impl Store {
    /// The caller's role in an organisation, if any.
    pub async fn role_of(&self, account_id: i64, org_id: i64) -> Result<Option<Role>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE account_id = $1 AND org_id = $2")
                .bind(account_id)
                .bind(org_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(role.as_deref().and_then(Role::from_code))
    }

    pub async fn members(&self, org_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT m.account_id, a.login, a.name, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id \
             WHERE m.org_id = $1 ORDER BY m.account_id",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(3)?;
                Ok(Member {
                    account_id: r.try_get(0)?,
                    login: r.try_get(1)?,
                    name: r.try_get(2)?,
                    role: Role::from_code(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("memberships.role: {role}")))?,
                })
            })
            .collect()
    }

    /// Adds a person to an organisation or changes their role, audited as done by `by`.
    pub async fn set_member(&self, org_id: i64, account_id: i64, role: Role, by: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO memberships (account_id, org_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, org_id) DO UPDATE SET role = excluded.role",
        )
        .bind(account_id)
        .bind(org_id)
        .bind(role.code())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "set_member",
            "org",
            Some(org_id),
            &serde_json::json!({"account": account_id, "role": role.code()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a person from an organisation, never its last owner.
    pub async fn remove_member(&self, org_id: i64, account_id: i64, by: i64) -> Result<Removed> {
        let mut tx = self.begin().await?;
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE account_id = $1 AND org_id = $2")
                .bind(account_id)
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(role) = role else { return Ok(Removed::NotMember) };
        if role == "owner" {
            let owners: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
                    .bind(org_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if owners <= 1 {
                return Ok(Removed::LastOwner);
            }
        }
        sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND org_id = $2")
            .bind(account_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        Store::audit(
            &mut tx,
            &format!("account:{by}"),
            "remove_member",
            "org",
            Some(org_id),
            &serde_json::json!({"account": account_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(Removed::Removed)
    }
}
