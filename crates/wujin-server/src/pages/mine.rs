//! A person's own pages: the quote history of their firms, the inbox, their API tokens and
//! the members of a firm they belong to. Reads and writes go through the API's handlers, as
//! on the demand pages.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::{Value as Json, json};
use wujin_domain::Lang;

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::demands::{json_of, write_headers};
use super::session::{csrf_ok, form, form_all, page_user, sign_in_first};
use super::{ListPage, page_lang, render, yuan};
use crate::api::lang::ReqLang;
use crate::api::{AppState, inbox, members, responses, tokens};

/// Catalogue keys made from values here, for the catalogue test.
pub const KEYS: &[&str] = &[
    "outcome_pending",
    "outcome_won",
    "outcome_lost",
    "outcome_cancelled",
    "outcome_withdrawn",
    "inbox_invitation",
    "inbox_unsealed",
    "inbox_awarded",
    "inbox_not_awarded",
    "inbox_cancelled",
    "inbox_completed",
    "inbox_rated",
    "role_owner",
    "role_admin",
    "role_member",
];

/// `/quotes`: every quote of my firms, with how it fared.
pub async fn quotes(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/quotes") };
    let page = ListPage::of("/quotes", query.as_deref(), "after");
    let mut list =
        json_of(responses::history(State(app.clone()), ReqLang(lang), headers.clone(), page.params.clone()).await)
            .await
            .unwrap_or(Json::Null);
    super::english::firm_names(&app, lang, &mut [&mut list]).await;
    let rows: Vec<Value> = list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|q| {
            context! {
                demand_id => q["demand_id"].as_i64(), title => q["demand_title"].as_str().unwrap_or("").to_string(),
                org => q["org_name"].as_str().unwrap_or("").to_string(), price => yuan(q["price_fen"].as_i64().unwrap_or(0)),
                basis => text(lang, &format!("basis_{}", q["basis"].as_str().unwrap_or("unit")), &[]),
                lead => q["lead_time_days"].as_i64(),
                outcome => text(lang, &format!("outcome_{}", q["outcome"].as_str().unwrap_or("pending")), &[]),
                awarded => q["awarded_quantity"].as_i64(),
            }
        })
        .collect();
    let ctx = context! { rows, pages => page.links(&list), user => user.view() };
    render(StatusCode::OK, "quotes.html", lang, "/quotes", ctx)
}

/// `/inbox`: what my firms should know, newest first.
pub async fn inbox_page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/inbox") };
    let page = ListPage::of("/inbox", query.as_deref(), "after");
    let list = json_of(inbox::list(State(app.clone()), ReqLang(lang), headers.clone(), page.params.clone()).await)
        .await
        .unwrap_or(Json::Null);
    let items: Vec<Value> = list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let at = i["at"].as_str().unwrap_or("");
            // Where the item leads: its demand, else the pool, problem or task it is about.
            let d = &i["detail"];
            let href = match (i["demand_id"].as_i64(), d["pool"].as_i64(), d["problem"].as_i64(), d["task"].as_i64()) {
                (Some(id), ..) => Some(format!("/demands/{id}")),
                (None, Some(id), ..) => Some(format!("/pools/{id}")),
                (None, None, Some(id), _) => Some(format!("/supervision/problems/{id}")),
                (None, None, None, Some(id)) => Some(format!("/supervision/tasks/{id}")),
                // A replaced standard leads to the labs testing the new edition, to book them.
                _ if i["kind"] == "standard" && d["replaced_by"].is_string() => {
                    let by: String =
                        form_urlencoded::byte_serialize(d["replaced_by"].as_str().unwrap_or("").as_bytes()).collect();
                    Some(format!("/search?standard={by}&family=testing"))
                }
                // A test booking's news leads to its card among the bookings.
                _ if i["kind"] == "test_booking" => {
                    d["test_booking"].as_i64().map(|id| format!("/test-bookings#test-booking-{id}"))
                }
                // A disabled subscription leads to its page, where it is resumed.
                _ if i["kind"] == "webhook_disabled" => d["webhook_id"].as_i64().map(|id| format!("/webhooks/{id}")),
                // A certificate nearing its end leads to the profile, where its new day goes.
                _ if i["kind"] == "certificate" => d["org"].as_i64().map(|id| format!("/orgs/{id}/edit")),
                // A report nearing its end leads to its offer.
                _ if i["kind"] == "declaration" => d["offer"].as_i64().map(|id| format!("/offers/{id}")),
                // A withdrawn standard's news leads to the first offer citing it.
                _ => d["offers"][0]["id"].as_i64().map(|id| format!("/offers/{id}")),
            };
            context! {
                id => i["id"].as_i64(), text => i["text"].as_str().unwrap_or("").to_string(),
                href, read => i["read"].as_bool(),
                at => at.to_string(), at_local => super::demands::china_time(at),
            }
        })
        .collect();
    let claimed = query.as_deref().is_some_and(|q| q.contains("claimed=1"));
    let ctx =
        context! { items, unread => list["unread"].as_i64(), claimed, pages => page.links(&list), user => user.view() };
    render(StatusCode::OK, "inbox.html", lang, "/inbox", ctx)
}

