//! Monthly reports: `GET /api/v1/orgs/{id}/reports` (a firm's own, with the cluster's
//! medians where the rule allows), `GET`/`PUT /api/v1/orgs/{id}/reports/{month}` (one month
//! with its corrections; file or correct it), and the office's
//! `GET /api/v1/overview/reports` (a measure by sector, town or size class and month, under
//! the small-cell rule).
//!
//! A report is the firm's own: its members read it, its owners and admins file it, anyone
//! else gets 404 for a firm they cannot see into, and officers see only aggregates.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use wujin_domain::money::MAX_FEN;
use wujin_domain::report::{Month, REPORT_COLUMNS, SERVICE_FAMILIES, report_from_cells};
use wujin_domain::sheet::Cells;
use wujin_domain::{Fen, Lang, msg};
use wujin_insight::Shown;
use wujin_store::reports::{Filed, Report};
use wujin_store::ties::today;

use super::AppState;
use super::auth::{caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::Money;
use crate::structure::{By, MONTHS, Measure};

fn money(fen: i64) -> Money {
    Money { amount_fen: fen, currency: "CNY".into() }
}

/// One month's report as its firm sees it.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    /// YYYY-MM.
    pub month: String,
    pub revision: i64,
    pub revenue: Money,
    pub export_revenue: Money,
    pub employees: i64,
    pub rnd: Money,
    /// Spend on outside services by service family code (rd_design, testing, …); every
    /// family is listed.
    #[schema(value_type = Object)]
    pub services: BTreeMap<String, Money>,
    pub services_total: Money,
    /// The day the report was due (the 15th of the next month).
    pub due: String,
    /// Filed after its due day.
    pub late: bool,
    /// RFC 3339, UTC.
    pub filed_at: String,
    /// The median revenue of the firm's sector that month, when at least five firms reported
    /// and none makes over 80 % (else null).
    pub sector_median_revenue: Option<Money>,
    /// The median revenue over the cluster that month, under the same rule.
    pub cluster_median_revenue: Option<Money>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportView>,
    pub next_cursor: Option<String>,
    /// Months reported in all.
    pub total: usize,
}

/// A month with every revision, latest first.
#[derive(Serialize, ToSchema)]
pub struct ReportHistory {
    pub month: String,
    pub current: ReportView,
    /// Earlier revisions, latest first.
    pub corrections: Vec<ReportView>,
}

/// A report as filed: money in fen.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub revenue_fen: i64,
    /// At most the revenue; 0 when left out.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub export_revenue_fen: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub employees: i64,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub rnd_fen: Option<i64>,
    /// Spend by service family code (rd_design, consulting_standards, info_marketing,
    /// supply_procurement, testing, finance, incubation, logistics, training); families left
    /// out spent nothing.
    #[schema(value_type = Option<Object>)]
    pub services_fen: Option<BTreeMap<String, i64>>,
}

pub(crate) fn view(r: &Report, medians: Option<(Option<i64>, Option<i64>)>) -> ReportView {
    let f = &r.figures;
    let (sector, cluster) = medians.unwrap_or_default();
    ReportView {
        month: r.month.to_string(),
        revision: r.revision,
        revenue: money(f.revenue.0),
        export_revenue: money(f.export_revenue.0),
        employees: f.employees,
        rnd: money(f.rnd.0),
        services: SERVICE_FAMILIES
            .iter()
            .zip(f.services)
            .map(|((code, _), fen)| (code.to_string(), money(fen.0)))
            .collect(),
        services_total: money(f.services_total()),
        due: r.month.due().to_string(),
        late: r.late(),
        filed_at: super::views::rfc3339(r.filed_at),
        sector_median_revenue: sector.map(money),
        cluster_median_revenue: cluster.map(money),
    }
}

/// The month in the path, else a 400 naming `month`.
fn month_of(
    lang: Lang,
    raw: Result<Path<Vec<String>>, axum::extract::rejection::PathRejection>,
) -> Result<(i64, Month), ApiError> {
    let bad_id = || ApiError::bad(lang, "invalid_id", "id", msg!("id_form"));
    let Path(parts) = raw.map_err(|_| bad_id())?;
    let id = parts.first().and_then(|s| s.trim().parse::<i64>().ok()).filter(|n| *n > 0).ok_or_else(bad_id)?;
    let month = parts
        .get(1)
        .and_then(|m| Month::parse(m))
        .ok_or_else(|| ApiError::bad(lang, "invalid_month", "month", msg!("report_month_form")))?;
    Ok((id, month))
}

