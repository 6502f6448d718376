//! The transport's side of the API contract (`shared/API.md`, "The contract"), checked once
//! in front of every route so that no handler can forget it:
//!
//! - a URL longer than [`MAX_URL`] is a 414 in the error shape (hyper answers a bare 414 only
//!   above its own 64 KB limit, which the application never sees);
//! - a body longer than [`super::MAX_BODY`] is a 413 in the error shape, whether or not it
//!   announced its length;
//! - a route that takes a file ([`super::uploads::takes_upload`]) reads up to 10 MB, and
//!   under `/api/` takes `multipart/form-data` as well as JSON;
//! - under `/api/`, a body must be JSON (`application/json`, any parameters): anything else is
//!   a 415, so a form on another site cannot post "simple" text to the API; a POST without a
//!   body needs no type;
//! - under `/api/`, a write that a browser could make with this site's cookie (any write not
//!   authenticated by a bearer token, sign-in and sign-up included) is refused with 403
//!   `cross_site` when its `Origin` or `Sec-Fetch-Site` names another site.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use wujin_domain::{Lang, msg};

use super::error::ApiError;

/// The longest path and query the application reads, in bytes.
pub const MAX_URL: usize = 8 * 1024;

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api"
}

/// Whether the body is JSON by its declared type: `application/json`, with any parameters
/// (`charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether the body is a multipart form (a file upload).
fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Whether the request says it comes from a page of another site: `Sec-Fetch-Site:
/// cross-site`, or an `Origin` (including the opaque `null`) whose host is not this one.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|s| s.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    match headers.get(ORIGIN).map(|v| v.to_str().unwrap_or("null")) {
        None => false,
        Some(origin) => origin.split_once("://").map(|(_, h)| h.trim_end_matches('/')) != host,
    }
}

fn bearer(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "))
}

fn refused(api: bool, lang: Lang, e: ApiError, page_title: &str) -> Response {
    if api { e.into_response() } else { crate::pages::message(e.status, lang, "/", page_title, &e.message) }
}

pub async fn guard(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = super::lang::from_parts(&parts);
    let api = is_api(parts.uri.path());
    let url_len = parts.uri.path_and_query().map_or(0, |p| p.as_str().len());
    if url_len > MAX_URL {
        let e = ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", lang, msg!("uri_too_long", MAX_URL));
        return refused(api, lang, e, "too_large_title");
    }
    // A route that takes a file reads a larger body, as multipart (API.md's named exception).
    // (Any method: the router answers one the route does not take with 405.)
    let upload = super::uploads::takes_upload(parts.uri.path());
    let limit = if upload { super::uploads::MAX_UPLOAD_BODY } else { super::MAX_BODY };
    let too_large = || {
        let e = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", lang, msg!("body_too_large", limit));
        refused(api, lang, e, "too_large_title")
    };
    let announced = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let bytes: Bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(detail) => {
            tracing::debug!(%detail, "request body unreadable");
            let e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", lang, msg!("body_unreadable"));
            return refused(api, lang, e, "bad_request_title");
        }
    };
    if api {
        let write = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if write && !bearer(&parts.headers) && cross_site(&parts.headers) {
            return ApiError::new(StatusCode::FORBIDDEN, "cross_site", lang, msg!("cross_site")).into_response();
        }
        let typed_right = is_json(&parts.headers) || (upload && is_multipart(&parts.headers));
        if !bytes.is_empty() && !typed_right {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                lang,
                msg!("body_not_json_type"),
            )
            .into_response();
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
