//! Monthly reports in pages: a firm's own (`/orgs/{id}/reports`: the form to file or correct a
//! month, its history as a chart against the sector's and the cluster's median, and the
//! table), and the office's structure (`/overview/structure`: a measure by sector, town or
//! size class over the months, under the small-cell rule, with its download).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::report::{Month, REPORT_COLUMNS, SERVICE_FAMILIES, report_from_cells};
use wujin_domain::sheet::Cells;
use wujin_insight::Shown;
use wujin_store::ties::today;

use super::account::back_to;
use super::catalogue::text;
use super::chart::{Trend, trend_figure, trend_xlsx};
use super::session::{csrf_ok, form};
use super::{page_lang, render};
use crate::api::AppState;
use crate::structure::{By, MONTHS, Measure};

/// Catalogue keys made from values in the templates, for the catalogue test.
pub const KEYS: &[&str] = &[
    "by_sector",
    "by_town",
    "by_size",
    "measure_revenue",
    "measure_export_revenue",
    "measure_employees",
    "measure_rnd",
    "measure_services",
    "measure_service",
    "report_field_revenue",
    "report_field_export_revenue",
    "report_field_employees",
    "report_field_rnd",
    "group_unplaced",
    "group_all",
    "inbox_report_due",
];

/// Fen as whole 万元 (ten thousand yuan), rounded.
fn wan(fen: i64) -> i64 {
    (fen + 500_000).div_euclid(1_000_000)
}

/// The day, in the cluster (UTC+8), of a time in epoch milliseconds.
fn day_of(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| t.to_offset(offset).date().to_string())
        .unwrap_or_default()
}

/// `/orgs/{id}/reports`: the firm's reports (its members), the form (its owners and admins).
pub async fn mine(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}/reports");
    let (user, org) = match super::chain::own_firm(&app, lang, &headers, &raw, &here).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let (Ok(reports), Ok(rows)) = (app.store.reports_of(org.id).await, app.structure.rows(&app.store).await) else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", "");
    };
    let p = super::chain::params(query.as_deref());
    let medians = rows.medians(org.id, Measure::Revenue);
    let last = Month::of(today()).plus(-1);
    // The chart: the firm's revenue against the medians, over the last two years.
    let columns: Vec<Month> = (0..MONTHS as i32).rev().map(|k| last.plus(-k)).collect();
    let by_month: std::collections::HashMap<Month, &wujin_store::reports::Report> =
        reports.iter().map(|r| (r.month, r)).collect();
    let mine_line: Vec<Option<i64>> =
        columns.iter().map(|m| by_month.get(m).map(|r| wan(r.figures.revenue.0))).collect();
    let median_line = |sector: bool| -> Vec<Option<i64>> {
        columns.iter().map(|m| medians.get(m).and_then(|(s, c)| if sector { *s } else { *c }).map(wan)).collect()
    };
    let trend = Trend {
        zero_based: true,
        key: "revenue",
        title: text(lang, "reports_chart_title", &[]),
        row_head: text(lang, "reports_series", &[]),
        unit: text(lang, "unit_wan_yuan", &[]),
        columns: columns.iter().map(Month::to_string).collect(),
        rows: vec![
            (text(lang, "reports_mine", &[]), mine_line),
            (text(lang, "reports_sector_median", &[]), median_line(true)),
            (text(lang, "reports_cluster_median", &[]), median_line(false)),
        ],
        drawn: 3,
        decimals: 0,
    };
    let chart = (!reports.is_empty())
        .then(|| Value::from_safe_string(trend_figure(lang, &trend, &format!("/orgs/{}/reports.xlsx", org.id))));
    let items: Vec<Value> = reports
        .iter()
        .map(|r| {
            let f = &r.figures;
            let (sector, cluster) = medians.get(&r.month).copied().unwrap_or_default();
            context! {
                month => r.month.to_string(), revision => r.revision, late => r.late(),
                revenue => wan(f.revenue.0), export_revenue => wan(f.export_revenue.0),
                employees => f.employees, rnd => wan(f.rnd.0), services => wan(f.services_total()),
                sector_median => sector.map(wan), cluster_median => cluster.map(wan),
                filed_at => day_of(r.filed_at),
            }
        })
        .collect();
    // The form: the month asked for (a correction), else the latest month not yet filed.
    let asked = p.get("month").and_then(Month::parse).filter(|m| *m <= last);
    let open = (0..12).map(|k| last.plus(-k)).find(|m| !by_month.contains_key(m));
    let month = asked.or(open).unwrap_or(last);
    let current = by_month.get(&month);
    let yuan = |fen: i64| wujin_domain::Fen(fen).to_yuan_string();
    let value = |key: &str| -> String {
        let Some(r) = current else { return String::new() };
        let f = &r.figures;
        match key {
            "revenue" => yuan(f.revenue.0),
            "export_revenue" => yuan(f.export_revenue.0),
            "employees" => f.employees.to_string(),
            "rnd" => yuan(f.rnd.0),
            k => SERVICE_FAMILIES
                .iter()
                .position(|(_, c)| *c == k)
                .map(|i| f.services[i].0)
                .filter(|fen| *fen != 0)
                .map(yuan)
                .unwrap_or_default(),
        }
    };
    let t = wujin_domain::Taxonomy::get();
    let services: Vec<Value> = SERVICE_FAMILIES
        .iter()
        .map(|(family, column)| {
            let name = t.family(family).map(|f| f.entry.name(lang).to_string()).unwrap_or_default();
            context! { key => *column, name, value => value(column) }
        })
        .collect();
    let fields: Vec<Value> = ["revenue", "export_revenue", "employees", "rnd"]
        .iter()
        .map(|k| context! { key => *k, value => value(k), required => REPORT_COLUMNS.iter().any(|c| c.key == *k && c.required) })
        .collect();
    let may_act = user.orgs.iter().any(|m| m.org_id == org.id && m.role.may_act());
    let name = match lang {
        Lang::En => org.record.name_en.clone().filter(|n| !n.is_empty()).unwrap_or(org.record.name.clone()),
        Lang::Zh => org.record.name.clone(),
    };
    let ctx = context! {
        user => user.view(), org_id => org.id, name, chart, items, may_act, fields, services,
        month => month.to_string(), correcting => current.is_some(), last => last.to_string(),
        due => last.due().to_string(), last_filed => by_month.contains_key(&last),
        error => p.get("error"), filed => p.get("filed"),
    };
    render(StatusCode::OK, "reports.html", lang, &here, ctx)
}