/// A firm's reports, newest month first (its members), each with the sector's and the
/// cluster's median revenue where the small-cell rule allows.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/reports", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = ReportPage), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: super::params::Params,
) -> Result<Json<ReportPage>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org = super::parse_id(lang, id)?;
    super::ties::member(&app, lang, &me, org).await?;
    let limit = super::page::limit(lang, p.get("limit"))? as usize;
    let skip = super::page::decode_cursor(lang, p.get("cursor"))?.unwrap_or(0).max(0) as usize;
    let internal = |e| ApiError::internal(lang, e);
    let reports = app.store.reports_of(org).await.map_err(internal)?;
    let rows = app.structure.rows(&app.store).await.map_err(internal)?;
    let medians = rows.medians(org, Measure::Revenue);
    let total = reports.len();
    let items: Vec<ReportView> =
        reports.iter().skip(skip).take(limit).map(|r| view(r, medians.get(&r.month).copied())).collect();
    let next_cursor = (skip + limit < total).then(|| super::page::encode_cursor((skip + limit) as i64));
    Ok(Json(ReportPage { items, next_cursor, total }))
}

/// One month of a firm's reports with its corrections (its members).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/reports/{month}", tag = "office",
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("month" = String, Path, pattern = "^2[01][0-9]{2}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    responses((status = 200, body = ReportHistory), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    path: super::RawPath,
) -> Result<Json<ReportHistory>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let (org, month) = month_of(lang, path)?;
    super::ties::member(&app, lang, &me, org).await?;
    let history = app.store.report_history(org, month).await.map_err(|e| ApiError::internal(lang, e))?;
    let mut views = history.iter().map(|r| view(r, None));
    let current = views.next().ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(ReportHistory { month: month.to_string(), current, corrections: views.collect() }))
}

/// File a month's report, or correct it (the firm's owners and admins). The month must have
/// ended. 201 for the month's first report; 200 for a correction, which keeps the earlier
/// revision as history, or for the same figures again, which changes nothing.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/reports/{month}", tag = "office", request_body = ReportBody,
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("month" = String, Path, pattern = "^2[01][0-9]{2}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    responses((status = 201, body = ReportView), (status = 200, body = ReportView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn file(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    path: super::RawPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (org_id, month) = month_of(lang, path)?;
    let org = super::offer_writes::keeper(&app, lang, &me, org_id).await?;
    let b: ReportBody = super::accounts::read(lang, &body)?;
    let fen = |field: &str, v: i64| -> Result<String, ApiError> {
        if (0..=MAX_FEN).contains(&v) {
            Ok(Fen(v).to_yuan_string())
        } else {
            Err(ApiError::bad(lang, "out_of_range", field, msg!("report_fen_range", field, MAX_FEN)))
        }
    };
    let mut pairs: Vec<(&'static str, Option<String>)> = vec![
        ("uscc", Some(org.record.uscc.to_string())),
        ("month", Some(month.to_string())),
        ("revenue", Some(fen("revenue_fen", b.revenue_fen)?)),
        ("export_revenue", b.export_revenue_fen.map(|v| fen("export_revenue_fen", v)).transpose()?),
        ("employees", Some(b.employees.to_string())),
        ("rnd", b.rnd_fen.map(|v| fen("rnd_fen", v)).transpose()?),
    ];
    for (family, v) in b.services_fen.iter().flatten() {
        let Some((_, column)) = SERVICE_FAMILIES.iter().find(|(code, _)| code == family) else {
            return Err(super::unknown(lang, "services_fen", family));
        };
        pairs.push((column, Some(fen("services_fen", *v)?)));
    }
    debug_assert!(pairs.iter().all(|(k, _)| REPORT_COLUMNS.iter().any(|c| c.key == *k)));
    let record = report_from_cells(&Cells::from_pairs(pairs), today()).map_err(|errs| {
        super::accounts::row_refused(
            lang,
            errs,
            &[
                ("revenue", "revenue_fen"),
                ("export_revenue", "export_revenue_fen"),
                ("rnd", "rnd_fen"),
                ("employees", "employees"),
            ],
        )
    })?;
    let (filed, report) = app
        .store
        .file_report(org_id, record.month, &record.figures, &format!("account:{}", me.account_id))
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    let status = if filed == Filed::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view(&report, None))).into_response())
}

