//! Inspections and the problems they find, to closure (督查 → 问题清单 → 整改 → 销号):
//!
//! - `GET`/`POST /api/v1/inspections`, `GET /api/v1/inspections/{id}`: the office records an
//!   inspection with the problems it found, in one transaction;
//! - `GET`/`POST /api/v1/problems`, `GET /api/v1/problems/{id}`: the ledger, overdue first;
//! - `POST /api/v1/problems/{id}/measures` (JSON) and `/evidence` (`multipart/form-data`, a
//!   PDF or image of at most 10 MB, judged by its content): the responsible unit's members;
//! - `POST /api/v1/problems/{id}/submit`: the unit reports it rectified; `/close` (销号) and
//!   `/reopen`: the office, never an officer of the responsible unit;
//! - `GET /api/v1/problems/{id}/files/{sha256}`: an evidence file, to whoever sees the problem.
//!
//! Officers see every problem; a firm's members see those of their firm, and nobody else's
//! (404, as for anything one may not know exists).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::supervision::{ProblemAction, ProblemState, Severity, check_inspection, check_problem};
use wujin_domain::{Lang, msg};
use wujin_store::problems::{Entry, Inspection, NewFile, Problem, ProblemFilter, ProblemWrite};

use super::AppState;
use super::auth::{Caller, caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::tasks::{UnitView, is_office, unit_exists};
use super::views::rfc3339;

/// The most problems one inspection records.
pub const MAX_PROBLEMS: usize = 50;

#[derive(Clone, Serialize, ToSchema)]
pub struct EvidenceFile {
    pub sha256: String,
    pub name: String,
    /// application/pdf, image/png, image/jpeg or image/webp, as the content was found to be.
    pub mime: String,
    pub size: i64,
    /// Where to read it.
    pub url: String,
}

/// One step of a problem's road to closure.
#[derive(Clone, Serialize, ToSchema)]
pub struct EntryView {
    pub id: i64,
    /// raise, measure, evidence, submit, close, reopen.
    pub kind: String,
    pub kind_name: String,
    pub text: String,
    pub file: Option<EvidenceFile>,
    /// The person who did it.
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct ProblemView {
    pub id: i64,
    pub inspection_id: Option<i64>,
    pub description: String,
    /// critical, serious, general.
    pub severity: String,
    pub severity_name: String,
    pub responsible: UnitView,
    /// The rectification deadline, YYYY-MM-DD.
    pub deadline: String,
    /// Days until the deadline; negative when past it.
    pub days_left: i64,
    /// Past its deadline and not closed.
    pub overdue: bool,
    /// open (being rectified), submitted (awaiting verification), closed (销号).
    pub state: String,
    pub state_name: String,
    /// The measures taken, oldest first.
    pub measures: Vec<String>,
    pub revision: i64,
    /// RFC 3339, UTC.
    pub raised_at: String,
    pub closed_at: Option<String>,
    /// The whole road (only on `GET /problems/{id}` and after a change).
    pub entries: Option<Vec<EntryView>>,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemList {
    pub items: Vec<ProblemView>,
    pub next_cursor: Option<String>,
    pub total: usize,
    /// How many of them are overdue.
    pub overdue: usize,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct InspectionView {
    pub id: i64,
    /// YYYY-MM-DD.
    pub date: String,
    pub inspectors: String,
    pub subject: String,
    pub note: String,
    /// How many problems it found.
    pub problems: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InspectionList {
    pub items: Vec<InspectionView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A problem as it is raised.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// critical, serious or general.
    pub severity: String,
    #[schema(minimum = 1)]
    pub responsible_org: i64,
    /// YYYY-MM-DD, today or later.
    pub deadline: String,
    /// The inspection that found it, if any.
    #[schema(minimum = 1)]
    pub inspection_id: Option<i64>,
}

/// An inspection and the problems it found.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    /// YYYY-MM-DD, not after today.
    pub date: String,
    #[schema(min_length = 1, max_length = 200)]
    pub inspectors: String,
    #[schema(min_length = 1, max_length = 100)]
    pub subject: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub problems: Vec<ProblemBody>,
}

/// A measure taken.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// A note with a state change (why it is closed or sent back), and the revision seen.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
    pub revision: Option<i64>,
}

/// The multipart form evidence is sent as.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EvidenceForm {
    /// A PDF or an image (PNG, JPEG, WebP), at most 10 MB, judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What it shows (at most 2,000 characters).
    note: Option<String>,
}

pub(crate) fn entry_kind_name(lang: Lang, kind: &str) -> String {
    crate::pages::catalogue::text(lang, &format!("problem_entry_{kind}"), &[])
}

pub(crate) fn entry_view(lang: Lang, problem: i64, e: &Entry) -> EntryView {
    EntryView {
        id: e.id,
        kind: e.kind.clone(),
        kind_name: entry_kind_name(lang, &e.kind),
        text: e.text.clone(),
        file: e.file.as_ref().map(|f| EvidenceFile {
            sha256: f.sha256.clone(),
            name: f.name.clone(),
            mime: f.mime.clone(),
            size: f.size,
            url: format!("/api/v1/problems/{problem}/files/{}", f.sha256),
        }),
        by: e.by_name.clone(),
        at: rfc3339(e.at),
    }
}

pub(crate) fn view(lang: Lang, p: &Problem, entries: Option<&[Entry]>) -> ProblemView {
    let today = wujin_store::ties::today();
    let r = &p.record;
    ProblemView {
        id: p.id,
        inspection_id: r.inspection_id,
        description: r.description.clone(),
        severity: r.severity.code().into(),
        severity_name: r.severity.name(lang).into(),
        responsible: UnitView { id: r.responsible_org, name: p.responsible_name.clone() },
        deadline: r.deadline.to_string(),
        days_left: (r.deadline - today).whole_days(),
        overdue: p.overdue(today),
        state: p.state.code().into(),
        state_name: p.state.name(lang).into(),
        measures: p.measures.clone(),
        revision: p.revision,
        raised_at: rfc3339(p.raised_at),
        closed_at: p.closed_at.map(rfc3339),
        entries: entries.map(|es| es.iter().map(|e| entry_view(lang, p.id, e)).collect()),
    }
}

fn inspection_view(i: &Inspection) -> InspectionView {
    InspectionView {
        id: i.id,
        date: i.record.date.to_string(),
        inspectors: i.record.inspectors.clone(),
        subject: i.record.subject.clone(),
        note: i.record.note.clone(),
        problems: i.problems,
    }
}

/// `responsible_org` as a query parameter: a positive id, or absent.
pub(crate) fn org_param(lang: Lang, p: &super::params::Params) -> Result<Option<i64>, ApiError> {
    org_param_named(lang, p, "responsible_org")
}

/// An organisation id as the query parameter `key`: a positive id, or absent.
pub(crate) fn org_param_named(lang: Lang, p: &super::params::Params, key: &str) -> Result<Option<i64>, ApiError> {
    match p.get(key).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ApiError::bad(lang, "invalid_id", key, msg!("id_form"))),
    }
}

