//! Reading a JSON request body, once for every route: bounded in size (413), not JSON a 400,
//! JSON of the wrong shape a 422 naming the field as a JSON pointer without its leading
//! slash (`quantity`, `awards/0/quantity`), as API.md asks.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use wujin_domain::{Lang, msg};

use super::error::ApiError;

pub fn read_json<T: DeserializeOwned>(lang: Lang, body: &[u8], max: usize) -> Result<T, ApiError> {
    if body.len() > max {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            field: None,
            ..ApiError::bad(lang, "too_large", "", msg!("body_too_large", max))
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let pointer: Vec<String> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(index.to_string()),
                Segment::Map { key } => Some(key.clone()),
                Segment::Enum { variant } => Some(variant.clone()),
                Segment::Unknown => None,
            })
            .collect();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError { field: None, ..ApiError::bad(lang, "invalid_json", "", msg!("body_not_json", inner)) };
        }
        // A missing or unknown field is named in the message, not in the path.
        let detail = inner.to_string();
        let field =
            if pointer.is_empty() { detail.split('`').nth(1).unwrap_or("").to_string() } else { pointer.join("/") };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: (!field.is_empty()).then_some(field),
            ..ApiError::bad(lang, "invalid_body", "", msg!("body_shape", detail))
        }
    })
}
