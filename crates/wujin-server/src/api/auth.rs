//! Who is calling: the session behind the request's cookie, and the CSRF check every write
//! made with that cookie passes. One place, so no route can forget either.

use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use wujin_domain::Lang;
use wujin_store::accounts::Session;

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
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        code: "not_signed_in",
        message: match lang {
            Lang::Zh => "请先登录".into(),
            Lang::En => "sign in first".into(),
        },
        field: None,
    }
}

pub fn forbidden(lang: Lang) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        code: "forbidden",
        message: match lang {
            Lang::Zh => "没有权限".into(),
            Lang::En => "not allowed".into(),
        },
        field: None,
    }
}

/// The signed-in caller, or 401.
pub async fn caller(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Session, ApiError> {
    let token = session_token(headers).ok_or_else(|| not_signed_in(lang))?;
    app.store
        .session(&token_hash(&token))
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .ok_or_else(|| not_signed_in(lang))
}

/// The signed-in caller of a write: the session and its CSRF token in `x-csrf-token`, or
/// 401 / 403 `csrf`.
pub async fn writer(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Session, ApiError> {
    let session = caller(app, lang, headers).await?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if sent.is_empty() || sent != session.csrf {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "csrf",
            message: match lang {
                Lang::Zh => "缺少或错误的 x-csrf-token".into(),
                Lang::En => "missing or wrong x-csrf-token".into(),
            },
            field: None,
        });
    }
    Ok(session)
}
