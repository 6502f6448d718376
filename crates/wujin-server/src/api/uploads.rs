//! A firm lists its catalogue from the spreadsheet it has, in two steps:
//!
//! 1. `POST /api/v1/orgs/{id}/offers/uploads`: a CSV or XLSX as `multipart/form-data`
//!    (field `file`, at most [`MAX_FILE`]; API.md's named exception). Every row is checked
//!    as `wujin import offers` checks it; nothing is written. The answer is the row report
//!    and the id under which the server holds the checked sheet.
//! 2. `POST /api/v1/orgs/{id}/offers/uploads/{upload_id}/confirm`: writes what was shown,
//!    in one transaction, all or nothing; `{"skip_invalid": true}` writes the valid rows
//!    when some were not.
//!
//! The sheet is the firm's own ([`crate::transfer::import::Firm`]): every row is put on its
//! credit code, whatever the cell says, and its external ids (货号) on the firm's namespace,
//! so no row can reach another firm's offers. Owners and admins of the firm only.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::{Lang, msg};

use super::AppState;
use super::auth::{Caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use crate::transfer::import::{self, CheckedOffers, Firm, ImportError, Options};
use crate::transfer::read;
use crate::uploads::HeldView;

/// The largest catalogue file taken.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// The body around it: the file and a few short fields with their multipart framing.
pub const MAX_UPLOAD_BODY: usize = MAX_FILE + 64 * 1024;
/// The most problems one answer lists; `problems_total` counts them all.
pub const MAX_PROBLEMS_SHOWN: usize = 500;

/// Whether `path` is a route that takes a file (the guard lets its body be larger and
/// multipart): the API's upload and the catalogue page's, and a problem's evidence.
pub fn takes_upload(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "api", "v1", "orgs", _, "offers", "uploads"] | ["", "orgs", _, "catalogue", "upload"]
    ) || super::problems::takes_evidence(path)
        || super::declarations::takes_report(path)
        || super::labs::takes_report(path)
        || super::accreditations::takes_file(path)
}

/// The multipart form a catalogue upload is sent as.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The sheet: CSV (UTF-8 or GBK) or XLSX, at most 10 MB. Its header row names the
    /// columns in Chinese or English, as the template does.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A file and the text fields that came with it.
pub struct Sent {
    pub file_name: String,
    /// The type the sender declared for the file part, if any.
    pub file_type: Option<String>,
    pub file: Bytes,
    pub fields: std::collections::HashMap<String, String>,
}

fn bad_file(lang: Lang, code: &'static str, m: wujin_domain::messages::Msg) -> ApiError {
    ApiError::bad(lang, code, "file", m)
}

/// What a multipart body that could not be read is: too large (413), or not multipart.
fn unreadable(lang: Lang, e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            lang,
            msg!("file_too_large_mb", MAX_FILE / 1024 / 1024),
        ),
        e => {
            tracing::debug!(detail = %e, "multipart body unreadable");
            bad_file(lang, "invalid_body", msg!("body_not_multipart"))
        }
    }
}

