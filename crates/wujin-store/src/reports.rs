//! Firms' monthly reports as stored: filed, corrected (a new revision; the old one stays as
//! history), read by the firm itself and handed whole-cluster to wujin-insight, which decides
//! what an officer may see. Every filing writes an audit row for the firm and an internal
//! `report` outbox row; reports never reach the public change feed.
//!
//! Reminders are sent by [`Store::send_report_reminders`] for the day it is given: the clock
//! job passes today, tests pass the day they need.

use std::collections::BTreeMap;

use sqlx::Row;
use time::Date;
use wujin_domain::Fen;
use wujin_domain::report::{Figures, Month, Reminder, SERVICE_FAMILIES};

use crate::inbox::{Kind, notify};
use crate::outbox::{Change, Op, record_changes};
use crate::{Result, Store, StoreError, Tx, now_ms};

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub org_id: i64,
    pub month: Month,
    pub revision: i64,
    /// Whether this is the revision that counts (the latest).
    pub current: bool,
    pub figures: Figures,
    /// Who filed it: `account:N`, `import:…`, `demo`.
    pub filed_by: String,
    pub filed_at: i64,
}

impl Report {
    /// Filed after the end of its due day (China Standard Time).
    pub fn late(&self) -> bool {
        self.filed_at >= end_of_day_ms(self.month.due())
    }
}

/// Milliseconds at the end of `day` in the cluster (UTC+8).
fn end_of_day_ms(day: Date) -> i64 {
    let next = day.next_day().unwrap_or(day);
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    next.midnight().assume_offset(offset).unix_timestamp() * 1000
}

/// What filing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    /// The month's first report.
    Created,
    /// A correction: a new revision.
    Corrected,
    /// The same figures as the current revision: nothing written.
    Unchanged,
}

