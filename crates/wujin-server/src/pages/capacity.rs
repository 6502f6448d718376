//! Shared capacity in the browser: the machines (`/machines`), a machine's week with its free
//! and booked windows and the booking form (`/machines/{id}`), and the bookings of the
//! caller's firms, asked for and asked of them, with their steps (`/bookings`). Every page
//! reads and writes through the API's handlers.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::{Serde, Value};

use super::account::back_to;
use super::catalogue::text;
use super::demands::{china_time, id, json_of};
use super::session::form;
use super::supervision::{query_map, shown, someone};
use super::targets::poster;
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::lang::ReqLang;
use crate::api::params::Params;

type Json = serde_json::Value;

const DAY_MS: i64 = 86_400_000;

fn ms(rfc: &Json) -> i64 {
    rfc.as_str()
        .and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .unwrap_or(0)
}

/// `/machines`: every machine offered, with its firm and process.
pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/machines";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let r =
        crate::api::machines::list(State(app.clone()), ReqLang(lang), headers.clone(), Params(HashMap::new())).await;
    let list = match shown(r, lang, here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let ctx = context! { user => user.view(), machines => Value::from(Serde(list["items"].clone())) };
    render(StatusCode::OK, "machines.html", lang, here, ctx)
}

/// Segments of one day's 24-hour bar, as per cent of the day: free, booked, maintenance.
fn day_bar(day_start: i64, windows: &[(i64, i64, &'static str)]) -> Vec<Value> {
    windows
        .iter()
        .filter(|w| w.1 > day_start && w.0 < day_start + DAY_MS)
        .map(|(a, b, kind)| {
            let from = (*a).max(day_start);
            let to = (*b).min(day_start + DAY_MS);
            let pct = |x: i64| ((x - day_start) as f64 / DAY_MS as f64 * 1000.0).round() / 10.0;
            let clock = |x: i64| china_time(&crate::api::views::rfc3339(x))[11..].to_string();
            context! { left => pct(from), width => pct(to) - pct(from), kind => *kind, from => clock(from), to => if to == day_start + DAY_MS { "24:00".to_string() } else { clock(to) } }
        })
        .collect()
}

/// `/machines/{id}`: the machine's week (free, booked, maintenance by day) and the booking
/// form for the caller's firms.
pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<i64>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/machines/{raw}");
    let user = match someone(&app, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query_map(query.as_deref());
    let from = q.get("from").and_then(|d| wujin_domain::tie::parse_date(d)).unwrap_or_else(wujin_store::ties::today);
    let p = Params(HashMap::from([("from".to_string(), from.to_string())]));
    let r = crate::api::machines::get(State(app.clone()), ReqLang(lang), headers.clone(), id(raw), p).await;
    let m = match shown(r, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let spans = |key: &str, kind: &'static str| -> Vec<(i64, i64, &'static str)> {
        m[key].as_array().cloned().unwrap_or_default().iter().map(|w| (ms(&w["from"]), ms(&w["to"]), kind)).collect()
    };
    let mut all = spans("free", "free");
    all.extend(spans("booked", "booked"));
    all.extend(spans("maintenance", "maintenance"));
    all.sort_by_key(|w| w.0);
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let first = from.with_hms(0, 0, 0).map(|t| t.assume_offset(offset)).ok();
    let start = first.map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64).unwrap_or(0);
    let days: Vec<Value> = (0..7)
        .map(|d| {
            let date = from + time::Duration::days(d);
            let weekday = text(lang, &format!("weekday_{}", date.weekday().number_days_from_monday()), &[]);
            context! { date => date.to_string(), weekday, segments => day_bar(start + d * DAY_MS, &all) }
        })
        .collect();
    let managed: Vec<Value> = user
        .orgs
        .iter()
        .filter(|o| o.role.code() != "member")
        .map(|o| context! { id => o.org_id, name => o.org_name.clone() })
        .collect();
    let ctx = context! {
        user => user.view(), m => Value::from(Serde(m.clone())), days, managed,
        prev => (from - time::Duration::days(7)).to_string(), next => (from + time::Duration::days(7)).to_string(),
        error => q.get("error").cloned(), booked => q.contains_key("booked"),
        day => (wujin_store::ties::today() + time::Duration::days(1)).to_string(),
    };
    render(StatusCode::OK, "machine.html", lang, &here, ctx)
}

/// `POST /machines/{id}/book`: request time through the API; back to the week, with the
/// refusal (a clash names the window in the way).
pub async fn book(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<i64>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/machines/{raw}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let b = serde_json::json!({
        "org_id": field("org_id").parse::<i64>().unwrap_or(0),
        // A browser may send the time with seconds ("09:00:00").
        "start": format!("{} {}", field("day"), field("time").chars().take(5).collect::<String>()),
        "hours": field("hours").parse::<f64>().unwrap_or(0.0),
        "quantity": field("quantity").replace(',', "").parse::<i64>().ok(),
        "material": field("material"), "notes": field("notes"),
    });
    let r = crate::api::machines::book(State(app.clone()), ReqLang(lang), h, id(raw), Bytes::from(b.to_string())).await;
    match json_of(r).await {
        Ok(_) => super::account::see_other(&format!("/bookings?booked={raw}"), None),
        Err(e) => back_to(&here, Err(e.message)),
    }
}

/// `/bookings`: the bookings the caller's firms asked for, and those asked of their machines,
/// with the steps each side may take.
pub async fn bookings(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/bookings";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut lists = vec![];
    for side in ["requested", "provided"] {
        let p = Params(HashMap::from([("side".to_string(), side.to_string())]));
        let r = crate::api::machines::bookings(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
        let items = match shown(r, lang, here).await {
            Ok(v) => v["items"].as_array().cloned().unwrap_or_default(),
            Err(page) => return page,
        };
        let rows: Vec<Value> = items
            .iter()
            .map(|b| {
                context! {
                    b => Value::from(Serde(b.clone())),
                    start => china_time(b["start"].as_str().unwrap_or_default()),
                    end => china_time(b["end"].as_str().unwrap_or_default()),
                    standing => matches!(b["state"].as_str(), Some("requested" | "confirmed")),
                    requested => b["state"] == "requested",
                }
            })
            .collect();
        lists.push(rows);
    }
    let q = query_map(query.as_deref());
    let provided = lists.pop().unwrap_or_default();
    let requested = lists.pop().unwrap_or_default();
    let ctx = context! {
        user => user.view(), requested, provided, error => q.get("error").cloned(), booked => q.contains_key("booked"),
    };
    render(StatusCode::OK, "bookings.html", lang, here, ctx)
}

/// `POST /bookings/{id}/{confirm|decline|cancel}`.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(i64, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = "/bookings";
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let reason = f.get("reason").map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let b = Bytes::from(serde_json::json!({ "reason": reason }).to_string());
    let (state, l) = (State(app.clone()), ReqLang(lang));
    let r = match action.as_str() {
        "confirm" => json_of(crate::api::machines::confirm(state, l, h, id(raw), b).await).await,
        "decline" => json_of(crate::api::machines::decline(state, l, h, id(raw), b).await).await,
        "cancel" => json_of(crate::api::machines::cancel(state, l, h, id(raw), b).await).await,
        _ => return super::session::not_found(lang, here),
    };
    back_to(here, r.map(|_| ()).map_err(|e| e.message))
}

/// Keys made from values in templates, for the catalogue test.
pub const KEYS: &[&str] = &["weekday_0", "weekday_1", "weekday_2", "weekday_3", "weekday_4", "weekday_5", "weekday_6"];