/// `POST /orgs/{id}/reports`: file or correct a month from the form (amounts in yuan, as
/// people write them); back to the page with what happened.
pub async fn file(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/orgs/{raw}/reports");
    let (user, org) = match super::chain::own_firm(&app, lang, &headers, &raw, &here).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let f = form(&body);
    if !csrf_ok(&user, &f) {
        return back_to(&here, Err(text(lang, "form_expired", &[])));
    }
    if !user.orgs.iter().any(|m| m.org_id == org.id && m.role.may_act()) {
        return back_to(&here, Err(text(lang, "reports_owners_only", &[])));
    }
    let mut pairs: Vec<(&'static str, Option<String>)> = vec![("uscc", Some(org.record.uscc.to_string()))];
    pairs.extend(REPORT_COLUMNS.iter().skip(1).map(|c| (c.key, f.get(c.key).cloned())));
    let record = match report_from_cells(&Cells::from_pairs(pairs), today()) {
        Ok(r) => r,
        Err(errs) => {
            // Back to the same month, with the first broken cell's reason.
            let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
            let month = enc(f.get("month").map(String::as_str).unwrap_or_default());
            let to = format!("{here}?month={month}&error={}", enc(errs[0].message(lang)));
            return super::account::see_other(&to, None);
        }
    };
    match app.store.file_report(org.id, record.month, &record.figures, &format!("account:{}", user.account_id)).await {
        Ok(_) => super::account::see_other(&format!("{here}?filed={}", record.month), None),
        Err(e) => back_to(&here, Err(crate::api::error::ApiError::internal(lang, e).message)),
    }
}

/// `/orgs/{id}/reports.xlsx`: the firm's own figures, month by month.
pub async fn mine_xlsx(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/orgs/{raw}/reports");
    let (_, org) = match super::chain::own_firm(&app, lang, &headers, &raw, &here).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Ok(mut reports) = app.store.reports_of(org.id).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", "");
    };
    reports.reverse();
    let measures = [Measure::Revenue, Measure::ExportRevenue, Measure::Employees, Measure::Rnd, Measure::Services];
    let trend = Trend {
        zero_based: true,
        key: "reports",
        title: text(lang, "reports_title", std::slice::from_ref(&org.record.name)),
        row_head: text(lang, "reports_series", &[]),
        unit: text(lang, "reports_units", &[]),
        columns: reports.iter().map(|r| r.month.to_string()).collect(),
        rows: measures.iter().map(|m| (m.name(lang), reports.iter().map(|r| Some(m.of(r))).collect())).collect(),
        drawn: 0,
        decimals: 0,
    };
    xlsx_reply(&trend, "reports.xlsx")
}

