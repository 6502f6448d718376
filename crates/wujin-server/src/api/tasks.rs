//! The pilot office's tasks: `GET`/`POST /api/v1/tasks`, `GET`/`PUT /api/v1/tasks/{id}`.
//! Officers (and platform admins) see and set every task; a firm's members see the tasks
//! whose responsible unit is their firm. Every change is audited for the responsible unit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::supervision::{MilestoneInput, PlanItem, TaskInput, TaskStatus, check_task};
use wujin_domain::{Lang, msg};
use wujin_store::tasks::{Task, TaskFilter, TaskWrite};

use super::AppState;
use super::auth::{Caller, caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;

/// A unit on the platform: a firm, a provider or a government department.
#[derive(Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct MilestoneView {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// YYYY-MM-DD.
    pub due: String,
    #[serde(default)]
    pub done: bool,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    /// The 431 plan item it serves: rd_design, consulting_standards, info_marketing,
    /// supply_procurement, vertical_chain, digital_fusion, cross_sector, structure.
    pub plan_item: String,
    pub plan_item_name: String,
    pub responsible: UnitView,
    pub owner: String,
    /// YYYY-MM-DD.
    pub due: String,
    /// Past due and neither done nor suspended.
    pub overdue: bool,
    /// not_started, in_progress, done, suspended.
    pub status: String,
    pub status_name: String,
    pub milestones: Vec<MilestoneView>,
    /// The gap it was made from (service family and town), if any.
    pub gap: Option<String>,
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A task as the office sets it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    pub plan_item: String,
    /// The responsible unit's organisation id.
    #[schema(minimum = 1)]
    pub responsible_org: i64,
    #[schema(min_length = 1, max_length = 40)]
    pub owner: String,
    /// YYYY-MM-DD.
    pub due: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub milestones: Vec<MilestoneView>,
    /// not_started (default), in_progress, done, suspended.
    pub status: Option<String>,
    /// The gap it answers ("testing @ 330784105"), if made from one.
    pub gap: Option<String>,
    /// On PUT: the revision the caller saw (or send `If-Match`).
    pub revision: Option<i64>,
}

pub(crate) fn view(lang: Lang, t: &Task) -> TaskView {
    let r = &t.record;
    TaskView {
        id: t.id,
        title: r.title.clone(),
        plan_item: r.plan_item.code().into(),
        plan_item_name: r.plan_item.name(lang).into(),
        responsible: UnitView { id: r.responsible_org, name: t.responsible_name.clone() },
        owner: r.owner.clone(),
        due: r.due.to_string(),
        overdue: t.overdue(wujin_store::ties::today()),
        status: r.status.code().into(),
        status_name: r.status.name(lang).into(),
        milestones: r
            .milestones
            .iter()
            .map(|m| MilestoneView { title: m.title.clone(), due: m.due.to_string(), done: m.done })
            .collect(),
        gap: r.gap.clone(),
        revision: t.revision,
    }
}

/// Whether the caller is an officer or a platform admin.
pub(crate) async fn is_office(app: &AppState, lang: Lang, me: &Caller) -> Result<bool, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    Ok(app.store.is_officer(me.account_id).await.map_err(internal)?
        || app.store.is_platform_admin(me.account_id).await.map_err(internal)?)
}

/// Checks a task and that its responsible unit exists.
pub(crate) async fn record(
    app: &AppState,
    lang: Lang,
    b: &TaskBody,
) -> Result<wujin_domain::supervision::TaskRecord, ApiError> {
    let input = TaskInput {
        title: &b.title,
        plan_item: &b.plan_item,
        responsible_org: b.responsible_org,
        owner: &b.owner,
        due: &b.due,
        milestones: b
            .milestones
            .iter()
            .map(|m| MilestoneInput { title: &m.title, due: &m.due, done: m.done })
            .collect(),
        status: b.status.as_deref(),
        gap: b.gap.as_deref(),
    };
    let r = check_task(&input).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    unit_exists(app, lang, r.responsible_org).await?;
    Ok(r)
}

