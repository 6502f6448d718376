//! The daily sweep over firms' certificates (ISO 9001, CCC …) with a last day: owners are
//! reminded 60, 30 and 7 days ahead, and a certificate past its day lapses: its firm is
//! told, and an outbox row for the organisation makes the search index (which reads only
//! certificates in force) and the change feed follow.
//!
//! The days live on the record (`orgs.certificates`) and, copied, in `org_certificates`;
//! how far the sweep has gone lives in `certificate_notices`, keyed by the day, so that a
//! renewal starts afresh and two servers sweeping at once send each notice once.

use sqlx::Row;
use time::Date;

use crate::declarations::{REMIND_DAYS, reminder_due};
use crate::outbox::{Op, Revised, record_current};
use crate::{Result, Store, StoreError, Tx};

/// The stage a lapse moves to: past every reminder.
const LAPSED: i64 = 0;

/// One certificate the sweep looks at: (org, code, last day, the stage reached so far).
struct Due {
    org: i64,
    code: String,
    until: String,
    stage: Option<i64>,
}

fn due_of(r: &sqlx::any::AnyRow) -> Result<Due> {
    Ok(Due { org: r.try_get(0)?, code: r.try_get(1)?, until: r.try_get(2)?, stage: r.try_get(3)? })
}

fn day(v: &str) -> Result<Date> {
    wujin_domain::tie::parse_date(v).ok_or_else(|| StoreError::Corrupt(format!("certificate day {v}")))
}

const DUE: &str = "SELECT c.org_id, c.certificate, c.valid_until, n.stage FROM org_certificates c \
     LEFT JOIN certificate_notices n ON n.org_id = c.org_id AND n.certificate = c.certificate \
     AND n.valid_until = c.valid_until WHERE c.valid_until IS NOT NULL";

/// Moves the sweep's stage for one certificate to `stage` unless it is already there or
/// past it (stages fall: 60, 30, 7, then 0). True when this call moved it: the caller then
/// sends the notice, in the same transaction.
async fn advance(tx: &mut Tx, d: &Due, stage: i64) -> Result<bool> {
    let moved = sqlx::query(
        "INSERT INTO certificate_notices (org_id, certificate, valid_until, stage) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, certificate, valid_until) DO UPDATE SET stage = excluded.stage \
         WHERE certificate_notices.stage > excluded.stage",
    )
    .bind(d.org)
    .bind(d.code.clone())
    .bind(d.until.clone())
    .bind(stage)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(moved == 1)
}

impl Store {
    /// Reminds firms of certificates nearing their last day (60, 30 and 7 days ahead, each
    /// once; a sweep that missed days sends only the nearest one due), on `today`. Returns
    /// how many were sent.
    pub async fn remind_certificates(&self, today: Date) -> Result<usize> {
        let horizon = today + time::Duration::days(REMIND_DAYS[0]);
        // Only those with a reminder still to send, so that a batch is never filled by
        // certificates already told and those behind it wait no longer than a sweep.
        let ahead = |n: i64| (today + time::Duration::days(n)).to_string();
        let rows = sqlx::query(&format!(
            "{DUE} AND c.valid_until >= $1 AND c.valid_until <= $2 AND (n.stage IS NULL \
             OR (n.stage > {mid} AND c.valid_until <= $3) OR (n.stage > {last} AND c.valid_until <= $4)) \
             ORDER BY c.valid_until, c.org_id, c.certificate LIMIT 1000",
            mid = REMIND_DAYS[1],
            last = REMIND_DAYS[2],
        ))
        .bind(today.to_string())
        .bind(horizon.to_string())
        .bind(ahead(REMIND_DAYS[1]))
        .bind(ahead(REMIND_DAYS[2]))
        .fetch_all(self.pool())
        .await?;
        let mut sent = 0;
        for d in rows.iter().map(due_of) {
            let d = d?;
            let days_left = (day(&d.until)? - today).whole_days();
            let Some(stage) = reminder_due(days_left) else { continue };
            if d.stage.is_some_and(|s| s <= stage) {
                continue;
            }
            let mut tx = self.begin().await?;
            if advance(&mut tx, &d, stage).await? {
                let detail = serde_json::json!({"org": d.org, "certificate": d.code,
                    "valid_until": d.until, "stage": stage.to_string(), "days_left": days_left});
                crate::inbox::notify(&mut tx, d.org, crate::inbox::Kind::Certificate, None, None, &detail).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }

    /// Lapses the certificates whose last day was before `today`: each firm is told once per
    /// certificate and day, and its organisation's outbox row makes the index drop the
    /// certificate from its offers' signals. Returns how many lapsed.
    pub async fn lapse_certificates(&self, today: Date) -> Result<usize> {
        let rows = sqlx::query(&format!(
            "{DUE} AND c.valid_until < $1 AND (n.stage IS NULL OR n.stage > {LAPSED}) \
             ORDER BY c.org_id, c.certificate LIMIT 1000"
        ))
        .bind(today.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut tx = self.begin().await?;
        let (mut lapsed, mut orgs) = (0, vec![]);
        for d in rows.iter().map(due_of) {
            let d = d?;
            if advance(&mut tx, &d, LAPSED).await? {
                let detail = serde_json::json!({"org": d.org, "certificate": d.code, "valid_until": d.until,
                    "stage": "lapsed"});
                crate::inbox::notify(&mut tx, d.org, crate::inbox::Kind::Certificate, None, None, &detail).await?;
                orgs.push(d.org);
                lapsed += 1;
            }
        }
        orgs.sort_unstable();
        orgs.dedup();
        record_current(&mut tx, "org", Revised::Orgs, Op::Update, &orgs).await?;
        tx.commit().await?;
        Ok(lapsed)
    }

    /// The certificates of `orgs` the sweep has lapsed: (org, code, last day). The index
    /// leaves them out even on a day the record alone would still count them, so that it
    /// agrees with the notices sent.
    pub async fn lapsed_certificates(&self, orgs: &[i64]) -> Result<Vec<(i64, String, String)>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::Sql::new(
            self.backend(),
            "SELECT org_id, certificate, valid_until FROM certificate_notices WHERE stage = 0 AND org_id IN ",
        );
        sql.bind_list(orgs.iter().copied());
        Ok(sql.fetch_all_as::<(i64, String, String), _>(self.pool()).await?)
    }
}
