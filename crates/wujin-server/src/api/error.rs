//! The one error shape of the API: `{"error": {"code", "message", "field"}}` with the status
//! that fits. Messages are in the request's language; internal failures are logged with
//! their detail and shown to the client only as a generic message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::messages::Msg;
use wujin_domain::{Lang, msg};

use crate::messages;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (`invalid_parameter`, `not_found`, …).
    pub code: String,
    /// For people, in the request's language.
    pub message: String,
    /// The offending field or query parameter, or null.
    pub field: Option<String>,
}

/// The code of a refusal under load: try again after `Retry-After` seconds.
const BUSY: &str = "busy";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    /// An error with `status`, said in `lang` by the server catalogue's `msg`.
    pub fn new(status: StatusCode, code: &'static str, lang: Lang, msg: Msg) -> Self {
        ApiError { status, code, message: messages::say(lang, &msg), field: None }
    }

    /// A 400 naming the field or parameter at fault.
    pub fn bad(lang: Lang, code: &'static str, field: &str, msg: Msg) -> Self {
        ApiError { field: Some(field.to_string()), ..Self::new(StatusCode::BAD_REQUEST, code, lang, msg) }
    }

    pub fn not_found(lang: Lang) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", lang, msg!("not_found"))
    }

    pub fn route_not_found(lang: Lang) -> Self {
        Self::new(StatusCode::NOT_FOUND, "no_route", lang, msg!("no_route"))
    }

    pub fn method_not_allowed(lang: Lang) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", lang, msg!("method_not_allowed"))
    }

    /// Something broke on our side; `detail` goes to the log, not to the client.
    ///
    /// One failure is not a fault but load: every database connection stayed busy for the
    /// whole acquire timeout. That is a 503 `busy` with `Retry-After`, which a client can act
    /// on, not a 500.
    pub fn internal<E: std::fmt::Display + 'static>(lang: Lang, detail: E) -> Self {
        let any = &detail as &dyn std::any::Any;
        let saturated = matches!(
            any.downcast_ref::<wujin_store::StoreError>(),
            Some(wujin_store::StoreError::Sql(sqlx::Error::PoolTimedOut))
        ) || matches!(any.downcast_ref::<sqlx::Error>(), Some(sqlx::Error::PoolTimedOut));
        if saturated {
            tracing::warn!(%detail, "request refused: every database connection is busy");
            return Self::new(StatusCode::SERVICE_UNAVAILABLE, BUSY, lang, msg!("busy"));
        }
        tracing::error!(%detail, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", lang, msg!("internal"))
    }

    pub fn unavailable(lang: Lang) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", lang, msg!("store_unavailable"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let busy = self.code == BUSY;
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.to_string(), message: self.message, field: self.field } };
        let mut resp = (self.status, Json(body)).into_response();
        if busy {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        resp
    }
}
