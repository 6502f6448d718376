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
pub(super) async fn officers_only(app: &AppState, lang: Lang, me: &Caller) -> Result<(), ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let allowed = app.store.is_officer(me.account_id).await.map_err(internal)?
        || app.store.is_platform_admin(me.account_id).await.map_err(internal)?;
    if allowed { Ok(()) } else { Err(forbidden(lang)) }
}

/// A pillar industry with fewer registered firms than this at a stage of its chain is thin
/// there, by registration.
pub const THIN_STAGE: i64 = 3;

/// What the registry says of a cell: organisations of the industry registered at the stage.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub orgs: i64,
    /// Some organisations, but fewer than `thin_below`.
    pub thin: bool,
}

/// Supply ties counted by state.
#[derive(Serialize, ToSchema)]
pub struct TieCounts {
    pub confirmed: u32,
    /// Declared by one side, waiting for the other.
    pub declared: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ChainCell {
    /// The chain stage's code (`materials`, `parts`, …).
    pub stage: String,
    /// No supply tie of this industry at this stage: nothing is known of its flows ("无数据"),
    /// which is not the same as thin.
    pub no_data: bool,
    /// Hidden by the small-cell rule: fewer than 5 firms in its flows, or one firm making over
    /// 80 % of its ties in. The flow figures below are then null.
    pub suppressed: bool,
    /// Firms of this industry that buy or sell this stage's inputs in the supply graph.
    pub firms: Option<u32>,
    /// Ties by which firms of this industry buy inputs of this stage.
    pub ties_in: Option<TieCounts>,
    /// Ties by which firms of this industry sell inputs of this stage.
    pub ties_out: Option<TieCounts>,
    /// Per cent of `ties_in` from suppliers inside the cluster (the rest are declared outside
    /// suppliers); null without ties in.
    pub local_share: Option<u8>,
    /// (firm, input) slots: inputs of this stage that firms of this industry buy, and how
    /// many of them hang on one supplier.
    pub slots: Option<u32>,
    pub single_source: Option<u32>,
    /// Half or more of the slots hang on one supplier: the chain is thin here.
    pub thin: bool,
    /// The registry's count, as the map showed before flows were known.
    pub registered: Registered,
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
    /// Ties in the supply graph, and how many of them are stale (no evidence for 13 months).
    pub ties: u32,
    pub stale: u32,
}

/// The chain map: each pillar industry against the stages of its chain, from the supply
/// graph's flows (a tie's stage is its input's; it counts "in" for the buyer's industry and
/// "out" for the seller's), with the registry's count beside (an organisation counts in every
/// industry and stage it is registered in).
pub fn chain_map(counts: &RegistryCounts, snap: &crate::chain::Snapshot, lang: Lang) -> ChainMapView {
    let t = Taxonomy::get();
    let mut registered: std::collections::HashMap<(&str, &str), i64> = Default::default();
    for (sector, stage, n) in &counts.orgs_by_sector_and_stage {
        let Some(s) = t.sector(sector) else { continue };
        *registered.entry((s.pillar.as_str(), stage.as_str())).or_default() += n;
    }
    let flows = crate::chain::answer::flows(snap);
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
                    let orgs = registered.get(&(p.code.as_str(), s.code.as_str())).copied().unwrap_or(0);
                    let registered = Registered { orgs, thin: orgs > 0 && orgs < THIN_STAGE };
                    let f = flows.get(&(p.code.clone(), s.code.clone()));
                    let ties = f.map_or(0, |f| f.in_confirmed + f.in_declared + f.out_confirmed + f.out_declared);
                    let shown = f.is_some_and(|f| {
                        let firms = wujin_domain::disclosure::Cell::count(f.firms.len() as u32);
                        let ins = wujin_domain::disclosure::Cell::of(f.ties_in_by_firm.values().copied());
                        firms.publishable() && (ins.firms == 0 || ins.total == 0 || ins.largest * 100 <= ins.total * 80)
                    });
                    match f.filter(|_| shown) {
                        Some(f) => {
                            let ins = f.in_confirmed + f.in_declared;
                            ChainCell {
                                stage: s.code.clone(),
                                no_data: false,
                                suppressed: false,
                                firms: Some(f.firms.len() as u32),
                                ties_in: Some(TieCounts { confirmed: f.in_confirmed, declared: f.in_declared }),
                                ties_out: Some(TieCounts { confirmed: f.out_confirmed, declared: f.out_declared }),
                                local_share: (ins > 0).then(|| ((f.in_local * 100 + ins / 2) / ins) as u8),
                                slots: Some(f.slots),
                                single_source: Some(f.single),
                                thin: f.slots > 0 && f.single * 2 >= f.slots,
                                registered,
                            }
                        }
                        None => ChainCell {
                            stage: s.code.clone(),
                            no_data: ties == 0,
                            suppressed: ties > 0,
                            firms: None,
                            ties_in: None,
                            ties_out: None,
                            local_share: None,
                            slots: None,
                            single_source: None,
                            thin: false,
                            registered,
                        },
                    }
                })
                .collect(),
        })
        .collect();
    ChainMapView {
        stages: t.chain.iter().map(|s| named(&s.code, s.name(lang))).collect(),
        rows,
        thin_below: THIN_STAGE,
        ties: snap.ties as u32,
        stale: snap.stale as u32,
    }
}

/// The chain map (officers and platform admins).
#[utoipa::path(get, path = "/api/v1/overview/chain", tag = "insight",
    responses((status = 200, body = ChainMapView), (status = 401), (status = 403), (status = 503)))]
pub async fn chain(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<ChainMapView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    officers_only(&app, lang, &me).await?;
    let internal = |e| ApiError::internal(lang, e);
    let counts = app.store.registry_counts().await.map_err(internal)?;
    let snap = app.chain.snapshot(&app.store).await.map_err(internal)?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "chain_not_ready",
            lang,
            wujin_domain::msg!("chain_not_ready"),
        )
    })?;
    Ok(Json(chain_map(&counts, &snap, lang)))
}
