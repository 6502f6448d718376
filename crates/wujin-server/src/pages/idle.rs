//! `/overview/capacity`: the cluster's idle machine capacity for the pilot office: a chart
//! of free hours per process week by week (with its table and an XLSX download) and a table
//! of one week by process and town, every figure under the small-cell rule.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_insight::idle::{Grid, Idle};

use super::catalogue::text;
use super::chart::{Trend, trend_figure};
use super::{page_lang, render};
use crate::api::AppState;
use crate::idle::{IdleView, MAX_WEEKS, process_name, town_name};

const HERE: &str = "/overview/capacity";

/// The chart's trend: free hours per process, the processes with the most free hours in
/// the first week first, the week's total last.
fn trend(lang: Lang, g: &Grid) -> Trend {
    let mut rows: Vec<(String, Vec<Option<i64>>)> = g
        .rows
        .iter()
        .zip(&g.cells)
        .map(|(p, cells)| (process_name(p, lang), cells.iter().map(Idle::idle_hours).collect()))
        .collect();
    rows.sort_by_key(|(_, v)| std::cmp::Reverse(v.iter().flatten().next().copied().unwrap_or(-1)));
    let drawn = rows.iter().take(3).filter(|(_, v)| v.iter().any(|x| x.is_some_and(|x| x > 0))).count();
    rows.push((text(lang, "idle_all_processes", &[]), g.column_totals.iter().map(Idle::idle_hours).collect()));
    Trend {
        key: "idle",
        title: text(lang, "idle_chart_title", &[]),
        row_head: text(lang, "idle_process", &[]),
        unit: text(lang, "idle_hours_unit", &[]),
        columns: g.columns.clone(),
        rows,
        drawn,
        decimals: 0,
        zero_based: true,
    }
}

fn cell_text(lang: Lang, c: &Idle) -> Value {
    let shown = match c {
        Idle::Empty => "0".to_string(),
        Idle::Hidden => text(lang, "idle_hidden", &[]),
        Idle::Hours { .. } => {
            let pct = c.idle_permille().map(|p| format!("{}.{}", p / 10, p % 10)).unwrap_or_else(|| "—".into());
            text(lang, "idle_cell", &[super::grouped(c.idle_hours().unwrap_or(0)), pct])
        }
    };
    context! { text => shown, hidden => matches!(c, Idle::Hidden) }
}

/// What the page and its download ask for, or the page to answer with.
async fn request(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(super::session::PageUser, IdleView, usize), Response> {
    let user = super::overview::officer(app, lang, headers, HERE).await?;
    let p = super::chain::params(query);
    let (first, n, week) = crate::idle::params(lang, &p)
        .map_err(|e| super::message(StatusCode::BAD_REQUEST, lang, HERE, "error_title", &e.message))?;
    let view = crate::idle::idle(&app.store, first, n, week)
        .await
        .map_err(|_| super::message(StatusCode::SERVICE_UNAVAILABLE, lang, HERE, "error_title", ""))?;
    Ok((user, view, n))
}

pub async fn page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let (user, v, n) = match request(&app, lang, &headers, query.as_deref()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let week = v.week.to_string();
    let chart = Value::from_safe_string(trend_figure(
        lang,
        &trend(lang, &v.by_week),
        &format!("/overview/capacity.xlsx?weeks={n}"),
    ));
    let g = &v.by_town;
    let rows: Vec<Value> = g
        .rows
        .iter()
        .zip(&g.cells)
        .zip(&g.row_totals)
        .map(|((p, cells), total)| {
            context! {
                name => process_name(p, lang),
                cells => cells.iter().map(|c| cell_text(lang, c)).collect::<Vec<_>>(),
                total => cell_text(lang, total),
            }
        })
        .collect();
    let ctx = context! {
        user => user.view(), chart, rows, week, weeks => n, max_weeks => MAX_WEEKS,
        week_options => v.weeks.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        empty => matches!(v.by_week.total, Idle::Empty),
        towns => g.columns.iter().map(|t| town_name(t, lang)).collect::<Vec<_>>(),
        totals => g.column_totals.iter().map(|c| cell_text(lang, c)).collect::<Vec<_>>(),
        total => cell_text(lang, &g.total),
    };
    render(StatusCode::OK, "idle.html", lang, HERE, ctx)
}

/// `/overview/capacity.xlsx?weeks=…`: the chart's table as a workbook, hidden figures left
/// out as on the page.
pub async fn download(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    match request(&app, lang, &headers, query.as_deref()).await {
        Ok((_, v, _)) => super::reports::xlsx_reply(&trend(lang, &v.by_week), "idle-capacity.xlsx"),
        Err(r) => r,
    }
}
