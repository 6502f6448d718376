//! The search page: the same search as `GET /api/v1/search` (same parameters, same checks,
//! same ranking), shown as a page — facets as links that narrow or widen, each firm with its
//! best offers and, in plain words, why it was found; pages; an empty state that suggests
//! where to go next. A bad parameter is shown on the page, in the user's language.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;
use wujin_domain::{Lang, Taxonomy};

use super::catalogue::text;
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::params::Params;
use crate::api::search::{SearchPage, answer, prepare};

/// Catalogue keys chosen here rather than in a template (the catalogue test checks them).
pub const KEYS: &[&str] = &[
    "facet_kind",
    "facet_category",
    "facet_family",
    "facet_town",
    "facet_standard",
    "facet_certificate",
    "kind_product",
    "kind_service",
    "kind_capacity",
    "why_terms",
    "why_standards",
    "why_certificates",
    "why_same_town",
    "why_rating",
    "why_response_rate",
    "why_verified",
    "why_size",
    "why_specialist",
    "why_in_the_trade",
    "error_title",
    "unavailable",
];

/// The filters a facet sets, in the order the page lists them.
const FACETS: [(&str, &str); 6] = [
    ("kind", "facet_kind"),
    ("family", "facet_family"),
    ("category", "facet_category"),
    ("town", "facet_town"),
    ("standard", "facet_standard"),
    ("certificate", "facet_certificate"),
];

/// The free-machine-time filters (see [`free_form`]).
const FREE: [&str; 3] = ["free_from", "free_to", "free_hours"];

/// The filter for offers with a test report in force (a toggle, not a facet with counts).
const REPORT: &str = "report";

/// Values shown per facet.
const PER_FACET: usize = 8;

#[derive(Serialize)]
struct FacetValue {
    name: String,
    count: String,
    href: String,
    active: bool,
}

#[derive(Serialize)]
struct FacetGroup {
    label: &'static str,
    values: Vec<FacetValue>,
}

#[derive(Serialize)]
struct OfferLine {
    id: i64,
    kind: String,
    title: String,
    price: Option<String>,
    lead: Option<i32>,
    standards: Vec<String>,
    /// Those among them declared with a test report in force.
    declared: Vec<String>,
}

#[derive(Serialize)]
struct ResultItem {
    id: i64,
    name: String,
    town: String,
    offers: Vec<OfferLine>,
    more: usize,
    why: String,
}

/// `/search?…` with `changes` applied (None removes a parameter); the cursor always goes.
/// Every link the page makes of its own results carries `refine=1`: following one is not a
/// new need, so the query log does not count it again.
fn href(p: &Params, changes: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> =
        p.0.iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "lang" | "refine"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    for (k, v) in changes {
        pairs.retain(|(x, _)| x != k);
        if let Some(v) = v {
            pairs.push((k.to_string(), v.to_string()));
        }
    }
    if !pairs.is_empty() {
        pairs.push(("refine".into(), "1".into()));
    }
    pairs.sort();
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        s.append_pair(k, v);
    }
    let qs = s.finish();
    if qs.is_empty() { "/search".into() } else { format!("/search?{qs}") }
}

fn kind_name(lang: Lang, code: &str) -> String {
    text(lang, &format!("kind_{code}"), &[])
}

fn value_name(lang: Lang, facet: &str, code: &str) -> String {
    let t = Taxonomy::get();
    let name = match facet {
        "kind" => Some(kind_name(lang, code)),
        "family" => t.family(code).map(|f| f.entry.name(lang).to_string()),
        "category" => t.category(code).map(|c| c.entry.name(lang).to_string()),
        "town" => t.town(code).map(|e| e.name(lang).to_string()),
        _ => None,
    };
    name.unwrap_or_else(|| code.to_string())
}

fn facets(lang: Lang, p: &Params, page: &SearchPage) -> Vec<FacetGroup> {
    let mut groups = vec![];
    for (facet, label) in FACETS {
        let Some(values) = page.facets.get(facet) else { continue };
        let mut values: Vec<(&String, &u64)> = values.iter().filter(|(_, n)| **n > 0).collect();
        values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let current = p.get(facet);
        let values: Vec<FacetValue> = values
            .into_iter()
            .take(PER_FACET)
            .map(|(code, n)| {
                let active = current == Some(code.as_str());
                FacetValue {
                    name: value_name(lang, facet, code),
                    // Sampled counts read as "about"; kind's are always exact.
                    count: if page.facets_approximate { format!("≈{n}") } else { n.to_string() },
                    href: href(p, &[(facet, if active { None } else { Some(code.as_str()) })]),
                    active,
                }
            })
            .collect();
        if !values.is_empty() {
            groups.push(FacetGroup { label, values });
        }
    }
    groups
}

