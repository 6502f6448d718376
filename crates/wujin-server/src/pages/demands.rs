//! The demand pages: my demands and those open to me, posting a demand, and one demand's
//! page for whoever may see it — the buyer (publish, invite the suggested providers, cancel,
//! compare the responses once the deadline has passed, download them, award, complete,
//! rate) and a provider (respond, revise, withdraw until the deadline; start, complete and
//! rate after an award).
//!
//! Pages do not hold rules of their own: every read and every write goes through the JSON
//! API's handler for it, with the person's session, so a page shows exactly what the API
//! would show them and refuses exactly what it would refuse. A form carries the session's
//! CSRF token, checked here and handed on as the API's header.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::{Value as Json, json};
use wujin_domain::{Lang, Taxonomy};

use super::account::see_other;
use super::catalogue::text;
use super::session::{PageUser, Posted, csrf_ok, form, form_all, not_found, page_user, path_id, posted, sign_in_first};
use super::{ListPage, page_lang, render, user_ctx, yuan};
use crate::api::error::ApiError;
use crate::api::lang::ReqLang;
use crate::api::{AppState, demands as d, engagements as e, invitations as inv, responses as r};

/// Catalogue keys made from values (states, kinds), for the catalogue test.
pub const KEYS: &[&str] = &[
    "todo_award",
    "todo_rate",
    "state_draft",
    "state_open",
    "state_closed",
    "state_awarded",
    "state_in_progress",
    "state_completed",
    "state_rated",
    "state_cancelled",
    "response_submitted",
    "response_withdrawn",
    "engagement_active",
    "engagement_completed",
    "basis_unit",
    "basis_lump_sum",
    "left_days",
    "left_hours",
    "whole_number",
    "yuan_amount",
    "col_provider",
    "col_price",
    "col_basis",
    "col_total",
    "col_lead",
    "col_valid",
    "col_rating",
    "col_rate",
    "col_standards",
    "col_notes",
];

/// The JSON an API handler answered, or its error.
pub(super) async fn json_of<R: IntoResponse>(result: Result<R, ApiError>) -> Result<Json, ApiError> {
    let resp = result?.into_response();
    let bytes = axum::body::to_bytes(resp.into_body(), 8 * 1024 * 1024).await.unwrap_or_default();
    Ok(serde_json::from_slice(&bytes).unwrap_or(Json::Null))
}

pub(super) fn id(raw: i64) -> crate::api::RawId {
    Ok(Path(raw.to_string()))
}

fn ids(a: i64, b: i64) -> crate::api::RawPath {
    Ok(Path(vec![a.to_string(), b.to_string()]))
}

fn body(v: Json) -> Bytes {
    Bytes::from(v.to_string())
}

/// The request's headers as the API's write check wants them: the session's CSRF token
/// in `x-csrf-token`, once the form has shown it has it.
pub(super) fn write_headers(headers: &HeaderMap, user: &PageUser) -> HeaderMap {
    let mut h = headers.clone();
    if let Ok(v) = HeaderValue::from_str(&user.csrf) {
        h.insert("x-csrf-token", v);
    }
    h
}

fn to_value(v: &Json) -> Value {
    Value::from(Serde(v.clone()))
}

/// "3 天 4 小时" until `deadline` (RFC 3339), or None once it has passed.
fn countdown(lang: Lang, deadline: &str) -> Option<String> {
    let t = time::OffsetDateTime::parse(deadline, &time::format_description::well_known::Rfc3339).ok()?;
    let left = (t - time::OffsetDateTime::now_utc()).whole_minutes();
    if left <= 0 {
        return None;
    }
    let (days, hours, minutes) = (left / 1440, left % 1440 / 60, left % 60);
    Some(if days > 0 {
        text(lang, "left_days", &[days.to_string(), hours.to_string()])
    } else {
        text(lang, "left_hours", &[hours.to_string(), minutes.to_string()])
    })
}

/// An RFC 3339 instant as a clock in Yongkang shows it ("2026-12-20 18:00").
pub(crate) fn china_time(rfc3339: &str) -> String {
    let Ok(t) = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339) else {
        return rfc3339.to_string();
    };
    let china = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.to_offset(china).format(&format).unwrap_or_else(|_| rfc3339.to_string())
}

fn state_name(lang: Lang, state: &str) -> String {
    text(lang, &format!("state_{state}"), &[])
}

