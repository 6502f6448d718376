//! Reading a JSON request body, once for every route: bounded in size (413), not JSON a 400,
//! JSON of the wrong shape a 422 naming the field as a JSON pointer without its leading
//! slash (`quantity`, `awards/0/quantity`), as API.md asks.
//!
//! The person reads a catalogue message in their language; the JSON parser's own words
//! (English, about Rust types) go to the log, never into `message`.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;
use wujin_domain::{Lang, msg};

use super::error::ApiError;

fn too_large(lang: Lang, max: usize) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        field: None,
        ..ApiError::bad(lang, "too_large", "", msg!("body_too_large", max))
    }
}

/// Parses the body as JSON text, bounded by the transport's limit ([`super::MAX_BODY`]).
///
/// There is one limit for every route, not a smaller one per route: a body of the right
/// shape never comes near it, and one that is long because a field is too long is refused
/// naming that field (400), which tells the caller more than a 413 would.
fn parse(lang: Lang, body: &[u8]) -> Result<Value, ApiError> {
    if body.len() > super::MAX_BODY {
        return Err(too_large(lang, super::MAX_BODY));
    }
    serde_json::from_slice(body).map_err(|e| {
        tracing::debug!(detail = %e, "request body is not JSON");
        ApiError { field: None, ..ApiError::bad(lang, "invalid_json", "", msg!("body_not_json", e.line(), e.column())) }
    })
}

/// JSON has one kind of number: `3.0` is the integer 3, as JSON Schema says. Whole numbers
/// written with a fraction part become integers, so that a field of whole numbers (money in
/// fen, a score, an id) accepts them; `3.5` stays what it is and is refused there.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Turns parsed JSON into `T`, or a 422 naming the field that does not fit.
fn shape<T: DeserializeOwned>(lang: Lang, mut value: Value) -> Result<T, ApiError> {
    // Every body is a JSON object (API.md). serde would fill a struct from an array of its
    // fields in order ([null, null] for two optional fields), which no schema allows.
    if !value.is_object() {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: None,
            ..ApiError::bad(lang, "invalid_body", "", msg!("body_field_invalid", "/"))
        });
    }
    whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
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
        let detail = e.into_inner().to_string();
        tracing::debug!(%detail, "request body does not fit");
        // serde names a missing or unknown field in its message (between backticks), not in
        // the path; what kind of mistake it is decides the words the person reads.
        let named = detail.split('`').nth(1).unwrap_or("").to_string();
        let with_named = || {
            let mut at = pointer.clone();
            if at.last() != Some(&named) {
                at.push(named.clone());
            }
            at.join("/")
        };
        let (field, m) = if detail.starts_with("unknown field") {
            let at = with_named();
            (at.clone(), msg!("body_unknown_field", at))
        } else if detail.starts_with("missing field") {
            let at = with_named();
            (at.clone(), msg!("body_missing_field", at))
        } else {
            let at = pointer.join("/");
            (at.clone(), msg!("body_field_invalid", if at.is_empty() { "/".to_string() } else { at }))
        };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: (!field.is_empty()).then_some(field),
            ..ApiError::bad(lang, "invalid_body", "", m)
        }
    })
}

pub fn read_json<T: DeserializeOwned>(lang: Lang, body: &[u8]) -> Result<T, ApiError> {
    shape(lang, parse(lang, body)?)
}

/// As [`read_json`], and the body's JSON as sent: a partial update reads from it which keys
/// the caller named (a key sent as `null` is named; a key left out is not).
pub fn read_json_named<T: DeserializeOwned>(lang: Lang, body: &[u8]) -> Result<(T, Value), ApiError> {
    let value = parse(lang, body)?;
    Ok((shape(lang, value.clone())?, value))
}

/// The keys of a JSON object, or none.
pub fn keys(value: &Value) -> impl Iterator<Item = &str> {
    value.as_object().into_iter().flat_map(|m| m.keys().map(String::as_str))
}
