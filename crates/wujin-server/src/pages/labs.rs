//! A lab's test items on its testing offer's page, and booking them from there
//! (`POST /offers/{id}/book`): the firm the person acts for books the ticked items through
//! the API's own checks, and both firms follow the booking in their inbox.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::accreditation::Scope;

use super::account::back_to;
use super::catalogue::text;
use super::demands::write_headers;
use super::page_lang;
use super::session::{page_user, sign_in_first};
use crate::api::AppState;
use crate::api::lang::ReqLang;

/// The test items listed under an offer, as its page shows them.
pub async fn of_offer(app: &AppState, lang: Lang, offer: i64) -> Vec<Value> {
    let items = app.store.test_items(None, Some(offer), 200).await.unwrap_or_default();
    let verified = match items.first() {
        Some(i) => crate::api::labs::lab_verified(app, i.org_id).await.unwrap_or(false),
        None => false,
    };
    items
        .iter()
        .map(|i| {
            let t = &i.item;
            context! {
                id => i.id, name => t.name.clone(), standard => t.standard.clone(),
                href => super::standards::href(&t.standard), clause => t.clause.clone(),
                method => t.method.clone(), sample => t.sample.clone(),
                price => super::yuan(t.price_fen), days => t.turnaround_days, weekly => t.weekly_capacity,
                scope => text(lang, &format!("test_scope_{}", Scope::of(t.in_scope, verified).code()), &[]),
                verified => Scope::of(t.in_scope, verified) == Scope::Verified,
            }
        })
        .collect()
}

/// Keys built at run time.
pub const KEYS: &[&str] = &["test_scope_verified", "test_scope_declared", "test_scope_outside"];

/// `POST /offers/{id}/book`: the ticked items (`item`, repeated), samples and the day wanted,
/// for the first firm the person keeps; back to the offer's page with the outcome.
pub async fn book(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/offers/{raw}");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if get("csrf").is_empty() || get("csrf") != user.csrf {
        return back_to(&here, Err(text(lang, "form_expired", &[])));
    }
    let Some(org) = user.orgs.iter().find(|m| m.role.may_act()).map(|m| m.org_id) else {
        return back_to(&here, Err(text(lang, "test_book_no_firm", &[])));
    };
    let items: Vec<i64> = pairs.iter().filter(|(k, _)| k == "item").filter_map(|(_, v)| v.parse().ok()).collect();
    let samples = get("samples").trim().parse::<i64>().unwrap_or(0);
    let req = serde_json::json!({"org_id": org, "item_ids": items, "samples": samples,
        "desired_on": get("desired_on"), "notes": get("notes")});
    let h = write_headers(&headers, &user);
    let r = crate::api::labs::book(State(app.clone()), ReqLang(lang), h, Bytes::from(req.to_string())).await;
    match r {
        Ok(_) => super::account::see_other(&format!("{here}?booked=1#test-items"), None),
        Err(e) => back_to(&here, Err(e.message)),
    }
}
