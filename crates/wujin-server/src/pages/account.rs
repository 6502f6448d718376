//! Sign-in, registration and sign-out pages. Registration takes the person and their firm:
//! a credit code the registry does not know yet creates the firm with the person as its
//! owner; one it knows becomes a claim for a platform admin to approve. Every mistake is
//! shown on its field, in the user's language.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use wujin_domain::account::{Login, check_name, check_password};
use wujin_domain::{Lang, OrgKind, Uscc};

use super::catalogue::text;
use super::session::{form, page_user, same_origin};
use super::{page_lang, render};
use crate::api::error::ApiError;
use crate::api::lang::ReqLang;
use crate::api::{AppState, accounts};

/// A redirect after a form, with the session cookie when one was started.
pub fn see_other(to: &str, cookie: Option<&str>) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        resp.headers_mut().insert(SET_COOKIE, c);
    }
    resp
}

/// After a form: back to `here`, with the refusal's message in `error` (the page shows it)
/// when there was one.
pub fn back_to(here: &str, result: Result<(), String>) -> Response {
    match result {
        Ok(()) => see_other(here, None),
        Err(m) => {
            let m: String = form_urlencoded::byte_serialize(m.as_bytes()).collect();
            see_other(&format!("{here}?error={m}"), None)
        }
    }
}

/// Where to go after signing in: a path on this site, else the home page.
fn next_of(f: &HashMap<String, String>) -> String {
    f.get("next").filter(|n| n.starts_with('/') && !n.starts_with("//")).cloned().unwrap_or_else(|| "/".into())
}

pub async fn login_page(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let next = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "next").map(|(_, v)| v.into_owned()))
        .unwrap_or_default();
    render(StatusCode::OK, "login.html", lang, "/login", context! { next, values => empty(), error => "" })
}

/// What the API answered a sign-in or a registration: the session cookie to set and the
/// body, or the error to show on the form.
async fn signed(answer: Result<Response, ApiError>) -> Result<(String, serde_json::Value), ApiError> {
    let resp = answer?;
    let status = resp.status();
    let cookie = resp.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024).await.unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    match cookie {
        Some(c) if status.is_success() => Ok((c, body)),
        // A 429 from the per-address limit comes back as a response, not an error.
        _ => Err(ApiError {
            status,
            code: "refused",
            message: body["error"]["message"].as_str().unwrap_or_default().to_string(),
            field: body["error"]["field"].as_str().map(str::to_string),
        }),
    }
}

/// Signs in through the API's own handler, so the page keeps its rules: the per-address
/// limit, the per-account lock, the same answer for a wrong password and an unknown login.
pub async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let f = form(&body);
    let retry = |status: StatusCode, error: String| {
        let values = context! { login => f.get("login").cloned().unwrap_or_default() };
        render(status, "login.html", lang, "/login", context! { next => next_of(&f), values, error })
    };
    if !same_origin(&headers) {
        return retry(StatusCode::FORBIDDEN, text(lang, "form_expired", &[]));
    }
    let request = serde_json::json!({
        "login": f.get("login").cloned().unwrap_or_default(),
        "password": f.get("password").cloned().unwrap_or_default(),
        "remember": f.contains_key("remember"),
    });
    let answer =
        accounts::sign_in(State(app), ReqLang(lang), extensions, headers.clone(), Bytes::from(request.to_string()))
            .await;
    match signed(answer).await {
        // A password someone else set is changed first.
        Ok((cookie, body)) if body["account"]["must_change_password"] == true => {
            see_other("/account/password", Some(&cookie))
        }
        Ok((cookie, _)) => see_other(&next_of(&f), Some(&cookie)),
        Err(e) => retry(e.status, e.message),
    }
}

/// Signs out through the API's handler (the form's CSRF token handed on as its header);
/// the browser forgets the cookie whatever the answer.
pub async fn logout(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    if let Some(user) = page_user(&app, &headers).await
        && super::session::csrf_ok(&user, &f)
    {
        let lang = page_lang(&headers, None);
        let headers = super::demands::write_headers(&headers, &user);
        if let Err(e) = accounts::sign_out(State(app), ReqLang(lang), headers).await {
            tracing::warn!(code = e.code, "page sign-out");
        }
    }
    let gone = format!("{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0", crate::api::auth::COOKIE_NAME);
    see_other("/", Some(&gone))
}

/// An empty map, for a form shown for the first time.
fn empty() -> Value {
    Value::from(minijinja::value::Serde(HashMap::<String, String>::new()))
}

fn kinds(lang: Lang) -> Vec<Value> {
    [OrgKind::Manufacturer, OrgKind::ServiceProvider]
        .into_iter()
        .map(|k| context! { code => k.code(), name => text(lang, &format!("org_kind_{}", k.code()), &[]) })
        .collect()
}

