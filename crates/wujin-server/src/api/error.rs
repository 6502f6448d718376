//! The one error shape of the API: `{"error": {"code", "message", "field"}}` with the status
//! that fits. Messages are in the request's language; internal failures are logged with
//! their detail and shown to the client only as a generic message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::Lang;

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

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn bad(lang: Lang, code: &'static str, field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, code, message: pick(lang, zh, en), field: Some(field.to_string()) }
    }

    pub fn not_found(lang: Lang) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: pick(lang, "找不到该记录", "no such record"),
            field: None,
        }
    }

    pub fn route_not_found(lang: Lang) -> Self {
        ApiError {
            code: "no_route", message: pick(lang, "没有这个接口", "no such route"), ..Self::not_found(lang)
        }
    }

    pub fn method_not_allowed(lang: Lang) -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "method_not_allowed",
            message: pick(lang, "该接口不支持此请求方法", "this route does not take that method"),
            field: None,
        }
    }

    /// Something broke on our side; `detail` goes to the log, not to the client.
    pub fn internal(lang: Lang, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: pick(lang, "服务器内部错误，请稍后再试", "internal error; please try again later"),
            field: None,
        }
    }

    pub fn unavailable(lang: Lang) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "unavailable",
            message: pick(lang, "数据库暂时不可用", "the database is not answering"),
            field: None,
        }
    }
}

fn pick(lang: Lang, zh: impl Into<String>, en: impl Into<String>) -> String {
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.to_string(), message: self.message, field: self.field } };
        (self.status, Json(body)).into_response()
    }
}
