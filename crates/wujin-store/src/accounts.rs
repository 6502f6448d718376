//! Accounts and sessions. Each write is one statement (one transaction); lock-out is kept
//! in the account row so it holds across server restarts and several servers.

use sqlx::Row;

use crate::{Result, Store, now_ms};

/// Failed sign-ins in a row before an account is locked, and for how long.
pub const MAX_FAILED: i64 = 5;
pub const LOCK_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub password_hash: String,
    pub locked_until: i64,
    /// Someone else set the password (a one-time password from the firm's owner, or the
    /// operator's reset): its holder must choose their own at the next sign-in.
    pub must_change_password: bool,
}

/// A live session: whose it is and the token a cookie-authenticated write must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub csrf: String,
}

impl Store {
    /// Creates an account; None when the login is taken.
    pub async fn create_account(&self, login: &str, name: &str, password_hash: &str) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO accounts (login, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(login)
        .bind(name)
        .bind(password_hash)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            Store::audit(&mut tx, &format!("account:{id}"), "register", "account", Some(id), &serde_json::json!({}))
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let row = sqlx::query(
            "SELECT id, login, name, password_hash, locked_until, must_change_password FROM accounts WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Account {
                id: r.try_get(0)?,
                login: r.try_get(1)?,
                name: r.try_get(2)?,
                password_hash: r.try_get(3)?,
                locked_until: r.try_get(4)?,
                must_change_password: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .transpose()
    }

    /// Counts a failed sign-in; the fifth in a row locks the account for a while.
    pub async fn sign_in_failed(&self, account_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET \
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, \
             failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END \
             WHERE id = $1",
        )
        .bind(account_id)
        .bind(MAX_FAILED)
        .bind(now_ms() + LOCK_MS)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Starts a session (and clears the failed count).
    pub async fn create_session(&self, account_id: i64, token_hash: &str, csrf: &str, expires_at: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET failed_logins = 0 WHERE id = $1").bind(account_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session with this token hash, if any.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.account_id, a.login, a.name, s.csrf FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Session { account_id: r.try_get(0)?, login: r.try_get(1)?, name: r.try_get(2)?, csrf: r.try_get(3)? })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        Ok(())
    }

    /// Sets a new password hash and ends every other session of the account (a changed
    /// password should lock out whoever knew the old one); `keep` is the session in use.
    pub async fn set_password(&self, account_id: i64, hash: &str, keep: Option<&str>) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = 0 WHERE id = $2")
            .bind(hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        Store::audit(
            &mut tx,
            &format!("account:{account_id}"),
            "change_password",
            "account",
            Some(account_id),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a password someone else chose (`by`, as the audit names them: `cli` for the
    /// operator, `account:N` for a firm's owner giving a one-time password, `must_change`) and
    /// ends every session of the account: whoever signed in with the old password is out.
    pub async fn reset_password(
        &self,
        account_id: i64,
        hash: &str,
        must_change: bool,
        by: &str,
        org: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = 0 \
             WHERE id = $3",
        )
        .bind(hash)
        .bind(must_change as i64)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
        Store::audit_for(&mut tx, org, by, "reset_password", "account", Some(account_id), &serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