/// The filter a ledger is read with: the office sees every unit, others their own.
pub(crate) async fn ledger_filter(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    p: &super::params::Params,
) -> Result<ProblemFilter, ApiError> {
    let code = |key: &'static str| p.get(key).map(str::trim).filter(|v| !v.is_empty());
    let state = match code("state") {
        None => None,
        Some(v) => Some(ProblemState::from_code(v).ok_or_else(|| super::unknown(lang, "state", v))?),
    };
    let severity = match code("severity") {
        None => None,
        Some(v) => Some(Severity::from_code(v).ok_or_else(|| super::unknown(lang, "severity", v))?),
    };
    let overdue = match code("overdue") {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => return Err(super::unknown(lang, "overdue", v)),
    };
    Ok(ProblemFilter {
        responsible_org: org_param(lang, p)?,
        among: if is_office(app, lang, me).await? { None } else { Some(super::auth::org_ids(app, lang, me).await?) },
        state,
        severity,
        inspection_id: match code("inspection_id") {
            None => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ApiError::bad(lang, "invalid_id", "inspection_id", msg!("id_form")))?,
            ),
        },
        overdue_on: overdue.then(wujin_store::ties::today),
    })
}

/// The problem ledger the caller may see, overdue first, then by deadline.
#[utoipa::path(get, path = "/api/v1/problems", tag = "office",
    params(("state" = Option<String>, Query, description = "open, submitted or closed"),
        ("severity" = Option<String>, Query, description = "critical, serious or general"),
        ("overdue" = Option<bool>, Query, description = "only those past their deadline and not closed"),
        ("inspection_id" = Option<i64>, Query, minimum = 1, description = "only those one inspection found"),
        ("responsible_org" = Option<i64>, Query, minimum = 1, description = "the responsible unit")),
    responses((status = 200, body = ProblemList), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<ProblemList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let filter = ledger_filter(&app, lang, &me, &p).await?;
    let today = wujin_store::ties::today();
    let problems = app.store.problems(&filter, today).await.map_err(|e| ApiError::internal(lang, e))?;
    let overdue = problems.iter().filter(|p| p.overdue(today)).count();
    let items: Vec<ProblemView> = problems.iter().map(|p| view(lang, p, None)).collect();
    let total = items.len();
    Ok(Json(ProblemList { items, next_cursor: None, total, overdue }))
}

