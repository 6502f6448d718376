//! `GET /api/v1/overview/demands`: the demand side of the cluster in numbers, for officers
//! of the pilot office and platform admins. Counts and aggregates only: no demand's
//! responses, no firm's price, ever.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::{caller, forbidden};
use super::error::ApiError;
use super::lang::ReqLang;

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
    let internal = |e| ApiError::internal(lang, e);
    let allowed = app.store.is_officer(me.account_id).await.map_err(internal)?
        || app.store.is_platform_admin(me.account_id).await.map_err(internal)?;
    if !allowed {
        return Err(forbidden(lang));
    }
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
