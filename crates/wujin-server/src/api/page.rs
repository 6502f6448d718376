//! Lists: `limit` (1..=100, default 20) and an opaque `cursor` the server issued.
//!
//! The cursor is the last id of the page, tagged and base64url-encoded. It is opaque so
//! that we may change how pages are cut without breaking clients; a cursor we could not have
//! issued is a 400 naming `cursor`, never a silent first page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use wujin_domain::{Lang, msg};

use super::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

pub fn limit(lang: Lang, raw: Option<&str>) -> Result<i64, ApiError> {
    let Some(raw) = raw else { return Ok(DEFAULT_LIMIT) };
    match raw.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::bad(lang, "invalid_parameter", "limit", msg!("whole_range", "limit", 1, MAX_LIMIT))),
    }
}

pub fn encode_cursor(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("wj1:{last_id}"))
}

/// A cursor of a ranked list (search, match): how many items the next page skips.
pub fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("wjs:{offset}"))
}

fn bad_cursor(lang: Lang) -> ApiError {
    ApiError::bad(lang, "invalid_cursor", "cursor", msg!("bad_cursor"))
}

/// The number inside a cursor with this tag, or a 400 naming `cursor`.
fn tagged(lang: Lang, raw: &str, tag: &str) -> Result<i64, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad_cursor(lang))?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor(lang))?;
    text.strip_prefix(tag).and_then(|n| n.parse::<i64>().ok()).ok_or_else(|| bad_cursor(lang))
}

pub fn decode_cursor(lang: Lang, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let id = tagged(lang, raw, "wj1:")?;
    if id > 0 { Ok(Some(id)) } else { Err(bad_cursor(lang)) }
}

/// The offset in a ranked list's cursor (0 without one); offsets reach below `max`.
pub fn decode_offset(lang: Lang, raw: Option<&str>, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(0) };
    let n = tagged(lang, raw, "wjs:")?;
    usize::try_from(n).ok().filter(|&n| n < max).ok_or_else(|| bad_cursor(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(Lang::Zh, Some(&encode_cursor(42))).unwrap(), Some(42));
        for bad in ["☃not-a-cursor", "", "d2oxOi0x", "abc", "d2oyOjE"] {
            let e = decode_cursor(Lang::En, Some(bad)).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("cursor"), "{bad}");
        }
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert_eq!(limit(Lang::Zh, None).unwrap(), 20);
        assert_eq!(limit(Lang::Zh, Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "abc", "1.5"] {
            assert_eq!(limit(Lang::Zh, Some(bad)).unwrap_err().field.as_deref(), Some("limit"));
        }
    }
}