pub async fn register_page(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let ctx = context! { values => empty(), errors => empty(), kinds => kinds(lang) };
    render(StatusCode::OK, "register.html", lang, "/register", ctx)
}

pub async fn register(
    State(app): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let f = form(&body);
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors: HashMap<&str, String> = HashMap::new();
    if !same_origin(&headers) {
        errors.insert("form", text(lang, "form_expired", &[]));
    }
    // Every field's own rule first, so the form shows all its mistakes at once (the API
    // stops at the first); the rules are the domain's, the same the API applies.
    if let Err(e) = Login::parse(&field("login")) {
        errors.insert("login", e.message(lang).to_string());
    }
    if let Err(e) = check_name(&field("name")) {
        errors.insert("name", e.message(lang).to_string());
    }
    if let Err(e) = check_password(&f.get("password").cloned().unwrap_or_default()) {
        errors.insert("password", e.message(lang).to_string());
    }
    if let Err(e) = Uscc::parse(&wujin_domain::text::fold(&field("uscc")).to_uppercase()) {
        errors.insert("uscc", e.message(lang));
    }
    let retry = |status: StatusCode, errors: HashMap<&str, String>| {
        let values = context! {
            login => field("login"), name => field("name"), uscc => field("uscc"), firm => field("firm"), kind => field("kind"),
        };
        render(
            status,
            "register.html",
            lang,
            "/register",
            context! { values, errors => Value::from(minijinja::value::Serde(errors)), kinds => kinds(lang) },
        )
    };
    if !errors.is_empty() {
        return retry(StatusCode::BAD_REQUEST, errors);
    }
    // The registration itself is the API's: the firm known or new, the claim, the limit.
    let request = serde_json::json!({
        "login": field("login"), "name": field("name"), "password": f.get("password").cloned().unwrap_or_default(),
        "uscc": field("uscc"), "firm": field("firm"), "kind": field("kind"),
    });
    let answer =
        accounts::sign_up(State(app), ReqLang(lang), extensions, headers.clone(), Bytes::from(request.to_string()))
            .await;
    match signed(answer).await {
        Ok((cookie, body)) => {
            see_other(if body["claim_id"].is_null() { "/demands" } else { "/inbox?claimed=1" }, Some(&cookie))
        }
        Err(e) => {
            // On the field the API named, when the form has it; else above the form.
            let fields = ["login", "name", "password", "uscc", "firm", "kind"];
            let on = fields.into_iter().find(|f| e.field.as_deref() == Some(*f)).unwrap_or("form");
            retry(e.status, HashMap::from([(on, e.message)]))
        }
    }
}

/// `/account/password`: change one's password (the current one, then the new one twice).
/// After a one-time password from the firm's owner, sign-in comes here first.
pub async fn password_page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return super::session::sign_in_first("/account/password") };
    let must = must_change(&app, &user).await;
    let ctx = context! { must, errors => Value::from(minijinja::value::Serde(HashMap::<String, String>::new())), done => false, user => user.view() };
    render(StatusCode::OK, "password.html", lang, "/account/password", ctx)
}

/// Whether their password was set by someone else and is still to be changed.
async fn must_change(app: &AppState, user: &super::session::PageUser) -> bool {
    app.store.account_by_login(&user.login).await.ok().flatten().is_some_and(|a| a.must_change_password)
}

pub async fn change_password(State(app): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    let here = "/account/password";
    let lang = page_lang(&headers, None);
    let Some(user) = page_user(&app, &headers).await else { return super::session::sign_in_first(here) };
    let f = form(&raw);
    let mut errors: HashMap<String, String> = HashMap::new();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if !super::session::csrf_ok(&user, &f) {
        errors.insert("form".into(), text(lang, "form_expired", &[]));
    } else if get("new_password") != get("repeat_password") {
        errors.insert("repeat_password".into(), text(lang, "passwords_differ", &[]));
    } else {
        let request =
            serde_json::json!({"current_password": get("current_password"), "new_password": get("new_password")});
        let h = super::demands::write_headers(&headers, &user);
        match accounts::change_password(State(app.clone()), ReqLang(lang), h, Bytes::from(request.to_string())).await {
            Ok(_) => {
                let ctx = context! { must => false, errors => Value::from(minijinja::value::Serde(&errors)), done => true, user => user.view() };
                return render(StatusCode::OK, "password.html", lang, here, ctx);
            }
            Err(e) => {
                let field = e.field.clone().unwrap_or_else(|| "form".into());
                errors.insert(field, e.message);
            }
        }
    }
    let must = must_change(&app, &user).await;
    let ctx =
        context! { must, errors => Value::from(minijinja::value::Serde(&errors)), done => false, user => user.view() };
    render(StatusCode::BAD_REQUEST, "password.html", lang, here, ctx)
}
