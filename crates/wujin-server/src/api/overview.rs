//! The pilot office's numbers, for officers and platform admins: `GET /api/v1/overview/demands`
//! (the demand side of the cluster) and `GET /api/v1/overview/chain` (the chain map). Counts
//! and aggregates only: no demand's responses, no firm's price, ever.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use wujin_domain::{Lang, Taxonomy};

use wujin_store::overview::RegistryCounts;

use super::AppState;
use super::auth::{Caller, caller, forbidden};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::Named;

#[derive(Serialize, ToSchema)]
pub struct Counted {
    pub key: String,
    pub demands: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DemandOverviewView {
    /// Published demands by state.
    pub by_state: Vec<Counted>,
    /// Published demands by service family ("" for goods).
    pub by_family: Vec<Counted>,
    pub published: i64,
    pub responses: i64,
    /// Published demands past their deadline with fewer than three responses.
    pub thin: i64,
    pub engagements: i64,
    pub ratings: i64,
}

/// Demand aggregates (officers and platform admins).
#[utoipa::path(get, path = "/api/v1/overview/demands", tag = "insight",
    responses((status = 200, body = DemandOverviewView), (status = 401), (status = 403)))]
pub async fn demands(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<DemandOverviewView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    officers_only(&app, lang, &me).await?;
    let internal = |e| ApiError::internal(lang, e);
    let o = app.store.demand_overview(wujin_store::now_ms()).await.map_err(internal)?;
    let counted = |v: Vec<wujin_store::overview::Count>| {
        v.into_iter().map(|c| Counted { key: c.key, demands: c.count }).collect()
    };
    Ok(Json(DemandOverviewView {
        by_state: counted(o.by_state),
        by_family: counted(o.by_family),
        published: o.published,
        responses: o.responses,
        thin: o.thin,
        engagements: o.engagements,
        ratings: o.ratings,
    }))
}

/// 403 unless the caller is an officer of the pilot office or a platform admin.
async fn officers_only(app: &AppState, lang: Lang, me: &Caller) -> Result<(), ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let allowed = app.store.is_officer(me.account_id).await.map_err(internal)?
        || app.store.is_platform_admin(me.account_id).await.map_err(internal)?;
    if allowed { Ok(()) } else { Err(forbidden(lang)) }
}

/// A pillar industry with fewer firms than this at a stage of its chain is thin there.
pub const THIN_STAGE: i64 = 3;

#[derive(Serialize, ToSchema)]
pub struct ChainCell {
    /// The chain stage's code (`materials`, `parts`, …).
    pub stage: String,
    /// Organisations of this industry registered at this stage.
    pub orgs: i64,
    /// Some organisations, but fewer than `thin_below`: the chain is thin here.
    pub thin: bool,
    /// No organisation has declared this stage: nothing is known, which is not the same as
    /// thin (firms rarely declare every stage they work at).
    pub no_data: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ChainRow {
    /// The pillar industry.
    pub pillar: Named,
    /// One cell per stage, in the order of `stages`.
    pub cells: Vec<ChainCell>,
}

#[derive(Serialize, ToSchema)]
pub struct ChainMapView {
    /// The stages of a chain, upstream first, with their names in the request's language.
    pub stages: Vec<Named>,
    /// The cluster's pillar industries, each against every stage.
    pub rows: Vec<ChainRow>,
    pub thin_below: i64,
}

/// The chain map: each pillar industry against the stages of its chain, counted from the
/// registry (an organisation counts in every industry and stage it is registered in).
pub fn chain_map(counts: &RegistryCounts, lang: Lang) -> ChainMapView {
    let t = Taxonomy::get();
    let mut cells: std::collections::HashMap<(&str, &str), i64> = Default::default();
    for (sector, stage, n) in &counts.orgs_by_sector_and_stage {
        let Some(s) = t.sector(sector) else { continue };
        *cells.entry((s.pillar.as_str(), stage.as_str())).or_default() += n;
    }
    let named = |code: &str, name: &str| Named { code: code.to_string(), name: name.to_string() };
    let rows = t
        .pillars
        .iter()
        .map(|p| ChainRow {
            pillar: named(&p.code, p.name(lang)),
            cells: t
                .chain
                .iter()
                .map(|s| {
                    let orgs = cells.get(&(p.code.as_str(), s.code.as_str())).copied().unwrap_or(0);
                    ChainCell { stage: s.code.clone(), orgs, thin: orgs > 0 && orgs < THIN_STAGE, no_data: orgs == 0 }
                })
                .collect(),
        })
        .collect();
    ChainMapView {
        stages: t.chain.iter().map(|s| named(&s.code, s.name(lang))).collect(),
        rows,
        thin_below: THIN_STAGE,
    }
}

/// The chain map (officers and platform admins).
#[utoipa::path(get, path = "/api/v1/overview/chain", tag = "insight",
    responses((status = 200, body = ChainMapView), (status = 401), (status = 403)))]
pub async fn chain(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<ChainMapView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    officers_only(&app, lang, &me).await?;
    let counts = app.store.registry_counts().await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(chain_map(&counts, lang)))
}
