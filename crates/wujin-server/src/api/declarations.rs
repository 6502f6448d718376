//! Declarations of conformance: `GET|POST /api/v1/offers/{id}/declarations`,
//! `GET|DELETE /api/v1/declarations/{id}` and the report's file,
//! `GET /api/v1/declarations/{id}/file`.
//!
//! Everyone reads which edition an offer declares, by which report and lab, and until when:
//! that is what a buyer compares. The report's file is the firm's: it is served to the
//! firm's own people, and to a buyer whose demand required that standard and that this firm
//! answered, after the demand's deadline (before it, who answered is sealed). Anyone else
//! gets 404, as for a thing they may not know of.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::declaration::{Lab, check_declaration};
use wujin_domain::{Lang, msg};
use wujin_store::declarations::Declaration;
use wujin_store::files::NewFile;

use super::AppState;
use super::auth::{Caller, org_ids, writer};
use super::error::ApiError;
use super::lang::ReqLang;

#[derive(Serialize, ToSchema)]
pub struct DeclarationView {
    pub id: i64,
    pub org_id: i64,
    pub offer_id: i64,
    /// The edition declared, with its year: GB/T 29606-2013.
    pub standard: String,
    pub report_no: String,
    /// The lab on the platform that issued the report, if it is one.
    pub lab_org_id: Option<i64>,
    pub lab_name: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// The last day the report counts, YYYY-MM-DD; null when it does not lapse.
    pub valid_until: Option<String>,
    /// Whether it counts today (its report has not lapsed).
    pub in_force: bool,
    /// Where the report's file is, for those who may read it.
    pub file: String,
    pub file_name: String,
    /// RFC 3339.
    pub declared_at: String,
}

