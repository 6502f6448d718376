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
use wujin_domain::{Contact, Lang, OrgKind, OrgRecord, Uscc};
use wujin_store::orgs::Registered;

use super::catalogue::text;
use super::session::{form, page_user, same_origin};
use super::{page_lang, render};
use crate::api::AppState;

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

/// Whether the client's address may try to sign in (or register) now; the same per-address
/// limit as the API's sign-in, so the pages are no way around it.
fn within_limit(app: &AppState, extensions: &axum::http::Extensions, headers: &HeaderMap) -> bool {
    app.sign_in_limit.check_request(extensions, headers).is_ok()
}

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
    if !within_limit(&app, &extensions, &headers) {
        return retry(StatusCode::TOO_MANY_REQUESTS, text(lang, "too_many_attempts", &[]));
    }
    let login = f.get("login").map(String::as_str).unwrap_or("");
    let password = f.get("password").cloned().unwrap_or_default();
    let account = match Login::parse(login) {
        Ok(l) => app.store.account_by_login(l.as_str()).await.ok().flatten(),
        Err(_) => None,
    };
    let ok = crate::api::accounts::verify(lang, password, account.as_ref().map(|a| a.password_hash.clone()))
        .await
        .unwrap_or(false);
    let Some(account) = account else { return retry(StatusCode::UNAUTHORIZED, text(lang, "bad_credentials", &[])) };
    if !ok || account.locked_until > wujin_store::now_ms() {
        if account.locked_until <= wujin_store::now_ms() {
            let _ = app.store.sign_in_failed(account.id).await;
        }
        return retry(StatusCode::UNAUTHORIZED, text(lang, "bad_credentials", &[]));
    }
    match crate::api::accounts::new_session(&app, account.id, f.contains_key("remember")).await {
        Ok((cookie, _)) => see_other(&next_of(&f), Some(&cookie)),
        Err(e) => {
            tracing::error!(error = %e, "page sign-in");
            retry(StatusCode::INTERNAL_SERVER_ERROR, text(lang, "error_title", &[]))
        }
    }
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    if let Some(user) = page_user(&app, &headers).await
        && super::session::csrf_ok(&user, &f)
        && let Some(token) = crate::api::auth::session_token(&headers)
    {
        let _ = app.store.delete_session(&crate::api::auth::token_hash(&token)).await;
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
    } else if !within_limit(&app, &extensions, &headers) {
        errors.insert("form", text(lang, "too_many_attempts", &[]));
    }
    let login = Login::parse(&field("login")).map_err(|e| errors.insert("login", e.message(lang).to_string())).ok();
    let name = check_name(&field("name")).map_err(|e| errors.insert("name", e.message(lang).to_string())).ok();
    if let Err(e) = check_password(&f.get("password").cloned().unwrap_or_default()) {
        errors.insert("password", e.message(lang).to_string());
    }
    let uscc = Uscc::parse(&wujin_domain::text::fold(&field("uscc")).to_uppercase())
        .map_err(|e| errors.insert("uscc", e.message(lang)))
        .ok();
    let firm = field("firm");
    let kind = OrgKind::from_code(&field("kind")).unwrap_or(OrgKind::Manufacturer);
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
    let (Some(login), Some(name), Some(uscc)) = (login, name, uscc) else {
        return retry(StatusCode::BAD_REQUEST, errors);
    };
    if !errors.is_empty() {
        return retry(StatusCode::BAD_REQUEST, errors);
    }
    let Ok(hash) = crate::api::accounts::hash_password(lang, f.get("password").cloned().unwrap_or_default()).await
    else {
        return retry(StatusCode::INTERNAL_SERVER_ERROR, HashMap::from([("form", text(lang, "error_title", &[]))]));
    };
    let known =
        app.store.org_ids_by_uscc(&[uscc.to_string()]).await.ok().and_then(|m| m.get(uscc.as_str()).map(|x| x.0));
    let account_id = match known {
        // A firm the registry knows: the person is registered and claims it.
        Some(org) => match app.store.create_account(login.as_str(), &name, &hash).await {
            Ok(Some(id)) => {
                let _ = app.store.create_claim(id, org).await;
                id
            }
            Ok(None) => return retry(StatusCode::CONFLICT, HashMap::from([("login", text(lang, "login_taken", &[]))])),
            Err(e) => {
                tracing::error!(error = %e, "page registration");
                return retry(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    HashMap::from([("form", text(lang, "error_title", &[]))]),
                );
            }
        },
        None => {
            if firm.is_empty() || firm.chars().count() > 100 {
                return retry(StatusCode::BAD_REQUEST, HashMap::from([("firm", text(lang, "firm_name_needed", &[]))]));
            }
            let record = OrgRecord {
                uscc,
                name: firm,
                name_en: None,
                kind,
                town: None,
                sectors: vec![],
                chain: vec![],
                size_class: None,
                founded_year: None,
                employees: None,
                revenue_band: None,
                certificates: vec![],
                contact: Contact::default(),
            };
            match app.store.register_firm(login.as_str(), &name, &hash, &record).await {
                Ok(Registered::Done { account_id, .. }) => account_id,
                Ok(Registered::LoginTaken) => {
                    return retry(StatusCode::CONFLICT, HashMap::from([("login", text(lang, "login_taken", &[]))]));
                }
                Ok(Registered::OrgExists(_)) => {
                    return retry(StatusCode::CONFLICT, HashMap::from([("uscc", text(lang, "firm_exists", &[]))]));
                }
                Err(e) => {
                    tracing::error!(error = %e, "page registration");
                    return retry(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        HashMap::from([("form", text(lang, "error_title", &[]))]),
                    );
                }
            }
        }
    };
    match crate::api::accounts::new_session(&app, account_id, false).await {
        Ok((cookie, _)) => see_other(if known.is_some() { "/inbox?claimed=1" } else { "/demands" }, Some(&cookie)),
        Err(e) => {
            tracing::error!(error = %e, "page registration session");
            see_other("/login", None)
        }
    }
}
