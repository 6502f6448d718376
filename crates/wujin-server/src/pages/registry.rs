//! An organisation's page and an offer's page, from the registry.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use wujin_domain::{Lang, Taxonomy};
use wujin_store::offers::OfferFilter;

use super::catalogue::text;
use super::session::page_user;
use super::{page_lang, render, user_ctx, yuan};
use crate::api::AppState;

fn not_found(lang: Lang, here: &str) -> Response {
    super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", "")
}

pub async fn org(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}");
    let Some(id) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return not_found(lang, &here) };
    let Ok(Some(org)) = app.store.org(id).await else { return not_found(lang, &here) };
    let user = page_user(&app, &headers).await;
    let t = Taxonomy::get();
    let r = &org.record;
    let offers = app
        .store
        .list_offers(&OfferFilter { org_id: Some(id), ..Default::default() }, None, 100)
        .await
        .map(|(o, _)| o)
        .unwrap_or_default();
    let offers: Vec<Value> = offers
        .iter()
        .map(|o| {
            context! {
                id => o.id, title => o.record.title.clone(), kind => text(lang, &format!("kind_{}", o.record.kind.code()), &[]),
                price => o.record.price.map(|p| format!("{}–{}", yuan(p.min().0), yuan(p.max().0))),
                lead => o.record.lead_time_days,
            }
        })
        .collect();
    let org = context! {
        name => r.name.clone(), name_en => r.name_en.clone(), uscc => r.uscc.as_str().to_string(),
        kind => text(lang, &format!("org_kind_{}", r.kind.code()), &[]),
        town => r.town.as_deref().and_then(|c| t.town(c)).map(|e| e.name(lang).to_string()),
        certificates => r.certificates.join(" · "), founded => r.founded_year, employees => r.employees, id,
    };
    let keeps = user.as_ref().is_some_and(|u| u.keeps(id));
    render(StatusCode::OK, "org.html", lang, &here, context! { org, offers, keeps, user => user_ctx(&user) })
}

pub async fn offer(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/offers/{raw}");
    let Some(id) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return not_found(lang, &here) };
    let Ok(Some(o)) = app.store.offer(id).await else { return not_found(lang, &here) };
    let user = page_user(&app, &headers).await;
    let t = Taxonomy::get();
    let r = &o.record;
    let offer = context! {
        title => r.title.clone(), org_id => o.org_id, org_name => o.org_name.clone(), description => r.description.clone(),
        kind => text(lang, &format!("kind_{}", r.kind.code()), &[]),
        category => t.category(&r.category).map(|c| c.entry.name(lang).to_string()).unwrap_or_else(|| r.category.clone()),
        price => r.price.map(|p| format!("{}–{}", yuan(p.min().0), yuan(p.max().0))),
        unit => r.unit.as_deref().and_then(|u| t.unit(u)).map(|u| u.name(lang).to_string()),
        lead => r.lead_time_days, moq => r.moq, standards => r.standards.join(" · "),
        specs => Value::from(Serde(&r.specs)), id,
    };
    let keeps = user.as_ref().is_some_and(|u| u.keeps(o.org_id));
    render(StatusCode::OK, "offer.html", lang, &here, context! { offer, keeps, user => user_ctx(&user) })
}
