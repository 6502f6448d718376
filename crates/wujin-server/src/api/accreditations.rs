//! Labs' CMA and CNAS certificates: a lab's owners and admins submit one with its document
//! (`POST /api/v1/orgs/{id}/accreditations`, multipart); a platform admin checks it against
//! the document (`POST /api/v1/accreditations/{id}/verify` or `/reject`). Everyone sees a
//! lab's certificates and whether they were checked; the document is the lab's and the
//! platform admins' alone. A lab's in-scope test items read as verified only while it holds
//! a verified certificate in force.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::accreditation::{AccreditationState, check_accreditation};
use wujin_domain::{Lang, msg};
use wujin_store::accreditations::StoredAccreditation;
use wujin_store::files::NewFile;

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{Named, rfc3339};

#[derive(Serialize, ToSchema)]
pub struct AccreditationView {
    pub id: i64,
    pub org_id: i64,
    /// CMA or CNAS.
    pub scheme: Named,
    /// CMA: 12 digits; CNAS: L and its digits.
    pub number: String,
    /// YYYY-MM-DD, when the certificate has a last day.
    pub valid_until: Option<String>,
    /// submitted (awaiting a platform admin's check), verified or rejected.
    pub state: Named,
    /// Why it was not verified.
    pub reason: Option<String>,
    pub submitted_at: String,
    pub checked_at: Option<String>,
    /// Where the document is, for the lab's own people and platform admins.
    pub file: Option<String>,
}

impl AccreditationView {
    fn new(a: &StoredAccreditation, lang: Lang, with_file: bool) -> AccreditationView {
        let c = &a.accreditation;
        AccreditationView {
            id: a.id,
            org_id: a.org_id,
            scheme: Named { code: c.scheme.code().into(), name: c.scheme.name(lang).into() },
            number: c.number.clone(),
            valid_until: c.valid_until.map(|d| d.to_string()),
            state: Named { code: a.state.code().into(), name: a.state.name(lang).into() },
            reason: a.reason.clone(),
            submitted_at: rfc3339(a.created_at),
            checked_at: a.checked_at.map(rfc3339),
            file: with_file.then(|| format!("/api/v1/accreditations/{}/file", a.id)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccreditationList {
    pub items: Vec<AccreditationView>,
    pub next_cursor: Option<String>,
}

/// The multipart form a certificate is submitted with.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AccreditationForm {
    /// The certificate's document: a PDF or an image, at most 10 MB, judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// CMA or CNAS.
    scheme: String,
    /// CMA: 12 digits; CNAS: the laboratory number (CNAS L0390).
    number: String,
    /// YYYY-MM-DD, the certificate's last day (leave out when it has none).
    valid_until: Option<String>,
}

/// Whether `path` takes a certificate's document (the guard lets its body be larger and
/// multipart): the API's route and the lab's page form.
pub fn takes_file(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["", "api", "v1", "orgs", _, "accreditations"] | ["", "orgs", _, "accreditations"])
}

async fn is_admin(app: &AppState, lang: Lang, me: &Caller) -> Result<bool, ApiError> {
    app.store.is_platform_admin(me.account_id).await.map_err(|e| ApiError::internal(lang, e))
}

/// Submit a certificate with its document (the lab's owners and admins); it awaits a
/// platform admin's check, and replaces an earlier one of the same scheme.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/accreditations", tag = "standards",
    request_body(content = AccreditationForm, content_type = "multipart/form-data"),
    params(("id" = i64, Path, minimum = 1, description = "the lab")),
    responses((status = 201, body = AccreditationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 413), (status = 415), (status = 422)))]
pub async fn submit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = super::parse_id(lang, id)?;
    let me = writer(&app, lang, &headers).await?;
    super::offer_writes::keeper(&app, lang, &me, org).await?;
    let sent = super::uploads::multipart(lang, &headers, body).await?;
    let field = |k: &str| sent.fields.get(k).map(String::as_str).unwrap_or("");
    let a = check_accreditation(
        field("scheme"),
        field("number"),
        sent.fields.get("valid_until").map(String::as_str),
        wujin_store::ties::today(),
    )
    .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let kind = super::problems::evidence_type(lang, &sent).await?;
    let name = match sent.file_name.trim() {
        "" => format!("certificate.{}", kind.extension()),
        n => n.to_string(),
    };
    let file = NewFile { name: &name, mime: kind.mime(), bytes: &sent.file };
    let internal = |e| ApiError::internal(lang, e);
    let stored = app.store.submit_accreditation(org, &a, file, me.account_id).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(AccreditationView::new(&stored, lang, true))).into_response())
}

