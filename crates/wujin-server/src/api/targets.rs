//! The pilot office's targets: `GET`/`POST /api/v1/targets`, `GET`/`PUT`/`DELETE
//! /api/v1/targets/{id}`. Officers and platform admins only. A target's progress is computed
//! from the data when it is read: the metric month by month against the straight path from
//! baseline to target, and whether the latest value is on track.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::Lang;
use wujin_domain::target::check_target;
use wujin_store::targets::TargetWrite;

use super::AppState;
use super::auth::{caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use crate::targets::{Tracked, metric_name, track, unit};

/// Where a target stands.
#[derive(Clone, Serialize, ToSchema)]
pub struct ProgressView {
    /// The latest month with a value.
    pub month: String,
    pub actual: f64,
    /// The straight path's value that month.
    pub expected: f64,
    /// Share of the way from baseline to target covered, per cent.
    pub done_percent: f64,
    pub on_track: bool,
}

/// One month of a target's line.
#[derive(Clone, Serialize, ToSchema)]
pub struct TargetPoint {
    pub month: String,
    /// Null where the data do not give it (before a year of reports, or hidden by the
    /// small-cell rule, or in the future).
    pub actual: Option<f64>,
    pub expected: f64,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct SectorProgress {
    /// A pillar industry.
    pub code: String,
    pub name: String,
    /// Null where the sector's revenue is not shown.
    pub progress: Option<ProgressView>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct TargetView {
    pub id: i64,
    pub title: String,
    /// revenue, providers_per_100, service_uptake, local_ties or rnd_intensity.
    pub metric: String,
    /// The metric and its scope in words.
    pub metric_name: String,
    /// The unit of the values (亿元, %, …).
    pub unit: String,
    /// A pillar, town or service family code; null for the whole cluster.
    pub scope: Option<String>,
    pub baseline_month: String,
    pub baseline: f64,
    pub due: String,
    pub target: f64,
    pub revision: i64,
    pub progress: Option<ProgressView>,
    /// Month by month (only on `GET /targets/{id}`).
    pub series: Option<Vec<TargetPoint>>,
    /// A cluster revenue target, sector by sector (only on `GET /targets/{id}`).
    pub by_sector: Option<Vec<SectorProgress>>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetList {
    pub items: Vec<TargetView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A target as the office sets it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// revenue (亿元, last twelve months; scope a pillar or town, or none), providers_per_100
    /// (scope a service family), service_uptake (per cent; scope a family), local_ties,
    /// rnd_intensity (per cent; scope a pillar, or none).
    pub metric: String,
    pub scope: Option<String>,
    /// YYYY-MM.
    pub baseline_month: String,
    pub baseline: f64,
    /// YYYY-MM, after the baseline month.
    pub due: String,
    pub target: f64,
    /// On PUT: the revision the caller saw (or send `If-Match`).
    pub revision: Option<i64>,
}

fn progress_view(p: &wujin_insight::Progress) -> ProgressView {
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    ProgressView {
        month: p.month.to_string(),
        actual: round(p.actual),
        expected: round(p.expected),
        done_percent: (p.done_percent * 10.0).round() / 10.0,
        on_track: p.on_track,
    }
}

pub(crate) fn view(lang: Lang, t: &Tracked, full: bool) -> TargetView {
    let r = &t.target.record;
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let pillar_name = |code: &str| {
        wujin_domain::Taxonomy::get().pillars.iter().find(|p| p.code == code).map(|p| p.name(lang).to_string())
    };
    TargetView {
        id: t.target.id,
        title: r.title.clone(),
        metric: r.metric.code().into(),
        metric_name: metric_name(lang, r.metric, r.scope.as_deref()),
        unit: unit(lang, r.metric),
        scope: r.scope.clone(),
        baseline_month: r.baseline_month.to_string(),
        baseline: r.baseline,
        due: r.due.to_string(),
        target: r.target,
        revision: t.target.revision,
        progress: t.progress.as_ref().map(progress_view),
        series: full.then(|| {
            t.months
                .iter()
                .zip(&t.actual)
                .zip(&t.expected)
                .map(|((m, a), e)| TargetPoint { month: m.to_string(), actual: a.map(round), expected: round(*e) })
                .collect()
        }),
        by_sector: (full && !t.by_sector.is_empty()).then(|| {
            t.by_sector
                .iter()
                .map(|(code, p)| SectorProgress {
                    code: code.clone(),
                    name: pillar_name(code).unwrap_or_else(|| code.clone()),
                    progress: p.as_ref().map(progress_view),
                })
                .collect()
        }),
    }
}

async fn officer(app: &AppState, lang: Lang, headers: &HeaderMap, write: bool) -> Result<String, ApiError> {
    let me = if write { writer(app, lang, headers).await? } else { caller(app, lang, headers).await? };
    super::overview::officers_only(app, lang, &me).await?;
    Ok(format!("account:{}", me.account_id))
}

fn record(lang: Lang, b: &TargetBody) -> Result<wujin_domain::target::TargetRecord, ApiError> {
    check_target(&b.title, &b.metric, b.scope.as_deref(), &b.baseline_month, b.baseline, &b.due, b.target)
        .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))
}

/// Every target as the API shows it (without the month-by-month lines). Kept while the
/// store and the day stay as they were: the landing page reads them on every visit.
pub async fn all(app: &AppState, lang: Lang) -> Result<Vec<TargetView>, wujin_store::StoreError> {
    let stamp = (app.store.outbox_max_seq().await?, wujin_store::ties::today(), lang == Lang::En);
    if let Some(kept) = app.targets.get(&stamp) {
        return Ok(kept);
    }
    let mut out = vec![];
    for t in app.store.targets().await? {
        out.push(view(lang, &track(&app.store, &app.structure, t).await?, false));
    }
    app.targets.keep(stamp, out.clone());
    Ok(out)
}

/// The office's targets, soonest due first, each with where it stands.
#[utoipa::path(get, path = "/api/v1/targets", tag = "office",
    responses((status = 200, body = TargetList), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<TargetList>, ApiError> {
    officer(&app, lang, &headers, false).await?;
    let items = all(&app, lang).await.map_err(|e| ApiError::internal(lang, e))?;
    let total = items.len();
    Ok(Json(TargetList { items, next_cursor: None, total }))
}

/// One target, month by month, and for a cluster revenue target each sector against the same
/// relative ambition.
#[utoipa::path(get, path = "/api/v1/targets/{id}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the target")),
    responses((status = 200, body = TargetView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<TargetView>, ApiError> {
    officer(&app, lang, &headers, false).await?;
    let id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    let t = app.store.target(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let tracked = track(&app.store, &app.structure, t).await.map_err(internal)?;
    Ok(Json(view(lang, &tracked, true)))
}

/// Set a target.
#[utoipa::path(post, path = "/api/v1/targets", tag = "office", request_body = TargetBody,
    responses((status = 201, body = TargetView), (status = 400), (status = 401), (status = 403)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = officer(&app, lang, &headers, true).await?;
    let b: TargetBody = super::accounts::read(lang, &body)?;
    let r = record(lang, &b)?;
    let internal = |e| ApiError::internal(lang, e);
    let t = app.store.create_target(&r, &actor).await.map_err(internal)?;
    let tracked = track(&app.store, &app.structure, t).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(view(lang, &tracked, true))).into_response())
}

/// Change a target's terms, against the revision seen.
#[utoipa::path(put, path = "/api/v1/targets/{id}", tag = "office", request_body = TargetBody,
    params(("id" = i64, Path, minimum = 1, description = "the target")),
    responses((status = 200, body = TargetView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TargetView>, ApiError> {
    let actor = officer(&app, lang, &headers, true).await?;
    let id = super::parse_id(lang, id)?;
    let b: TargetBody = super::accounts::read(lang, &body)?;
    let revision = match (b.revision, headers.contains_key(axum::http::header::IF_MATCH)) {
        (None, false) => None,
        _ => Some(super::revision(lang, &headers, b.revision)?),
    };
    let r = record(lang, &b)?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.edit_target(id, revision, &r, &actor).await.map_err(internal)? {
        TargetWrite::Done(t) => {
            let tracked = track(&app.store, &app.structure, t).await.map_err(internal)?;
            Ok(Json(view(lang, &tracked, true)))
        }
        TargetWrite::NotFound => Err(ApiError::not_found(lang)),
        TargetWrite::Conflict { .. } => Err(super::demands::stale(lang)),
    }
}

/// Delete a target.
#[utoipa::path(delete, path = "/api/v1/targets/{id}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the target")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    let actor = officer(&app, lang, &headers, true).await?;
    let id = super::parse_id(lang, id)?;
    if app.store.delete_target(id, &actor).await.map_err(|e| ApiError::internal(lang, e))? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(lang))
    }
}