/// A demand's unit as typed (件, pcs, 只) to its code, when the taxonomy knows it.
fn unit_code(raw: &str) -> Option<&'static str> {
    Taxonomy::get().unit(raw).map(|u| u.code.as_str())
}

/// Yuan as typed ("18", "18.5") to fen, or None.
fn fen_of(raw: &str) -> Option<i64> {
    wujin_domain::Fen::parse_yuan(raw.trim()).ok().map(|f| f.0).filter(|f| *f >= 0)
}

/// One line of a demand list, as both lists show it.
fn summary(lang: Lang, i: &Json) -> Value {
    let deadline = i["deadline"].as_str().unwrap_or("");
    let left = countdown(lang, deadline);
    // An open demand past its deadline is closed, whether or not the store has noted it yet.
    let state = match i["state"].as_str().unwrap_or("") {
        "open" if left.is_none() => "closed",
        s => s,
    };
    let responses = i["responses"].as_i64();
    // What the buyer has to do now: award once quotes are in, rate once the work is done.
    let todo = match state {
        "closed" if responses.unwrap_or(0) > 0 => Some(text(lang, "todo_award", &[])),
        "completed" => Some(text(lang, "todo_rate", &[])),
        _ => None,
    };
    context! {
        id => i["id"].as_i64(), title => i["title"].as_str().unwrap_or("").to_string(),
        state_code => state.to_string(), state => state_name(lang, state),
        // Only an open demand counts down; a cancelled or closed one has nothing left to wait for.
        left => if state == "open" { left } else { None },
        responses, todo,
        invited => i["visibility"] == "invited", matches => i["matches"].as_bool().unwrap_or(false),
    }
}

/// `/demands`: the demands of my firms, those waiting for my decision first.
pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/demands") };
    let page = ListPage::of("/demands", query.as_deref(), "after");
    let mine = json_of(d::list(State(app.clone()), ReqLang(lang), headers.clone(), page.params.clone()).await).await;
    let pages = page.links(mine.as_ref().unwrap_or(&Json::Null));
    let mut items: Vec<Value> = mine
        .ok()
        .and_then(|v| v["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|i| summary(lang, i))
        .collect();
    // Decisions first, newest first within each (within the page shown).
    items.sort_by_key(|i| i.get_attr("todo").map(|t| t.is_none()).unwrap_or(true));
    let ctx = context! { items, pages, user => user_ctx(&Some(user)) };
    render(StatusCode::OK, "demands.html", lang, "/demands", ctx)
}

/// `/demands/open`: demands my firms may quote for, those in their line first; the rest
/// behind "其他需求" (`?other=1`).
pub async fn open_list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/demands/open") };
    let other =
        query.as_deref().is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "other" && v == "1"));
    let here = if other { "/demands/open?other=1" } else { "/demands/open" };
    let page = ListPage::of(here, query.as_deref(), "after")
        .with("scope", "open")
        .with("match", if other { "other" } else { "mine" });
    let open = json_of(d::list(State(app.clone()), ReqLang(lang), headers.clone(), page.params.clone()).await).await;
    let pages = page.links(open.as_ref().unwrap_or(&Json::Null));
    let items: Vec<Value> = open
        .ok()
        .and_then(|v| v["items"].as_array().cloned())
        .unwrap_or_default()
        .iter_mut()
        .map(|i| {
            i["matches"] = json!(!other);
            summary(lang, i)
        })
        .collect();
    let ctx = context! { items, pages, other, user => user_ctx(&Some(user)) };
    render(StatusCode::OK, "demands_open.html", lang, here, ctx)
}