/// A lab's current certificates and whether each was checked (everyone; the document's link
/// for the lab's own people and platform admins).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/accreditations", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the lab")),
    responses((status = 200, body = AccreditationList), (status = 400), (status = 404)))]
pub async fn of_org(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<AccreditationList>, ApiError> {
    let org = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    app.store.org(org).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let list = app.store.accreditations_of(org).await.map_err(internal)?;
    let with_file = match caller(&app, lang, &headers).await {
        Ok(me) => reads_file(&app, lang, &me, org).await?,
        Err(_) => false,
    };
    let items = list.iter().map(|a| AccreditationView::new(a, lang, with_file)).collect();
    Ok(Json(AccreditationList { items, next_cursor: None }))
}

/// Whether `me` may read the documents of `org`'s certificates: its people and platform
/// admins.
async fn reads_file(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<bool, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    Ok(app.store.role_of(me.account_id, org).await.map_err(internal)?.is_some() || is_admin(app, lang, me).await?)
}

/// Certificates awaiting a check (platform admins), oldest first.
#[utoipa::path(get, path = "/api/v1/accreditations", tag = "standards",
    params(("state" = Option<String>, Query, description = "submitted (default), verified or rejected")),
    responses((status = 200, body = AccreditationList), (status = 400), (status = 401), (status = 403)))]
pub async fn queue(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<AccreditationList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    if !is_admin(&app, lang, &me).await? {
        return Err(forbidden(lang));
    }
    let state = match p.get("state") {
        None => AccreditationState::Submitted,
        Some(s) => AccreditationState::from_code(s).ok_or_else(|| super::unknown(lang, "state", s))?,
    };
    let list = app.store.accreditations_in(state, 200).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(AccreditationList {
        items: list.iter().map(|a| AccreditationView::new(a, lang, true)).collect(),
        next_cursor: None,
    }))
}

async fn found(app: &AppState, lang: Lang, id: super::RawId) -> Result<StoredAccreditation, ApiError> {
    let id = super::parse_id(lang, id)?;
    let a = app.store.accreditation(id).await.map_err(|e| ApiError::internal(lang, e))?;
    a.ok_or_else(|| ApiError::not_found(lang))
}

/// A certificate's document (the lab's people and platform admins; 404 to anyone else).
#[utoipa::path(get, path = "/api/v1/accreditations/{id}/file", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the certificate")),
    responses((status = 200, description = "The file, of the type its content was found to be.", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/webp"))), (status = 400), (status = 401), (status = 404)))]
pub async fn file(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Response, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let a = found(&app, lang, id).await?;
    if !reads_file(&app, lang, &me, a.org_id).await? {
        return Err(ApiError::not_found(lang));
    }
    super::uploads::serve_kept(&app, lang, &a.file_sha256, &format!("certificate-{}", a.id)).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// Why not verified (required to reject, at most 200 characters).
    pub reason: Option<String>,
}

async fn check(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    verified: bool,
) -> Result<Json<AccreditationView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    if !is_admin(&app, lang, &me).await? {
        return Err(forbidden(lang));
    }
    let a = found(&app, lang, id).await?;
    let b: CheckBody = super::read_optional(lang, &body)?;
    let reason = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::bad(lang, "too_long", "reason", msg!("text_max", 200)));
    }
    if !verified && reason.is_none() {
        return Err(ApiError::bad(lang, "required", "reason", msg!("accreditation_reason")));
    }
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.check_accreditation(a.id, verified, reason, me.account_id).await.map_err(internal)? {
        let m = msg!("accreditation_checked", a.state.name(lang));
        return Err(ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, m));
    }
    let a = app.store.accreditation(a.id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(AccreditationView::new(&a, lang, true)))
}

/// Verify a certificate against its document (platform admins): the lab's in-scope items
/// read as verified while it is in force.
#[utoipa::path(post, path = "/api/v1/accreditations/{id}/verify", tag = "standards",
    request_body(content = Option<CheckBody>, description = "Nothing is needed."),
    params(("id" = i64, Path, minimum = 1, description = "the certificate")),
    responses((status = 200, body = AccreditationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn verify(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<AccreditationView>, ApiError> {
    check(app, lang, headers, id, body, true).await
}

/// Decline to verify a certificate, saying why (platform admins); the lab may submit again.
#[utoipa::path(post, path = "/api/v1/accreditations/{id}/reject", tag = "standards", request_body = CheckBody,
    params(("id" = i64, Path, minimum = 1, description = "the certificate")),
    responses((status = 200, body = AccreditationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn reject(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<AccreditationView>, ApiError> {
    check(app, lang, headers, id, body, false).await
}
