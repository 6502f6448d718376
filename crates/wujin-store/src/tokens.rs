//! API tokens for integrators. The secret is never stored: only its SHA-256, looked up on
//! every request. Revoking keeps the row (and its audit trail) and stops it at once.

use sqlx::Row;

use crate::{Result, Store, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// Space-separated: read, write.
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Who a live token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub token_id: i64,
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub scopes: String,
}

impl Store {
    pub async fn create_token(&self, account_id: i64, name: &str, scopes: &str, token_hash: &str) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (account_id, name, scopes, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account_id)
        .bind(name)
        .bind(scopes)
        .bind(token_hash)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        Store::audit(
            &mut tx,
            &format!("account:{account_id}"),
            "create_token",
            "api_token",
            Some(id),
            &serde_json::json!({"scopes": scopes}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live token with this hash; marks it used.
    pub async fn token_owner(&self, token_hash: &str) -> Result<Option<TokenOwner>> {
        let row = sqlx::query(
            "SELECT t.id, t.account_id, a.login, a.name, t.scopes FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let owner = TokenOwner {
            token_id: r.try_get(0)?,
            account_id: r.try_get(1)?,
            login: r.try_get(2)?,
            name: r.try_get(3)?,
            scopes: r.try_get(4)?,
        };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(owner.token_id)
            .execute(self.pool())
            .await?;
        Ok(Some(owner))
    }

    /// The account's live tokens, newest first.
    pub async fn tokens(&self, account_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, account_id, name, scopes, created_at, last_used_at FROM api_tokens \
             WHERE account_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get(0)?,
                    account_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    scopes: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                    last_used_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Revokes one of the account's own live tokens; false when there is no such token.
    pub async fn revoke_token(&self, account_id: i64, token_id: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(token_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            Store::audit(
                &mut tx,
                &format!("account:{account_id}"),
                "revoke_token",
                "api_token",
                Some(token_id),
                &serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}
