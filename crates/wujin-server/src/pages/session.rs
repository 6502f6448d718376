//! Who is looking at a page, and the rules every page form follows: a form body is read
//! whole (bounded by the server's body limit) as `application/x-www-form-urlencoded`; a form
//! of a signed-in person carries the session's CSRF token in a hidden field; the sign-in and
//! registration forms, made before there is a session, are accepted only from this site
//! (the browser's Origin header names this host).

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_store::memberships::Membership;

use super::catalogue::text;
use crate::api::AppState;
use crate::api::auth::{session_token, token_hash};

/// A signed-in person, as pages see them.
pub struct PageUser {
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub csrf: String,
    pub orgs: Vec<Membership>,
    pub officer: bool,
    /// A platform admin: the menu offers the certificates to check.
    pub admin: bool,
    /// One of their firms has offers: it can quote, so the header lists demands open to it.
    pub sells: bool,
    /// Unread messages of their firms, shown beside 消息.
    pub unread: i64,
}

impl PageUser {
    /// What the page layout shows of them.
    pub fn view(&self) -> Value {
        let orgs: Vec<Value> = self
            .orgs
            .iter()
            .map(|m| context! { id => m.org_id, name => m.org_name.clone(), role => m.role.code() })
            .collect();
        context! {
            name => self.name.clone(), csrf => self.csrf.clone(), orgs, officer => self.officer, admin => self.admin,
            sells => self.sells, unread => self.unread,
        }
    }

    pub fn org_ids(&self) -> Vec<i64> {
        self.orgs.iter().map(|m| m.org_id).collect()
    }

    /// Whether they keep this organisation's profile and catalogue (its owners and admins),
    /// so a page offers them the forms; the API has the last word.
    pub fn keeps(&self, org: i64) -> bool {
        self.orgs.iter().any(|m| m.org_id == org && m.role.may_act())
    }
}

/// The person behind the request's session cookie, if any.
pub async fn page_user(app: &AppState, headers: &HeaderMap) -> Option<PageUser> {
    let token = session_token(headers)?;
    let s = app.store.session(&token_hash(&token)).await.ok()??;
    let orgs = app.store.memberships(s.account_id).await.ok()?;
    let officer = app.store.is_officer(s.account_id).await.unwrap_or(false);
    let admin = app.store.is_platform_admin(s.account_id).await.unwrap_or(false);
    let ids: Vec<i64> = orgs.iter().map(|m| m.org_id).collect();
    let (sells, unread) = if ids.is_empty() {
        (false, 0)
    } else {
        let sells = app.store.categories_offered(&ids).await.map(|c| !c.is_empty()).unwrap_or(false);
        (sells, app.store.unread(&ids).await.unwrap_or(0))
    };
    Some(PageUser {
        account_id: s.account_id,
        login: s.login,
        name: s.name,
        csrf: s.csrf,
        orgs,
        officer,
        admin,
        sells,
        unread,
    })
}

/// A form body's fields (the last value wins when a name repeats; at most 200 fields).
pub fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).take(200).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// A form's field read as a whole number: None when left empty, and when it is not a number
/// the mistake is recorded under the field, in the form's words.
pub fn whole(lang: Lang, f: &HashMap<String, String>, name: &str, errors: &mut HashMap<String, String>) -> Option<i64> {
    let v = f.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())?;
    v.parse::<i64>().map_err(|_| errors.insert(name.to_string(), text(lang, "whole_number", &[]))).ok()
}

/// A form's field read as an amount in yuan, as fen; like [`whole`] for anything else.
pub fn fen(lang: Lang, f: &HashMap<String, String>, name: &str, errors: &mut HashMap<String, String>) -> Option<i64> {
    let v = f.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())?;
    wujin_domain::Fen::parse_yuan(v).ok().filter(|f| f.0 >= 0).map(|f| f.0).or_else(|| {
        errors.insert(name.to_string(), text(lang, "yuan_amount", &[]));
        None
    })
}

/// Every value of a repeated field (checkboxes).
pub fn form_all(body: &[u8], name: &str) -> Vec<String> {
    form_urlencoded::parse(body).take(200).filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect()
}

/// Whether a signed-in person's form carries their session's token.
pub fn csrf_ok(user: &PageUser, f: &HashMap<String, String>) -> bool {
    f.get("csrf").is_some_and(|t| !t.is_empty() && *t == user.csrf)
}

/// Whether a form sent before sign-in came from a page of this site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    match (headers.get(ORIGIN).and_then(|v| v.to_str().ok()), host) {
        // Browsers send Origin with every POST; a request without one is not from a page.
        (Some(origin), Some(host)) => origin.split("://").nth(1) == Some(host),
        _ => false,
    }
}

/// Off to the sign-in page, coming back to `here` afterwards.
pub fn sign_in_first(here: &str) -> axum::response::Response {
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    super::account::see_other(&format!("/login?next={next}"), None)
}

/// A signed-in person's form post: the page's language, the person, the form's fields, and
/// the mistakes found so far (a form whose CSRF token is not theirs has expired).
pub struct Posted {
    pub lang: Lang,
    pub user: PageUser,
    pub form: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

/// Reads a form post to the page `here`, or answers with the way to sign in (and back to
/// `here`) when nobody is signed in.
pub async fn posted(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    here: &str,
) -> Result<Posted, axum::response::Response> {
    let lang = super::page_lang(headers, None);
    let Some(user) = page_user(app, headers).await else { return Err(sign_in_first(here)) };
    let form = form(body);
    let mut errors = HashMap::new();
    if !csrf_ok(&user, &form) {
        errors.insert("form".to_string(), text(lang, "form_expired", &[]));
    }
    Ok(Posted { lang, user, form, errors })
}

/// The id in a page's path, when it is a positive whole number.
pub fn path_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|i| *i > 0)
}

/// The page's 404.
pub fn not_found(lang: Lang, here: &str) -> axum::response::Response {
    super::message(axum::http::StatusCode::NOT_FOUND, lang, here, "not_found_title", "")
}

/// A page's multipart form post (a file with a few fields) made ready for the API's
/// handler: the person signed in, the form's token checked (it travels in the body), and
/// the headers to call the API with. Else the answer to send back to `here`: the sign-in
/// page, or the page with the error.
pub async fn posted_file(
    app: &AppState,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
    here: &str,
) -> Result<HeaderMap, axum::response::Response> {
    let lang = super::page_lang(headers, None);
    let Some(user) = page_user(app, headers).await else { return Err(sign_in_first(here)) };
    let sent = match crate::api::uploads::multipart(lang, headers, body.clone()).await {
        Ok(s) => s,
        Err(e) => return Err(super::account::back_to(here, Err(e.message))),
    };
    if sent.fields.get("csrf").is_none_or(|t| t.is_empty() || *t != user.csrf) {
        return Err(super::account::back_to(here, Err(text(lang, "form_expired", &[]))));
    }
    Ok(super::demands::write_headers(headers, &user))
}