/// A problem the caller may see, and whether the caller is of the office (404 otherwise).
/// Answers the problem, whether the caller is of the office, and whether they are of its
/// responsible unit.
pub(crate) async fn visible(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    id: i64,
) -> Result<(Problem, bool, bool), ApiError> {
    let p = app
        .store
        .problem(id)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .ok_or_else(|| ApiError::not_found(lang))?;
    let office = is_office(app, lang, me).await?;
    let unit = super::auth::org_ids(app, lang, me).await?.contains(&p.record.responsible_org);
    if office || unit { Ok((p, office, unit)) } else { Err(ApiError::not_found(lang)) }
}

async fn full(app: &AppState, lang: Lang, p: &Problem) -> Result<ProblemView, ApiError> {
    let entries = app.store.problem_entries(p.id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(view(lang, p, Some(&entries)))
}

#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 200, body = ProblemView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<ProblemView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let (p, _, _) = visible(&app, lang, &me, id).await?;
    Ok(Json(full(&app, lang, &p).await?))
}

async fn office_writer(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let me = writer(app, lang, headers).await?;
    super::overview::officers_only(app, lang, &me).await?;
    Ok(me)
}

async fn problem_record(
    app: &AppState,
    lang: Lang,
    b: &ProblemBody,
    inspection: Option<i64>,
) -> Result<wujin_domain::supervision::ProblemRecord, ApiError> {
    let today = wujin_store::ties::today();
    let r = check_problem(&b.description, &b.severity, b.responsible_org, &b.deadline, inspection, today)
        .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    unit_exists(app, lang, r.responsible_org).await?;
    Ok(r)
}

/// Raise a problem (the office).
#[utoipa::path(post, path = "/api/v1/problems", tag = "office", request_body = ProblemBody,
    responses((status = 201, body = ProblemView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = office_writer(&app, lang, &headers).await?;
    let b: ProblemBody = super::accounts::read(lang, &body)?;
    if let Some(i) = b.inspection_id {
        let found = app.store.inspection(i).await.map_err(|e| ApiError::internal(lang, e))?;
        if found.is_none() {
            return Err(ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ApiError::bad(lang, "unknown_inspection", "inspection_id", msg!("not_found"))
            });
        }
    }
    let r = problem_record(&app, lang, &b, b.inspection_id).await?;
    let p = app.store.raise_problem(&r, me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok((StatusCode::CREATED, Json(full(&app, lang, &p).await?)).into_response())
}

/// The office's inspections, newest first.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "office",
    responses((status = 200, body = InspectionList), (status = 401), (status = 403)))]
