//! Claiming an organisation from the registry: a signed-in person names it by its credit
//! code (`POST /api/v1/claims`), a platform admin lists the pending claims and approves or
//! rejects each (`GET /api/v1/claims`, `POST /api/v1/claims/{id}/approve|reject`); the
//! approved claimant becomes the organisation's owner. Every step is audited.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::{FieldError, Lang, Uscc, msg};
use wujin_store::memberships::{Claim, Decided};

use super::AppState;
use super::auth::{caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    /// The organisation's unified social credit code.
    pub uscc: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimView {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub org_id: i64,
    pub org_name: String,
    pub uscc: String,
    /// pending, approved or rejected.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimList {
    pub items: Vec<ClaimView>,
    pub next_cursor: Option<String>,
}

fn view(c: Claim) -> ClaimView {
    ClaimView {
        id: c.id,
        account_id: c.account_id,
        login: c.login,
        org_id: c.org_id,
        org_name: c.org_name,
        uscc: c.uscc,
        status: c.status,
    }
}

/// Claim an organisation of the registry.
#[utoipa::path(post, path = "/api/v1/claims", tag = "accounts", request_body = NewClaim,
    responses((status = 201, body = ClaimView), (status = 400), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let req: NewClaim = super::accounts::read(lang, &body)?;
    let uscc = Uscc::parse(&wujin_domain::text::fold(req.uscc.trim()).to_uppercase())
        .map_err(|e| super::accounts::field_error(lang, FieldError::new("uscc", &req.uscc, "invalid_uscc", e.msg())))?;
    let internal = |e| ApiError::internal(lang, e);
    let found = app.store.org_ids_by_uscc(&[uscc.to_string()]).await.map_err(internal)?;
    let Some((org_id, _)) = found.get(uscc.as_str()) else {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "unknown_org", "uscc", msg!("uscc_not_registered"))
        });
    };
    match app.store.create_claim(me.account_id, *org_id).await.map_err(internal)? {
        Some(claim) => Ok((StatusCode::CREATED, Json(view(claim))).into_response()),
        None => Err(ApiError {
            status: StatusCode::CONFLICT,
            ..ApiError::bad(lang, "claim_pending", "uscc", msg!("claim_pending"))
        }),
    }
}

/// Pending claims (platform admins only).
#[utoipa::path(get, path = "/api/v1/claims", tag = "accounts", responses((status = 200, body = ClaimList), (status = 401), (status = 403)))]
pub async fn pending(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<ClaimList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.is_platform_admin(me.account_id).await.map_err(internal)? {
        return Err(forbidden(lang));
    }
    let claims = app.store.pending_claims(100).await.map_err(internal)?;
    Ok(Json(ClaimList { items: claims.into_iter().map(view).collect(), next_cursor: None }))
}

async fn decide(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    approve: bool,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.is_platform_admin(me.account_id).await.map_err(internal)? {
        return Err(forbidden(lang));
    }
    let id = super::parse_id(lang, id)?;
    match app.store.decide_claim(id, approve, me.account_id).await.map_err(internal)? {
        Decided::NotPending => Err(ApiError::not_found(lang)),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// Approve a pending claim: the claimant becomes the organisation's owner.
#[utoipa::path(post, path = "/api/v1/claims/{id}/approve", tag = "accounts", responses((status = 204), (status = 403), (status = 404)))]
pub async fn approve(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    decide(app, lang, headers, id, true).await
}

/// Reject a pending claim.
#[utoipa::path(post, path = "/api/v1/claims/{id}/reject", tag = "accounts", responses((status = 204), (status = 403), (status = 404)))]
pub async fn reject(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    decide(app, lang, headers, id, false).await
}