pub(super) fn xlsx_reply(t: &Trend, file: &str) -> Response {
    super::chart::xlsx_download(trend_xlsx(t), file)
}

/// The office's table as a trend: each group's sums (万元 for money), the groups with the
/// largest latest value first, the month's total last.
fn structure_trend(lang: Lang, by: By, measure: Measure, t: &wujin_insight::Table) -> Trend {
    let scale = |v: i64| if measure.is_money() { wan(v) } else { v };
    let values = |cells: &[Shown]| -> Vec<Option<i64>> {
        cells
            .iter()
            .map(|c| match c {
                Shown::Empty => Some(0),
                Shown::Hidden => None,
                Shown::Figure { summary, .. } => Some(scale(summary.sum)),
            })
            .collect()
    };
    let mut rows: Vec<(String, Vec<Option<i64>>)> =
        t.lines.iter().map(|l| (crate::structure::group_name(by, &l.group, lang), values(&l.cells))).collect();
    // Groups with the largest latest shown value first; a group with nothing shown last (the
    // chart draws the first three that have something to draw).
    rows.sort_by_key(|(_, v)| std::cmp::Reverse(v.iter().rev().flatten().next().copied().unwrap_or(-1)));
    let drawn = rows.iter().take(3).filter(|(_, v)| v.iter().any(|x| x.is_some_and(|x| x > 0))).count();
    rows.push((text(lang, "group_all", &[]), values(&t.total.cells)));
    let unit = if measure.is_money() { text(lang, "unit_wan_yuan", &[]) } else { text(lang, "unit_persons", &[]) };
    Trend {
        zero_based: true,
        key: "structure",
        title: text(
            lang,
            "structure_chart_title",
            &[measure.name(lang), text(lang, &format!("by_{}", by.code()), &[])],
        ),
        row_head: text(lang, &format!("by_{}", by.code()), &[]),
        unit,
        columns: t.months.iter().map(Month::to_string).collect(),
        rows,
        drawn,
        decimals: 0,
    }
}

