//! Group purchase in the browser: price series with their chart and table (`/prices`),
//! pools (`/pools`), a pool with its progress against the tiers, the commitment form and
//! the organiser's actions and allocation table (`/pools/{id}`), and the form to open one
//! (`/pools/new`). Every page reads and writes through the API's handlers, so a page shows
//! exactly what the API lets its reader see.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::{Serde, Value};
use wujin_domain::pool::{PoolState, TierMode, percent};
use wujin_domain::{Lang, Taxonomy};

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::chart::{Trend, trend_figure};
use super::demands::{china_time, id, json_of};
use super::session::{form, page_user};
use super::supervision::{query_map, shown, someone};
use super::targets::poster;
use super::{page_lang, render, yuan};
use crate::api::AppState;
use crate::api::lang::ReqLang;
use crate::api::params::Params;

type Json = serde_json::Value;

/// A series value from the API as a page shows it (`20,150.5`); empty when there is none.
fn shown_value(v: &Json) -> String {
    v.as_f64().map(|x| wujin_domain::pool::grouped_value((x * 1000.0).round() as i64)).unwrap_or_default()
}

/// `/prices`: every series with its latest value.
pub async fn prices(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/prices";
    let user = page_user(&app, &headers).await;
    let list = match shown(crate::api::prices::list(State(app.clone()), ReqLang(lang)).await, lang, here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let series: Vec<Value> = list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| context! { s => Value::from(Serde(s.clone())), latest => shown_value(&s["latest"]["value"]) })
        .collect();
    let ctx = context! { user => super::user_ctx(&user), series };
    render(StatusCode::OK, "prices.html", lang, here, ctx)
}

/// A series' values as a trend: one line, by day.
fn series_trend(lang: Lang, s: &Json) -> Trend {
    let values = s["values"].as_array().cloned().unwrap_or_default();
    // An index to a tenth of a point, a price to the fen.
    let (scale, decimals) = if s["kind"] == "index" { (10.0, 1) } else { (100.0, 2) };
    let scaled = |v: &Json| (v["value"].as_f64().unwrap_or(0.0) * scale).round() as i64;
    Trend {
        key: "series",
        title: s["name"].as_str().unwrap_or_default().to_string(),
        row_head: text(lang, "series_head", &[]),
        unit: s["unit"].as_str().unwrap_or_default().to_string(),
        columns: values.iter().map(|v| v["date"].as_str().unwrap_or_default().to_string()).collect(),
        rows: vec![(
            s["code"].as_str().unwrap_or_default().to_string(),
            values.iter().map(|v| Some(scaled(v))).collect(),
        )],
        drawn: 1,
        decimals,
        zero_based: false,
    }
}