/// One group's cell in one month.
#[derive(Serialize, ToSchema)]
pub struct StructureCell {
    pub month: String,
    /// shown, hidden (the small-cell rule) or empty (no firm reported).
    pub state: String,
    pub firms: Option<u32>,
    /// For money measures in fen, for employees a head count.
    pub sum: Option<i64>,
    pub median: Option<i64>,
    /// The five largest firms' share of the sum, per cent (cells of ten firms or more).
    pub top5_share: Option<f64>,
    /// Herfindahl–Hirschman index, 0 to 10,000 (cells of ten firms or more).
    pub hhi: Option<u32>,
    /// Per cent change on the month before, over firms that reported both months.
    pub mom: Option<f64>,
    /// Per cent change on the same month a year before, over firms that reported both.
    pub yoy: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct StructureLine {
    /// A pillar, town or size class code; "" for firms the registry cannot place.
    pub code: String,
    pub name: String,
    pub cells: Vec<StructureCell>,
}

/// A measure by group and month.
#[derive(Serialize, ToSchema)]
pub struct Structure {
    pub by: String,
    pub measure: String,
    pub measure_name: String,
    /// fen or persons.
    pub unit: String,
    pub months: Vec<String>,
    pub lines: Vec<StructureLine>,
    pub total: StructureLine,
}

pub(crate) fn cells(months: &[Month], shown: &[Shown]) -> Vec<StructureCell> {
    months
        .iter()
        .zip(shown)
        .map(|(m, s)| {
            let mut c = StructureCell {
                month: m.to_string(),
                state: "empty".into(),
                firms: None,
                sum: None,
                median: None,
                top5_share: None,
                hhi: None,
                mom: None,
                yoy: None,
            };
            match s {
                Shown::Empty => c.firms = Some(0),
                Shown::Hidden => c.state = "hidden".into(),
                Shown::Figure { summary, mom, yoy } => {
                    c.state = "shown".into();
                    c.firms = Some(summary.firms);
                    c.sum = Some(summary.sum);
                    c.median = Some(summary.median);
                    c.top5_share = summary.concentration.map(|k| f64::from(k.top5_permille) / 10.0);
                    c.hhi = summary.concentration.map(|k| k.hhi);
                    c.mom = *mom;
                    c.yoy = *yoy;
                }
            }
            c
        })
        .collect()
}

/// Parses `by`, `measure` and `months` of an office request.
pub(crate) fn structure_params(lang: Lang, p: &super::params::Params) -> Result<(By, Measure, usize), ApiError> {
    let by = match p.get("by").map(str::trim) {
        None => By::Sector,
        Some(v) => By::from_code(v).ok_or_else(|| super::unknown(lang, "by", v))?,
    };
    let measure = match p.get("measure").map(str::trim) {
        None => Measure::Revenue,
        Some(v) => Measure::from_code(v).ok_or_else(|| super::unknown(lang, "measure", v))?,
    };
    let months = match p.get("months").map(str::trim) {
        None => 12,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MONTHS).contains(n))
            .ok_or_else(|| ApiError::bad(lang, "out_of_range", "months", msg!("report_months_range", MONTHS)))?,
    };
    Ok((by, measure, months))
}

/// A measure of firms' reports by sector, town or size class, month by month (officers).
/// A cell of fewer than five firms, or with one firm over 80 % of it, is hidden, with enough
/// other cells of its month hidden that the month's total does not give it away.
#[utoipa::path(get, path = "/api/v1/overview/reports", tag = "office",
    params(("by" = Option<String>, Query, description = "sector (default), town or size"),
        ("measure" = Option<String>, Query, description = "revenue (default), export_revenue, employees, rnd, services, or services.FAMILY"),
        ("months" = Option<u32>, Query, minimum = 1, maximum = 24, description = "months up to the latest reported (default 12)")),
    responses((status = 200, body = Structure), (status = 400), (status = 401), (status = 403)))]
pub async fn structure(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<Structure>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let (by, measure, n) = structure_params(lang, &p)?;
    let rows = app.structure.rows(&app.store).await.map_err(|e| ApiError::internal(lang, e))?;
    let t = rows.table(by, measure, n);
    let line = |l: &wujin_insight::Line| StructureLine {
        code: l.group.clone(),
        name: crate::structure::group_name(by, &l.group, lang),
        cells: cells(&t.months, &l.cells),
    };
    Ok(Json(Structure {
        by: by.code().into(),
        measure: measure.code(),
        measure_name: measure.name(lang),
        unit: if measure.is_money() { "fen" } else { "persons" }.into(),
        months: t.months.iter().map(Month::to_string).collect(),
        lines: t.lines.iter().map(line).collect(),
        total: StructureLine {
            code: String::new(),
            name: crate::pages::catalogue::text(lang, "group_all", &[]),
            cells: cells(&t.months, &t.total.cells),
        },
    }))
}
