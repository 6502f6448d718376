//! API tokens for integrators: `POST /api/v1/tokens` (from a browser session; the secret is
//! shown once), `GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`. Requests with
//! `Authorization: Bearer <token>` act for the token's account within its scopes and need
//! no CSRF token.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::{Via, caller, forbidden, token_hash, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use wujin_domain::msg;

const SCOPES: [&str; 2] = ["read", "write"];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for ("ERP sync"), 1 to 50 characters.
    pub name: String,
    /// read, write, or both.
    pub scopes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    /// Shown this once; only its hash is kept.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
    pub next_cursor: Option<String>,
}

/// Create a token (from a signed-in browser session).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400), (status = 401), (status = 403)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    // A token cannot mint tokens: a leaked one must not outlive its revocation.
    if matches!(me.via, Via::Token { .. }) {
        return Err(forbidden(lang));
    }
    let req: NewToken = super::accounts::read(lang, &body)?;
    let name = wujin_domain::account::check_name(&req.name).map_err(|e| super::accounts::field_error(lang, e))?;
    let mut scopes: Vec<String> = vec![];
    for s in &req.scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(super::unknown(lang, "scopes", s));
        }
        if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::bad(lang, "required", "scopes", msg!("scopes_required", "read, write")));
    }
    let secret = format!("wjt_{}", super::accounts::random_token(32).map_err(|e| ApiError::internal(lang, e))?);
    let id = app
        .store
        .create_token(me.account_id, &name, &scopes.join(" "), &token_hash(&secret))
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, name, scopes, token: secret })).into_response())
}

/// The caller's tokens, without their secrets.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, body = TokenList), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<TokenList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let tokens = app.store.tokens(me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(TokenList {
        items: tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
                created_at: t.created_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
        next_cursor: None,
    }))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", responses((status = 204), (status = 401), (status = 404)))]
pub async fn revoke(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    if app.store.revoke_token(me.account_id, id).await.map_err(|e| ApiError::internal(lang, e))? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(lang))
    }
}
