//! Inspections, the problems they find and each problem's road to closure (销号).
//!
//! A problem's state changes only through [`Store::act_on_problem`], which reads the state and
//! who the actor is inside the transaction that writes the change, and asks
//! wujin_domain::supervision::problem_transition whether it may happen: two officers closing
//! at once close it once, and nobody closes a problem of their own unit. Every change writes
//! a timeline entry (shown to both sides) and an audit row for the responsible unit.

use sqlx::Row;
use time::Date;
use wujin_domain::demand::Refused;
use wujin_domain::supervision::{
    Actor, DeadlineReminder, InspectionRecord, ProblemAction, ProblemRecord, ProblemState, Severity, problem_transition,
};

use crate::inbox::{Kind, notify};
use crate::tasks::date_of;
use crate::{Result, Sql, Store, StoreError, now_ms};

/// A stored inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub id: i64,
    pub record: InspectionRecord,
    pub created_by: String,
    pub problems: i64,
}

/// A stored problem, with its responsible unit's name and the latest measure taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub id: i64,
    pub record: ProblemRecord,
    pub responsible_name: String,
    pub state: ProblemState,
    pub revision: i64,
    pub raised_by: String,
    pub raised_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// Every measure taken, oldest first (整改措施).
    pub measures: Vec<String>,
}

impl Problem {
    /// Past its deadline and not closed.
    pub fn overdue(&self, today: Date) -> bool {
        self.state != ProblemState::Closed && self.record.deadline < today
    }

    /// Overdue first (most overdue first), then open before closed, then the soonest
    /// deadline, then the gravest.
    pub fn ledger_order(&self, today: Date) -> (bool, bool, Date, Severity, i64) {
        (!self.overdue(today), self.state == ProblemState::Closed, self.record.deadline, self.record.severity, self.id)
    }
}

/// One entry of a problem's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    /// raise, measure, evidence, submit, close, reopen.
    pub kind: String,
    pub text: String,
    pub file: Option<EntryFile>,
    pub by_account: i64,
    pub by_name: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntryFile {
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
}

/// Which problems to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct ProblemFilter {
    pub responsible_org: Option<i64>,
    /// Only these responsible units (a firm's members see their own).
    pub among: Option<Vec<i64>>,
    pub state: Option<ProblemState>,
    pub severity: Option<Severity>,
    pub inspection_id: Option<i64>,
    /// Only those past their deadline and not closed.
    pub overdue_on: Option<Date>,
}

pub use crate::files::NewFile;

/// What acting on a problem found.
#[derive(Debug)]
pub enum ProblemWrite {
    Done(Problem),
    NotFound,
    /// The rules refuse it (wrong state, own problem, not the office).
    Refused(Refused),
    /// The problem changed since the revision the actor saw.
    Conflict {
        current: i64,
    },
}

const COLUMNS: &str = "p.id, p.inspection_id, p.description, p.severity, p.responsible_org, p.deadline, p.state, \
     p.revision, p.raised_by, p.raised_at, p.updated_at, p.closed_at, o.name";

fn problem_of(r: &sqlx::any::AnyRow) -> Result<Problem> {
    let severity: String = r.try_get(3)?;
    let state: String = r.try_get(6)?;
    let deadline: String = r.try_get(5)?;
    Ok(Problem {
        id: r.try_get(0)?,
        record: ProblemRecord {
            description: r.try_get(2)?,
            severity: Severity::from_code(&severity)
                .ok_or_else(|| StoreError::Corrupt(format!("severity {severity}")))?,
            responsible_org: r.try_get(4)?,
            deadline: date_of(&deadline)?,
            inspection_id: r.try_get(1)?,
        },
        state: ProblemState::from_code(&state).ok_or_else(|| StoreError::Corrupt(format!("problem state {state}")))?,
        revision: r.try_get(7)?,
        raised_by: r.try_get(8)?,
        raised_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
        closed_at: r.try_get(11)?,
        responsible_name: r.try_get(12)?,
        measures: vec![],
    })
}

