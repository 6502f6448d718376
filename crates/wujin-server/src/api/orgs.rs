//! `GET /api/v1/orgs` and `GET /api/v1/orgs/{id}`.

use axum::Json;
use axum::extract::State;
use utoipa::IntoParams;
use wujin_domain::{Lang, OrgKind, SizeClass, Taxonomy};
use wujin_store::orgs::OrgFilter;

use super::error::{ApiError, ErrorBody};
use super::lang::ReqLang;
use super::page::{decode_cursor, encode_cursor, limit};
use super::params::Params;
use super::views::{OrgPage, OrgView};
use super::{AppState, parse_id, unknown};

/// Filters of the organisation list; each narrows it. Names or codes are accepted.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrgQuery {
    /// Page size, 1 to 100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// manufacturer, service_provider, research_institute, finance, public_body (or 制造企业 …).
    kind: Option<String>,
    /// Town code (330784105) or name (石柱镇).
    town: Option<String>,
    /// GB/T 4754 class (C3382) or name.
    sector: Option<String>,
    /// Certificate held (ISO 9001, CCC …).
    certificate: Option<String>,
    /// large, medium, small, micro (or 大型 …).
    size_class: Option<String>,
    /// Organisations offering something in this category (code or name; subcategories included).
    category: Option<String>,
    /// Organisations with an offer that meets this standard (any spacing: GB/T29606).
    standard: Option<String>,
    /// zh (default) or en.
    lang: Option<String>,
}

pub fn org_filter(lang: Lang, p: &Params) -> Result<OrgFilter, ApiError> {
    let t = Taxonomy::get();
    let mut f = OrgFilter::default();
    if let Some(v) = p.get("kind") {
        f.kind = Some(t.org_kind(v).and_then(|e| OrgKind::from_code(&e.code)).ok_or_else(|| unknown(lang, "kind", v))?);
    }
    if let Some(v) = p.get("town") {
        f.town = Some(t.town(v).ok_or_else(|| unknown(lang, "town", v))?.code.clone());
    }
    if let Some(v) = p.get("sector") {
        // A pillar (杯业) finds the firms filed under it and under each of its classes.
        f.sectors = Some(t.sectors_under(&t.sector(v).ok_or_else(|| unknown(lang, "sector", v))?.entry.code));
    }
    if let Some(v) = p.get("certificate") {
        f.certificate = Some(t.certificate(v).ok_or_else(|| unknown(lang, "certificate", v))?.code.clone());
    }
    if let Some(v) = p.get("size_class") {
        f.size_class = Some(
            t.size_class(v)
                .and_then(|e| SizeClass::from_code(&e.code))
                .ok_or_else(|| unknown(lang, "size_class", v))?,
        );
    }
    let offers = super::offers::offer_filter(lang, &Params::only(p, &["category", "standard"]))?;
    f.group = offers.group;
    f.categories = offers.categories;
    f.standard = offers.standard;
    Ok(f)
}

/// List organisations of the cluster, in registration order.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "registry", params(OrgQuery),
    responses((status = 200, body = OrgPage), (status = 400, body = ErrorBody)))]
pub async fn list(State(app): State<AppState>, ReqLang(lang): ReqLang, p: Params) -> Result<Json<OrgPage>, ApiError> {
    let limit = limit(lang, p.get("limit"))?;
    let after = decode_cursor(lang, p.get("cursor"))?;
    let filter = org_filter(lang, &p)?;
    let (orgs, more) = app.store.list_orgs(&filter, after, limit).await.map_err(|e| ApiError::internal(lang, e))?;
    let total = app.store.count_orgs(&filter).await.map_err(|e| ApiError::internal(lang, e))?;
    let next_cursor = if more { orgs.last().map(|o| encode_cursor(o.id)) } else { None };
    Ok(Json(OrgPage { items: orgs.iter().map(|o| OrgView::new(o, lang)).collect(), next_cursor, total }))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "registry",
    params(("id" = i64, Path, description = "The organisation's id")),
    responses((status = 200, body = OrgView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
) -> Result<Json<OrgView>, ApiError> {
    let id = parse_id(lang, id)?;
    match app.store.org(id).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(o) => Ok(Json(OrgView::new(&o, lang))),
        None => Err(ApiError::not_found(lang)),
    }
}
