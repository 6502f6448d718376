//! A firm's catalogue in the browser: add an offer (`/orgs/{id}/offers/new`), change it or
//! take it off (`/offers/{id}/edit`). The forms call the API's handlers with the person's
//! session, so they keep exactly the API's rules and show its refusals on their fields.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::{Value as Json, json};
use wujin_domain::Lang;

use super::account::see_other;
use super::demands::{json_of, write_headers};
use super::session::{PageUser, Posted, fen, not_found, page_user, path_id, posted, sign_in_first, whole};
use super::{page_lang, render, yuan};
use crate::api::error::ApiError;
use crate::api::lang::ReqLang;
use crate::api::{AppState, offer_writes, offers as api_offers};

/// The fields of the offer form, as the API names them (prices are typed in yuan here).
const FIELDS: [&str; 13] = [
    "kind",
    "title",
    "title_en",
    "description",
    "category",
    "specs",
    "standards",
    "price_min",
    "price_max",
    "unit",
    "moq",
    "lead_time_days",
    "hours_per_week",
];

fn form_page(status: StatusCode, lang: Lang, here: &str, ctx: Value) -> Response {
    render(status, "offer_form.html", lang, here, ctx)
}

/// The API request the form stands for, and the mistakes the form itself can see (a price
/// that is not an amount, a number that is not whole).
fn request(lang: Lang, f: &HashMap<String, String>, errors: &mut HashMap<String, String>) -> Json {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let moq = whole(lang, f, "moq", errors);
    let lead = whole(lang, f, "lead_time_days", errors);
    let hours = whole(lang, f, "hours_per_week", errors);
    let price_min = fen(lang, f, "price_min", errors);
    let price_max = fen(lang, f, "price_max", errors);
    // One specification a line ("材质=304不锈钢"); a line without "=" is a key with no value,
    // which the API refuses on the line it is.
    let specs: Vec<Json> = get("specs")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(['=', '：', ':']).unwrap_or((l, ""));
            json!({"key": k.trim(), "value": v.trim()})
        })
        .collect();
    let standards: Vec<String> = get("standards")
        .map(|s| {
            s.split([',', '，', ';', '；', '、']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
        })
        .unwrap_or_default();
    json!({
        "kind": get("kind"), "title": get("title").unwrap_or_default(), "title_en": get("title_en"),
        "description": get("description").unwrap_or_default(), "category": get("category").unwrap_or_default(),
        "specs": specs, "standards": standards, "price_min_fen": price_min, "price_max_fen": price_max,
        "unit": get("unit"), "moq": moq, "lead_time_days": lead, "hours_per_week": hours,
    })
}

/// An API refusal on the form field it names (`price_min_fen` is the form's `price_min`).
fn refusal(e: &ApiError, errors: &mut HashMap<String, String>) {
    let field = e.field.as_deref().unwrap_or("").split('/').next().unwrap_or("");
    let field = field.strip_suffix("_fen").unwrap_or(field);
    let key = if FIELDS.contains(&field) { field } else { "form" };
    errors.insert(key.to_string(), e.message.clone());
}

fn ctx(
    user: &PageUser,
    action: &str,
    org: Json,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Value {
    context! {
        action, org => Value::from(Serde(org)), values => Value::from(Serde(values.clone())),
        errors => Value::from(Serde(errors.clone())), user => user.view(),
        kinds => ["product", "service", "capacity"],
    }
}

/// `/orgs/{id}/offers/new`: an empty form.
pub async fn new_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}/offers/new");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(org) = path_id(&raw).filter(|o| user.keeps(*o)) else {
        return super::message(StatusCode::FORBIDDEN, lang, &here, "forbidden_title", "");
    };
    let name = user.orgs.iter().find(|m| m.org_id == org).map(|m| m.org_name.clone()).unwrap_or_default();
    let c = ctx(&user, &here, json!({"id": org, "name": name}), &HashMap::new(), &HashMap::new());
    form_page(StatusCode::OK, lang, &here, c)
}

pub async fn create(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let here = format!("/orgs/{raw}/offers/new");
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(org) = path_id(&raw) else { return not_found(lang, &here) };
    let req = request(lang, &f, &mut errors);
    if errors.is_empty() {
        let h = write_headers(&headers, &user);
        let answer = offer_writes::create(
            State(app.clone()),
            ReqLang(lang),
            h,
            Ok(Path(org.to_string())),
            req.to_string().into(),
        );
        match json_of(answer.await).await {
            Ok(v) => return see_other(&format!("/offers/{}", v["id"].as_i64().unwrap_or(0)), None),
            Err(e) => refusal(&e, &mut errors),
        }
    }
    let name = user.orgs.iter().find(|m| m.org_id == org).map(|m| m.org_name.clone()).unwrap_or_default();
    let values: HashMap<String, String> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let c = ctx(&user, &here, json!({"id": org, "name": name}), &values, &errors);
    form_page(StatusCode::BAD_REQUEST, lang, &here, c)
}

