//! Labs' CMA and CNAS certificates as stored, each with its document, and a platform admin's
//! check of them. A submission is one transaction with its file and audit row; a newer
//! submission of the same scheme replaces the older (kept, marked replaced). The check is one
//! transaction too: the state, the audit row and the lab's inbox notice.

use sqlx::Row;
use time::Date;
use wujin_domain::accreditation::{Accreditation, AccreditationState, Scheme};

use crate::files::{NewFile, put_file};
use crate::inbox::{Kind, notify};
use crate::{Result, Store, StoreError, now_ms};

/// A stored certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccreditation {
    pub id: i64,
    pub org_id: i64,
    pub accreditation: Accreditation,
    pub state: AccreditationState,
    /// Why a platform admin did not verify it.
    pub reason: Option<String>,
    pub file_sha256: String,
    pub file_name: String,
    pub checked_at: Option<i64>,
    pub created_at: i64,
}

const SELECT: &str = "SELECT id, org_id, scheme, number, valid_until, state, reason, file_sha256, file_name, \
     checked_at, created_at FROM accreditations";

fn of_row(r: &sqlx::any::AnyRow) -> Result<StoredAccreditation> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("accreditation {what} {v}"));
    let scheme: String = r.try_get(2)?;
    let until: Option<String> = r.try_get(4)?;
    let state: String = r.try_get(5)?;
    Ok(StoredAccreditation {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        accreditation: Accreditation {
            scheme: Scheme::from_code(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
            number: r.try_get(3)?,
            valid_until: match until {
                Some(u) => Some(wujin_domain::tie::parse_date(&u).ok_or_else(|| corrupt("date", &u))?),
                None => None,
            },
        },
        state: AccreditationState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        reason: r.try_get(6)?,
        file_sha256: r.try_get(7)?,
        file_name: r.try_get(8)?,
        checked_at: r.try_get(9)?,
        created_at: r.try_get(10)?,
    })
}

impl Store {
    /// Records a lab's certificate with its document, awaiting a platform admin's check; an
    /// earlier one of the same scheme is replaced.
    pub async fn submit_accreditation(
        &self,
        org: i64,
        a: &Accreditation,
        file: NewFile<'_>,
        by: i64,
    ) -> Result<StoredAccreditation> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE accreditations SET replaced_at = $3 WHERE org_id = $1 AND scheme = $2 AND replaced_at IS NULL",
        )
        .bind(org)
        .bind(a.scheme.code())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let sha = put_file(&mut tx, file.bytes, file.mime).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accreditations (org_id, scheme, number, valid_until, file_sha256, file_name, state, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8) RETURNING id",
        )
        .bind(org)
        .bind(a.scheme.code())
        .bind(a.number.clone())
        .bind(a.valid_until.map(|d| d.to_string()))
        .bind(sha)
        .bind(file.name.to_string())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"scheme": a.scheme.code(), "number": a.number});
        Store::audit_for(&mut tx, Some(org), &format!("account:{by}"), "submit", "accreditation", Some(id), &detail)
            .await?;
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        of_row(&row)
    }

    /// A lab's current certificates (not replaced), newest first.
    pub async fn accreditations_of(&self, org: i64) -> Result<Vec<StoredAccreditation>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE org_id = $1 AND replaced_at IS NULL ORDER BY id DESC"))
            .bind(org)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(of_row).collect()
    }

    pub async fn accreditation(&self, id: i64) -> Result<Option<StoredAccreditation>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(of_row).transpose()
    }

    /// Certificates in `state` (not replaced), oldest first: a platform admin's queue.
    pub async fn accreditations_in(&self, state: AccreditationState, limit: i64) -> Result<Vec<StoredAccreditation>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE state = $1 AND replaced_at IS NULL ORDER BY id LIMIT $2"))
            .bind(state.code())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(of_row).collect()
    }

    /// A platform admin's check: verified, or rejected with a reason. Only a certificate
    /// awaiting its check moves (false otherwise); the lab is told.
    pub async fn check_accreditation(&self, id: i64, verified: bool, reason: Option<&str>, by: i64) -> Result<bool> {
        let to = if verified { AccreditationState::Verified } else { AccreditationState::Rejected };
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE accreditations SET state = $1, reason = $2, checked_by = $3, checked_at = $4 \
             WHERE id = $5 AND state = 'submitted' AND replaced_at IS NULL",
        )
        .bind(to.code())
        .bind(reason.map(str::to_string))
        .bind(by)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let a = of_row(&row)?;
        let detail = serde_json::json!({"accreditation": id, "scheme": a.accreditation.scheme.code(),
            "number": a.accreditation.number, "state": to.code(), "reason": reason});
        Store::audit_for(
            &mut tx,
            Some(a.org_id),
            &format!("account:{by}"),
            "check",
            "accreditation",
            Some(id),
            &detail,
        )
        .await?;
        notify(&mut tx, a.org_id, Kind::Accreditation, None, None, &detail).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Which of `orgs` hold a verified certificate in force on `today`.
    pub async fn verified_labs(&self, orgs: &[i64], today: Date) -> Result<Vec<i64>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT DISTINCT org_id, valid_until FROM accreditations WHERE state = 'verified' AND replaced_at IS NULL \
             AND org_id IN ",
        );
        sql.bind_list(orgs.iter().copied());
        let rows = sql.fetch_all_as::<(i64, Option<String>), _>(self.pool()).await?;
        let today = today.to_string();
        let mut out: Vec<i64> = rows
            .into_iter()
            .filter(|(_, until)| until.as_deref().is_none_or(|u| *u >= *today))
            .map(|(o, _)| o)
            .collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}