/// Reads a `multipart/form-data` body: the part named `file`, and short text fields.
pub async fn multipart(lang: Lang, headers: &HeaderMap, body: Bytes) -> Result<Sent, ApiError> {
    let unsupported = || {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", lang, msg!("body_not_multipart"))
    };
    let boundary = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(unsupported)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(MAX_UPLOAD_BODY as u64).per_field(MAX_FILE as u64));
    let mut parts = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut sent = Sent { file_name: String::new(), file_type: None, file: Bytes::new(), fields: Default::default() };
    let mut has_file = false;
    loop {
        let Some(field) = parts.next_field().await.map_err(|e| unreadable(lang, e))? else { break };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let file_type = field.content_type().map(|m| m.essence_str().chars().take(100).collect::<String>());
        let data = field.bytes().await.map_err(|e| unreadable(lang, e))?;
        if name == "file" {
            has_file = true;
            sent.file_name = file_name.unwrap_or_default().chars().take(200).collect();
            sent.file_type = file_type;
            sent.file = data;
        } else if data.len() <= 1024 && sent.fields.len() < 16 {
            sent.fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    if !has_file {
        return Err(ApiError::bad(lang, "required", "file", msg!("file_required")));
    }
    Ok(sent)
}

/// Checks a sent sheet as the firm's own catalogue, writing nothing.
pub async fn check(app: &AppState, lang: Lang, firm: &Firm, file: &[u8]) -> Result<CheckedOffers, ApiError> {
    let bytes = file.to_vec();
    let table = tokio::task::spawn_blocking(move || read::read_upload(&bytes))
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .map_err(|e| bad_file(lang, "invalid_file", e.msg()))?;
    import::check_offers(&app.store, &table, Some(firm), true).await.map_err(|e| match e {
        // The header's rules and words are the domain's (its own catalogue).
        ImportError::Header(h) => {
            ApiError { message: h.message(lang), ..bad_file(lang, "invalid_file", msg!("file_required")) }
        }
        ImportError::Read(e) => bad_file(lang, "invalid_file", e.msg()),
        ImportError::Store(e) => ApiError::internal(lang, e),
        ImportError::ProblemsFile(e) => ApiError::internal(lang, e),
    })
}

/// One thing wrong with one cell of the sheet.
#[derive(Serialize, ToSchema)]
pub struct ProblemView {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The column as the sheet names it.
    pub column: String,
    pub field: String,
    pub value: String,
    pub code: String,
    pub message: String,
}

/// What the server found in a sheet, held until it is confirmed.
#[derive(Serialize, ToSchema)]
pub struct UploadView {
    /// The id to confirm it under.
    pub id: i64,
    pub org_id: i64,
    pub file_name: String,
    /// "UTF-8", "GB18030" or "XLSX".
    pub encoding: String,
    pub rows: usize,
    pub valid: usize,
    pub bad_rows: usize,
    /// The first 500 problems, by row.
    pub problems: Vec<ProblemView>,
    pub problems_total: usize,
    /// Columns the sheet has that the catalogue does not know (ignored).
    pub unknown_columns: Vec<String>,
    /// Until when the confirm is taken (RFC 3339).
    pub expires_at: String,
}

impl UploadView {
    pub fn new(id: i64, org_id: i64, held: &HeldView, lang: Lang) -> UploadView {
        let r = &held.checked.report;
        UploadView {
            id,
            org_id,
            file_name: held.file_name.clone(),
            encoding: r.encoding.to_string(),
            rows: r.rows,
            valid: r.valid,
            bad_rows: r.bad_rows(),
            problems: r
                .problems
                .iter()
                .take(MAX_PROBLEMS_SHOWN)
                .map(|p| ProblemView {
                    row: p.row,
                    column: p.column.clone(),
                    field: p.field.to_string(),
                    value: p.value.chars().take(200).collect(),
                    code: p.code.to_string(),
                    message: p.message(lang).to_string(),
                })
                .collect(),
            problems_total: r.problems.len(),
            unknown_columns: r.unknown_columns.clone(),
            expires_at: held.expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        }
    }
}

/// The firm `org`, if the caller keeps its catalogue (owner or admin).
pub async fn firm_kept(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<Firm, ApiError> {
    let found = super::offer_writes::keeper(app, lang, me, org).await?;
    Ok(Firm { id: found.id, uscc: found.record.uscc })
}

/// Check a catalogue sheet (owners and admins of the firm). Nothing is written: the answer
/// is the row report and the id to confirm it under, held for an hour.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/offers/uploads", tag = "registry",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 413), (status = 415)))]
pub async fn upload(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let firm = firm_kept(&app, lang, &me, super::parse_id(lang, id)?).await?;
    let sent = multipart(lang, &headers, body).await?;
    let checked = check(&app, lang, &firm, &sent.file).await?;
    let upload = app.uploads.hold(firm.id, me.account_id, sent.file_name, checked);
    let held = app.uploads.get(upload, firm.id, me.account_id).ok_or_else(|| ApiError::not_found(lang))?;
    Ok((StatusCode::CREATED, Json(UploadView::new(upload, firm.id, &held, lang))).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// Write the valid rows even though some rows have problems (they are left out).
    #[serde(default)]
    pub skip_invalid: bool,
}

/// What a confirmed upload wrote.
#[derive(Serialize, ToSchema)]
pub struct WrittenView {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows left out because they had problems.
    pub skipped_rows: usize,
}

/// Write a checked sheet (the person who uploaded it). All rows or none: with problems in
/// any row it is 409 `invalid_rows` unless `skip_invalid` is sent.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/offers/uploads/{upload_id}/confirm", tag = "registry",
    request_body(content = ConfirmBody, description = "May be left out: all rows or none."),
    responses((status = 200, body = WrittenView), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn confirm(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ids: super::RawPath,
    body: Bytes,
) -> Result<Json<WrittenView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let ids = super::parse_ids(lang, ids)?;
    let (org, upload) = (ids[0], ids[1]);
    let b: ConfirmBody = super::read_optional(lang, &body)?;
    firm_kept(&app, lang, &me, org).await?;
    Ok(Json(write(&app, lang, &me.login, org, me.account_id, upload, b.skip_invalid).await?))
}

/// Writes the held upload `upload`, as [`confirm`] does; the catalogue page calls it too.
pub async fn write(
    app: &AppState,
    lang: Lang,
    actor: &str,
    org: i64,
    account: i64,
    upload: i64,
    skip_invalid: bool,
) -> Result<WrittenView, ApiError> {
    let held = app.uploads.take(upload, org, account).ok_or_else(|| ApiError {
        field: Some("upload_id".into()),
        ..ApiError::new(StatusCode::NOT_FOUND, "not_found", lang, msg!("upload_gone"))
    })?;
    let checked = held.checked.clone();
    let bad = checked.report.bad_rows();
    if bad > 0 && !skip_invalid {
        app.uploads.put_back(upload, held);
        return Err(ApiError {
            field: Some("skip_invalid".into()),
            ..ApiError::new(StatusCode::CONFLICT, "invalid_rows", lang, msg!("upload_has_problems", bad))
        });
    }
    let opts = Options { skip_invalid, quiet: true, actor: actor.to_string() };
    match import::write_offers(&app.store, &checked.records, &checked.orgs, &opts).await {
        Ok(s) => {
            Ok(WrittenView { inserted: s.inserted, updated: s.updated, unchanged: s.unchanged, skipped_rows: bad })
        }
        Err(e) => {
            app.uploads.put_back(upload, held);
            Err(ApiError::internal(lang, e))
        }
    }
}

/// The kept file `sha256` served by [`attachment`], or 404 when it is gone: what every
/// route handing out a document (evidence, a report, a certificate) ends with, once it has
/// decided the caller may read it.
pub async fn serve_kept(
    app: &super::AppState,
    lang: wujin_domain::Lang,
    sha256: &str,
    stem: &str,
) -> Result<Response, super::error::ApiError> {
    let f = app.store.file(sha256).await.map_err(|e| super::error::ApiError::internal(lang, e))?;
    let f = f.ok_or_else(|| super::error::ApiError::not_found(lang))?;
    Ok(attachment(f, stem))
}

/// A kept file (evidence, a test report) as the API serves it: an attachment named
/// `{stem}.{extension}`, of the type its content was found to be, never sniffed or run in
/// the page (`nosniff`, a sandboxing CSP), cached only by the reader's own browser.
pub fn attachment(f: wujin_store::files::StoredFile, stem: &str) -> Response {
    use axum::http::{HeaderValue, header};
    let ext = wujin_domain::evidence::FileType::from_mime(&f.mime).map(|t| t.extension()).unwrap_or("bin");
    let mut res = f.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&f.mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}