/// `/offers/{id}/edit`: the form filled with what the offer says now.
pub async fn edit_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/offers/{raw}/edit");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(id) = path_id(&raw) else { return not_found(lang, &here) };
    let o = match json_of(api_offers::get(State(app.clone()), ReqLang(lang), Ok(Path(id.to_string()))).await).await {
        Ok(o) if user.keeps(o["org_id"].as_i64().unwrap_or(0)) => o,
        Ok(_) => return super::message(StatusCode::FORBIDDEN, lang, &here, "forbidden_title", ""),
        Err(e) => return super::message(e.status, lang, &here, "not_found_title", &e.message),
    };
    let s = |v: &Json| v.as_str().unwrap_or("").to_string();
    let n = |v: &Json| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
    let list = |v: &Json, field: &str, sep: &str| {
        v.as_array().map(|a| a.iter().map(|x| s(&x[field])).collect::<Vec<_>>().join(sep)).unwrap_or_default()
    };
    let specs = o["specs"]
        .as_array()
        .map(|a| a.iter().map(|x| format!("{}={}", s(&x["key"]), s(&x["value"]))).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default();
    let values = HashMap::from([
        ("revision".to_string(), n(&o["revision"])),
        ("kind".into(), s(&o["kind"]["code"])),
        ("title".into(), s(&o["title"])),
        ("title_en".into(), s(&o["title_en"])),
        ("description".into(), s(&o["description"])),
        ("category".into(), s(&o["category"]["name"])),
        ("specs".into(), specs),
        ("standards".into(), list(&o["standards"], "number", "，")),
        ("price_min".into(), o["price"]["min"]["amount_fen"].as_i64().map(yuan).unwrap_or_default()),
        ("price_max".into(), o["price"]["max"]["amount_fen"].as_i64().map(yuan).unwrap_or_default()),
        ("unit".into(), s(&o["unit"]["name"])),
        ("moq".into(), n(&o["moq"]["value"])),
        ("lead_time_days".into(), n(&o["lead_time_days"])),
        ("hours_per_week".into(), n(&o["hours_per_week"])),
    ]);
    let org = json!({"id": o["org_id"], "name": o["org"]["name"], "offer_id": id});
    form_page(StatusCode::OK, lang, &here, ctx(&user, &here, org, &values, &HashMap::new()))
}

pub async fn edit(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let here = format!("/offers/{raw}/edit");
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = path_id(&raw) else { return not_found(lang, &here) };
    let mut req = request(lang, &f, &mut errors);
    req["revision"] = json!(f.get("revision").and_then(|r| r.trim().parse::<i64>().ok()));
    if errors.is_empty() {
        let h = write_headers(&headers, &user);
        let answer =
            offer_writes::edit(State(app.clone()), ReqLang(lang), h, Ok(Path(id.to_string())), req.to_string().into());
        match json_of(answer.await).await {
            Ok(_) => return see_other(&format!("/offers/{id}"), None),
            Err(e) => refusal(&e, &mut errors),
        }
    }
    let values: HashMap<String, String> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let org = json!({"offer_id": id});
    form_page(StatusCode::BAD_REQUEST, lang, &here, ctx(&user, &here, org, &values, &errors))
}

/// Takes the offer off the catalogue, then shows the firm's page.
pub async fn delete(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let here = format!("/offers/{raw}/edit");
    let Posted { lang, user, form: f, errors } = match posted(&app, &headers, &body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = path_id(&raw) else { return not_found(lang, &here) };
    if let Some(expired) = errors.get("form") {
        return super::message(StatusCode::FORBIDDEN, lang, &here, "forbidden_title", expired);
    }
    let org = f.get("org_id").and_then(|o| path_id(o)).unwrap_or(0);
    let req = json!({"revision": f.get("revision").and_then(|r| r.trim().parse::<i64>().ok())});
    let h = write_headers(&headers, &user);
    match offer_writes::delete(State(app), ReqLang(lang), h, Ok(Path(id.to_string())), req.to_string().into()).await {
        Ok(_) => see_other(&format!("/orgs/{org}"), None),
        Err(e) => super::message(e.status, lang, &here, "error_title", &e.message),
    }
}
