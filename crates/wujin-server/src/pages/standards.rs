//! `/standards` and `/standards/{number}`: the standards library for everyone: each edition
//! with its status, the chain of editions, the categories it covers and the firms whose
//! offers cite it.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use wujin_domain::Lang;

use super::session::not_found;
use super::session::page_user;
use super::{page_lang, render, user_ctx};
use crate::api::AppState;
use crate::api::standards::{EditionView, Stored, matches, view};

/// The firms a standard's page lists.
const FIRMS: i64 = 50;

/// Where an edition's page is: its number with the slash written as a dash, which the
/// library reads back (GB-T 29606-2013).
pub fn href(number: &str) -> String {
    let slug: String = number.replace('/', "-").replace(' ', "");
    format!("/standards/{}", form_urlencoded::byte_serialize(slug.as_bytes()).collect::<String>())
}

fn line(e: &EditionView) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["href"] = serde_json::Value::String(href(&e.number));
    Value::from(Serde(v))
}

pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let p = super::chain::params(query.as_deref());
    let q: String = p.get("q").unwrap_or("").trim().chars().take(100).collect();
    let Ok(all) = app.store.standards().await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, "/standards", "error_title", "");
    };
    let items: Vec<Value> =
        all.iter().filter(|s| matches(&s.edition, &q)).map(|s| line(&view(lang, &s.edition, s.revision))).collect();
    let user = user_ctx(&page_user(&app, &headers).await);
    render(StatusCode::OK, "standards.html", lang, "/standards", context! { items, q, user })
}

pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang: Lang = page_lang(&headers, query.as_deref());
    let here = format!("/standards/{raw}");
    if raw.chars().count() > 60 {
        return not_found(lang, &here);
    }
    let Ok(stored) = Stored::load(&app).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", "");
    };
    let Some(e) = stored.library.resolve(&raw) else { return not_found(lang, &here) };
    let chain: Vec<Value> = stored.chain(lang, &e.number).iter().map(line).collect();
    let (firms, firms_total) = app.store.firms_citing(&e.number, FIRMS).await.unwrap_or_default();
    let firms: Vec<Value> =
        firms.iter().map(|f| context! { id => f.org_id, name => f.org_name.clone(), offers => f.offers }).collect();
    let today = wujin_store::ties::today();
    let (declaring, declaring_total) = app.store.firms_declaring(&e.number, today, FIRMS).await.unwrap_or_default();
    let declaring: Vec<Value> =
        declaring.iter().map(|f| context! { id => f.org_id, name => f.org_name.clone(), offers => f.offers }).collect();
    let page_user = page_user(&app, &headers).await;
    // The office sees how a change of the edition reaches the cluster, by industry.
    let impact = match &page_user {
        Some(u)
            if u.officer
                && (e.replaced_by.is_some() || e.status == wujin_domain::standard::StandardStatus::Withdrawn) =>
        {
            crate::api::standards::impact_of(&app, lang, e).await.ok().map(|i| Value::from(Serde(i)))
        }
        _ => None,
    };
    let user = user_ctx(&page_user);
    let ctx = context! {
        impact,
        e => Value::from(Serde(stored.view(lang, e))), chain, firms, firms_total, user, declaring, declaring_total,
        replaced_href => e.replaced_by.as_deref().map(href),
    };
    render(StatusCode::OK, "standard.html", lang, &here, ctx)
}
