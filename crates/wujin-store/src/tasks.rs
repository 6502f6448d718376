//! The pilot office's tasks, as stored: created and edited by officers (with the revision
//! seen), each change audited for the responsible unit too, so the unit reads in its own
//! audit log what the office asked of it.

use sqlx::Row;
use time::Date;
use wujin_domain::supervision::{Milestone, PlanItem, TaskRecord, TaskStatus};

use crate::{Result, Sql, Store, StoreError, now_ms};

/// A stored task, with its responsible unit's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub record: TaskRecord,
    pub responsible_name: String,
    pub revision: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Task {
    /// Whether it is past due and not done.
    pub fn overdue(&self, today: Date) -> bool {
        self.record.due < today && !matches!(self.record.status, TaskStatus::Done | TaskStatus::Suspended)
    }
}

/// Which tasks to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub responsible_org: Option<i64>,
    /// Only these responsible units (a firm's members see their own).
    pub among: Option<Vec<i64>>,
    pub status: Option<TaskStatus>,
    pub plan_item: Option<PlanItem>,
}

/// What an edit of a task found.
#[derive(Debug)]
pub enum TaskWrite {
    Done(Task),
    NotFound,
    Conflict { current: i64 },
}

const COLUMNS: &str = "t.id, t.title, t.plan_item, t.responsible_org, t.owner, t.due, t.milestones, t.status, t.gap, \
     t.revision, t.created_by, t.created_at, t.updated_at, o.name";

pub(crate) fn date_of(text: &str) -> Result<Date> {
    wujin_domain::tie::parse_date(text).ok_or_else(|| StoreError::Corrupt(format!("date {text}")))
}

fn task_of(r: &sqlx::any::AnyRow) -> Result<Task> {
    let code = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
    let plan = code(2)?;
    let status = code(7)?;
    let milestones: String = r.try_get(6)?;
    Ok(Task {
        id: r.try_get(0)?,
        record: TaskRecord {
            title: r.try_get(1)?,
            plan_item: PlanItem::from_code(&plan).ok_or_else(|| StoreError::Corrupt(format!("plan item {plan}")))?,
            responsible_org: r.try_get(3)?,
            owner: r.try_get(4)?,
            due: date_of(&code(5)?)?,
            milestones: milestones_of(&milestones)?,
            status: TaskStatus::from_code(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("task status {status}")))?,
            gap: r.try_get(8)?,
        },
        revision: r.try_get(9)?,
        created_by: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
        responsible_name: r.try_get(13)?,
    })
}

/// A milestone as the `milestones` column keeps it (JSON, the date as YYYY-MM-DD).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMilestone {
    title: String,
    due: String,
    done: bool,
}

fn milestones_json(t: &TaskRecord) -> String {
    let kept: Vec<StoredMilestone> = t
        .milestones
        .iter()
        .map(|m| StoredMilestone { title: m.title.clone(), due: m.due.to_string(), done: m.done })
        .collect();
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
}

fn milestones_of(json: &str) -> Result<Vec<Milestone>> {
    let kept: Vec<StoredMilestone> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("milestones: {e}")))?;
    kept.into_iter().map(|m| Ok(Milestone { title: m.title, due: date_of(&m.due)?, done: m.done })).collect()
}