pub async fn inbox_read(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/inbox") };
    if csrf_ok(&user, &form(&body)) {
        let h = write_headers(&headers, &user);
        let _ = json_of(inbox::read(State(app.clone()), ReqLang(lang), h, Ok(Path(raw))).await).await;
    }
    see_other("/inbox", None)
}

/// `/tokens`: my API tokens; a new one is shown once.
pub async fn tokens_page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/tokens") };
    show_tokens(&app, lang, &headers, &user, None, None).await
}

async fn show_tokens(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    user: &super::session::PageUser,
    created: Option<Json>,
    error: Option<String>,
) -> Response {
    let list =
        json_of(tokens::list(State(app.clone()), ReqLang(lang), headers.clone()).await).await.unwrap_or(Json::Null);
    let ctx = context! {
        tokens => Value::from(Serde(list["items"].clone())), created => Value::from(Serde(created.unwrap_or(Json::Null))),
        error, user => user.view(),
    };
    render(StatusCode::OK, "tokens.html", lang, "/tokens", ctx)
}

pub async fn tokens_act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(action): Path<String>,
    raw: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/tokens") };
    let f = form(&raw);
    if !csrf_ok(&user, &f) {
        return show_tokens(&app, lang, &headers, &user, None, Some(text(lang, "form_expired", &[]))).await;
    }
    let h = write_headers(&headers, &user);
    match action.as_str() {
        "new" => {
            let b = json!({"name": f.get("name").cloned().unwrap_or_default(), "scopes": form_all(&raw, "scope")});
            match json_of(tokens::create(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await).await
            {
                Ok(v) => show_tokens(&app, lang, &headers, &user, Some(v), None).await,
                Err(e) => show_tokens(&app, lang, &headers, &user, None, Some(e.message)).await,
            }
        }
        "revoke" => {
            let id = f.get("id").cloned().unwrap_or_default();
            let _ = json_of(tokens::revoke(State(app.clone()), ReqLang(lang), h, Ok(Path(id))).await).await;
            see_other("/tokens", None)
        }
        _ => see_other("/tokens", None),
    }
}

/// `/orgs/{id}/members`: a firm's people; its owners add and remove them.
pub async fn members_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}/members");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let error = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "error").map(|(_, v)| v.into_owned()));
    members_view(&app, lang, &headers, &user, &raw, error, None).await
}

/// The members page, with an error, or with a one-time password just given (shown once,
/// on this answer only: never in a URL).
async fn members_view(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    user: &super::session::PageUser,
    raw: &str,
    error: Option<String>,
    given: Option<Value>,
) -> Response {
    let here = format!("/orgs/{raw}/members");
    let list = match json_of(
        members::list(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(vec![raw.to_string()]))).await,
    )
    .await
    {
        Ok(v) => v,
        Err(e) => return super::message(e.status, lang, &here, "not_found_title", &e.message),
    };
    let org_id: i64 = raw.parse().unwrap_or(0);
    let owner = user.orgs.iter().any(|m| m.org_id == org_id && m.role.may_manage_people());
    let org_name = user.orgs.iter().find(|m| m.org_id == org_id).map(|m| m.org_name.clone()).unwrap_or_default();
    let people: Vec<Value> = list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            context! {
                id => m["account_id"].as_i64(), login => m["login"].as_str().unwrap_or("").to_string(),
                name => m["name"].as_str().unwrap_or("").to_string(),
                role => text(lang, &format!("role_{}", m["role"].as_str().unwrap_or("member")), &[]),
            }
        })
        .collect();
    let me = user.account_id;
    let ctx = context! { people, owner, org_id, org_name, error, given, me, user => user.view() };
    render(StatusCode::OK, "members.html", lang, &here, ctx)
}

pub async fn members_act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/orgs/{raw}/members");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let f = form(&body);
    let result = if !csrf_ok(&user, &f) {
        Err(text(lang, "form_expired", &[]))
    } else {
        let h = write_headers(&headers, &user);
        let r = match action.as_str() {
            "add" => {
                let b = json!({"login": f.get("login").cloned().unwrap_or_default(), "role": f.get("role").cloned().unwrap_or_default()});
                json_of(
                    members::set(
                        State(app.clone()),
                        ReqLang(lang),
                        h,
                        Ok(Path(vec![raw.clone()])),
                        Bytes::from(b.to_string()),
                    )
                    .await,
                )
                .await
            }
            "password" => {
                let who = f.get("account").cloned().unwrap_or_default();
                let path = Ok(Path(vec![raw.clone(), who.clone()]));
                return match members::one_time_password(State(app.clone()), ReqLang(lang), h, path).await {
                    Ok((_, axum::Json(p))) => {
                        let given = context! { account => who.parse::<i64>().ok(), password => p.one_time_password };
                        members_view(&app, lang, &headers, &user, &raw, None, Some(given)).await
                    }
                    Err(e) => members_view(&app, lang, &headers, &user, &raw, Some(e.message), None).await,
                };
            }
            "remove" => {
                let who = f.get("account").cloned().unwrap_or_default();
                json_of(members::remove(State(app.clone()), ReqLang(lang), h, Ok(Path(vec![raw.clone(), who]))).await)
                    .await
            }
            _ => Ok(Json::Null),
        };
        r.map_err(|e| e.message)
    };
    back_to(&here, result.map(|_| ()))
}