/// What a structure page or its download asks for: the officer, the grouping, the measure,
/// the months and the rows; else the page to answer with.
async fn structure_request(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(super::session::PageUser, By, Measure, usize, std::sync::Arc<crate::structure::Rows>), Response> {
    let here = "/overview/structure";
    let user = super::overview::officer(app, lang, headers, here).await?;
    let (by, measure, n) = crate::api::reports::structure_params(lang, &super::chain::params(query))
        .map_err(|e| super::message(StatusCode::BAD_REQUEST, lang, here, "error_title", &e.message))?;
    let rows = app
        .structure
        .rows(&app.store)
        .await
        .map_err(|_| super::message(StatusCode::SERVICE_UNAVAILABLE, lang, here, "error_title", ""))?;
    Ok((user, by, measure, n, rows))
}

/// `/overview/structure?by=…&measure=…&months=…`: the office's structure tables.
pub async fn structure(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/overview/structure";
    let (user, by, measure, n, rows) = match structure_request(&app, lang, &headers, query.as_deref()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let table = rows.table(by, measure, n);
    let q = format!("by={}&measure={}&months={n}", by.code(), measure.code());
    let chart = (!table.months.is_empty()).then(|| {
        let trend = structure_trend(lang, by, measure, &table);
        Value::from_safe_string(trend_figure(lang, &trend, &format!("/overview/structure.xlsx?{q}")))
    });
    // The latest month in detail: firms, sum, median, concentration and growth per group.
    let scale = |v: i64| if measure.is_money() { wan(v) } else { v };
    let detail = |name: String, cell: Option<&Shown>| {
        let s = cell.and_then(Shown::summary);
        let (mom, yoy) = match cell {
            Some(Shown::Figure { mom, yoy, .. }) => (*mom, *yoy),
            _ => (None, None),
        };
        context! {
            name, hidden => matches!(cell, Some(Shown::Hidden)),
            firms => s.map(|s| s.firms), sum => s.map(|s| scale(s.sum)), median => s.map(|s| scale(s.median)),
            top5 => s.and_then(|s| s.concentration).map(|c| format!("{:.1}", f64::from(c.top5_permille) / 10.0)),
            hhi => s.and_then(|s| s.concentration).map(|c| c.hhi),
            mom => mom.map(|g| format!("{g:+.1}")), yoy => yoy.map(|g| format!("{g:+.1}")),
        }
    };
    let mut groups: Vec<Value> =
        table.lines.iter().map(|l| detail(crate::structure::group_name(by, &l.group, lang), l.cells.last())).collect();
    groups.push(detail(text(lang, "group_all", &[]), table.total.cells.last()));
    let measures: Vec<Value> = Measure::all()
        .into_iter()
        .map(|m| context! { code => m.code(), name => m.name(lang), selected => m == measure })
        .collect();
    let unit = if measure.is_money() { text(lang, "unit_wan_yuan", &[]) } else { text(lang, "unit_persons", &[]) };
    // The registry's structure: size mix by pillar, and service providers per 100
    // manufacturers by family (public records, so no cell is hidden).
    let t = wujin_domain::Taxonomy::get();
    let sizes = ["large", "medium", "small", "micro"];
    let mut pillars: Vec<(String, String)> =
        t.pillars.iter().map(|p| (p.code.clone(), p.name(lang).to_string())).collect();
    pillars.push((String::new(), text(lang, "group_unplaced", &[])));
    let size_rows: Vec<Value> = pillars
        .iter()
        .filter_map(|(code, name)| {
            let counts: Vec<i64> = sizes
                .iter()
                .map(|sz| rows.size_mix.get(&(code.clone(), sz.to_string())).copied().unwrap_or(0))
                .collect();
            let unsized_ = rows.size_mix.get(&(code.clone(), String::new())).copied().unwrap_or(0);
            let total: i64 = counts.iter().sum::<i64>() + unsized_;
            (total > 0).then(|| {
                let upper = (counts[0] + counts[1]) as f64 * 100.0 / total as f64;
                context! { name => name.clone(), counts, total, upper => format!("{upper:.1}") }
            })
        })
        .collect();
    let size_heads: Vec<String> =
        sizes.iter().map(|sz| t.size_class(sz).map(|e| e.name(lang).to_string()).unwrap_or_default()).collect();
    let makers: i64 = rows.makers_by_town.values().sum();
    let density: Vec<Value> = t
        .families
        .iter()
        .map(|f| {
            let n: i64 = rows.providers.iter().filter(|((_, fam), _)| *fam == f.entry.code).map(|(_, n)| n).sum();
            let per100 = if makers > 0 { n as f64 * 100.0 / makers as f64 } else { 0.0 };
            context! { name => f.entry.name(lang).to_string(), providers => n, per100 => format!("{per100:.1}") }
        })
        .collect();
    let ctx = context! {
        size_rows, size_heads, density, makers,
        user => user.view(), chart, groups, measures, by => by.code(), months => n, max_months => MONTHS,
        latest => table.months.last().map(Month::to_string), unit, measure_name => measure.name(lang),
        bys => By::ALL.iter().map(|b| b.code()).collect::<Vec<_>>(),
    };
    render(StatusCode::OK, "structure.html", lang, here, ctx)
}

/// `/overview/structure.xlsx?…`: the structure table as a workbook, hidden cells left out as
/// on the page.
pub async fn structure_xlsx(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let (_, by, measure, n, rows) = match structure_request(&app, lang, &headers, query.as_deref()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    xlsx_reply(&structure_trend(lang, by, measure, &rows.table(by, measure, n)), "structure.xlsx")
}
