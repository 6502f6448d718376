//! The office's targets in pages: `/overview/targets` (each target on or off track, and a
//! form to set one) and `/overview/targets/{id}` (its line against the straight path, with
//! the table and download, and a cluster revenue target sector by sector). Through the API's
//! functions, so the pages show what the API answers.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::target::Metric;
use wujin_domain::{Lang, Taxonomy};

use super::account::back_to;
use super::catalogue::text;
use super::chart::{Trend, trend_figure};
use super::session::{csrf_ok, form};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::targets::view;
use crate::targets::track;

/// Catalogue keys made from values in the templates, for the catalogue test.
pub const KEYS: &[&str] = &[
    "metric_revenue",
    "metric_providers_per_100",
    "metric_service_uptake",
    "metric_local_ties",
    "metric_rnd_intensity",
    "metric_unit_revenue",
    "metric_unit_providers_per_100",
    "metric_unit_service_uptake",
    "metric_unit_local_ties",
    "metric_unit_rnd_intensity",
    "scope_cluster",
    "gap_kind_no_response",
    "gap_kind_thin",
    "gap_kind_no_provider",
    "gap_kind_unanswered",
    "gap_kind_empty_search",
    "gap_unplaced",
];

fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// `/overview/targets`.
pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/overview/targets";
    let user = match super::overview::officer(&app, lang, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(targets) = crate::api::targets::all(&app, lang).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, here, "error_title", "");
    };
    let t = Taxonomy::get();
    let metrics: Vec<Value> = Metric::ALL
        .iter()
        .map(|m| context! { code => m.code(), name => crate::targets::metric_name(lang, *m, None), unit => crate::targets::unit(lang, *m) })
        .collect();
    let mut scopes: Vec<Value> = vec![];
    for (group, entries) in [
        ("by_sector", t.pillars.iter().collect::<Vec<_>>()),
        ("by_town", t.towns.iter().collect()),
        ("target_family", t.families.iter().map(|f| &f.entry).collect()),
    ] {
        let options: Vec<Value> =
            entries.iter().map(|e| context! { code => e.code.clone(), name => e.name(lang).to_string() }).collect();
        scopes.push(context! { label => text(lang, group, &[]), options });
    }
    let ctx = context! {
        user => user.view(), targets => Value::from(minijinja::value::Serde(&targets)), metrics, scopes,
        error => query_value(query.as_deref(), "error"),
    };
    render(StatusCode::OK, "targets.html", lang, here, ctx)
}

/// A target's line against its path, as the page draws it and the download writes it. Values
/// are kept in hundredths, so a share of 2.51 % is not flattened to 3.
fn target_trend(lang: Lang, tracked: &crate::targets::Tracked, title: String, unit: &str) -> Trend {
    let hundredths = |x: f64| (x * 100.0).round() as i64;
    Trend {
        zero_based: true,
        key: "target",
        title,
        row_head: text(lang, "reports_series", &[]),
        unit: unit.to_string(),
        columns: tracked.months.iter().map(|m| m.to_string()).collect(),
        rows: vec![
            (text(lang, "target_actual", &[]), tracked.actual.iter().map(|a| a.map(hundredths)).collect()),
            (text(lang, "target_path", &[]), tracked.expected.iter().map(|e| Some(hundredths(*e))).collect()),
        ],
        drawn: 2,
        decimals: 2,
    }
}

/// `/overview/targets/{id}`.
pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/overview/targets/{raw}");
    let user = match super::overview::officer(&app, lang, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let found = match app.store.target(raw.parse().unwrap_or(0)).await {
        Ok(Some(t)) => t,
        Ok(None) => return super::message(StatusCode::NOT_FOUND, lang, &here, "not_found_title", ""),
        Err(_) => return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", ""),
    };
    let Ok(tracked) = track(&app.store, &app.structure, found).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", "");
    };
    let v = view(lang, &tracked, true);
    let trend = target_trend(lang, &tracked, v.metric_name.clone(), &v.unit);
    let chart = Value::from_safe_string(trend_figure(lang, &trend, &format!("/overview/target-downloads/{raw}.xlsx")));
    let ctx = context! {
        user => user.view(), target => Value::from(minijinja::value::Serde(&v)), chart,
        error => query_value(query.as_deref(), "error"),
    };
    render(StatusCode::OK, "target.html", lang, &here, ctx)
}

