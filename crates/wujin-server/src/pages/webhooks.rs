//! Webhooks in the browser, for the person who runs an integration without writing API
//! calls by hand: `/webhooks` lists their subscriptions and makes one (its secret shown
//! once), `/webhooks/{id}` shows one with its delivery log and the owner's actions (pause,
//! resume, change the URL or types, rotate the secret, send a test event, redeliver,
//! delete), and `/webhooks/{id}/deliveries/{delivery}` shows one delivery with every
//! attempt and the body as sent. Every read and write goes through the API's handlers, so a
//! page shows and refuses exactly what the API does.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde_json::json;
use wujin_domain::Lang;

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::demands::{china_time, json_of, write_headers};
use super::session::{PageUser, csrf_ok, form, form_all, page_user, sign_in_first};
use super::supervision::{query_map, shown};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::changes::TYPES;
use crate::api::lang::ReqLang;
use crate::api::params::Params;
use crate::api::webhooks as api;

type Json = serde_json::Value;

/// Catalogue keys made from values here, for the catalogue test.
pub const KEYS: &[&str] = &[
    "hook_state_active",
    "hook_state_paused",
    "hook_state_disabled",
    "webhook_reason_gone",
    "webhook_reason_failing",
    "webhook_reason_behind_retention",
    "delivery_state_pending",
    "delivery_state_delivered",
    "delivery_state_failed",
    "feed_type_org",
    "feed_type_offer",
    "feed_type_demand",
    "hook_done_pause",
    "hook_done_resume",
    "hook_done_edit",
    "hook_done_test",
    "hook_done_redeliver",
];

/// The actions whose success a subscription's page confirms (`?done=`).
const DONE: [&str; 5] = ["pause", "resume", "edit", "test", "redeliver"];

const HOME: &str = "/webhooks";

fn named(lang: Lang, prefix: &str, code: &Json) -> String {
    text(lang, &format!("{prefix}{}", code.as_str().unwrap_or_default()), &[])
}

fn when(v: &Json) -> String {
    v.as_str().map(china_time).unwrap_or_default()
}

/// A subscription as the pages show it: the API's view with its words in the reader's
/// language.
fn hook(lang: Lang, h: &Json) -> Value {
    let types: Vec<String> =
        h["types"].as_array().into_iter().flatten().map(|t| named(lang, "feed_type_", t)).collect();
    let reason = if h["disabled_reason"].is_string() {
        named(lang, "webhook_reason_", &h["disabled_reason"])
    } else {
        String::new()
    };
    context! {
        h => Value::from(Serde(h.clone())),
        state_name => named(lang, "hook_state_", &h["state"]),
        types => types.join(&text(lang, "list_separator", &[])),
        reason,
        created => when(&h["created_at"]),
        rotating_until => when(&h["previous_secret_until"]),
    }
}

/// The feed's types as checkboxes, ticked as `chosen` says (all when a form is new).
fn type_choices(lang: Lang, chosen: Option<&[String]>) -> Vec<Value> {
    TYPES
        .iter()
        .map(|t| {
            let on = chosen.is_none_or(|c| c.iter().any(|x| x == t));
            context! { code => *t, name => text(lang, &format!("feed_type_{t}"), &[]), on }
        })
        .collect()
}

/// `GET /webhooks`: my subscriptions and the form for a new one.
pub async fn list(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(HOME) };
    let error = query_map(query.as_deref()).remove("error");
    show_list(&app, lang, &headers, &user, ListExtras { error, ..ListExtras::default() }).await
}

/// What a list page shows beside the subscriptions: a secret just made, or a refusal with
/// the form as it was sent.
#[derive(Default)]
struct ListExtras {
    created: Option<Json>,
    error: Option<String>,
    url: String,
    types: Option<Vec<String>>,
}

async fn show_list(app: &AppState, lang: Lang, headers: &HeaderMap, user: &PageUser, x: ListExtras) -> Response {
    let answer = api::list(State(app.clone()), ReqLang(lang), headers.clone()).await;
    let list = match shown(answer, lang, HOME).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let hooks: Vec<Value> = list["items"].as_array().into_iter().flatten().map(|h| hook(lang, h)).collect();
    let created = x.created.map(|c| context! { secret => c["secret"].as_str().unwrap_or_default().to_string(), hook => hook(lang, &c["webhook"]) });
    let status = if x.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let ctx = context! {
        user => user.view(), hooks, created, error => x.error, url => x.url,
        choices => type_choices(lang, x.types.as_deref()), max => api::MAX_PER_ACCOUNT,
    };
    render(status, "webhooks.html", lang, HOME, ctx)
}

/// `POST /webhooks`: subscribe through the API; the secret is shown on the answer, once.
pub async fn create(State(app): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(HOME) };
    let f = form(&raw);
    let url = f.get("url").map(|u| u.trim().to_string()).unwrap_or_default();
    let types = form_all(&raw, "type");
    let refused =
        |error: String| ListExtras { error: Some(error), url: url.clone(), types: Some(types.clone()), created: None };
    if !csrf_ok(&user, &f) {
        return show_list(&app, lang, &headers, &user, refused(text(lang, "form_expired", &[]))).await;
    }
    let b = json!({"url": url, "types": types});
    let h = write_headers(&headers, &user);
    match json_of(api::create(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await).await {
        Ok(v) => show_list(&app, lang, &headers, &user, ListExtras { created: Some(v), ..ListExtras::default() }).await,
        Err(e) => show_list(&app, lang, &headers, &user, refused(e.message)).await,
    }
}

fn here_of(raw: &str) -> String {
    format!("{HOME}/{raw}")
}