fn new_form_ctx(
    lang: Lang,
    user: &PageUser,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Value {
    let t = Taxonomy::get();
    let families: Vec<Value> = t
        .families
        .iter()
        .map(|f| context! { code => f.entry.code.clone(), name => f.entry.name(lang).to_string() })
        .collect();
    let towns: Vec<Value> =
        t.towns.iter().map(|e| context! { code => e.code.clone(), name => e.name(lang).to_string() }).collect();
    context! {
        values => Value::from(Serde(values.clone())), errors => Value::from(Serde(errors.clone())),
        families, towns, user => user.view(),
    }
}

/// The firm a "ask for a quote" link addresses (`?to=ORG`), and the offer it came from
/// (`&offer=ID`, only when that firm sells it): the demand form is filled from the offer,
/// visible to the invited only, and saving it invites the firm in the same write.
async fn asked(
    app: &AppState,
    lang: Lang,
    to: Option<i64>,
    offer: Option<i64>,
) -> Option<(Value, HashMap<String, String>)> {
    let org = app.store.org(to?).await.ok()??;
    let mut values =
        HashMap::from([("to".to_string(), org.id.to_string()), ("visibility".to_string(), "invited".to_string())]);
    if let Some(o) = match offer {
        Some(id) => app.store.offer(id).await.ok().flatten().filter(|o| o.org_id == org.id),
        None => None,
    } {
        let t = Taxonomy::get();
        let r = &o.record;
        values.insert("title".into(), r.title.clone());
        values.insert("need".into(), text(lang, "ask_quote_need", std::slice::from_ref(&r.title)));
        if let Some(c) = t.category(&r.category) {
            values.insert("category".into(), c.entry.name(lang).to_string());
        }
        if let Some(u) = r.unit.as_deref().and_then(|u| t.unit(u)) {
            values.insert("unit".into(), if lang == Lang::Zh { u.zh.clone() } else { u.code.clone() });
        }
        if let Some(m) = r.moq {
            values.insert("quantity".into(), m.to_string());
        }
        values.insert("offer".into(), o.id.to_string());
    }
    Some((context! { id => org.id, name => org.record.name.clone() }, values))
}

fn query_id(query: Option<&str>, key: &str) -> Option<i64> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .filter(|i| *i > 0)
}

pub async fn new_page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let q = query.as_deref();
    let (to, offer) = (query_id(q, "to"), query_id(q, "offer"));
    let here = match (to, offer) {
        (Some(to), Some(o)) => format!("/demands/new?to={to}&offer={o}"),
        (Some(to), None) => format!("/demands/new?to={to}"),
        _ => "/demands/new".to_string(),
    };
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let (ask, values) = match asked(&app, lang, to, offer).await {
        Some((ask, values)) => (Some(ask), values),
        None => (None, HashMap::new()),
    };
    let mut ctx = new_form_ctx(lang, &user, &values, &HashMap::new());
    ctx = context! { ask, ..ctx };
    render(StatusCode::OK, "demand_new.html", lang, &here, ctx)
}

/// An API error as the form shows it: on its field when it names one the form has.
fn field_of(e: &ApiError, form_fields: &[&str]) -> (String, String) {
    let field = e.field.clone().unwrap_or_default();
    let top = field.split('/').next().unwrap_or("").to_string();
    let key = if form_fields.contains(&top.as_str()) { top } else { "form".into() };
    (key, e.message.clone())
}