impl Store {
    /// Whether organisation `id` exists (a task or problem names its responsible unit).
    pub async fn org_exists(&self, id: i64) -> Result<bool> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1").bind(id).fetch_optional(self.pool()).await?;
        Ok(n.is_some())
    }

    /// The organisation with this exact name or credit code, if one (a form names a
    /// responsible unit as people know it).
    pub async fn org_id_named(&self, text: &str) -> Result<Option<i64>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM orgs WHERE uscc = $1 OR name = $1 ORDER BY id LIMIT 1")
                .bind(text.to_string())
                .fetch_optional(self.pool())
                .await?;
        Ok(id)
    }

    pub async fn create_task(&self, t: &TaskRecord, actor: &str) -> Result<Task> {
        let mut tx = self.begin().await?;
        let at = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (title, plan_item, responsible_org, owner, due, milestones, status, gap, revision, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id",
        )
        .bind(t.title.clone())
        .bind(t.plan_item.code())
        .bind(t.responsible_org)
        .bind(t.owner.clone())
        .bind(t.due.to_string())
        .bind(milestones_json(t))
        .bind(t.status.code())
        .bind(t.gap.clone())
        .bind(actor.to_string())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({"title": t.title, "status": t.status.code(), "gap": t.gap});
        Store::audit_for(&mut tx, Some(t.responsible_org), actor, "create", "task", Some(id), &detail).await?;
        let note = serde_json::json!({"task": id, "title": t.title, "due": t.due.to_string()});
        crate::inbox::notify(&mut tx, t.responsible_org, crate::inbox::Kind::Supervision, None, None, &note).await?;
        tx.commit().await?;
        self.task(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn task(&self, id: i64) -> Result<Option<Task>> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM tasks t JOIN orgs o ON o.id = t.responsible_org WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(task_of).transpose()
    }

    /// The tasks that match, soonest due first (at most 2,000: an office's board).
    pub async fn tasks(&self, f: &TaskFilter) -> Result<Vec<Task>> {
        let mut sql = Sql::new(
            self.backend,
            &format!("SELECT {COLUMNS} FROM tasks t JOIN orgs o ON o.id = t.responsible_org WHERE 1 = 1"),
        );
        if let Some(org) = f.responsible_org {
            sql.push(" AND t.responsible_org = ").bind(org);
        }
        if let Some(among) = &f.among {
            sql.push(" AND ").push_in_ids("t.responsible_org", among);
        }
        if let Some(status) = f.status {
            sql.push(" AND t.status = ").bind(status.code().to_string());
        }
        if let Some(plan) = f.plan_item {
            sql.push(" AND t.plan_item = ").bind(plan.code().to_string());
        }
        sql.push(" ORDER BY t.due, t.id LIMIT 2000");
        sql.fetch_all(self.pool()).await?.iter().map(task_of).collect()
    }

    /// Replaces a task's terms when `revision` (if given) is the one stored; audited with the
    /// status before and after.
    pub async fn edit_task(&self, id: i64, revision: Option<i64>, t: &TaskRecord, actor: &str) -> Result<TaskWrite> {
        let mut tx = self.begin().await?;
        let current = sqlx::query("SELECT revision, status, responsible_org FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current else { return Ok(TaskWrite::NotFound) };
        let (stored, before, old_org): (i64, String, i64) =
            (current.try_get(0)?, current.try_get(1)?, current.try_get(2)?);
        if revision.is_some_and(|r| r != stored) {
            return Ok(TaskWrite::Conflict { current: stored });
        }
        sqlx::query(
            "UPDATE tasks SET title = $1, plan_item = $2, responsible_org = $3, owner = $4, due = $5, milestones = $6, \
             status = $7, gap = $8, revision = revision + 1, updated_at = $9 WHERE id = $10",
        )
        .bind(t.title.clone())
        .bind(t.plan_item.code())
        .bind(t.responsible_org)
        .bind(t.owner.clone())
        .bind(t.due.to_string())
        .bind(milestones_json(t))
        .bind(t.status.code())
        .bind(t.gap.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"from": before, "to": t.status.code(), "title": t.title});
        Store::audit_for(&mut tx, Some(t.responsible_org), actor, "edit", "task", Some(id), &detail).await?;
        if old_org != t.responsible_org {
            Store::audit_for(&mut tx, Some(old_org), actor, "hand_over", "task", Some(id), &detail).await?;
        }
        tx.commit().await?;
        Ok(self.task(id).await?.map(TaskWrite::Done).unwrap_or(TaskWrite::NotFound))
    }
}
