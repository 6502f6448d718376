//! Labs' certificates on pages: a lab's owners submit a CMA or CNAS certificate with its
//! document from the lab's page (`POST /orgs/{id}/accreditations`), and a platform admin
//! checks the queue at `/accreditations`, opening each document and verifying it or saying
//! why not. Reads and writes go through the API's handlers.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde_json::json;

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::demands::json_of;
use super::session::{form, page_user, sign_in_first};
use super::supervision::{query_map, shown};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::accreditations as api;
use crate::api::lang::ReqLang;
use crate::api::params::Params;

const HOME: &str = "/accreditations";

/// `POST /orgs/{id}/accreditations`: the lab's certificate and its document; back to the
/// lab's page, with the refusal when there is one.
pub async fn submit(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/orgs/{raw}");
    let h = match super::session::posted_file(&app, &headers, &body, &here).await {
        Ok(h) => h,
        Err(answer) => return answer,
    };
    let r = api::submit(State(app.clone()), ReqLang(lang), h, Ok(Path(raw.clone())), body).await;
    match r {
        Ok(_) => see_other(&format!("{here}#accreditations-head"), None),
        Err(e) => back_to(&here, Err(e.message)),
    }
}

/// `GET /accreditations`: the certificates awaiting a check (platform admins).
pub async fn queue(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(HOME) };
    let q = query_map(query.as_deref());
    let answer = api::queue(State(app.clone()), ReqLang(lang), headers.clone(), Params(HashMap::new())).await;
    let list = match shown(answer, lang, HOME).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut items = vec![];
    for a in list["items"].as_array().into_iter().flatten() {
        let lab = match a["org_id"].as_i64() {
            Some(id) => app.store.org(id).await.ok().flatten().map(|o| o.record.name).unwrap_or_default(),
            None => String::new(),
        };
        let at = a["submitted_at"].as_str().map(super::demands::china_time).unwrap_or_default();
        items.push(context! { a => Value::from(Serde(a.clone())), lab, at });
    }
    let done = q
        .get("done")
        .filter(|d| ["verify", "reject"].contains(&d.as_str()))
        .map(|d| text(lang, &format!("acc_done_{d}"), &[]));
    let ctx = context! { user => user.view(), items, error => q.get("error"), done };
    render(StatusCode::OK, "accreditations.html", lang, HOME, ctx)
}

/// Catalogue keys made from values here, for the catalogue test.
pub const KEYS: &[&str] = &["acc_done_verify", "acc_done_reject"];

/// `POST /accreditations/{id}/verify` or `/reject` (with `reason`).
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let f = form(&body);
    let h = match super::targets::poster(&app, lang, &headers, &f, HOME).await {
        Ok(h) => h,
        Err(page) => return page,
    };
    let reason = f.get("reason").map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let b = Bytes::from(json!({"reason": reason}).to_string());
    let r = match action.as_str() {
        "verify" => json_of(api::verify(State(app.clone()), ReqLang(lang), h, Ok(Path(raw)), b).await).await,
        "reject" => json_of(api::reject(State(app.clone()), ReqLang(lang), h, Ok(Path(raw)), b).await).await,
        _ => return super::session::not_found(lang, HOME),
    };
    match r {
        Ok(_) => see_other(&format!("{HOME}?done={action}"), None),
        Err(e) => back_to(HOME, Err(e.message)),
    }
}