/// The API request a demand form stands for, and the mistakes the form itself can see
/// (a quantity that is not a number, a budget that is not an amount).
fn demand_request(lang: Lang, f: &HashMap<String, String>, errors: &mut HashMap<String, String>) -> Json {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let quantity = super::session::whole(lang, f, "quantity", errors);
    let budget = super::session::fen(lang, f, "budget", errors);
    let split = |v: Option<String>| -> Vec<String> {
        v.map(|s| {
            s.split([',', '，', ';', '；', '、']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
        })
        .unwrap_or_default()
    };
    json!({
        "title": get("title").unwrap_or_default(), "need": get("need").unwrap_or_default(),
        "family": get("family"), "category": get("category"), "quantity": quantity, "unit": get("unit"),
        "budget_fen": budget, "standards": split(get("standards")), "certificates": split(get("certificates")),
        "deadline": get("deadline").unwrap_or_default(), "town": get("town"),
        "visibility": get("visibility").unwrap_or_else(|| "public".into()),
    })
}

/// The form's fields an API error may name.
const DEMAND_FIELDS: [&str; 13] = [
    "org_id",
    "title",
    "need",
    "family",
    "category",
    "quantity",
    "unit",
    "budget_fen",
    "standards",
    "certificates",
    "deadline",
    "town",
    "visibility",
];

/// An API refusal of a demand form, on the field it names.
fn demand_error(e: &ApiError, errors: &mut HashMap<String, String>) {
    let (k, m) = field_of(e, &DEMAND_FIELDS);
    let k = if k == "budget_fen" { "budget".into() } else { k };
    errors.insert(k, m);
}

pub async fn create(State(app): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &raw, "/demands/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut request = demand_request(lang, &f, &mut errors);
    request["org_id"] = json!(f.get("org_id").and_then(|o| o.trim().parse::<i64>().ok()));
    let to = f.get("to").and_then(|o| o.trim().parse::<i64>().ok());
    if let Some(to) = to {
        request["invite_org_ids"] = json!([to]);
    }
    if errors.is_empty() {
        let h = write_headers(&headers, &user);
        match json_of(d::create(State(app.clone()), ReqLang(lang), h, body(request)).await).await {
            Ok(v) => return see_other(&format!("/demands/{}", v["id"].as_i64().unwrap_or(0)), None),
            Err(e) => demand_error(&e, &mut errors),
        }
    }
    let values: HashMap<String, String> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let ask = asked(&app, lang, to, None).await.map(|(ask, _)| ask);
    let ctx = new_form_ctx(lang, &user, &values, &errors);
    render(StatusCode::BAD_REQUEST, "demand_new.html", lang, "/demands/new", context! { ask, ..ctx })
}

/// `/demands/{id}/edit`: a draft's form, filled with what it says now.
pub async fn edit_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/demands/{raw}/edit");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(did) = raw.parse::<i64>().ok().filter(|i| *i > 0) else {
        return super::message(StatusCode::NOT_FOUND, lang, &here, "not_found_title", "");
    };
    let d = match json_of(d::get(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await).await {
        Ok(v) if v["state"] == "draft" && user.org_ids().contains(&v["org_id"].as_i64().unwrap_or(0)) => v,
        Ok(_) => return see_other(&format!("/demands/{did}"), None),
        Err(e) => return super::message(e.status, lang, &here, "not_found_title", &e.message),
    };
    let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
    let list = |k: &str| {
        d[k].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
    };
    let values: HashMap<String, String> = [
        ("title", s("title")),
        ("need", s("need")),
        ("family", s("family")),
        (
            "category",
            d["category"]
                .as_str()
                .and_then(|c| Taxonomy::get().category(c))
                .map(|c| c.entry.name(lang).to_string())
                .unwrap_or_default(),
        ),
        ("quantity", d["quantity"].as_i64().map(|q| q.to_string()).unwrap_or_default()),
        ("unit", s("unit")),
        ("budget", d["budget_fen"].as_i64().map(yuan).unwrap_or_default()),
        ("standards", list("standards")),
        ("deadline", china_time(&s("deadline")).chars().take(10).collect()),
        ("town", s("town")),
        ("visibility", s("visibility")),
        ("revision", d["revision"].as_i64().unwrap_or(0).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let ctx = context! { edit_id => did, ..new_form_ctx(lang, &user, &values, &HashMap::new()) };
    render(StatusCode::OK, "demand_new.html", lang, &here, ctx)
}

pub async fn edit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    raw_body: Bytes,
) -> Response {
    let here = format!("/demands/{raw}/edit");
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &raw_body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(did) = path_id(&raw) else { return not_found(lang, &here) };
    let mut request = demand_request(lang, &f, &mut errors);
    request["revision"] = json!(f.get("revision").and_then(|r| r.trim().parse::<i64>().ok()));
    if errors.is_empty() {
        let h = write_headers(&headers, &user);
        match json_of(d::edit(State(app.clone()), ReqLang(lang), h, id(did), body(request)).await).await {
            Ok(_) => return see_other(&format!("/demands/{did}"), None),
            Err(e) => demand_error(&e, &mut errors),
        }
    }
    let values: HashMap<String, String> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let ctx = context! { edit_id => did, ..new_form_ctx(lang, &user, &values, &errors) };
    render(StatusCode::BAD_REQUEST, "demand_new.html", lang, &here, ctx)
}

/// Sorting the responses table: a column and its direction.
fn sort_key(item: &Json, by: &str) -> i64 {
    match by {
        "lead" => item["lead_time_days"].as_i64().unwrap_or(i64::MAX),
        "total" => item["total_fen"].as_i64().unwrap_or(i64::MAX),
        "rating" => -(item["rating_tenths"].as_i64().unwrap_or(0)),
        _ => item["price_fen"].as_i64().unwrap_or(i64::MAX),
    }
}

/// The responses the buyer may read, with what the table shows beside each: total, the
/// provider's rating and response rate, and the required standards its offers meet.
async fn response_rows(app: &AppState, lang: Lang, headers: &HeaderMap, demand: &Json, sort: &str) -> Vec<Json> {
    let did = demand["id"].as_i64().unwrap_or(0);
    let Ok(list) =
        json_of(r::list(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(vec![did.to_string()]))).await)
            .await
    else {
        return vec![];
    };
    let items = list["items"].as_array().cloned().unwrap_or_default();
    let orgs: Vec<i64> = items.iter().filter_map(|i| i["org_id"].as_i64()).collect();
    let reputations = app.store.reputations(&orgs).await.unwrap_or_default();
    let quantity = demand["quantity"].as_i64();
    let required: Vec<String> = demand["standards"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default();
    // Met means declared, with a report in force: the edition declared is what is shown.
    let met_by = app.store.declared_by(&orgs, &required, wujin_store::ties::today()).await.unwrap_or_default();
    let mut rows = vec![];
    for mut i in items {
        let org = i["org_id"].as_i64().unwrap_or(0);
        let price = i["price_fen"].as_i64().unwrap_or(0);
        let total = match (i["basis"].as_str(), quantity) {
            (Some("unit"), Some(q)) => Some(price.saturating_mul(q)),
            (Some("lump_sum"), _) => Some(price),
            _ => None,
        };
        let rep = reputations.get(&org).copied().unwrap_or_default();
        // In the order the demand lists them.
        let met: Vec<&str> = required
            .iter()
            .filter_map(|s| met_by.iter().find(|(o, r, _)| *o == org && r == s).map(|(_, _, edition)| edition.as_str()))
            .collect();
        i["price"] = json!(yuan(price));
        // The price says what it is: per unit of the demand ("12.50 元/件") or for the lot.
        i["price_text"] = json!(match i["basis"].as_str() {
            Some("lump_sum") => text(lang, "price_lump_sum", &[super::yuan_range(price, price)]),
            _ => super::registry::price_per(lang, price, price, demand["unit"].as_str().and_then(unit_code)),
        });
        i["total_fen"] = json!(total);
        i["total"] = json!(total.map(yuan));
        i["basis_name"] = json!(text(lang, &format!("basis_{}", i["basis"].as_str().unwrap_or("unit")), &[]));
        i["rating_tenths"] = json!(rep.rating_avg.map(|a| (a * 10.0).round() as i64));
        i["rating"] = json!(rep.rating_avg.map(|a| format!("{a:.1} ({})", rep.ratings)));
        i["response_rate"] = json!((rep.invited > 0).then(|| format!("{}%", rep.answered * 100 / rep.invited)));
        i["standards_met"] = json!(met.join(" · "));
        i["standards_list"] = json!(met);
        rows.push(i);
    }
    rows.sort_by_key(|i| sort_key(i, sort));
    rows
}

/// `/demands/{id}`: the demand as the person may see it, with what they may do now.
pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/demands/{raw}");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(did) = raw.parse::<i64>().ok().filter(|i| *i > 0) else {
        return super::message(StatusCode::NOT_FOUND, lang, &here, "not_found_title", "");
    };
    let q: HashMap<String, String> =
        query.as_deref().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let read = || async { json_of(d::get(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await).await };
    let mut demand = match read().await {
        Ok(v) => v,
        Err(e) => return super::message(e.status, lang, &here, "not_found_title", &e.message),
    };
    // Past its deadline an open demand is closed, whether or not the sweep has come by.
    if demand["state"] == "open" && countdown(lang, demand["deadline"].as_str().unwrap_or("")).is_none() {
        let _ = app.store.close_if_due(did, wujin_store::now_ms()).await;
        demand = read().await.unwrap_or(demand);
    }
    let buyer = user.org_ids().contains(&demand["org_id"].as_i64().unwrap_or(0));
    let state = demand["state"].as_str().unwrap_or("").to_string();
    let deadline = demand["deadline"].as_str().unwrap_or("").to_string();
    let left = countdown(lang, &deadline);
    let t = Taxonomy::get();
    let mut view = demand.clone();
    view["state_name"] = json!(state_name(lang, &state));
    view["family_name"] =
        json!(demand["family"].as_str().and_then(|f| t.family(f)).map(|f| f.entry.name(lang).to_string()));
    view["category_name"] =
        json!(demand["category"].as_str().and_then(|c| t.category(c)).map(|c| c.entry.name(lang).to_string()));
    view["budget"] = json!(demand["budget_fen"].as_i64().map(yuan));
    let unit = demand["unit"].as_str();
    view["quantity_text"] =
        json!(demand["quantity"].as_i64().map(|n| super::registry::quantity(lang, n, unit.and_then(unit_code))));
    view["deadline_local"] = json!(china_time(&deadline));
    let sort = q.get("sort").cloned().unwrap_or_else(|| "price".into());
    let (mut responses, mut mine, mut suggestions, mut invited, mut engagements) =
        (vec![], vec![], Json::Null, Json::Null, vec![]);
    if buyer {
        if left.is_none() && state != "draft" {
            responses = response_rows(&app, lang, &headers, &demand, &sort).await;
        }
        if left.is_some() && (state == "draft" || state == "open") {
            suggestions = json_of(inv::suggestions(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await)
                .await
                .unwrap_or(Json::Null);
            for item in suggestions["items"].as_array_mut().into_iter().flatten() {
                item["why"] = json!(super::search::why(lang, item));
            }
            invited = json_of(inv::list(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await)
                .await
                .unwrap_or(Json::Null);
        }
    } else if let Ok(v) =
        json_of(r::list(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(vec![did.to_string()]))).await)
            .await
    {
        mine = v["items"].as_array().cloned().unwrap_or_default();
        for m in mine.iter_mut() {
            let p = m["price_fen"].as_i64().unwrap_or(0);
            m["price"] = json!(yuan(p));
            m["basis_name"] = json!(text(lang, &format!("basis_{}", m["basis"].as_str().unwrap_or("unit")), &[]));
        }
    }
    // Engagements of this demand that the person's firms are a side of.
    // Ids only: each is read through the API, which decides who may see it.
    if let Ok(rows) = app.store.engagement_ids(did).await {
        for eid in rows {
            if let Ok(v) = json_of(e::get(State(app.clone()), ReqLang(lang), headers.clone(), id(eid)).await).await {
                let mut v = v;
                let side_buyer = user.org_ids().contains(&v["buyer_org_id"].as_i64().unwrap_or(0));
                v["side"] = json!(if side_buyer { "buyer" } else { "provider" });
                // Named by the other side, never by an internal number.
                let other = v[if side_buyer { "provider_org_id" } else { "buyer_org_id" }].as_i64().unwrap_or(0);
                v["other_name"] = json!(super::english::firm_name(&app, lang, other).await);
                v["quantity_text"] = json!(v["quantity"].as_i64().map(|n| super::registry::quantity(
                    lang,
                    n,
                    demand["unit"].as_str().and_then(unit_code)
                )));
                engagements.push(v);
            }
        }
    }
    // The quotes that won: their firms have an engagement on this demand.
    let winners: Vec<i64> = engagements.iter().filter_map(|e| e["provider_org_id"].as_i64()).collect();
    for r in responses.iter_mut() {
        r["won"] = json!(r["org_id"].as_i64().is_some_and(|o| winners.contains(&o)));
    }
    let orgs_for_response: Vec<Value> = user
        .orgs
        .iter()
        .filter(|m| m.role.may_act() && Some(m.org_id) != demand["org_id"].as_i64())
        .map(|m| context! { id => m.org_id, name => m.org_name.clone() })
        .collect();
    let mut invited_ids: Vec<i64> = vec![];
    if let Some(a) = invited["items"].as_array() {
        invited_ids = a.iter().filter_map(|i| i["org_id"].as_i64()).collect();
    }
    let flash = q.get("error").cloned();
    let open_now = state == "open" && left.is_some();
    let (mut responses, mut mine) = (Json::Array(responses), Json::Array(mine));
    super::english::firm_names(&app, lang, &mut [&mut view, &mut responses, &mut mine, &mut suggestions, &mut invited])
        .await;
    let ctx = context! {
        demand => to_value(&view), buyer, left, open_now,
        responses => to_value(&responses), mine => to_value(&mine),
        suggestions => to_value(&suggestions["items"]), invited => to_value(&invited["items"]), invited_ids,
        engagements => to_value(&Json::Array(engagements)), orgs_for_response, sort, flash,
        user => user.view(),
    };
    render(StatusCode::OK, "demand.html", lang, &here, ctx)
}

/// The reasons a buyer may give, in the page's language.
fn cancel_reasons(lang: Lang) -> Vec<Json> {
    wujin_domain::demand::CancelReason::ALL.iter().map(|r| json!({"code": r.code(), "name": r.name(lang)})).collect()
}

/// The demand a cancel page is about, if the signed-in person's firm may cancel it now.
async fn cancellable(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    user: &PageUser,
    did: i64,
) -> Result<Json, Response> {
    let here = format!("/demands/{did}/cancel");
    let demand = json_of(d::get(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await)
        .await
        .map_err(|e| super::message(e.status, lang, &here, "not_found_title", &e.message))?;
    let buyer = user.org_ids().contains(&demand["org_id"].as_i64().unwrap_or(0));
    let state = demand["state"].as_str().unwrap_or("");
    if !buyer || !["draft", "open", "closed"].contains(&state) {
        return Err(see_other(&format!("/demands/{did}"), None));
    }
    Ok(demand)
}

fn cancel_form(lang: Lang, user: &PageUser, demand: &Json, values: Json, errors: &HashMap<String, String>) -> Response {
    let here = format!("/demands/{}/cancel", demand["id"]);
    let ctx = context! {
        user => user.view(), demand => Value::from(Serde(demand)), reasons => Value::from(Serde(cancel_reasons(lang))),
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, "demand_cancel.html", lang, &here, ctx)
}

/// `/demands/{id}/cancel`: what cancelling does, and why, asked before anything happens.
pub async fn cancel_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/demands/{raw}/cancel");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(did) = path_id(&raw) else { return not_found(lang, &here) };
    match cancellable(&app, lang, &headers, &user, did).await {
        Ok(demand) => cancel_form(lang, &user, &demand, json!({}), &HashMap::new()),
        Err(r) => r,
    }
}

/// The confirmed cancellation: through the API's cancel, with the reason; back to the
/// demand, or the form again with the refusal on its field.
pub async fn cancel(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    posted_body: Bytes,
) -> Response {
    let here = format!("/demands/{raw}/cancel");
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &posted_body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(did) = path_id(&raw) else { return not_found(lang, &here) };
    let demand = match cancellable(&app, lang, &headers, &user, did).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let values = json!({"reason_code": f.get("reason_code"), "reason_text": f.get("reason_text")});
    if errors.is_empty() {
        let request = json!({
            "revision": f.get("revision").and_then(|r| r.trim().parse::<i64>().ok()),
            "reason_code": f.get("reason_code").map(|c| c.trim()).filter(|c| !c.is_empty()),
            "reason_text": f.get("reason_text"),
        });
        let h = write_headers(&headers, &user);
        match json_of(d::cancel(State(app.clone()), ReqLang(lang), h, id(did), body(request)).await).await {
            Ok(_) => return see_other(&format!("/demands/{did}"), None),
            Err(e) => {
                let field = e.field.as_deref().unwrap_or("");
                let key = if ["reason_code", "reason_text"].contains(&field) { field } else { "form" };
                // The API names its codes for integrators; a person picks from the list.
                let message = if key == "reason_code" { text(lang, "cancel_reason_missing", &[]) } else { e.message };
                errors.insert(key.to_string(), message);
            }
        }
    }
    cancel_form(lang, &user, &demand, values, &errors)
}

/// Back to the demand's page, with the API's refusal to show if there was one.
fn back(did: i64, result: Result<Json, ApiError>) -> Response {
    match result {
        Ok(_) => see_other(&format!("/demands/{did}"), None),
        Err(e) => {
            let msg: String = form_urlencoded::byte_serialize(e.message.as_bytes()).collect();
            see_other(&format!("/demands/{did}?error={msg}"), None)
        }
    }
}

/// One action form on a demand's page: `/demands/{id}/{action}`.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    raw_body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let Some(did) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return StatusCode::NOT_FOUND.into_response() };
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&format!("/demands/{did}")) };
    let f = form(&raw_body);
    if !csrf_ok(&user, &f) {
        return back(did, Err(ApiError { message: text(lang, "form_expired", &[]), ..ApiError::not_found(lang) }));
    }
    let h = write_headers(&headers, &user);
    let (st, rl) = (State(app.clone()), ReqLang(lang));
    let num = |k: &str| f.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let result = match action.as_str() {
        "publish" => json_of(d::publish(st, rl, h, id(did), body(json!({"revision": num("revision")}))).await).await,
        "invite" => {
            let orgs: Vec<i64> = form_all(&raw_body, "org").iter().filter_map(|o| o.parse().ok()).collect();
            json_of(inv::invite(st, rl, h, id(did), body(json!({"org_ids": orgs}))).await).await
        }
        "respond" | "revise" => {
            let price = f.get("price").and_then(|p| fen_of(p));
            let mut b = json!({
                "price_fen": price.unwrap_or(-1), "basis": f.get("basis").cloned().unwrap_or_else(|| "unit".into()),
                "lead_time_days": num("lead_time_days").unwrap_or(-1), "valid_days": num("valid_days").unwrap_or(0),
                "notes": f.get("notes").cloned().unwrap_or_default(),
            });
            if action == "respond" {
                b["org_id"] = json!(num("org_id"));
                json_of(r::create(st, rl, h, Ok(Path(vec![did.to_string()])), body(b)).await).await
            } else {
                b["revision"] = json!(num("revision"));
                json_of(r::revise(st, rl, h, ids(did, num("response").unwrap_or(0)), body(b)).await).await
            }
        }
        "withdraw" => {
            let b = body(json!({"revision": num("revision")}));
            json_of(r::withdraw(st, rl, h, ids(did, num("response").unwrap_or(0)), b).await).await
        }
        "award" => {
            let picked: Vec<i64> = form_all(&raw_body, "response").iter().filter_map(|o| o.parse().ok()).collect();
            let lines: Vec<Json> = picked
                .iter()
                .map(|rid| json!({"response_id": rid, "quantity": num(&format!("quantity_{rid}"))}))
                .collect();
            json_of(d::award(st, rl, h, id(did), body(json!({"revision": num("revision"), "awards": lines}))).await)
                .await
        }
        "start" => json_of(e::start(st, rl, h, id(num("engagement").unwrap_or(0))).await).await,
        "complete" => json_of(e::complete(st, rl, h, id(num("engagement").unwrap_or(0))).await).await,
        "rate" => {
            let b = body(
                json!({"score": num("score").unwrap_or(0), "comment": f.get("comment").cloned().unwrap_or_default()}),
            );
            json_of(e::rate(st, rl, h, id(num("engagement").unwrap_or(0)), b).await).await
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    back(did, result)
}

/// `/demands/{id}/responses.xlsx`: the responses table as a spreadsheet (the buyer, after
/// the deadline; anybody else gets what the API gives them, which is their own at most).
pub async fn download(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>) -> Response {
    let lang = page_lang(&headers, None);
    let Some(did) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return StatusCode::NOT_FOUND.into_response() };
    if page_user(&app, &headers).await.is_none() {
        return sign_in_first(&format!("/demands/{did}"));
    }
    let Ok(demand) = json_of(d::get(State(app.clone()), ReqLang(lang), headers.clone(), id(did)).await).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rows = response_rows(&app, lang, &headers, &demand, "price").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let heads = [
        "col_provider",
        "col_price",
        "col_basis",
        "col_total",
        "col_lead",
        "col_valid",
        "col_rating",
        "col_rate",
        "col_standards",
        "col_notes",
    ];
    for (c, h) in heads.iter().enumerate() {
        let _ = sheet.write_string(0, c as u16, text(lang, h, &[]));
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let s = |k: &str| row[k].as_str().unwrap_or("").to_string();
        let _ = sheet.write_string(r, 0, s("org_name"));
        let _ = sheet.write_number(r, 1, row["price_fen"].as_i64().unwrap_or(0) as f64 / 100.0);
        let _ = sheet.write_string(r, 2, s("basis_name"));
        if let Some(t) = row["total_fen"].as_i64() {
            let _ = sheet.write_number(r, 3, t as f64 / 100.0);
        }
        let _ = sheet.write_number(r, 4, row["lead_time_days"].as_i64().unwrap_or(0) as f64);
        let _ = sheet.write_number(r, 5, row["valid_days"].as_i64().unwrap_or(0) as f64);
        let _ = sheet.write_string(r, 6, s("rating"));
        let _ = sheet.write_string(r, 7, s("response_rate"));
        let _ = sheet.write_string(r, 8, s("standards_met"));
        let _ = sheet.write_string(r, 9, s("notes"));
    }
    match book.save_to_buffer() {
        Ok(bytes) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"demand-{did}-responses.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "responses spreadsheet");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
