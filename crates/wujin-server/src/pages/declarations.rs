//! Declarations on pages: an offer's page lists the editions it is declared to meet, with
//! the report's number, lab and dates, and the file to those who may read it; the firm's
//! owners and admins declare from a form there (`POST /offers/{id}/declare`, multipart) and
//! withdraw (`POST /declarations/{id}/withdraw`). Writes go through the API's own checks.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::standard::{Library, StandardStatus};
use wujin_store::declarations::Declaration;

use super::account::back_to;
use super::demands::write_headers;
use super::session::{PageUser, page_user, sign_in_first};
use super::{catalogue::text, page_lang};
use crate::api::AppState;
use crate::api::lang::ReqLang;

/// Keys built at run time.
pub const KEYS: &[&str] = &["declaration_in_force", "declaration_lapsed"];

/// One declaration as a page shows it; `file` only for those who may read the report.
async fn view(app: &AppState, lang: Lang, user: Option<&PageUser>, d: &Declaration) -> Value {
    let today = wujin_store::ties::today();
    let readable = match user {
        Some(u) if u.orgs.iter().any(|m| m.org_id == d.org_id) => true,
        Some(u) => {
            let orgs: Vec<i64> = u.orgs.iter().map(|m| m.org_id).collect();
            app.store.buyer_may_read(d, &orgs, wujin_store::now_ms()).await.unwrap_or(false)
        }
        None => false,
    };
    let lab_href = match d.declared.lab {
        wujin_domain::declaration::Lab::Org(id) => Some(format!("/orgs/{id}")),
        wujin_domain::declaration::Lab::Named(_) => None,
    };
    let in_force = d.in_force(today);
    context! {
        id => d.id, standard => d.declared.standard.clone(), href => super::standards::href(&d.declared.standard),
        report_no => d.declared.report_no.clone(), lab => d.lab_name.clone(), lab_href,
        issued_on => d.declared.issued_on.to_string(), valid_until => d.declared.valid_until.map(|v| v.to_string()),
        in_force, state => text(lang, if in_force { "declaration_in_force" } else { "declaration_lapsed" }, &[]),
        file => readable.then(|| format!("/api/v1/declarations/{}/file", d.id)),
    }
}

/// The declarations of an offer as its page shows them.
pub async fn of_offer(app: &AppState, lang: Lang, user: Option<&PageUser>, offer: i64) -> Vec<Value> {
    let list = app.store.declarations_of_offers(&[offer]).await.unwrap_or_default();
    let mut out = vec![];
    for d in &list {
        out.push(view(app, lang, user, d).await);
    }
    out
}

/// The editions an offer citing `cited` may be declared against: each cited edition the
/// library holds and has not withdrawn, and the newer editions of the same standard (how a
/// firm re-declares after a replacement), newest first within a standard.
pub fn declarable(library: &Library, cited: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for c in cited {
        let Some(e) = library.resolve(c) else { continue };
        for newer in library.chain(&e.number) {
            let usable = newer.status != StandardStatus::Withdrawn && newer.year() >= e.year();
            if usable && !out.contains(&newer.number) {
                out.push(newer.number.clone());
            }
        }
    }
    out
}

/// `POST /offers/{id}/declare`: a declaration from the offer page's multipart form.
pub async fn declare(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/offers/{raw}");
    let h = match super::session::posted_file(&app, &headers, &body, &here).await {
        Ok(h) => h,
        Err(answer) => return answer,
    };
    let r = crate::api::declarations::create(State(app.clone()), ReqLang(lang), h, Ok(Path(raw.clone())), body).await;
    back_to(&here, r.map(|_| ()).map_err(|e| e.message))
}

/// `POST /declarations/{id}/withdraw`: back to the offer's page.
pub async fn withdraw(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = super::session::form(&body);
    let lang = page_lang(&headers, None);
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first("/") };
    let offer = form.get("offer").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0);
    let here = format!("/offers/{offer}");
    if form.get("csrf").is_none_or(|t| t.is_empty() || *t != user.csrf) {
        return back_to(&here, Err(text(lang, "form_expired", &[])));
    }
    let h = write_headers(&headers, &user);
    let r = crate::api::declarations::withdraw(State(app.clone()), ReqLang(lang), h, Ok(Path(raw))).await;
    back_to(&here, r.map(|_| ()).map_err(|e| e.message))
}