/// `/prices/{id}`: a series' line over the last two years, its table and its facts.
pub async fn price(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<i64>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/prices/{raw}");
    let user = page_user(&app, &headers).await;
    let from = (wujin_store::ties::today() - time::Duration::weeks(104)).to_string();
    let p = Params(HashMap::from([("from".to_string(), from)]));
    let r = crate::api::prices::get(State(app.clone()), ReqLang(lang), id(raw), p).await;
    let s = match shown(r, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let figure = if s["values"].as_array().is_some_and(|v| !v.is_empty()) {
        Some(Value::from_safe_string(trend_figure(
            lang,
            &series_trend(lang, &s),
            &format!("/prices/downloads/{raw}.xlsx"),
        )))
    } else {
        None
    };
    let recent: Vec<Value> = s["values"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .rev()
        .take(12)
        .map(|v| context! { date => v["date"].as_str().map(str::to_string), value => shown_value(&v["value"]) })
        .collect();
    let ctx = context! {
        user => super::user_ctx(&user), s => Value::from(Serde(s.clone())), figure,
        recent, latest => shown_value(&s["latest"]["value"]),
    };
    render(StatusCode::OK, "price.html", lang, &here, ctx)
}

/// `/prices/{id}.xlsx`: the series as a workbook.
pub async fn price_download(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(raw) = file.strip_suffix(".xlsx").and_then(|n| n.parse::<i64>().ok()) else {
        return super::session::not_found(lang, "/prices");
    };
    let r = crate::api::prices::get(State(app.clone()), ReqLang(lang), id(raw), Params(HashMap::new())).await;
    match shown(r, lang, "/prices").await {
        Ok(s) => super::chart::xlsx_download(super::chart::trend_xlsx(&series_trend(lang, &s)), "series.xlsx"),
        Err(page) => page,
    }
}

/// Shares of the progress bar: where each tier starts, and the total, as per cent of the
/// scale (the last tier, or the total if past it, plus a fifth).
fn progress(pool: &Json) -> Value {
    let total = pool["committed_total"].as_i64().or(pool["allocated_total"].as_i64()).unwrap_or(0);
    let tiers = pool["tiers"].as_array().cloned().unwrap_or_default();
    let top = tiers.iter().filter_map(|t| t["min_quantity"].as_i64()).max().unwrap_or(0).max(total).max(1);
    let scale = top as f64 * 1.2;
    let at = |q: i64| ((q as f64 / scale) * 1000.0).round() / 10.0;
    let marks: Vec<Value> = tiers
        .iter()
        .map(|t| {
            let q = t["min_quantity"].as_i64().unwrap_or(0);
            context! { at => at(q), quantity => q, discount => percent(t["discount_bp"].as_i64().unwrap_or(0)) }
        })
        .collect();
    let min = pool["min_total"].as_i64().unwrap_or(0);
    context! { filled => at(total), total, marks, min_at => at(min), min }
}

/// The line a pool shows for its price.
fn price_line(lang: Lang, pool: &Json) -> Option<String> {
    let p = &pool["price"];
    let unit = p["unit_price_fen"].as_i64()?;
    let key = match (pool["state"].as_str(), p["provisional"].as_bool()) {
        (Some("open"), _) => "pool_price_now",
        (_, Some(true)) => "pool_price_provisional",
        _ => "pool_price_final",
    };
    Some(text(lang, key, &[yuan(unit), pool["unit"]["name"].as_str().unwrap_or_default().to_string()]))
}

fn decorate(lang: Lang, pool: &Json) -> Value {
    let deadline = china_time(pool["deadline"].as_str().unwrap_or_default());
    let tiers: Vec<Value> = pool["tiers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            context! { quantity => t["min_quantity"].as_i64(), discount => percent(t["discount_bp"].as_i64().unwrap_or(0)) }
        })
        .collect();
    let pricing = match pool["pricing"].as_str() {
        Some("fixed") => text(lang, "pool_fixed_price", &[yuan(pool["fixed_price_fen"].as_i64().unwrap_or(0))]),
        Some("indexed") => text(
            lang,
            "pool_indexed_price",
            &[
                pool["series"]["name"].as_str().unwrap_or_default().to_string(),
                yuan(pool["base_price_fen"].as_i64().unwrap_or(0)),
                pool["base_date"].as_str().unwrap_or_default().to_string(),
            ],
        ),
        _ => text(lang, "pool_quoted_price", &[pool["series"]["name"].as_str().unwrap_or_default().to_string()]),
    };
    context! {
        p => Value::from(Serde(pool.clone())), deadline, tiers, pricing,
        fee => yuan(pool["fee_fen"].as_i64().unwrap_or(0)),
        price_line => price_line(lang, pool),
        progress => progress(pool),
        open => pool["state"] == "open",
    }
}

/// `/pools`: open pools first, then the rest; the caller's own with `?mine=true`.
pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/pools";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query_map(query.as_deref());
    let p = Params(
        q.iter()
            .filter(|(k, v)| ["state", "mine"].contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
    let r = crate::api::pools::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
    let list = match shown(r, lang, here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let pools: Vec<Value> =
        list["items"].as_array().cloned().unwrap_or_default().iter().map(|p| decorate(lang, p)).collect();
    let states: Vec<Value> =
        PoolState::ALL.iter().map(|s| context! { code => s.code(), name => s.name(lang) }).collect();
    let ctx = context! {
        user => user.view(), pools, states,
        chosen_state => q.get("state").cloned().unwrap_or_default(),
        mine => q.get("mine").is_some_and(|m| m == "true"),
        may_open => user.orgs.iter().any(|m| m.role.code() != "member"),
    };
    render(StatusCode::OK, "pools.html", lang, here, ctx)
}

/// `/pools/{id}`: the terms, the total against the tiers, the caller's commitment form, and
/// for the organiser the actions and (after the close) the allocation table.
pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<i64>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/pools/{raw}");
    let user = match someone(&app, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let r = crate::api::pools::get(State(app.clone()), ReqLang(lang), headers.clone(), id(raw)).await;
    let pool = match shown(r, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let r = crate::api::pools::commitments(State(app.clone()), ReqLang(lang), headers.clone(), id(raw)).await;
    let commitments = match shown(r, lang, &here).await {
        Ok(v) => v["items"].clone(),
        Err(page) => return page,
    };
    let q = query_map(query.as_deref());
    // The firms the caller may commit for: those it owns or administers.
    let managed: Vec<Value> = user
        .orgs
        .iter()
        .filter(|m| m.role.code() != "member")
        .map(|m| {
            let mine = pool["mine"].as_array().and_then(|all| {
                all.iter().find(|c| c["org"]["code"].as_str() == Some(m.org_id.to_string().as_str())).cloned()
            });
            context! { id => m.org_id, name => m.org_name.clone(), quantity => mine.as_ref().and_then(|c| c["quantity"].as_i64()) }
        })
        .collect();
    let organiser = pool["organiser_view"].as_bool() == Some(true)
        && user.orgs.iter().any(|m| {
            m.org_id.to_string() == pool["organiser"]["code"].as_str().unwrap_or("") && m.role.code() != "member"
        });
    let mine: Vec<Value> = pool["mine"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            context! {
                c => Value::from(Serde(c.clone())),
                total => c["total_fen"].as_i64().map(yuan),
                unit_price => c["unit_price_fen"].as_i64().map(yuan),
            }
        })
        .collect();
    let rows: Vec<Value> = commitments
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| context! { c => Value::from(Serde(c.clone())), total => c["total_fen"].as_i64().map(yuan) })
        .collect();
    let ctx = context! {
        user => user.view(), pool => decorate(lang, &pool), managed, organiser, mine, rows,
        formula => pool["price"]["formula"].as_str().map(str::to_string),
        error => q.get("error").cloned(),
        later => (wujin_store::ties::today() + time::Duration::days(7)).to_string(),
    };
    render(StatusCode::OK, "pool.html", lang, &here, ctx)
}

/// `POST /pools/{id}/commit`: commit, revise or withdraw (0) for a firm.
pub async fn commit(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<i64>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/pools/{raw}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let Ok(quantity) = field("quantity").replace(',', "").parse::<i64>() else {
        return back_to(&here, Err(text(lang, "whole_number", &[])));
    };
    let b = serde_json::json!({"org_id": field("org_id").parse::<i64>().unwrap_or(0), "quantity": quantity});
    let r = crate::api::pools::commit(State(app.clone()), ReqLang(lang), h, id(raw), Bytes::from(b.to_string())).await;
    back_to(&here, json_of(r).await.map(|_| ()).map_err(|e| e.message))
}

/// `POST /pools/{id}/cancel` and `/extend`: the organiser's actions.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(i64, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/pools/{raw}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let state = State(app.clone());
    let r = match action.as_str() {
        "cancel" => {
            let b = serde_json::json!({"reason": field("reason")});
            json_of(crate::api::pools::cancel(state, ReqLang(lang), h, id(raw), Bytes::from(b.to_string())).await).await
        }
        "extend" => {
            let b = serde_json::json!({"deadline": field("deadline")});
            json_of(crate::api::pools::extend(state, ReqLang(lang), h, id(raw), Bytes::from(b.to_string())).await).await
        }
        _ => return super::session::not_found(lang, &here),
    };
    back_to(&here, r.map(|_| ()).map_err(|e| e.message))
}

/// The allocation table as an organiser keeps it: 序号, 企业, 认购量, 分配量, 单价, 金额.
fn allocation_book(lang: Lang, pool: &Json, rows: &[Json]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_string(0, 0, pool["spec"].as_str().unwrap_or_default())?;
    sheet.write_string(0, 2, pool["price"]["formula"].as_str().unwrap_or_default())?;
    for (c, (zh, en)) in ALLOCATION_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, if lang == Lang::En { *en } else { *zh }, &head)?;
    }
    for (i, c) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, c["org"]["name"].as_str().unwrap_or_default())?;
        sheet.write_number(row, 2, c["quantity"].as_f64().unwrap_or(0.0))?;
        sheet.write_number(row, 3, c["allocated"].as_f64().unwrap_or(0.0))?;
        sheet.write_number(row, 4, c["unit_price_fen"].as_f64().unwrap_or(0.0) / 100.0)?;
        sheet.write_number(row, 5, c["total_fen"].as_f64().unwrap_or(0.0) / 100.0)?;
    }
    for (c, w) in [(0, 6), (1, 36), (2, 12), (3, 12), (4, 14), (5, 16)] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}

