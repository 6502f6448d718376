//! `GET /api/v1/offers` and `GET /api/v1/offers/{id}`.

use axum::Json;
use axum::extract::State;
use utoipa::IntoParams;
use wujin_domain::sheet::normalise_standard;
use wujin_domain::{Lang, OfferKind, Taxonomy, msg};
use wujin_store::offers::OfferFilter;

use super::error::{ApiError, ErrorBody};
use super::lang::ReqLang;
use super::page::{decode_cursor, encode_cursor, limit};
use super::params::Params;
use super::views::{OfferPage, OfferView};
use super::{AppState, parse_id, unknown};

/// Counting stops here; past it a list says "at least".
pub const TOTAL_CAP: i64 = 10_000;

/// Filters of the offer list; each narrows it. Names or codes are accepted.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OfferQuery {
    /// Page size, 1 to 100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// product, service or capacity (or 产品, 服务, 产能).
    kind: Option<String>,
    /// Category code or name (cups.vacuum_cup, 保温杯); includes its subcategories.
    category: Option<String>,
    /// Service family (rd_design, testing …).
    family: Option<String>,
    /// GB/T 4754 class (C3382) of the product.
    sector: Option<String>,
    /// Town code (330784105) or name.
    town: Option<String>,
    /// A standard met, in any spacing (GB/T29606, gb 4806.9).
    standard: Option<String>,
    /// Only this organisation's offers.
    org_id: Option<i64>,
    /// zh (default) or en.
    lang: Option<String>,
}

fn intersect(current: Option<Vec<String>>, next: Vec<String>) -> Option<Vec<String>> {
    Some(match current {
        None => next,
        Some(c) => c.into_iter().filter(|x| next.contains(x)).collect(),
    })
}

pub fn offer_filter(lang: Lang, p: &Params) -> Result<OfferFilter, ApiError> {
    let t = Taxonomy::get();
    let mut f = OfferFilter::default();
    let kind = match p.get("kind") {
        Some(v) => Some(t.offer_kind(v).or_else(|| OfferKind::from_code(v)).ok_or_else(|| unknown(lang, "kind", v))?),
        None => None,
    };
    // The categories the filters allow, when any of them narrows by category.
    let mut allowed: Option<Vec<String>> = None;
    if let Some(v) = p.get("category") {
        let cat = t.category(v).ok_or_else(|| unknown(lang, "category", v))?;
        let all = t.category_with_descendants(&cat.entry.code).into_iter().map(String::from).collect();
        allowed = intersect(allowed, all);
    }
    let categories_where = |keep: &dyn Fn(&wujin_domain::taxonomy::Category) -> bool| -> Vec<String> {
        t.categories.iter().filter(|c| keep(c)).map(|c| c.entry.code.clone()).collect()
    };
    if let Some(v) = p.get("family") {
        let fam = &t.family(v).ok_or_else(|| unknown(lang, "family", v))?.entry.code;
        allowed = intersect(allowed, categories_where(&|c| c.family.as_ref() == Some(fam)));
    }
    if let Some(v) = p.get("sector") {
        let under = t.sectors_under(&t.sector(v).ok_or_else(|| unknown(lang, "sector", v))?.entry.code);
        allowed = intersect(allowed, categories_where(&|c| c.sector.as_ref().is_some_and(|s| under.contains(s))));
    }
    match allowed {
        // A category implies its kind, so the kind becomes part of the category set.
        Some(mut set) => {
            if let Some(k) = kind {
                set.retain(|c| t.category(c).map(|x| x.kind) == Some(k));
            }
            set.sort();
            // A whole group (a parent with its children, or a service family) is one
            // indexed equality; anything else is a list.
            let group = set.first().and_then(|c| t.group_of(c)).filter(|g| {
                let mut members = t.group_members(g);
                members.sort();
                members.len() > 1 && members == set.iter().map(String::as_str).collect::<Vec<_>>()
            });
            match group {
                Some(g) => f.group = Some(g.to_string()),
                None => f.categories = Some(set),
            }
        }
        None => f.kind = kind,
    }
    if let Some(v) = p.get("town") {
        f.town = Some(t.town(v).ok_or_else(|| unknown(lang, "town", v))?.code.clone());
    }
    if let Some(v) = p.get("standard") {
        f.standard = Some(
            normalise_standard(v)
                .ok_or_else(|| ApiError::bad(lang, "invalid_parameter", "standard", msg!("standard_param", v)))?,
        );
    }
    if let Some(v) = p.get("org_id") {
        f.org_id =
            Some(
                v.trim().parse::<i64>().ok().filter(|&n| n > 0).ok_or_else(|| {
                    ApiError::bad(lang, "invalid_parameter", "org_id", msg!("positive_whole", "org_id"))
                })?,
            );
    }
    Ok(f)
}

/// List offers (products, services, capacity), in listing order.
#[utoipa::path(get, path = "/api/v1/offers", tag = "registry", params(OfferQuery),
    responses((status = 200, body = OfferPage), (status = 400, body = ErrorBody)))]
pub async fn list(State(app): State<AppState>, ReqLang(lang): ReqLang, p: Params) -> Result<Json<OfferPage>, ApiError> {
    let limit = limit(lang, p.get("limit"))?;
    let after = decode_cursor(lang, p.get("cursor"))?;
    let filter = offer_filter(lang, &p)?;
    let (offers, more) = app.store.list_offers(&filter, after, limit).await.map_err(|e| ApiError::internal(lang, e))?;
    let total = app.store.count_offers(&filter, TOTAL_CAP).await.map_err(|e| ApiError::internal(lang, e))?;
    let next_cursor = if more { offers.last().map(|o| encode_cursor(o.id)) } else { None };
    let library = app.store.library().await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(OfferPage {
        items: offers.iter().map(|o| OfferView::new(o, lang, &library)).collect(),
        next_cursor,
        total,
        total_at_least: total.is_none().then_some(TOTAL_CAP),
    }))
}

/// One offer.
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "registry",
    params(("id" = i64, Path, description = "The offer's id")),
    responses((status = 200, body = OfferView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
) -> Result<Json<OfferView>, ApiError> {
    let id = parse_id(lang, id)?;
    match app.store.offer(id).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(o) => {
            let library = app.store.library().await.map_err(|e| ApiError::internal(lang, e))?;
            Ok(Json(OfferView::new(&o, lang, &library)))
        }
        None => Err(ApiError::not_found(lang)),
    }
}
