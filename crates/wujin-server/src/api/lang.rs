//! The request's language: `?lang=zh|en` wins, then `Accept-Language`, then Chinese.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use wujin_domain::Lang;

/// Extracts the language; never fails.
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

pub fn from_parts(parts: &Parts) -> Lang {
    if let Some(q) = parts.uri.query() {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("lang=") {
                return Lang::from_tag(v);
            }
        }
    }
    parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_tag)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(from_parts(parts)))
    }
}