pub async fn inspections(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<InspectionList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let all = app.store.inspections().await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<InspectionView> = all.iter().map(inspection_view).collect();
    let total = items.len();
    Ok(Json(InspectionList { items, next_cursor: None, total }))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the inspection")),
    responses((status = 200, body = InspectionView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn inspection(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<InspectionView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let id = super::parse_id(lang, id)?;
    let i = app.store.inspection(id).await.map_err(|e| ApiError::internal(lang, e))?;
    i.map(|i| Json(inspection_view(&i))).ok_or_else(|| ApiError::not_found(lang))
}

/// Record an inspection and the problems it found, all or nothing (the office).
#[utoipa::path(post, path = "/api/v1/inspections", tag = "office", request_body = InspectionBody,
    responses((status = 201, body = InspectionView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn record_inspection(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = office_writer(&app, lang, &headers).await?;
    let b: InspectionBody = super::accounts::read(lang, &body)?;
    let today = wujin_store::ties::today();
    let i = check_inspection(&b.date, &b.inspectors, &b.subject, &b.note, today)
        .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    if b.problems.len() > MAX_PROBLEMS {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "too_many", "problems", msg!("too_many_problems", MAX_PROBLEMS))
        });
    }
    let mut problems = vec![];
    for (n, p) in b.problems.iter().enumerate() {
        let r = problem_record(&app, lang, p, None)
            .await
            .map_err(|e| ApiError { field: e.field.as_ref().map(|f| format!("/problems/{n}/{f}")), ..e })?;
        problems.push(r);
    }
    let (i, _) =
        app.store.record_inspection(&i, &problems, me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok((StatusCode::CREATED, Json(inspection_view(&i))).into_response())
}

/// A member of the problem's responsible unit, writing.
async fn unit_writer(app: &AppState, lang: Lang, headers: &HeaderMap, id: i64) -> Result<(Caller, Problem), ApiError> {
    let me = writer(app, lang, headers).await?;
    let (p, _, unit) = visible(app, lang, &me, id).await?;
    if !unit {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "not_responsible", lang, msg!("problem_unit_only")));
    }
    Ok((me, p))
}

fn written(lang: Lang, w: ProblemWrite) -> Result<Problem, ApiError> {
    match w {
        ProblemWrite::Done(p) => Ok(p),
        ProblemWrite::NotFound => Err(ApiError::not_found(lang)),
        ProblemWrite::Refused(r) => Err(super::demands::refused(lang, r)),
        ProblemWrite::Conflict { .. } => Err(super::demands::stale(lang)),
    }
}

/// Add a measure taken (the responsible unit).
#[utoipa::path(post, path = "/api/v1/problems/{id}/measures", tag = "office", request_body = MeasureBody,
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 201, body = ProblemView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn add_measure(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = super::parse_id(lang, id)?;
    let (me, _) = unit_writer(&app, lang, &headers, id).await?;
    let b: MeasureBody = super::accounts::read(lang, &body)?;
    let text = bounded_text(lang, &b.text, "text", true)?;
    let w = app.store.add_to_problem(id, "measure", &text, None, me.account_id).await;
    let p = written(lang, w.map_err(|e| ApiError::internal(lang, e))?)?;
    Ok((StatusCode::CREATED, Json(full(&app, lang, &p).await?)).into_response())
}

/// A measure or a note, trimmed: at most [`wujin_domain::supervision::MAX_TEXT`] characters,
/// and not empty where `required`; else 422 naming `field`.
fn bounded_text(lang: Lang, text: &str, field: &'static str, required: bool) -> Result<String, ApiError> {
    let t = text.trim();
    if (required && t.is_empty()) || t.chars().count() > wujin_domain::supervision::MAX_TEXT {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "out_of_range", field, msg!("measure_length", wujin_domain::supervision::MAX_TEXT))
        });
    }
    Ok(t.to_string())
}

/// Whether `path` takes an evidence file (the guard lets its body be larger and multipart).
pub fn takes_evidence(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "api", "v1", "problems", _, "evidence"] | ["", "supervision", "problems", _, "evidence"]
    )
}

/// Checks a sent evidence file by its content, against the type its name and sender declare
/// (images are decoded, off the request's thread): its type, or a 4xx naming `file`.
pub(crate) async fn evidence_type(
    lang: Lang,
    sent: &super::uploads::Sent,
) -> Result<wujin_domain::evidence::FileType, ApiError> {
    let (bytes, name, mime) = (sent.file.clone(), sent.file_name.clone(), sent.file_type.clone());
    let checked =
        tokio::task::spawn_blocking(move || wujin_domain::evidence::check_file(&bytes, &name, mime.as_deref()))
            .await
            .map_err(|e| ApiError::internal(lang, e))?;
    checked.map_err(|m| {
        let status = if m.key == "evidence_too_large" {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let (zh, en) = wujin_domain::messages::both(&m);
        ApiError {
            status,
            code: "invalid_file",
            message: if lang == Lang::En { en } else { zh },
            field: Some("file".into()),
        }
    })
}

/// Add evidence: a PDF or image, with a note (the responsible unit).
#[utoipa::path(post, path = "/api/v1/problems/{id}/evidence", tag = "office",
    request_body(content = EvidenceForm, content_type = "multipart/form-data"),
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 201, body = ProblemView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)))]
pub async fn add_evidence(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = super::parse_id(lang, id)?;
    let (me, _) = unit_writer(&app, lang, &headers, id).await?;
    let sent = super::uploads::multipart(lang, &headers, body).await?;
    let kind = evidence_type(lang, &sent).await?;
    let note = bounded_text(lang, sent.fields.get("note").map(String::as_str).unwrap_or(""), "note", false)?;
    let name = if sent.file_name.trim().is_empty() { format!("evidence.{}", kind.extension()) } else { sent.file_name };
    let file = NewFile { name: &name, mime: kind.mime(), bytes: &sent.file };
    let w = app.store.add_to_problem(id, "evidence", &note, Some(file), me.account_id).await;
    let p = written(lang, w.map_err(|e| ApiError::internal(lang, e))?)?;
    Ok((StatusCode::CREATED, Json(full(&app, lang, &p).await?)).into_response())
}