async fn entry(
    tx: &mut crate::Tx,
    problem: i64,
    kind: &str,
    text: &str,
    file: Option<(&str, &str)>,
    by: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO problem_entries (problem_id, kind, text, file_sha256, file_name, by_account, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(problem)
    .bind(kind.to_string())
    .bind(text.to_string())
    .bind(file.map(|f| f.0.to_string()))
    .bind(file.map(|f| f.1.to_string()))
    .bind(by)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn raise(tx: &mut crate::Tx, p: &ProblemRecord, account: i64) -> Result<i64> {
    let at = now_ms();
    let actor = format!("account:{account}");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO problems (inspection_id, description, severity, responsible_org, deadline, state, revision, \
         raised_by, raised_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', 1, $6, $7, $7) RETURNING id",
    )
    .bind(p.inspection_id)
    .bind(p.description.clone())
    .bind(p.severity.code())
    .bind(p.responsible_org)
    .bind(p.deadline.to_string())
    .bind(actor.clone())
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    entry(tx, id, "raise", &p.description, None, account).await?;
    let detail =
        serde_json::json!({"state": "open", "severity": p.severity.code(), "deadline": p.deadline.to_string()});
    Store::audit_for(tx, Some(p.responsible_org), &actor, "raise", "problem", Some(id), &detail).await?;
    let title: String = p.description.chars().take(60).collect();
    let note = serde_json::json!({"problem": id, "title": title, "deadline": p.deadline.to_string()});
    notify(tx, p.responsible_org, Kind::Supervision, None, None, &note).await?;
    Ok(id)
}

impl Store {
    /// Records an inspection with the problems it found, all in one transaction.
    pub async fn record_inspection(
        &self,
        i: &InspectionRecord,
        problems: &[ProblemRecord],
        account: i64,
    ) -> Result<(Inspection, Vec<i64>)> {
        let mut tx = self.begin().await?;
        let actor = format!("account:{account}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspections (date, inspectors, subject, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(i.date.to_string())
        .bind(i.inspectors.clone())
        .bind(i.subject.clone())
        .bind(i.note.clone())
        .bind(actor.clone())
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        Store::audit(
            &mut tx,
            &actor,
            "create",
            "inspection",
            Some(id),
            &serde_json::json!({"problems": problems.len()}),
        )
        .await?;
        let mut ids = vec![];
        for p in problems {
            ids.push(raise(&mut tx, &ProblemRecord { inspection_id: Some(id), ..p.clone() }, account).await?);
        }
        tx.commit().await?;
        let inspection = self.inspection(id).await?.ok_or(StoreError::NotFound)?;
        Ok((inspection, ids))
    }

    pub async fn inspection(&self, id: i64) -> Result<Option<Inspection>> {
        Ok(self.inspections_where(Some(id)).await?.pop())
    }

    /// Every inspection, newest first (at most 1,000).
    pub async fn inspections(&self) -> Result<Vec<Inspection>> {
        self.inspections_where(None).await
    }

    async fn inspections_where(&self, id: Option<i64>) -> Result<Vec<Inspection>> {
        let rows = sqlx::query(
            "SELECT i.id, i.date, i.inspectors, i.subject, i.note, i.created_by, \
             (SELECT COUNT(*) FROM problems p WHERE p.inspection_id = i.id) FROM inspections i \
             WHERE ($1 = 0 OR i.id = $1) ORDER BY i.date DESC, i.id DESC LIMIT 1000",
        )
        .bind(id.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let date: String = r.try_get(1)?;
                Ok(Inspection {
                    id: r.try_get(0)?,
                    record: InspectionRecord {
                        date: date_of(&date)?,
                        inspectors: r.try_get(2)?,
                        subject: r.try_get(3)?,
                        note: r.try_get(4)?,
                    },
                    created_by: r.try_get(5)?,
                    problems: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Raises one problem (outside an inspection, or added to one).
    pub async fn raise_problem(&self, p: &ProblemRecord, account: i64) -> Result<Problem> {
        let mut tx = self.begin().await?;
        let id = raise(&mut tx, p, account).await?;
        tx.commit().await?;
        self.problem(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn problem(&self, id: i64) -> Result<Option<Problem>> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM problems p JOIN orgs o ON o.id = p.responsible_org WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some(mut p) = r.as_ref().map(problem_of).transpose()? else { return Ok(None) };
        p.measures = self.measures(&[id]).await?.remove(&id).unwrap_or_default();
        Ok(Some(p))
    }

    /// The problems that match, in the ledger's order on `today`: overdue first (at most
    /// 5,000), each with its measures.
    pub async fn problems(&self, f: &ProblemFilter, today: Date) -> Result<Vec<Problem>> {
        let mut sql = Sql::new(
            self.backend,
            &format!("SELECT {COLUMNS} FROM problems p JOIN orgs o ON o.id = p.responsible_org WHERE 1 = 1"),
        );
        if let Some(org) = f.responsible_org {
            sql.push(" AND p.responsible_org = ").bind(org);
        }
        if let Some(among) = &f.among {
            sql.push(" AND ").push_in_ids("p.responsible_org", among);
        }
        if let Some(state) = f.state {
            sql.push(" AND p.state = ").bind(state.code().to_string());
        }
        if let Some(severity) = f.severity {
            sql.push(" AND p.severity = ").bind(severity.code().to_string());
        }
        if let Some(inspection) = f.inspection_id {
            sql.push(" AND p.inspection_id = ").bind(inspection);
        }
        sql.push(" ORDER BY p.id DESC LIMIT 5000");
        let rows = sql.fetch_all(self.pool()).await?;
        let mut out = rows.iter().map(problem_of).collect::<Result<Vec<_>>>()?;
        if let Some(day) = f.overdue_on {
            out.retain(|p| p.overdue(day));
        }
        out.sort_by_key(|p| p.ledger_order(today));
        let ids: Vec<i64> = out.iter().map(|p| p.id).collect();
        let mut measures = self.measures(&ids).await?;
        for p in &mut out {
            p.measures = measures.remove(&p.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// The measures taken on these problems, oldest first, by problem.
    async fn measures(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        let mut by_problem: std::collections::HashMap<i64, Vec<String>> = Default::default();
        if ids.is_empty() {
            return Ok(by_problem);
        }
        let mut sql =
            Sql::new(self.backend, "SELECT problem_id, text FROM problem_entries WHERE kind = 'measure' AND ");
        sql.push_in_ids("problem_id", ids).push(" ORDER BY problem_id, id");
        for r in &sql.fetch_all(self.pool()).await? {
            by_problem.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        Ok(by_problem)
    }

    /// A problem's timeline, oldest first.
    pub async fn problem_entries(&self, id: i64) -> Result<Vec<Entry>> {
        let rows = sqlx::query(
            "SELECT e.id, e.kind, e.text, e.file_sha256, e.file_name, f.mime, f.size, e.by_account, \
             COALESCE(a.name, ''), e.at FROM problem_entries e LEFT JOIN files f ON f.sha256 = e.file_sha256 \
             LEFT JOIN accounts a ON a.id = e.by_account WHERE e.problem_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let sha: Option<String> = r.try_get(3)?;
                let file = match sha {
                    Some(sha256) => Some(EntryFile {
                        sha256,
                        name: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                        mime: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
                        size: r.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
                    }),
                    None => None,
                };
                Ok(Entry {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    text: r.try_get(2)?,
                    file,
                    by_account: r.try_get(7)?,
                    by_name: r.try_get(8)?,
                    at: r.try_get(9)?,
                })
            })
            .collect()
    }

    /// Whether `sha256` is evidence of problem `id` (so whoever may read the problem may
    /// read the file).
    pub async fn is_evidence_of(&self, id: i64, sha256: &str) -> Result<bool> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT id FROM problem_entries WHERE problem_id = $1 AND file_sha256 = $2 LIMIT 1")
                .bind(id)
                .bind(sha256.to_string())
                .fetch_optional(self.pool())
                .await?;
        Ok(n.is_some())
    }

    /// Adds a measure taken, or evidence (text and/or a file), while the problem is being
    /// rectified or awaits verification. The responsible unit's members only; the caller
    /// checked that. A closed problem takes no more; reopen it first.
    pub async fn add_to_problem(
        &self,
        id: i64,
        kind: &str,
        text: &str,
        file: Option<NewFile<'_>>,
        account: i64,
    ) -> Result<ProblemWrite> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT state, responsible_org FROM problems WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(ProblemWrite::NotFound) };
        let (state, org): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        if state == ProblemState::Closed.code() {
            return Ok(ProblemWrite::Refused(Refused::new(
                "wrong_state",
                wujin_domain::msg!("problem_wrong_state", state, kind),
            )));
        }
        let kept = match &file {
            Some(f) => Some((crate::files::put_file(&mut tx, f.bytes, f.mime).await?, f.name.to_string())),
            None => None,
        };
        entry(&mut tx, id, kind, text, kept.as_ref().map(|(s, n)| (s.as_str(), n.as_str())), account).await?;
        sqlx::query("UPDATE problems SET revision = revision + 1, updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({"kind": kind, "file": kept.as_ref().map(|k| &k.0)});
        Store::audit_for(&mut tx, Some(org), &format!("account:{account}"), kind, "problem", Some(id), &detail).await?;
        tx.commit().await?;
        Ok(self.problem(id).await?.map(ProblemWrite::Done).unwrap_or(ProblemWrite::NotFound))
    }

    /// Submits, closes or reopens a problem, if the rules let `account` (an officer or not)
    /// do it now; `revision`, if given, must be the one stored.
    pub async fn act_on_problem(
        &self,
        id: i64,
        action: ProblemAction,
        note: &str,
        account: i64,
        officer: bool,
        revision: Option<i64>,
    ) -> Result<ProblemWrite> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT state, responsible_org, revision FROM problems WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(ProblemWrite::NotFound) };
        let (state, org, stored): (String, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if revision.is_some_and(|r| r != stored) {
            return Ok(ProblemWrite::Conflict { current: stored });
        }
        let state = ProblemState::from_code(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?;
        let member: Option<i64> =
            sqlx::query_scalar("SELECT account_id FROM memberships WHERE account_id = $1 AND org_id = $2")
                .bind(account)
                .bind(org)
                .fetch_optional(&mut *tx)
                .await?;
        let actor = Actor { officer, responsible: member.is_some() };
        let next = match problem_transition(state, action, actor) {
            Ok(s) => s,
            Err(r) => return Ok(ProblemWrite::Refused(r)),
        };
        let at = now_ms();
        sqlx::query(
            "UPDATE problems SET state = $1, revision = revision + 1, updated_at = $2, \
             closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE NULL END WHERE id = $3",
        )
        .bind(next.code())
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        entry(&mut tx, id, action.code(), note, None, account).await?;
        let detail = serde_json::json!({"from": state.code(), "to": next.code(), "note": note});
        Store::audit_for(
            &mut tx,
            Some(org),
            &format!("account:{account}"),
            action.code(),
            "problem",
            Some(id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(self.problem(id).await?.map(ProblemWrite::Done).unwrap_or(ProblemWrite::NotFound))
    }

    /// Sends today's deadline reminders: to the responsible unit of each problem still being
    /// rectified (one awaiting verification waits on the office, not on the unit), a week before its deadline, the day before and once overdue, each
    /// once per deadline however often this runs. Returns how many went.
    pub async fn send_problem_reminders(&self, today: Date) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "SELECT p.id, p.responsible_org, p.deadline, p.description FROM problems p WHERE p.state = 'open' \
             ORDER BY p.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut sent = 0;
        for r in &rows {
            let (id, org, deadline_text, description): (i64, i64, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            let Some(stage) = DeadlineReminder::due_on(date_of(&deadline_text)?, today) else { continue };
            let done: Option<String> = sqlx::query_scalar(
                "SELECT stage FROM problem_reminders WHERE problem_id = $1 AND deadline = $2 AND stage = $3",
            )
            .bind(id)
            .bind(deadline_text.clone())
            .bind(stage.code())
            .fetch_optional(&mut *tx)
            .await?;
            if done.is_some() {
                continue;
            }
            sqlx::query("INSERT INTO problem_reminders (problem_id, deadline, stage, at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(deadline_text.clone())
                .bind(stage.code())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            let title: String = description.chars().take(60).collect();
            let detail =
                serde_json::json!({"problem": id, "deadline": deadline_text, "stage": stage.code(), "title": title});
            notify(&mut tx, org, Kind::ProblemDue, None, None, &detail).await?;
            sent += 1;
        }
        tx.commit().await?;
        Ok(sent)
    }
}

impl Store {
    /// Moves a problem's deadline (into the past, say) without the rules. Only the demo uses
    /// it, to write a ledger with history (problems overdue, closed late) into a fresh demo
    /// database, and tests; no route reaches it.
    pub async fn backdate_problem(&self, id: i64, deadline: Date) -> Result<()> {
        sqlx::query("UPDATE problems SET deadline = $1 WHERE id = $2")
            .bind(deadline.to_string())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
