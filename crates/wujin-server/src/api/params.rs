//! Query strings, read leniently (a malformed byte never becomes a 500) and checked
//! strictly (an unknown filter value is a 400 naming the parameter).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The query parameters of a request; the last value wins when a name repeats.
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|s| s.as_str()).filter(|s| !s.trim().is_empty())
    }

    /// The same parameters, keeping only `names` (to reuse one filter reader for another list).
    pub fn only(&self, names: &[&str]) -> Params {
        Params(
            self.0.iter().filter(|(k, _)| names.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    }
}

/// Parameters the API reads as absent when empty: the need's words (none means browse) and
/// the language.
pub const MAY_BE_EMPTY: [&str; 2] = ["q", "lang"];

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = super::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        // Bounded: the guard refuses an address over 8 KB, and we keep at most 50 parameters.
        let params = Params(
            form_urlencoded::parse(query.as_bytes()).take(50).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        );
        // A page's form sends its empty fields (`?kind=&town=`) and means "any"; the API's
        // document gives every parameter a non-empty value, so an empty one there is a
        // mistake to name, not a filter to drop (`limit=` is not the default limit).
        if parts.uri.path().starts_with("/api/") {
            let mut empty: Vec<&String> = params
                .0
                .iter()
                .filter(|(k, v)| v.trim().is_empty() && !MAY_BE_EMPTY.contains(&k.as_str()))
                .map(|(k, _)| k)
                .collect();
            empty.sort();
            if let Some(name) = empty.first() {
                let lang = super::lang::from_parts(parts);
                return Err(super::error::ApiError::bad(
                    lang,
                    "invalid_parameter",
                    name,
                    wujin_domain::msg!("parameter_empty", name.as_str()),
                ));
            }
        }
        Ok(params)
    }
}
