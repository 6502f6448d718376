//! `/standards/mine` (我的标准): for the people of a firm, each of its offers with the
//! standards it cites, what each edition's status is now (in force, coming, replaced,
//! withdrawn), the declaration and report behind it with their last day, and what to do
//! next; the firm's certificates with their last days; then the latest standards and
//! certificate news of their firms.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::standard::StandardStatus;
use wujin_store::offers::OfferFilter;

use super::catalogue::text;
use super::session::{page_user, sign_in_first};
use super::{page_lang, render};
use crate::api::AppState;

/// Keys built at run time.
pub const KEYS: &[&str] = &[
    "mine_state_declared",
    "mine_state_expiring",
    "mine_state_lapsed",
    "mine_state_undeclared",
    "mine_state_unverified",
    "mine_state_replaced",
    "mine_cert_in_force",
    "mine_cert_expiring",
    "mine_cert_lapsed",
];

/// The offers a firm's page lists, at most.
const OFFERS: i64 = 500;
/// A report this close to its last day is flagged.
const EXPIRING_DAYS: i64 = 60;

pub async fn page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang: Lang = page_lang(&headers, query.as_deref());
    let here = "/standards/mine";
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(here) };
    let Ok(library) = app.store.library().await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, here, "error_title", "");
    };
    let today = wujin_store::ties::today();
    let ids: Vec<i64> = user.orgs.iter().map(|m| m.org_id).collect();
    let records = app.store.orgs_by_ids(&ids).await.unwrap_or_default();
    let mut firms = vec![];
    for m in &user.orgs {
        // The firm's certificates with their last days, nearest first.
        let mut held: Vec<&wujin_domain::certificate::HeldCertificate> =
            records.iter().filter(|o| o.id == m.org_id).flat_map(|o| o.record.certificates.iter()).collect();
        held.sort_by_key(|c| c.valid_until.unwrap_or(time::Date::MAX));
        let certificates: Vec<Value> = held
            .into_iter()
            .map(|c| {
                let v = crate::api::views::CertificateView::new(c, lang, today);
                let left = c.valid_until.map(|u| (u - today).whole_days());
                let (state, alert) = match left {
                    _ if !v.in_force => ("mine_cert_lapsed", true),
                    Some(d) if d <= EXPIRING_DAYS => ("mine_cert_expiring", true),
                    _ => ("mine_cert_in_force", false),
                };
                context! { name => v.name, number => v.number, issuer => v.issuer, until => v.valid_until,
                state => text(lang, state, &[]), alert }
            })
            .collect();
        let filter = OfferFilter { org_id: Some(m.org_id), ..Default::default() };
        let (offers, _) = app.store.list_offers(&filter, None, OFFERS).await.unwrap_or_default();
        let declared = app.store.declarations_of_org(m.org_id, 2000).await.unwrap_or_default();
        let mut rows = vec![];
        for o in offers.iter().filter(|o| !o.record.standards.is_empty()) {
            let mut lines = vec![];
            for cited in &o.record.standards {
                let edition = library.resolve(cited).filter(|e| &e.number == cited);
                let d = declared.iter().find(|d| d.offer_id == o.id && &d.declared.standard == cited);
                let (state, alert) = match (edition, d) {
                    (None, _) => ("mine_state_unverified", false),
                    (Some(e), _) if e.replaced_by.is_some() || e.status == StandardStatus::Withdrawn => {
                        ("mine_state_replaced", true)
                    }
                    (Some(_), Some(d)) if !d.in_force(today) => ("mine_state_lapsed", true),
                    (Some(_), Some(d))
                        if d.declared.valid_until.is_some_and(|u| (u - today).whole_days() <= EXPIRING_DAYS) =>
                    {
                        ("mine_state_expiring", true)
                    }
                    (Some(_), Some(_)) => ("mine_state_declared", false),
                    (Some(_), None) => ("mine_state_undeclared", false),
                };
                let note = edition.and_then(|e| match (&e.replaced_by, e.status) {
                    (Some(by), _) => Some(text(lang, "standard_chip_replaced", std::slice::from_ref(by))),
                    (None, StandardStatus::Withdrawn) => Some(e.status.name(lang).to_string()),
                    _ => None,
                });
                lines.push(context! {
                    number => cited.clone(), href => edition.map(|e| super::standards::href(&e.number)), note,
                    state => text(lang, state, &[]), alert,
                    report_no => d.map(|d| d.declared.report_no.clone()),
                    valid_until => d.and_then(|d| d.declared.valid_until).map(|v| v.to_string()),
                });
            }
            rows.push(context! { id => o.id, title => o.record.title.clone(), lines });
        }
        firms.push(
            context! { id => m.org_id, name => m.org_name.clone(), rows, certificates, keeps => m.role.may_act() },
        );
    }
    // The latest standards news of their firms.
    let orgs: Vec<i64> = user.orgs.iter().map(|m| m.org_id).collect();
    let items = app.store.inbox(&orgs, None, 200).await.unwrap_or_default();
    let news: Vec<Value> = items
        .iter()
        .filter(|i| matches!(i.kind.as_str(), "standard" | "declaration" | "certificate"))
        .take(10)
        .map(|i| {
            let at = crate::api::views::rfc3339(i.at);
            context! { text => crate::api::inbox::text(lang, i), at_local => super::demands::china_time(&at) }
        })
        .collect();
    let ctx = context! { firms, news, user => user.view() };
    render(StatusCode::OK, "my_standards.html", lang, here, ctx)
}