impl DeclarationView {
    pub fn new(d: &Declaration) -> DeclarationView {
        DeclarationView {
            id: d.id,
            org_id: d.org_id,
            offer_id: d.offer_id,
            standard: d.declared.standard.clone(),
            report_no: d.declared.report_no.clone(),
            lab_org_id: match d.declared.lab {
                Lab::Org(id) => Some(id),
                Lab::Named(_) => None,
            },
            lab_name: d.lab_name.clone(),
            issued_on: d.declared.issued_on.to_string(),
            valid_until: d.declared.valid_until.map(|v| v.to_string()),
            in_force: d.in_force(wujin_store::ties::today()),
            file: format!("/api/v1/declarations/{}/file", d.id),
            file_name: d.file_name.clone(),
            declared_at: super::views::rfc3339(d.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationList {
    pub items: Vec<DeclarationView>,
    pub next_cursor: Option<String>,
}

/// The multipart form a declaration is sent as.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DeclarationForm {
    /// The test report: a PDF or an image (PNG, JPEG, WebP), at most 10 MB, judged by its
    /// content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The edition declared (GB/T 29606-2013; a number without its year means the edition in
    /// force). The offer must cite the standard (any edition of it).
    standard: String,
    /// The report's number (at most 60 characters).
    report_no: String,
    /// The lab that issued it, when it is on the platform; else `lab_name`.
    lab_org_id: Option<i64>,
    /// The lab's name (at most 100 characters), when it is not on the platform.
    lab_name: Option<String>,
    /// YYYY-MM-DD, not after today.
    issued_on: String,
    /// YYYY-MM-DD, the last day the report counts; leave out when it does not lapse.
    valid_until: Option<String>,
}

/// Whether `path` takes a report file (the guard lets its body be larger and multipart).
pub fn takes_report(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["", "api", "v1", "offers", _, "declarations"] | ["", "offers", _, "declare"])
}

/// The standing declarations of an offer (everyone).
#[utoipa::path(get, path = "/api/v1/offers/{id}/declarations", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the offer")),
    responses((status = 200, body = DeclarationList), (status = 400), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
) -> Result<Json<DeclarationList>, ApiError> {
    let id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    app.store.offer(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let list = app.store.declarations_of_offers(&[id]).await.map_err(internal)?;
    Ok(Json(DeclarationList { items: list.iter().map(DeclarationView::new).collect(), next_cursor: None }))
}

/// Declare that an offer meets an edition of a standard, with the test report (owners and
/// admins of its firm). A declaration of the same offer and edition replaces the one before.
#[utoipa::path(post, path = "/api/v1/offers/{id}/declarations", tag = "standards",
    request_body(content = DeclarationForm, content_type = "multipart/form-data"),
    params(("id" = i64, Path, minimum = 1, description = "the offer")),
    responses((status = 201, body = DeclarationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 413), (status = 415), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = super::parse_id(lang, id)?;
    let me = writer(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    let offer = app.store.offer(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    super::offer_writes::keeper(&app, lang, &me, offer.org_id).await?;
    let sent = super::uploads::multipart(lang, &headers, body).await?;
    let d = declare(&app, lang, &me, &offer, &sent.fields, &sent).await?;
    Ok((StatusCode::CREATED, Json(DeclarationView::new(&d))).into_response())
}

/// Checks and keeps a declaration of `offer` from its fields and file (the API's and the
/// page's form alike).
pub(crate) async fn declare(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    offer: &wujin_store::offers::Offer,
    fields: &HashMap<String, String>,
    sent: &super::uploads::Sent,
) -> Result<Declaration, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let library = app.store.library().await.map_err(internal)?;
    let today = wujin_store::ties::today();
    let d = check_declaration(&library, &offer.record.standards, fields, today)
        .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    if let Lab::Org(lab) = d.lab
        && app.store.org(lab).await.map_err(internal)?.is_none()
    {
        return Err(ApiError::bad(lang, "unknown_org", "lab_org_id", msg!("declaration_lab_unknown", lab)));
    }
    let kind = super::problems::evidence_type(lang, sent).await?;
    let name = match sent.file_name.trim() {
        "" => format!("report.{}", kind.extension()),
        n => n.to_string(),
    };
    let file = NewFile { name: &name, mime: kind.mime(), bytes: &sent.file };
    app.store.declare(offer.org_id, offer.id, &d, file, me.account_id).await.map_err(internal)
}

async fn found(app: &AppState, lang: Lang, id: super::RawId) -> Result<Declaration, ApiError> {
    let id = super::parse_id(lang, id)?;
    let d = app.store.declaration(id).await.map_err(|e| ApiError::internal(lang, e))?;
    d.filter(|d| d.withdrawn_at.is_none()).ok_or_else(|| ApiError::not_found(lang))
}

/// A standing declaration (everyone).
#[utoipa::path(get, path = "/api/v1/declarations/{id}", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the declaration")),
    responses((status = 200, body = DeclarationView), (status = 400), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
) -> Result<Json<DeclarationView>, ApiError> {
    Ok(Json(DeclarationView::new(&found(&app, lang, id).await?)))
}

/// Withdraw a declaration (owners and admins of its firm).
#[utoipa::path(delete, path = "/api/v1/declarations/{id}", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the declaration")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn withdraw(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let d = found(&app, lang, id).await?;
    super::offer_writes::keeper(&app, lang, &me, d.org_id).await?;
    match app.store.withdraw_declaration(d.id, me.account_id).await.map_err(|e| ApiError::internal(lang, e))? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found(lang)),
    }
}

/// Whether the caller may read `d`'s report: one of the firm's own people, or a buyer it
/// answered (see the module's doc).
pub(crate) async fn may_read(app: &AppState, lang: Lang, me: &Caller, d: &Declaration) -> Result<bool, ApiError> {
    let orgs = org_ids(app, lang, me).await?;
    if orgs.contains(&d.org_id) {
        return Ok(true);
    }
    app.store.buyer_may_read(d, &orgs, wujin_store::now_ms()).await.map_err(|e| ApiError::internal(lang, e))
}

/// The report's file, as it was sent, to those who may read it: served as an attachment of
/// the type its content was found to be, never sniffed or run in the page.
#[utoipa::path(get, path = "/api/v1/declarations/{id}/file", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the declaration")),
    responses((status = 200, description = "The file, of the type its content was found to be.", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/webp"))), (status = 400), (status = 401), (status = 404)))]
pub async fn file(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Response, ApiError> {
    let me = super::auth::caller(&app, lang, &headers).await?;
    let d = found(&app, lang, id).await?;
    if !may_read(&app, lang, &me, &d).await? {
        return Err(ApiError::not_found(lang));
    }
    super::uploads::serve_kept(&app, lang, &d.file_sha256, &format!("report-{}", d.id)).await
}