fn services_json(f: &Figures) -> String {
    let map: BTreeMap<&str, i64> = SERVICE_FAMILIES
        .iter()
        .zip(f.services)
        .filter(|(_, fen)| fen.0 != 0)
        .map(|((code, _), fen)| (*code, fen.0))
        .collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn services_of(text: &str) -> [Fen; 9] {
    let map: BTreeMap<String, i64> = serde_json::from_str(text).unwrap_or_default();
    let mut out = [Fen(0); 9];
    for (i, (code, _)) in SERVICE_FAMILIES.iter().enumerate() {
        out[i] = Fen(map.get(*code).copied().unwrap_or(0));
    }
    out
}

const COLUMNS: &str =
    "id, org_id, month, revision, current, revenue, export_revenue, employees, rnd, services, filed_by, filed_at";

fn report_of(r: &sqlx::any::AnyRow) -> Result<Report> {
    let month: String = r.try_get(2)?;
    let services: String = r.try_get(9)?;
    Ok(Report {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        month: Month::parse(&month).ok_or_else(|| StoreError::Corrupt(format!("report month {month}")))?,
        revision: r.try_get(3)?,
        current: r.try_get::<i64, _>(4)? != 0,
        figures: Figures {
            revenue: Fen(r.try_get(5)?),
            export_revenue: Fen(r.try_get(6)?),
            employees: r.try_get(7)?,
            rnd: Fen(r.try_get(8)?),
            services: services_of(&services),
        },
        filed_by: r.try_get(10)?,
        filed_at: r.try_get(11)?,
    })
}

/// Files `figures` for `org` and `month` inside `tx`: the first report, a correction, or
/// nothing when the figures are those already current.
pub async fn file_in(tx: &mut Tx, org: i64, month: Month, figures: &Figures, actor: &str) -> Result<(Filed, i64)> {
    let key = month.to_string();
    let current =
        sqlx::query(&format!("SELECT {COLUMNS} FROM reports WHERE org_id = $1 AND month = $2 AND current = 1"))
            .bind(org)
            .bind(key.clone())
            .fetch_optional(&mut **tx)
            .await?;
    let current = current.as_ref().map(report_of).transpose()?;
    if let Some(c) = &current
        && c.figures == *figures
    {
        return Ok((Filed::Unchanged, c.id));
    }
    let revision = current.as_ref().map_or(1, |c| c.revision + 1);
    if let Some(c) = &current {
        sqlx::query("UPDATE reports SET current = 0 WHERE id = $1").bind(c.id).execute(&mut **tx).await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reports (org_id, month, revision, current, revenue, export_revenue, employees, rnd, services, \
         filed_by, filed_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(org)
    .bind(key.clone())
    .bind(revision)
    .bind(figures.revenue.0)
    .bind(figures.export_revenue.0)
    .bind(figures.employees)
    .bind(figures.rnd.0)
    .bind(services_json(figures))
    .bind(actor.to_string())
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    let (filed, action, op) = if current.is_some() {
        (Filed::Corrected, "correct", Op::Update)
    } else {
        (Filed::Created, "file", Op::Create)
    };
    Store::audit_for(
        tx,
        Some(org),
        actor,
        action,
        "report",
        Some(id),
        &serde_json::json!({"month": key, "revision": revision}),
    )
    .await?;
    record_changes(tx, "report", &[Change { id: org, op, revision }]).await?;
    Ok((filed, id))
}

impl Store {
    /// Files one report in its own transaction and returns what it did, with the report.
    pub async fn file_report(&self, org: i64, month: Month, figures: &Figures, actor: &str) -> Result<(Filed, Report)> {
        let mut tx = self.begin().await?;
        let (filed, id) = file_in(&mut tx, org, month, figures, actor).await?;
        tx.commit().await?;
        let r = sqlx::query(&format!("SELECT {COLUMNS} FROM reports WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok((filed, report_of(&r)?))
    }

    /// Files many reports all or nothing (an import): counts of (created, corrected, unchanged).
    pub async fn file_reports(&self, rows: &[(i64, Month, Figures)], actor: &str) -> Result<(usize, usize, usize)> {
        let mut tx = self.begin().await?;
        let mut counts = (0, 0, 0);
        for (org, month, figures) in rows {
            match file_in(&mut tx, *org, *month, figures, actor).await?.0 {
                Filed::Created => counts.0 += 1,
                Filed::Corrected => counts.1 += 1,
                Filed::Unchanged => counts.2 += 1,
            }
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Loads reports into a store that has none for these firms and months, each with the
    /// time it was filed (the demo's history): one transaction, one audit row, one outbox
    /// row per firm.
    pub async fn load_dated_reports(&self, rows: &[(i64, Month, Figures, i64)], actor: &str) -> Result<usize> {
        let mut tx = self.begin().await?;
        let mut firms: Vec<i64> = vec![];
        for (org, month, figures, at) in rows {
            sqlx::query(
                "INSERT INTO reports (org_id, month, revision, current, revenue, export_revenue, employees, rnd, \
                 services, filed_by, filed_at) VALUES ($1, $2, 1, 1, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(*org)
            .bind(month.to_string())
            .bind(figures.revenue.0)
            .bind(figures.export_revenue.0)
            .bind(figures.employees)
            .bind(figures.rnd.0)
            .bind(services_json(figures))
            .bind(actor.to_string())
            .bind(*at)
            .execute(&mut *tx)
            .await?;
            firms.push(*org);
        }
        firms.sort_unstable();
        firms.dedup();
        Store::audit(
            &mut tx,
            actor,
            "load",
            "report",
            None,
            &serde_json::json!({"reports": rows.len(), "firms": firms.len()}),
        )
        .await?;
        let changes: Vec<Change> = firms.iter().map(|&id| Change { id, op: Op::Create, revision: 1 }).collect();
        record_changes(&mut tx, "report", &changes).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// A firm's current reports, newest month first.
    pub async fn reports_of(&self, org: i64) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM reports WHERE org_id = $1 AND current = 1 ORDER BY month DESC"
        ))
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_of).collect()
    }

    /// Every revision of a firm's report for `month`, latest first.
    pub async fn report_history(&self, org: i64, month: Month) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM reports WHERE org_id = $1 AND month = $2 ORDER BY revision DESC"
        ))
        .bind(org)
        .bind(month.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_of).collect()
    }

    /// Every current report of months `from` to `to`, for the office's aggregates (which
    /// never show one of them).
    pub async fn current_reports(&self, from: Month, to: Month) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM reports WHERE current = 1 AND month >= $1 AND month <= $2 ORDER BY org_id, month"
        ))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_of).collect()
    }

    /// The latest month any firm reported, if any.
    pub async fn latest_report_month(&self) -> Result<Option<Month>> {
        let m: Option<String> =
            sqlx::query_scalar("SELECT MAX(month) FROM reports WHERE current = 1").fetch_one(self.pool()).await?;
        Ok(m.as_deref().and_then(Month::parse))
    }

    /// Sends the reminder `today` calls for (see [`Reminder::due_on`]) to every manufacturer
    /// with members that has not filed the month's report and has not had this reminder:
    /// one transaction, each firm once however often it runs. Returns how many were sent.
    pub async fn send_report_reminders(&self, today: Date) -> Result<usize> {
        let Some((month, nth)) = Reminder::due_on(today) else { return Ok(0) };
        let key = month.to_string();
        let mut tx = self.begin().await?;
        let orgs: Vec<i64> = sqlx::query_scalar(
            "SELECT o.id FROM orgs o WHERE o.kind = 'manufacturer' \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = o.id) \
             AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.org_id = o.id AND r.month = $1) \
             AND NOT EXISTS (SELECT 1 FROM report_reminders x WHERE x.org_id = o.id AND x.month = $1 AND x.nth = $2) \
             ORDER BY o.id",
        )
        .bind(key.clone())
        .bind(nth.code())
        .fetch_all(&mut *tx)
        .await?;
        let at = now_ms();
        let due = month.due().to_string();
        for &org in &orgs {
            sqlx::query("INSERT INTO report_reminders (org_id, month, nth, at) VALUES ($1, $2, $3, $4)")
                .bind(org)
                .bind(key.clone())
                .bind(nth.code())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({"month": key, "due": due, "nth": nth.code()});
            notify(&mut tx, org, Kind::ReportDue, None, None, &detail).await?;
        }
        tx.commit().await?;
        Ok(orgs.len())
    }
}
