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

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        // Bounded: a query string is at most a few kilobytes by the time hyper hands it over,
        // and we keep at most 50 parameters of it.
        Ok(Params(
            form_urlencoded::parse(query.as_bytes()).take(50).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        ))
    }
}
