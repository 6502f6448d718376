//! Who is calling: the session behind the request's cookie or the API token in its
//! `Authorization: Bearer` header, and the check every write passes — the CSRF token for a
//! cookie, the `write` scope for a token. One place, so no route can forget either.

use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use wujin_domain::{Lang, msg};

use super::AppState;
use super::error::ApiError;

pub const COOKIE_NAME: &str = "wujin_session";

/// The SHA-256 of a session token, as the store keeps it.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The session token from the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE_NAME)?.strip_prefix('=').map(str::to_string))
}

pub fn not_signed_in(lang: Lang) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", lang, msg!("sign_in_first"))
}

pub fn forbidden(lang: Lang) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", lang, msg!("forbidden"))
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session; writes must echo this CSRF token.
    Cookie { csrf: String },
    /// An integrator's token with its scopes (read, write).
    Token { scopes: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub via: Via,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The signed-in caller, or 401.
pub async fn caller(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    if let Some(token) = bearer(headers) {
        let owner = app.store.token_owner(&token_hash(token)).await.map_err(internal)?;
        let owner = owner.ok_or_else(|| ApiError { code: "invalid_token", ..not_signed_in(lang) })?;
        return Ok(Caller {
            account_id: owner.account_id,
            login: owner.login,
            name: owner.name,
            via: Via::Token { scopes: owner.scopes.split_whitespace().map(str::to_string).collect() },
        });
    }
    let token = session_token(headers).ok_or_else(|| not_signed_in(lang))?;
    let s = app.store.session(&token_hash(&token)).await.map_err(internal)?.ok_or_else(|| not_signed_in(lang))?;
    Ok(Caller { account_id: s.account_id, login: s.login, name: s.name, via: Via::Cookie { csrf: s.csrf } })
}

/// The signed-in caller of a write: a cookie session with its CSRF token in
/// `x-csrf-token` (else 403 `csrf`), or a token with the `write` scope (else 403 `scope`).
pub async fn writer(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let c = caller(app, lang, headers).await?;
    match &c.via {
        Via::Cookie { csrf } => {
            let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if sent.is_empty() || sent != csrf {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", lang, msg!("csrf", "x-csrf-token")));
            }
        }
        Via::Token { scopes } if !scopes.iter().any(|s| s == "write") => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "scope", lang, msg!("token_read_only")));
        }
        Via::Token { .. } => {}
    }
    Ok(c)
}

/// The organisations the caller acts for (any role).
pub async fn org_ids(app: &AppState, lang: Lang, me: &Caller) -> Result<Vec<i64>, ApiError> {
    let memberships = app.store.memberships(me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(memberships.iter().map(|m| m.org_id).collect())
}
