//! An organisation's page and an offer's page, from the registry.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use wujin_domain::{Lang, Taxonomy};
use wujin_store::offers::OfferFilter;

use super::catalogue::text;
use super::session::page_user;
use super::{page_lang, render, user_ctx, yuan_range};
use crate::api::AppState;
use crate::api::lang::ReqLang;

fn not_found(lang: Lang, here: &str) -> Response {
    super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", "")
}

/// How many of `n` of a unit reads: "200 件", "200 pieces".
pub fn quantity(lang: Lang, n: i64, unit: Option<&str>) -> String {
    let t = Taxonomy::get();
    let Some(e) = unit.and_then(|u| t.unit(u)) else { return super::grouped(n) };
    match lang {
        Lang::Zh => format!("{} {}", super::grouped(n), e.zh),
        Lang::En if n == 1 => format!("1 {}", e.en),
        Lang::En if e.en.ends_with("ch") => format!("{} {}es", super::grouped(n), e.en),
        Lang::En => format!("{} {}s", super::grouped(n), e.en),
    }
}

/// A price range with what it is per: "12–15 元/件", "¥12–15 per piece".
pub fn price_per(lang: Lang, min_fen: i64, max_fen: i64, unit: Option<&str>) -> String {
    let range = yuan_range(min_fen, max_fen);
    match unit.and_then(|u| Taxonomy::get().unit(u)) {
        Some(e) => text(lang, "price_per", &[range, e.name(lang).to_string()]),
        None => text(lang, "price", &[range]),
    }
}

/// Names of taxonomy values in the page's language, each a chip; unknown codes as they are.
fn names(codes: &[String], find: impl Fn(&str) -> Option<String>) -> Vec<String> {
    codes.iter().map(|c| find(c).unwrap_or_else(|| c.clone())).collect()
}

pub async fn org(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}");
    let Some(id) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return not_found(lang, &here) };
    let Ok(Some(org)) = app.store.org(id).await else { return not_found(lang, &here) };
    let user = page_user(&app, &headers).await;
    let t = Taxonomy::get();
    let r = &org.record;
    let offers = app
        .store
        .list_offers(&OfferFilter { org_id: Some(id), ..Default::default() }, None, 100)
        .await
        .map(|(o, _)| o)
        .unwrap_or_default();
    let offers: Vec<Value> = offers
        .iter()
        .map(|o| {
            let rec = &o.record;
            let title = match lang {
                Lang::En => rec.title_en.clone().unwrap_or_else(|| rec.title.clone()),
                Lang::Zh => rec.title.clone(),
            };
            context! {
                id => o.id, title, kind => text(lang, &format!("kind_{}", rec.kind.code()), &[]),
                price => rec.price.map(|p| price_per(lang, p.min().0, p.max().0, rec.unit.as_deref())),
                moq => rec.moq.map(|m| quantity(lang, m, rec.unit.as_deref())),
                lead => rec.lead_time_days,
            }
        })
        .collect();
    let rep = app.store.reputations(&[id]).await.ok().and_then(|m| m.get(&id).copied()).unwrap_or_default();
    let rating = rep.rating_avg.map(|a| text(lang, "rating_of", &[format!("{a:.1}"), rep.ratings.to_string()]));
    let response_rate = (rep.invited > 0).then(|| {
        let pct = rep.answered * 100 / rep.invited;
        text(lang, "response_rate_of", &[pct.to_string(), rep.answered.to_string(), rep.invited.to_string()])
    });
    let c = &r.contact;
    let (name, other_name) = match (lang, &r.name_en) {
        (Lang::En, Some(en)) => (en.clone(), Some(r.name.clone())),
        (_, en) => (r.name.clone(), en.clone()),
    };
    let org = context! {
        name, other_name, uscc => r.uscc.as_str().to_string(), verified => rep.verified,
        kind => text(lang, &format!("org_kind_{}", r.kind.code()), &[]),
        town => r.town.as_deref().and_then(|c| t.town(c)).map(|e| e.name(lang).to_string()),
        sectors => names(&r.sectors, |c| t.sector(c).map(|s| s.entry.name(lang).to_string())),
        chain => names(&r.chain, |c| t.chain_stage(c).map(|s| s.name(lang).to_string())),
        size => r.size_class.and_then(|s| t.size_class(s.code())).map(|e| e.name(lang).to_string()),
        revenue => r.revenue_band.as_deref().and_then(|b| t.revenue_band(b)).map(|e| e.name(lang).to_string()),
        certificates => {
            let today = wujin_store::ties::today();
            r.certificates.iter().map(|c| {
                let v = crate::api::views::CertificateView::new(c, lang, today);
                context! { name => v.name, number => v.number, issuer => v.issuer, until => v.valid_until, lapsed => !v.in_force }
            }).collect::<Vec<_>>()
        },
        founded => r.founded_year, employees => r.employees.map(super::grouped), id,
        contact_name => c.name.clone(), phone => c.phone.clone(), email => c.email.clone(), address => c.address.clone(),
        has_contact => c.name.is_some() || c.phone.is_some() || c.email.is_some() || c.address.is_some(),
        rating, response_rate,
    };
    let keeps = user.as_ref().is_some_and(|u| u.keeps(id));
    let member = user.as_ref().is_some_and(|u| u.orgs.iter().any(|m| m.org_id == id));
    let ask = (!member).then(|| format!("/demands/new?to={id}"));
    // A lab's CMA/CNAS certificates, as the API shows them to this reader.
    let answer =
        crate::api::accreditations::of_org(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(raw.clone())))
            .await;
    let accreditations = super::demands::json_of(answer).await.map(|v| v["items"].clone()).unwrap_or_default();
    let provider = r.kind == wujin_domain::OrgKind::ServiceProvider;
    let error = super::supervision::query_map(query.as_deref()).remove("error");
    let ctx = context! {
        org, offers, keeps, ask, user => user_ctx(&user), provider, error,
        accreditations => Value::from(Serde(accreditations)),
    };
    render(StatusCode::OK, "org.html", lang, &here, ctx)
}