/// An evidence file, as it was sent, to whoever may see the problem. It is served as an
/// attachment of the type its content was found to be, never sniffed or run in the page.
#[utoipa::path(get, path = "/api/v1/problems/{id}/files/{sha256}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the problem"),
        ("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "the file's SHA-256")),
    responses((status = 200, description = "The file, of the type its content was found to be.", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/webp"))), (status = 400), (status = 401), (status = 404)))]
pub async fn file(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    path: super::RawPath,
) -> Result<Response, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let (id, sha) = file_path(lang, path)?;
    serve_evidence(&app, lang, &me, id, &sha).await
}

/// `{id}/files/{sha256}` read from a path.
pub(crate) fn file_path(lang: Lang, path: super::RawPath) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::bad(lang, "invalid_id", "id", msg!("id_form"));
    let axum::extract::Path(parts) = path.map_err(|_| bad())?;
    let [id, sha] = parts.as_slice() else { return Err(bad()) };
    let id = id.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ApiError::bad(lang, "invalid_id", "sha256", msg!("sha256_form")));
    }
    Ok((id, sha.clone()))
}

pub(crate) async fn serve_evidence(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    id: i64,
    sha: &str,
) -> Result<Response, ApiError> {
    visible(app, lang, me, id).await?;
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.is_evidence_of(id, sha).await.map_err(internal)? {
        return Err(ApiError::not_found(lang));
    }
    super::uploads::serve_kept(app, lang, sha, &format!("evidence-{id}-{}", &sha[..12])).await
}

async fn act(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    action: ProblemAction,
) -> Result<Json<ProblemView>, ApiError> {
    let id = super::parse_id(lang, id)?;
    let me = writer(&app, lang, &headers).await?;
    let (_, office, _) = visible(&app, lang, &me, id).await?;
    // The body may be left out, or sent as JSON null: no note, no revision check.
    let b: ActionBody = match body.trim_ascii() {
        b"" | b"null" => ActionBody::default(),
        _ => super::accounts::read(lang, &body)?,
    };
    let note = bounded_text(lang, &b.note, "note", false)?;
    let revision = match (b.revision, headers.contains_key(axum::http::header::IF_MATCH)) {
        (None, false) => None,
        _ => Some(super::revision(lang, &headers, b.revision)?),
    };
    let w = app.store.act_on_problem(id, action, &note, me.account_id, office, revision).await;
    let p = written(lang, w.map_err(|e| ApiError::internal(lang, e))?)?;
    Ok(Json(full(&app, lang, &p).await?))
}

/// Report the problem rectified (the responsible unit): it then awaits the office's check.
#[utoipa::path(post, path = "/api/v1/problems/{id}/submit", tag = "office", request_body(content = Option<ActionBody>, description = "May be left out: no note, no revision check."),
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 200, body = ProblemView), (status = 400), (status = 401), (status = 404), (status = 409)))]
pub async fn submit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<ProblemView>, ApiError> {
    act(app, lang, headers, id, body, ProblemAction::Submit).await
}

/// Verify and close the problem (销号): the office, never an officer of the responsible unit.
#[utoipa::path(post, path = "/api/v1/problems/{id}/close", tag = "office", request_body(content = Option<ActionBody>, description = "May be left out: no note, no revision check."),
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 200, body = ProblemView), (status = 400), (status = 401), (status = 404), (status = 409)))]
pub async fn close(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<ProblemView>, ApiError> {
    act(app, lang, headers, id, body, ProblemAction::Close).await
}

/// Send the problem back to rectification (the office), saying why.
#[utoipa::path(post, path = "/api/v1/problems/{id}/reopen", tag = "office", request_body(content = Option<ActionBody>, description = "May be left out: no note, no revision check."),
    params(("id" = i64, Path, minimum = 1, description = "the problem")),
    responses((status = 200, body = ProblemView), (status = 400), (status = 401), (status = 404), (status = 409)))]
pub async fn reopen(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<ProblemView>, ApiError> {
    act(app, lang, headers, id, body, ProblemAction::Reopen).await
}