const ALLOCATION_COLUMNS: [(&str, &str); 6] = [
    ("序号", "No."),
    ("企业", "Firm"),
    ("认购量", "Committed"),
    ("分配量", "Allocated"),
    ("单价（元）", "Unit price (yuan)"),
    ("金额（元）", "Total (yuan)"),
];

/// `/pools/{id}/allocations.xlsx`: what the commitments list shows the caller, as a workbook.
pub async fn allocations(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<i64>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/pools/{raw}");
    if let Err(r) = someone(&app, &headers, &here).await {
        return r;
    }
    let pool = match shown(
        crate::api::pools::get(State(app.clone()), ReqLang(lang), headers.clone(), id(raw)).await,
        lang,
        &here,
    )
    .await
    {
        Ok(v) => v,
        Err(page) => return page,
    };
    let r = crate::api::pools::commitments(State(app.clone()), ReqLang(lang), headers.clone(), id(raw)).await;
    match shown(r, lang, &here).await {
        Ok(v) => super::chart::xlsx_download(
            allocation_book(lang, &pool, v["items"].as_array().map(Vec::as_slice).unwrap_or(&[])),
            "allocations.xlsx",
        ),
        Err(page) => page,
    }
}

/// `/pools/new`: the form to open a pool, for owners and admins of a firm.
pub async fn new_page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/pools/new";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query_map(query.as_deref());
    let series = app.store.price_series().await.unwrap_or_default();
    let series: Vec<Value> = series
        .iter()
        .map(|s| {
            let name = if lang == Lang::En { &s.record.name_en } else { &s.record.name_zh };
            context! { id => s.id, name => format!("{} · {} ({})", s.record.code, name, s.record.unit), kind => s.record.kind.code() }
        })
        .collect();
    let tax = Taxonomy::get();
    let materials: Vec<Value> = tax
        .category_with_descendants("materials")
        .into_iter()
        .chain(tax.category_with_descendants("parts"))
        .filter_map(|c| tax.category(c))
        .map(|c| context! { code => c.entry.code.clone(), name => c.entry.name(lang).to_string() })
        .collect();
    let units: Vec<Value> = ["t", "kg", "pcs", "set", "m"]
        .iter()
        .filter_map(|u| tax.unit(u))
        .map(|u| context! { code => u.code.clone(), name => u.name(lang).to_string() })
        .collect();
    let managed: Vec<Value> = user
        .orgs
        .iter()
        .filter(|m| m.role.code() != "member")
        .map(|m| context! { id => m.org_id, name => m.org_name.clone() })
        .collect();
    let day = |n: i64| (wujin_store::ties::today() + time::Duration::days(n)).to_string();
    let ctx = context! {
        user => user.view(), managed, series, materials, units,
        modes => TierMode::ALL.iter().map(|m| context! { code => m.code(), name => m.name(lang) }).collect::<Vec<_>>(),
        deadline => day(14), from => day(21), to => day(45),
        error => q.get("error").cloned(),
    };
    render(StatusCode::OK, "pool_new.html", lang, here, ctx)
}