/// `GET /webhooks/{id}`: one subscription, its actions and its delivery log (newest first,
/// 20 a page, `?cursor=` for older ones).
pub async fn page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = here_of(&raw);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let q = query_map(query.as_deref());
    show_one(&app, lang, &headers, &user, &raw, &q, None).await
}

async fn show_one(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    user: &PageUser,
    raw: &str,
    q: &HashMap<String, String>,
    secret: Option<String>,
) -> Response {
    let here = here_of(raw);
    let hook_answer = api::get(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(raw.to_string()))).await;
    let h = match shown(hook_answer, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut p = HashMap::from([("limit".to_string(), "20".to_string())]);
    if let Some(c) = q.get("cursor").filter(|c| !c.is_empty()) {
        p.insert("cursor".into(), c.clone());
    }
    let log_answer =
        api::deliveries(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(raw.to_string())), Params(p)).await;
    let log = match shown(log_answer, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let deliveries: Vec<Value> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            context! {
                d => Value::from(Serde(d.clone())),
                state_name => named(lang, "delivery_state_", &d["state"]),
                created => when(&d["created_at"]),
                next => when(&d["next_attempt_at"]),
            }
        })
        .collect();
    let chosen: Vec<String> =
        h["types"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect();
    let ctx = context! {
        user => user.view(), hook => hook(lang, &h), deliveries, secret,
        older => log["next_cursor"].as_str().map(|c| format!("{here}?cursor={c}")),
        paged => q.contains_key("cursor"),
        choices => type_choices(lang, Some(&chosen)),
        error => q.get("error"),
        done => q.get("done").and_then(|d| DONE.iter().find(|k| **k == d)).map(|d| text(lang, &format!("hook_done_{d}"), &[])),
    };
    render(StatusCode::OK, "webhook.html", lang, &here, ctx)
}

/// `POST /webhooks/{id}/{action}`: pause, resume, edit, rotate, test, redeliver, delete.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = here_of(&raw);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let f = form(&body);
    if !csrf_ok(&user, &f) {
        return back_to(&here, Err(text(lang, "form_expired", &[])));
    }
    let h = write_headers(&headers, &user);
    let this = || Ok(Path(raw.clone()));
    let done = |what: &str| see_other(&format!("{here}?done={what}"), None);
    let edit = |b: Json| api::edit(State(app.clone()), ReqLang(lang), h.clone(), this(), Bytes::from(b.to_string()));
    let revision = f.get("revision").and_then(|r| r.parse::<i64>().ok());
    match action.as_str() {
        "pause" | "resume" => {
            let state = if action == "pause" { "paused" } else { "active" };
            match json_of(edit(json!({"state": state, "revision": revision})).await).await {
                Ok(_) => done(&action),
                Err(e) => back_to(&here, Err(e.message)),
            }
        }
        "edit" => {
            let url = f.get("url").map(|u| u.trim().to_string()).unwrap_or_default();
            let b = json!({"url": url, "types": form_all(&body, "type"), "revision": revision});
            match json_of(edit(b).await).await {
                Ok(_) => done("edit"),
                Err(e) => back_to(&here, Err(e.message)),
            }
        }
        "rotate" => match json_of(api::rotate(State(app.clone()), ReqLang(lang), h.clone(), this()).await).await {
            // The new secret is on this answer only, as on the API's.
            Ok(v) => {
                let secret = v["secret"].as_str().map(str::to_string);
                show_one(&app, lang, &headers, &user, &raw, &HashMap::new(), secret).await
            }
            Err(e) => back_to(&here, Err(e.message)),
        },
        "test" => match json_of(api::test(State(app.clone()), ReqLang(lang), h.clone(), this()).await).await {
            Ok(_) => done("test"),
            Err(e) => back_to(&here, Err(e.message)),
        },
        "redeliver" => {
            let delivery = f.get("delivery").cloned().unwrap_or_default();
            let ids = Ok(Path(vec![raw.clone(), delivery]));
            match json_of(api::redeliver(State(app.clone()), ReqLang(lang), h.clone(), ids).await).await {
                Ok(_) => done("redeliver"),
                Err(e) => back_to(&here, Err(e.message)),
            }
        }
        "delete" => {
            if !f.contains_key("sure") {
                return back_to(&here, Err(text(lang, "hook_delete_unsure", &[])));
            }
            match json_of(api::delete(State(app.clone()), ReqLang(lang), h.clone(), this()).await).await {
                Ok(_) => see_other(HOME, None),
                Err(e) => back_to(&here, Err(e.message)),
            }
        }
        _ => super::session::not_found(lang, &here),
    }
}

/// `GET /webhooks/{id}/deliveries/{delivery}`: one delivery, its attempts and its body.
pub async fn delivery(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path((raw, delivery)): Path<(String, String)>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("{HOME}/{raw}/deliveries/{delivery}");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let ids = Ok(Path(vec![raw.clone(), delivery.clone()]));
    let d = match shown(api::delivery(State(app.clone()), ReqLang(lang), headers.clone(), ids).await, lang, &here).await
    {
        Ok(v) => v,
        Err(page) => return page,
    };
    let attempts: Vec<Value> = d["log"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| context! { a => Value::from(Serde(a.clone())), at => when(&a["at"]) })
        .collect();
    let body = serde_json::to_string_pretty(&d["body"]).unwrap_or_default();
    let ctx = context! {
        user => user.view(), hook_id => raw, d => Value::from(Serde(d.clone())),
        state_name => named(lang, "delivery_state_", &d["state"]),
        created => when(&d["created_at"]), next => when(&d["next_attempt_at"]), attempts, body,
    };
    render(StatusCode::OK, "webhook_delivery.html", lang, &here, ctx)
}