/// 422 when the responsible unit is not on the platform.
pub(crate) async fn unit_exists(app: &AppState, lang: Lang, org: i64) -> Result<(), ApiError> {
    if app.store.org_exists(org).await.map_err(|e| ApiError::internal(lang, e))? {
        Ok(())
    } else {
        Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "unknown_org", "responsible_org", msg!("unit_unknown"))
        })
    }
}

fn filter_value<T>(
    lang: Lang,
    p: &super::params::Params,
    key: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match p.get(key).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| super::unknown(lang, key, v)),
    }
}

/// The tasks the caller may see: all of them for the office, their firms' own for others,
/// soonest due first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "office",
    params(("status" = Option<String>, Query, description = "not_started, in_progress, done or suspended"),
        ("plan_item" = Option<String>, Query, description = "a plan item code"),
        ("responsible_org" = Option<i64>, Query, minimum = 1, description = "the responsible unit")),
    responses((status = 200, body = TaskList), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<TaskList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let filter = TaskFilter {
        responsible_org: super::problems::org_param(lang, &p)?,
        among: if is_office(&app, lang, &me).await? {
            None
        } else {
            Some(super::auth::org_ids(&app, lang, &me).await?)
        },
        status: filter_value(lang, &p, "status", TaskStatus::from_code)?,
        plan_item: filter_value(lang, &p, "plan_item", PlanItem::from_code)?,
    };
    let tasks = app.store.tasks(&filter).await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<TaskView> = tasks.iter().map(|t| view(lang, t)).collect();
    let total = items.len();
    Ok(Json(TaskList { items, next_cursor: None, total }))
}

/// A task the caller may see (404 otherwise).
pub(crate) async fn visible(app: &AppState, lang: Lang, me: &Caller, id: i64) -> Result<Task, ApiError> {
    let t =
        app.store.task(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))?;
    if is_office(app, lang, me).await? || super::auth::org_ids(app, lang, me).await?.contains(&t.record.responsible_org)
    {
        Ok(t)
    } else {
        Err(ApiError::not_found(lang))
    }
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the task")),
    responses((status = 200, body = TaskView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<TaskView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    Ok(Json(view(lang, &visible(&app, lang, &me, id).await?)))
}

async fn office_writer(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let me = writer(app, lang, headers).await?;
    super::overview::officers_only(app, lang, &me).await?;
    Ok(me)
}

/// Give a unit a task (the office).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "office", request_body = TaskBody,
    responses((status = 201, body = TaskView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = office_writer(&app, lang, &headers).await?;
    let b: TaskBody = super::accounts::read(lang, &body)?;
    let r = record(&app, lang, &b).await?;
    let t = app
        .store
        .create_task(&r, &format!("account:{}", me.account_id))
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    Ok((StatusCode::CREATED, Json(view(lang, &t))).into_response())
}

/// Change a task: its terms, milestones or status (the office), against the revision seen.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "office", request_body = TaskBody,
    params(("id" = i64, Path, minimum = 1, description = "the task")),
    responses((status = 200, body = TaskView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TaskView>, ApiError> {
    let me = office_writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: TaskBody = super::accounts::read(lang, &body)?;
    let revision = match (b.revision, headers.contains_key(axum::http::header::IF_MATCH)) {
        (None, false) => None,
        _ => Some(super::revision(lang, &headers, b.revision)?),
    };
    let r = record(&app, lang, &b).await?;
    let actor = format!("account:{}", me.account_id);
    match app.store.edit_task(id, revision, &r, &actor).await.map_err(|e| ApiError::internal(lang, e))? {
        TaskWrite::Done(t) => Ok(Json(view(lang, &t))),
        TaskWrite::NotFound => Err(ApiError::not_found(lang)),
        TaskWrite::Conflict { .. } => Err(super::demands::stale(lang)),
    }
}