/// The free-machine-time form, shown once a search is about capacity: the other parameters
/// ride along hidden, so that it narrows the search as it stands.
#[derive(Serialize)]
struct FreeForm {
    hidden: Vec<(String, String)>,
    from: String,
    to: String,
    hours: String,
}

fn free_form(p: &Params) -> Option<FreeForm> {
    let asked = FREE.iter().any(|k| p.get(k).is_some());
    if p.get("kind") != Some("capacity") && !asked {
        return None;
    }
    let mut hidden: Vec<(String, String)> =
        p.0.iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "lang" | "refine") && !FREE.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    hidden.push(("refine".into(), "1".into()));
    let value = |k: &str| p.get(k).unwrap_or("").to_string();
    Some(FreeForm { hidden, from: value("free_from"), to: value("free_to"), hours: value("free_hours") })
}

/// Why a firm was found, in one line of plain words (a search result, or a provider
/// suggested for a demand; `item` as the API gives it).
///
/// The words of the need that matched, each once: a synonym is said as the word the person
/// typed (so an English synonym never shows on a Chinese page unless they typed English),
/// and a part is not said beside the word it is part of (保温 beside 保温杯). Then what
/// sets this firm apart: the standards it meets, its certificates by name, being local,
/// rated, answering, verified.
pub fn why(lang: Lang, item: &serde_json::Value) -> String {
    let mut parts = vec![];
    let sep = &text(lang, "list_separator", &[]);
    let mut words: Vec<String> = vec![];
    for t in item["explanation"]["terms"].as_array().into_iter().flatten() {
        let term = t["term"].as_str().unwrap_or("");
        let word = t["via"].as_str().and_then(|v| v.strip_prefix("synonym ")).unwrap_or(term).to_string();
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    let shown: Vec<&str> =
        words.iter().filter(|w| !words.iter().any(|o| o != *w && o.contains(w.as_str()))).map(String::as_str).collect();
    if !shown.is_empty() {
        parts.push(text(lang, "why_terms", &[shown.join(sep)]));
    }
    let standards: Vec<&str> =
        item["explanation"]["standards"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
    if !standards.is_empty() {
        parts.push(text(lang, "why_standards", &[standards.join(sep)]));
    }
    let tests: Vec<&str> =
        item["explanation"]["test_items"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
    if !tests.is_empty() {
        parts.push(text(lang, "why_test_items", &[tests.join(sep)]));
    }
    let t = Taxonomy::get();
    for s in item["explanation"]["signals"].as_array().into_iter().flatten() {
        let v = s["value"].as_i64().unwrap_or(0).to_string();
        let line = match s["name"].as_str().unwrap_or("") {
            "certificates" => {
                let names: Vec<String> = item["org"]["certificates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str())
                    // A mark known by its code (ISO 9001, CCC) by that code; the others
                    // (HNTE, SRDI) by their names (高新技术企业, 专精特新企业).
                    .map(|c| match t.certificate(c).map(|e| e.name(lang)) {
                        Some(name) if !name.starts_with(c) => name.to_string(),
                        _ => c.to_string(),
                    })
                    .collect();
                if names.is_empty() { text(lang, "why_certificates", &[v]) } else { names.join(sep) }
            }
            "same_town" => text(lang, "why_same_town", &[]),
            "rating" => text(lang, "why_rating", &[s["detail"].as_str().unwrap_or("").to_string()]),
            "response_rate" => text(lang, "why_response_rate", &[v]),
            "verified" => text(lang, "why_verified", &[]),
            "specialist" if v == "1" => text(lang, "why_specialist", &[]),
            "specialist" => text(lang, "why_in_the_trade", &[]),
            // Only a size that fits is worth saying; one far off already ranks the offer lower.
            "size" if s["value"].as_i64().unwrap_or(0) >= 80 => match s["detail"].as_str() {
                Some(detail) => text(lang, "why_size_detail", &[detail.to_string()]),
                None => text(lang, "why_size", &[]),
            },
            _ => continue,
        };
        parts.push(line);
    }
    parts.join(" · ")
}

/// English names and titles, on an English page, for what the page shows.
#[derive(Default)]
struct English {
    orgs: HashMap<i64, String>,
    offers: HashMap<i64, String>,
}

impl English {
    async fn of(app: &AppState, lang: Lang, page: &SearchPage) -> English {
        if lang != Lang::En {
            return English::default();
        }
        let orgs: Vec<i64> = page.items.iter().map(|i| i.org.id).collect();
        let offers: Vec<i64> = page.items.iter().flat_map(|i| i.offers.iter().map(|o| o.id)).collect();
        English {
            orgs: app.store.org_names_en(&orgs).await.unwrap_or_default(),
            offers: app.store.offer_titles_en(&offers).await.unwrap_or_default(),
        }
    }
}

fn items(lang: Lang, page: &SearchPage, en: &English) -> Vec<ResultItem> {
    page.items
        .iter()
        .map(|i| ResultItem {
            id: i.org.id,
            name: en.orgs.get(&i.org.id).cloned().unwrap_or_else(|| i.org.name.clone()),
            town: i.org.town.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            offers: i
                .offers
                .iter()
                .map(|o| OfferLine {
                    id: o.id,
                    kind: kind_name(lang, &o.kind),
                    title: en.offers.get(&o.id).cloned().unwrap_or_else(|| o.title.clone()),
                    price: o.price_fen.map(|[lo, hi]| {
                        super::registry::price_per(lang, lo as i64, hi as i64, o.unit.as_ref().map(|u| u.code.as_str()))
                    }),
                    lead: o.lead_time_days,
                    standards: o.standards.clone(),
                    declared: o.declared.clone(),
                })
                .collect(),
            more: i.matched_offers.saturating_sub(i.offers.len()),
            why: why(lang, &serde_json::to_value(i).unwrap_or_default()),
        })
        .collect()
}

pub async fn search(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery, p: Params) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = href(&p, &[]);
    let q = p.get("q").unwrap_or("").to_string();
    let suggestions: Vec<_> = Taxonomy::get()
        .families
        .iter()
        .filter(|f| f.integration)
        .map(|f| context! { code => f.entry.code.clone(), name => f.entry.name(lang).to_string() })
        .collect();
    let user = super::user_ctx(&super::session::page_user(&app, &headers).await);
    let library = crate::api::search::library_for(&app, lang, p.get("standard").is_some()).await.unwrap_or_default();
    let shown = match prepare(lang, &p, &library) {
        Ok(mut prepared) => {
            if prepared.log {
                prepared.town = crate::api::search::searcher_town(&app, &headers).await;
            }
            answer(&app, lang, prepared, "search").await
        }
        Err(e) => Err(e),
    };
    match shown {
        Ok(page) => {
            let next_href = page.next_cursor.as_ref().map(|c| {
                let mut h = href(&p, &[]);
                h.push(if h.contains('?') { '&' } else { '?' });
                h.push_str(&format!("cursor={c}"));
                h
            });
            let first_href = p.get("cursor").map(|_| href(&p, &[]));
            let filtered = FACETS.iter().map(|(f, _)| *f).chain(FREE).chain([REPORT]).any(|f| p.get(f).is_some());
            let cleared: Vec<(&str, Option<&str>)> =
                FACETS.iter().map(|(f, _)| *f).chain(FREE).chain([REPORT]).map(|f| (f, None)).collect();
            let reported = matches!(p.get(REPORT), Some("1" | "true"));
            let report_toggle = context! {
                active => reported, href => href(&p, &[(REPORT, if reported { None } else { Some("1") })]),
            };
            let en = English::of(&app, lang, &page).await;
            let ctx = context! {
                q, total => if page.total_is_lower_bound { format!("{}+", page.total) } else { page.total.to_string() }, items => Value::from(Serde(items(lang, &page, &en))),
                facets => Value::from(Serde(facets(lang, &p, &page))),
                next_href, first_href, filtered, clear_href => href(&p, &cleared),
                suggestions, error => None::<String>, user, free_form => Value::from(Serde(free_form(&p))),
                report_toggle,
            };
            render(StatusCode::OK, "search.html", lang, &here, ctx)
        }
        Err(e) => {
            let error =
                if e.status == StatusCode::SERVICE_UNAVAILABLE { text(lang, "unavailable", &[]) } else { e.message };
            let ctx = context! { q, items => Vec::<Value>::new(), facets => Vec::<Value>::new(), suggestions, error, user,
            free_form => Value::from(Serde(free_form(&p))) };
            render(e.status, "search.html", lang, &here, ctx)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn page(approximate: bool) -> SearchPage {
        let mut facets: BTreeMap<&'static str, BTreeMap<String, u64>> = BTreeMap::new();
        facets.entry("kind").or_default().insert("product".into(), 120_000);
        facets.entry("town").or_default().insert("330784112".into(), 40_008);
        SearchPage {
            items: vec![],
            facets,
            facets_approximate: approximate,
            next_cursor: None,
            total: 0,
            total_is_lower_bound: false,
            offers_total: 120_000,
        }
    }

    fn counts(approximate: bool) -> Vec<String> {
        let groups = facets(Lang::Zh, &Params::default(), &page(approximate));
        groups.iter().flat_map(|g| g.values.iter().map(|v| v.count.clone())).collect()
    }

    #[test]
    fn sampled_counts_read_as_about() {
        assert_eq!(counts(false), ["120000", "40008"]);
        assert_eq!(counts(true), ["≈120000", "≈40008"]);
    }
}