/// An offer's standards as chips: each edition the library holds links to its page and says
/// when it is withdrawn or replaced; a number it does not hold is shown as written.
async fn standard_chips(app: &AppState, lang: Lang, numbers: &[String]) -> Vec<Value> {
    // Most offers cite no standard: the library is read only for those that do.
    if numbers.is_empty() {
        return vec![];
    }
    let lib = app.store.library().await.unwrap_or_default();
    numbers
        .iter()
        .map(|n| match lib.resolve(n).filter(|e| &e.number == n) {
            Some(e) => {
                let note = match (&e.replaced_by, e.status) {
                    (Some(by), _) => Some(text(lang, "standard_chip_replaced", std::slice::from_ref(by))),
                    (None, wujin_domain::standard::StandardStatus::Withdrawn) => Some(e.status.name(lang).to_string()),
                    _ => None,
                };
                context! { number => n.clone(), href => super::standards::href(n), note }
            }
            None => context! { number => n.clone() },
        })
        .collect()
}

pub async fn offer(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/offers/{raw}");
    let Some(id) = raw.parse::<i64>().ok().filter(|i| *i > 0) else { return not_found(lang, &here) };
    let Ok(Some(o)) = app.store.offer(id).await else { return not_found(lang, &here) };
    let user = page_user(&app, &headers).await;
    let t = Taxonomy::get();
    let r = &o.record;
    let (title, other_title) = match (lang, &r.title_en) {
        (Lang::En, Some(en)) => (en.clone(), Some(r.title.clone())),
        _ => (r.title.clone(), None),
    };
    let unit = r.unit.as_deref();
    let org_name = match lang {
        Lang::En => app.store.org_names_en(&[o.org_id]).await.ok().and_then(|mut m| m.remove(&o.org_id)),
        Lang::Zh => None,
    };
    let offer = context! {
        title, other_title, org_id => o.org_id, org_name => org_name.unwrap_or_else(|| o.org_name.clone()), description => r.description.clone(),
        kind => text(lang, &format!("kind_{}", r.kind.code()), &[]),
        category => t.category(&r.category).map(|c| c.entry.name(lang).to_string()).unwrap_or_else(|| r.category.clone()),
        price => r.price.map(|p| price_per(lang, p.min().0, p.max().0, unit)),
        lead => r.lead_time_days, moq => r.moq.map(|m| quantity(lang, m, unit)),
        hours => r.hours_per_week,
        standards => standard_chips(&app, lang, &r.standards).await,
        specs => Value::from(Serde(&r.specs)), id,
    };
    let keeps = user.as_ref().is_some_and(|u| u.keeps(o.org_id));
    let member = user.as_ref().is_some_and(|u| u.orgs.iter().any(|m| m.org_id == o.org_id));
    let ask = (!member).then(|| format!("/demands/new?to={}&offer={id}", o.org_id));
    // A capacity offer's machines, each with its week to book from.
    let machines: Vec<Value> = match r.kind {
        wujin_domain::OfferKind::Capacity => app
            .store
            .machines_of_offer(id, 50)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|m| context! { id => m.id, name => m.record.name, process => m.record.process })
            .collect(),
        _ => vec![],
    };
    let declarations = super::declarations::of_offer(&app, lang, user.as_ref(), id).await;
    // The firm's owners and admins declare from here, against the editions the offer cites.
    let declarable = if keeps && !r.standards.is_empty() {
        super::declarations::declarable(&app.store.library().await.unwrap_or_default(), &r.standards)
    } else {
        vec![]
    };
    let error = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "error").map(|(_, v)| v.into_owned()));
    let today = wujin_store::ties::today().to_string();
    let tests = super::labs::of_offer(&app, lang, id).await;
    // Anyone acting for another firm may book the lab's items.
    let may_book = user.as_ref().is_some_and(|u| u.orgs.iter().any(|m| m.role.may_act() && m.org_id != o.org_id));
    let booked = query.as_deref().is_some_and(|q| q.contains("booked=1"));
    render(
        StatusCode::OK,
        "offer.html",
        lang,
        &here,
        context! { offer, keeps, ask, machines, declarations, declarable, error, today, tests, may_book, booked, user => user_ctx(&user) },
    )
}