/// `POST /pools/new`: open a pool through the API; to its page, or back with the refusal.
pub async fn create(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = "/pools/new";
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let number = |k: &str| field(k).and_then(|v| v.replace(',', "").parse::<i64>().ok());
    let money = |k: &str| field(k).and_then(|v| wujin_domain::Fen::parse_yuan(&v).ok()).map(|f| f.0);
    let percent_bp = |k: &str| {
        field(k).and_then(|v| v.trim_end_matches('%').parse::<f64>().ok()).map(|p| (p * 100.0).round() as i64)
    };
    let tiers: Vec<Json> = (0..3)
        .filter_map(|n| {
            let q = number(&format!("tier_{n}_quantity"))?;
            Some(serde_json::json!({"min_quantity": q, "discount_bp": percent_bp(&format!("tier_{n}_percent")).unwrap_or(0)}))
        })
        .collect();
    let series = number("series_id");
    let b = serde_json::json!({
        "org_id": number("org_id").unwrap_or(0), "spec": field("spec").unwrap_or_default(),
        "category": field("category").unwrap_or_default(), "unit": field("unit").unwrap_or_default(),
        "lot_size": number("lot_size").unwrap_or(0), "tier_mode": field("tier_mode"), "tiers": tiers,
        "series_id": series, "fixed_price_fen": if series.is_none() { money("fixed_price") } else { None },
        "base_price_fen": if series.is_some() { money("base_price") } else { None },
        "base_date": if series.is_some() { field("base_date") } else { None },
        "fee_fen": money("fee").unwrap_or(0), "settlement_date": field("settlement_date"),
        "deadline": field("deadline").unwrap_or_default(), "min_total": number("min_total").unwrap_or(0),
        "cap": number("cap"), "delivery_from": field("delivery_from").unwrap_or_default(),
        "delivery_to": field("delivery_to").unwrap_or_default(),
    });
    let r = crate::api::pools::create(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await;
    match json_of(r).await {
        Ok(v) => see_other(&format!("/pools/{}", v["id"]), None),
        Err(e) => back_to(here, Err(e.message)),
    }
}

/// Keys made from values in templates, for the catalogue test.
pub const KEYS: &[&str] = &[
    "pool_price_now",
    "pool_price_provisional",
    "pool_price_final",
    "pool_fixed_price",
    "pool_indexed_price",
    "pool_quoted_price",
    "series_head",
    "inbox_pool_opened",
    "inbox_pool_due_3d",
    "inbox_pool_due_1d",
    "inbox_pool_allocated",
    "inbox_pool_allocated_provisional",
    "inbox_pool_settled",
    "inbox_pool_failed",
    "inbox_pool_closed",
    "inbox_pool_cancelled",
    "inbox_pool_extended",
    "inbox_booking_requested",
    "inbox_booking_confirmed",
    "inbox_booking_declined",
    "inbox_booking_cancelled",
    "inbox_booking_expired",
    "inbox_standard_replaced",
    "inbox_standard_withdrawn",
    "inbox_standard_labs",
    "inbox_standard_no_labs",
    "inbox_declaration_lapsed",
    "inbox_test_requested",
    "inbox_test_confirmed",
    "inbox_test_declined",
    "inbox_test_received",
    "inbox_test_testing",
    "inbox_test_reported",
    "inbox_test_cancelled",
    "inbox_test_rated",
    "inbox_accreditation_verified",
    "inbox_accreditation_rejected",
    "inbox_declaration_expiring",
    "inbox_certificate_expiring",
    "inbox_certificate_lapsed",
];