/// `/overview/target-downloads/{id}.xlsx`: the target's line as a workbook.
pub async fn download(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>) -> Response {
    let lang = page_lang(&headers, None);
    let here = "/overview/targets";
    if let Err(r) = super::overview::officer(&app, lang, &headers, here).await {
        return r;
    }
    let Some(id) = raw.strip_suffix(".xlsx").and_then(|i| i.parse::<i64>().ok()) else {
        return super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", "");
    };
    let Ok(Some(found)) = app.store.target(id).await else {
        return super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", "");
    };
    let Ok(tracked) = track(&app.store, &app.structure, found).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, here, "error_title", "");
    };
    let v = view(lang, &tracked, false);
    let trend = target_trend(lang, &tracked, format!("{} · {}", v.title, v.metric_name), &v.unit);
    super::reports::xlsx_reply(&trend, "target.xlsx")
}

/// The signed-in person of a form post with a good CSRF token, and the write headers; else
/// the page to go back to.
pub(super) async fn poster(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    f: &std::collections::HashMap<String, String>,
    here: &str,
) -> Result<HeaderMap, Response> {
    let Some(user) = super::session::page_user(app, headers).await else {
        return Err(super::session::sign_in_first(here));
    };
    if !csrf_ok(&user, f) {
        return Err(back_to(here, Err(text(lang, "form_expired", &[]))));
    }
    Ok(super::demands::write_headers(headers, &user))
}

/// `POST /overview/targets`: set a target through the API's handler; to its page, or back
/// with the API's message when it refused.
pub async fn create(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    use crate::api::lang::ReqLang;
    let lang = page_lang(&headers, None);
    let here = "/overview/targets";
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let number = |k: &str| field(k).replace(',', "").parse::<f64>().ok();
    let b = serde_json::json!({
        "title": field("title"), "metric": field("metric"),
        "scope": Some(field("scope")).filter(|s| !s.is_empty()),
        "baseline_month": field("baseline_month"), "baseline": number("baseline").unwrap_or(-1.0),
        "due": field("due"), "target": number("target").unwrap_or(-1.0),
    });
    let r = crate::api::targets::create(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await;
    match super::demands::json_of(r).await {
        Ok(v) => super::account::see_other(&format!("/overview/targets/{}", v["id"]), None),
        Err(e) => back_to(here, Err(e.message)),
    }
}

/// `POST /overview/targets/{id}/delete`.
pub async fn delete(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    use crate::api::lang::ReqLang;
    let lang = page_lang(&headers, None);
    let here = format!("/overview/targets/{id}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    match crate::api::targets::delete(State(app.clone()), ReqLang(lang), h, Ok(Path(id))).await {
        Ok(_) => super::account::see_other("/overview/targets", None),
        Err(e) => back_to(&here, Err(e.message)),
    }
}

/// `/overview/gaps?months=…`: the service gaps, ranked, with a chart of their scores.
pub async fn gaps(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/overview/gaps";
    let user = match super::overview::officer(&app, lang, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let months = match crate::api::gaps::months_param(lang, query_value(query.as_deref(), "months").as_deref()) {
        Ok(m) => m,
        Err(e) => return super::message(StatusCode::BAD_REQUEST, lang, here, "error_title", &e.message),
    };
    let g = match crate::api::gaps::gaps(&app, lang, months).await {
        Ok(g) => g,
        Err(e) => return super::message(e.status, lang, here, "error_title", &e.message),
    };
    let series = super::chart::Series {
        key: "gaps",
        title: text(lang, "gaps_chart_title", &[]),
        label_head: text(lang, "target_family", &[]),
        value_head: text(lang, "gaps_score", &[]),
        rows: g.items.iter().take(12).map(|i| (i.name.clone(), i64::from(i.score))).collect(),
    };
    let chart = (!g.items.is_empty()).then(|| {
        Value::from_safe_string(super::chart::figure(lang, &series, &format!("/overview/gaps.xlsx?months={months}")))
    });
    let ctx = context! {
        user => user.view(), gaps => Value::from(minijinja::value::Serde(&g)), chart, months,
    };
    render(StatusCode::OK, "gaps.html", lang, here, ctx)
}

/// `/overview/gaps.xlsx?months=…`: the gaps' scores as a workbook.
pub async fn gaps_download(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    use axum::response::IntoResponse;
    let lang = page_lang(&headers, query.as_deref());
    let here = "/overview/gaps";
    if let Err(r) = super::overview::officer(&app, lang, &headers, here).await {
        return r;
    }
    let months = crate::api::gaps::months_param(lang, query_value(query.as_deref(), "months").as_deref()).unwrap_or(12);
    let Ok(g) = crate::api::gaps::gaps(&app, lang, months).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let series = super::chart::Series {
        key: "gaps",
        title: text(lang, "gaps_chart_title", &[]),
        label_head: text(lang, "target_family", &[]),
        value_head: text(lang, "gaps_score", &[]),
        rows: g.items.iter().map(|i| (i.name.clone(), i64::from(i.score))).collect(),
    };
    super::chart::xlsx_download(super::chart::xlsx(&series), "gaps.xlsx")
}
