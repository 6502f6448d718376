//! `GET /api/v1/search`: free text plus filters, one item per organisation with its best
//! offers, each with the words that matched and where.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use wujin_domain::Taxonomy;
use wujin_domain::sheet::normalise_standard;
use wujin_match::SearchQuery;

use super::error::{ApiError, ErrorBody};
use super::lang::ReqLang;
use super::page::limit;
use super::params::Params;
use super::views::Named;
use super::{AppState, unknown};

/// The longest query text, in characters.
pub const MAX_Q: usize = 500;
/// Offers looked at per search; grouped by organisation into at most `limit` items.
const HITS: usize = 100;

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// The need in the user's words: 保温杯, 800吨压铸 铝合金, GB/T29606 检测, cordless drill.
    q: Option<String>,
    /// product, service or capacity.
    kind: Option<String>,
    /// Category code or name; subcategories included.
    category: Option<String>,
    /// Town code or name.
    town: Option<String>,
    /// A standard the offer meets, in any spacing.
    standard: Option<String>,
    /// Organisations per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// zh (default) or en.
    lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgSummary {
    pub id: i64,
    pub name: String,
    pub town: Option<Named>,
}

#[derive(Serialize, ToSchema)]
pub struct OfferSummary {
    pub id: i64,
    pub title: String,
    pub category: Named,
    pub score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct TermMatch {
    pub term: String,
    pub field: String,
    /// The query word it stands in for, when matched through a synonym ("synonym 真空杯").
    pub via: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Explanation {
    pub terms: Vec<TermMatch>,
    pub filters: Vec<String>,
    /// Standards named in the query that this organisation's offers meet.
    pub standards: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchItem {
    pub org: OrgSummary,
    pub offers: Vec<OfferSummary>,
    pub score: f32,
    pub explanation: Explanation,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchItem>,
    /// Not yet computed; always empty in this version.
    #[schema(value_type = Object)]
    pub facets: serde_json::Value,
    pub next_cursor: Option<String>,
    /// Offers matching the query and filters.
    pub total: usize,
}

/// Search offers and group them by organisation.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn search(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    p: Params,
) -> Result<Json<SearchPage>, ApiError> {
    let t = Taxonomy::get();
    let limit = limit(lang, p.get("limit"))? as usize;
    let text = p.get("q").unwrap_or("").to_string();
    if text.chars().count() > MAX_Q {
        return Err(ApiError::bad(
            lang,
            "too_long",
            "q",
            format!("搜索内容最多{MAX_Q}个字"),
            format!("q takes at most {MAX_Q} characters"),
        ));
    }
    let mut q = SearchQuery { text, limit: HITS, ..Default::default() };
    let mut filters = vec![];
    if let Some(v) = p.get("kind") {
        q.kind = Some(t.offer_kind(v).ok_or_else(|| unknown(lang, "kind", v))?);
        filters.push(format!("kind={}", q.kind.map(|k| k.code()).unwrap_or_default()));
    }
    if let Some(v) = p.get("category") {
        q.category = Some(t.category(v).ok_or_else(|| unknown(lang, "category", v))?.entry.code.clone());
        filters.push(format!("category={}", q.category.clone().unwrap_or_default()));
    }
    if let Some(v) = p.get("town") {
        q.town = Some(t.town(v).ok_or_else(|| unknown(lang, "town", v))?.code.clone());
        filters.push(format!("town={}", q.town.clone().unwrap_or_default()));
    }
    if let Some(v) = p.get("standard") {
        q.standard = Some(normalise_standard(v).ok_or_else(|| unknown(lang, "standard", v))?);
        filters.push(format!("standard={}", q.standard.clone().unwrap_or_default()));
    }
    let Some(index) = app.index.clone() else {
        return Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "index_unavailable",
            message: match lang {
                wujin_domain::Lang::Zh => "搜索索引尚未就绪".into(),
                wujin_domain::Lang::En => "the search index is not ready".into(),
            },
            field: None,
        });
    };
    let result = tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .map_err(|e| ApiError::internal(lang, e))?;

    // Group by organisation, keeping the order of each organisation's best hit.
    let ids: Vec<i64> = result.hits.iter().map(|h| h.offer_id as i64).collect();
    let offers: HashMap<i64, wujin_store::offers::Offer> = app
        .store
        .offers_by_ids(&ids)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut items: Vec<SearchItem> = vec![];
    let mut by_org: HashMap<i64, usize> = HashMap::new();
    for hit in &result.hits {
        let Some(offer) = offers.get(&(hit.offer_id as i64)) else { continue };
        let i = match by_org.get(&offer.org_id) {
            Some(&i) => i,
            None => {
                if items.len() == limit {
                    continue;
                }
                items.push(SearchItem {
                    org: OrgSummary {
                        id: offer.org_id,
                        name: offer.org_name.clone(),
                        town: offer
                            .town
                            .as_deref()
                            .and_then(|c| t.town(c))
                            .map(|e| Named { code: e.code.clone(), name: e.name(lang).to_string() }),
                    },
                    offers: vec![],
                    score: hit.score,
                    explanation: Explanation { terms: vec![], filters: filters.clone(), standards: vec![] },
                });
                by_org.insert(offer.org_id, items.len() - 1);
                items.len() - 1
            }
        };
        let item = &mut items[i];
        if item.offers.len() < 3 {
            let cat = t.category(&offer.record.category);
            item.offers.push(OfferSummary {
                id: offer.id,
                title: offer.record.title.clone(),
                category: Named {
                    code: offer.record.category.clone(),
                    name: cat.map(|c| c.entry.name(lang).to_string()).unwrap_or_default(),
                },
                score: hit.score,
            });
        }
        for m in &hit.matched {
            if !item.explanation.terms.iter().any(|x| x.term == m.term && x.field == m.field) {
                item.explanation.terms.push(TermMatch {
                    term: m.term.clone(),
                    field: m.field.to_string(),
                    via: m.via.clone(),
                });
            }
        }
        for s in &hit.standards {
            if !item.explanation.standards.contains(s) {
                item.explanation.standards.push(s.clone());
            }
        }
    }
    Ok(Json(SearchPage { items, facets: serde_json::json!({}), next_cursor: None, total: result.total }))
}
