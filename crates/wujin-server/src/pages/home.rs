//! The home page: one search box, the cluster at a glance, and the way into each service
//! family.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;
use wujin_domain::Taxonomy;

use super::{page_lang, render};
use crate::api::AppState;

#[derive(Serialize)]
struct FamilyLink {
    code: String,
    name: String,
    providers: i64,
}

pub async fn home(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let glance = match app.store.glance(wujin_store::now_ms()).await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "home page figures");
            return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, "/", "error_title", "");
        }
    };
    let t = Taxonomy::get();
    let providers =
        |code: &str| glance.providers_by_family.iter().find(|c| c.key == code).map(|c| c.count).unwrap_or(0);
    let link = |f: &wujin_domain::taxonomy::Family| FamilyLink {
        code: f.entry.code.clone(),
        name: f.entry.name(lang).to_string(),
        providers: providers(&f.entry.code),
    };
    let integrations: Vec<FamilyLink> = t.families.iter().filter(|f| f.integration).map(link).collect();
    let others: Vec<FamilyLink> = t.families.iter().filter(|f| !f.integration).map(link).collect();
    let glance = context! { orgs => glance.orgs, offers => glance.offers, open_demands => glance.open_demands };
    let (integrations, others) = (Value::from(Serde(&integrations)), Value::from(Serde(&others)));
    let user = super::user_ctx(&super::session::page_user(&app, &headers).await);
    render(StatusCode::OK, "home.html", lang, "/", context! { glance, integrations, others, q => "", user })
}
