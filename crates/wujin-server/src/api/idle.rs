//! `GET /api/v1/overview/capacity`: the cluster's idle machine capacity for the pilot office
//! (officers and platform admins): free hours per process week by week, and per process and
//! town in one week, under the small-cell rule.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::Lang;
use wujin_insight::idle::{Grid, Idle};

use super::AppState;
use super::auth::caller;
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::Named;

/// One figure: hidden (fewer than five firms, one firm over 80 %, or hidden so that another
/// hidden figure cannot be worked out from a total), or the firms' free and open hours.
#[derive(Serialize, ToSchema)]
pub struct IdleCell {
    pub hidden: bool,
    /// Free hours: open, less maintenance, less standing bookings with their setup time.
    pub idle_hours: Option<i64>,
    pub open_hours: Option<i64>,
    /// Free hours as a share of open hours, per cent to one decimal.
    pub idle_percent: Option<f64>,
    pub firms: Option<u32>,
    pub machines: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct IdleRow {
    /// The process ("" when none is known).
    pub process: Named,
    pub cells: Vec<IdleCell>,
    pub total: IdleCell,
}

#[derive(Serialize, ToSchema)]
pub struct IdleGrid {
    /// Weeks (their Mondays) or towns.
    pub columns: Vec<Named>,
    pub rows: Vec<IdleRow>,
    pub column_totals: Vec<IdleCell>,
    pub total: IdleCell,
}

#[derive(Serialize, ToSchema)]
pub struct IdleCapacity {
    /// The Monday of the town table's week.
    pub week: String,
    /// Free hours per process, week by week from this week.
    pub by_week: IdleGrid,
    /// Free hours per process and town in `week`.
    pub by_town: IdleGrid,
}

pub(crate) fn cell(c: &Idle) -> IdleCell {
    let hours = |m: i64| m / 60;
    match *c {
        Idle::Empty => IdleCell {
            hidden: false,
            idle_hours: Some(0),
            open_hours: Some(0),
            idle_percent: None,
            firms: Some(0),
            machines: Some(0),
        },
        Idle::Hidden => IdleCell {
            hidden: true,
            idle_hours: None,
            open_hours: None,
            idle_percent: None,
            firms: None,
            machines: None,
        },
        Idle::Hours { firms, machines, idle_minutes, open_minutes } => IdleCell {
            hidden: false,
            idle_hours: Some(hours(idle_minutes)),
            open_hours: Some(hours(open_minutes)),
            idle_percent: c.idle_permille().map(|p| p as f64 / 10.0),
            firms: Some(firms),
            machines: Some(machines),
        },
    }
}

pub(crate) fn grid_view(g: &Grid, lang: Lang, column: impl Fn(&str) -> String) -> IdleGrid {
    IdleGrid {
        columns: g.columns.iter().map(|c| Named { code: c.clone(), name: column(c) }).collect(),
        rows: g
            .rows
            .iter()
            .zip(&g.cells)
            .zip(&g.row_totals)
            .map(|((p, cells), total)| IdleRow {
                process: Named { code: p.clone(), name: crate::idle::process_name(p, lang) },
                cells: cells.iter().map(cell).collect(),
                total: cell(total),
            })
            .collect(),
        column_totals: g.column_totals.iter().map(cell).collect(),
        total: cell(&g.total),
    }
}

/// The cluster's idle machine capacity (officers and platform admins). Each machine's week
/// counts its open hours and its free hours (open, less maintenance, less standing bookings
/// with their setup time); a machine counts under the process of the capacity offer it is
/// offered under. A figure of fewer than five firms, or with one firm over 80 % of its free
/// hours, is hidden, with enough others that no total gives it away.
#[utoipa::path(get, path = "/api/v1/overview/capacity", tag = "office",
    params(("weeks" = Option<u32>, Query, minimum = 1, maximum = 12, description = "weeks from this week's Monday (default 8)"),
        ("week" = Option<String>, Query, description = "YYYY-MM-DD, a day of the week the town table shows (this week unless given)")),
    responses((status = 200, body = IdleCapacity), (status = 400), (status = 401), (status = 403)))]
pub async fn capacity(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<IdleCapacity>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let (first, n, week) = crate::idle::params(lang, &p)?;
    let v = crate::idle::idle(&app.store, first, n, week).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(IdleCapacity {
        week: v.week.to_string(),
        by_week: grid_view(&v.by_week, lang, str::to_string),
        by_town: grid_view(&v.by_town, lang, |t| crate::idle::town_name(t, lang)),
    }))
}
