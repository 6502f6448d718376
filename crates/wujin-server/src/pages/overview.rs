//! `/overview`: the pilot office's first look at the cluster — firms and offers by sector
//! and by town, providers per service family, open demands, demands that drew fewer than
//! three responses, and what people searched for and did not find — as charts drawn on the
//! server. Officers and platform admins only; numbers, never a firm's quote.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use wujin_domain::{Lang, Taxonomy};

use super::catalogue::text;
use super::chart::{Series, figure, xlsx};
use super::session::{page_user, sign_in_first};
use super::{page_lang, render};
use crate::api::AppState;

/// Bars shown per chart.
const TOP: usize = 12;

/// An officer or a platform admin, else the page that says the overview is not for them.
pub(super) async fn officer(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    here: &str,
) -> Result<super::session::PageUser, Response> {
    let Some(user) = page_user(app, headers).await else { return Err(sign_in_first(here)) };
    let admin = app.store.is_platform_admin(user.account_id).await.unwrap_or(false);
    if !user.officer && !admin {
        return Err(super::message(
            StatusCode::FORBIDDEN,
            lang,
            here,
            "forbidden_title",
            &text(lang, "officers_only", &[]),
        ));
    }
    Ok(user)
}

/// The overview's charts, each a series the page draws and the download writes.
fn series(
    lang: Lang,
    counts: &wujin_store::overview::RegistryCounts,
    glance: &wujin_store::overview::Glance,
) -> Vec<Series> {
    let t = Taxonomy::get();
    let town_name =
        |code: &str| t.town(code).map(|e| e.name(lang).to_string()).unwrap_or_else(|| text(lang, "none", &[]));
    let top = |rows: Vec<(String, i64)>| rows.into_iter().take(TOP).collect::<Vec<_>>();
    // Sectors by pillar: the classes roll up into the cluster's pillar industries.
    let mut by_pillar: std::collections::BTreeMap<String, i64> = Default::default();
    for c in &counts.orgs_by_sector {
        let pillar = t.sector(&c.key).map(|s| s.pillar.clone()).unwrap_or_else(|| c.key.clone());
        *by_pillar.entry(pillar).or_default() += c.count;
    }
    let pillar_name = |code: &str| {
        t.pillars.iter().find(|p| p.code == code).map(|p| p.name(lang).to_string()).unwrap_or_else(|| code.to_string())
    };
    let mut pillars: Vec<(String, i64)> = by_pillar.iter().map(|(k, v)| (pillar_name(k), *v)).collect();
    pillars.sort_by_key(|p| std::cmp::Reverse(p.1));
    let mut offers_by_pillar: std::collections::BTreeMap<String, i64> = Default::default();
    for c in &counts.offers_by_category {
        let Some(cat) = t.category(&c.key) else { continue };
        let Some(sector) = cat.sector.as_deref().and_then(|s| t.sector(s)) else { continue };
        *offers_by_pillar.entry(sector.pillar.clone()).or_default() += c.count;
    }
    let mut offer_pillars: Vec<(String, i64)> = offers_by_pillar.iter().map(|(k, v)| (pillar_name(k), *v)).collect();
    offer_pillars.sort_by_key(|p| std::cmp::Reverse(p.1));
    let towns =
        |rows: &[wujin_store::overview::Count]| top(rows.iter().map(|c| (town_name(&c.key), c.count)).collect());
    let families: Vec<(String, i64)> = glance
        .providers_by_family
        .iter()
        .map(|c| (t.family(&c.key).map(|f| f.entry.name(lang).to_string()).unwrap_or_else(|| c.key.clone()), c.count))
        .collect();
    [
        ("orgs_by_sector", "chart_orgs_by_sector", "head_pillar", "head_orgs", top(pillars)),
        ("offers_by_sector", "chart_offers_by_sector", "head_pillar", "head_offers", top(offer_pillars)),
        ("orgs_by_town", "chart_orgs_by_town", "head_town", "head_orgs", towns(&counts.orgs_by_town)),
        ("offers_by_town", "chart_offers_by_town", "head_town", "head_offers", towns(&counts.offers_by_town)),
        ("providers_by_family", "chart_providers_by_family", "head_family", "head_providers", families),
    ]
    .into_iter()
    .map(|(key, title, label, value, rows)| Series {
        key,
        title: text(lang, title, &[]),
        label_head: text(lang, label, &[]),
        value_head: text(lang, value, &[]),
        rows,
    })
    .collect()
}

pub async fn overview(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let user = match officer(&app, lang, &headers, "/overview").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let now = wujin_store::now_ms();
    // Independent reads, side by side: the page is the office's landing page.
    let (counts, glance, demands, zero) = tokio::join!(
        app.store.registry_counts(),
        app.store.glance(now),
        app.store.demand_overview(now),
        app.store.zero_hit_queries(15),
    );
    let (Ok(counts), Ok(glance), Ok(demands), Ok(zero)) = (counts, glance, demands, zero) else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, "/overview", "error_title", "");
    };
    let charts: Vec<Value> = series(lang, &counts, &glance)
        .iter()
        .map(|s| Value::from_safe_string(figure(lang, s, &format!("/overview/charts/{}.xlsx", s.key))))
        .collect();
    let zero: Vec<Value> = zero.iter().map(|z| context! { text => z.text.clone(), times => z.times }).collect();
    // The chain map, as the API gives it, from the counts read above and the supply graph.
    let Ok(Some(snap)) = app.chain.snapshot(&app.store).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, "/overview", "error_title", "");
    };
    let chain = crate::api::overview::chain_map(&counts, &snap, lang);
    // Inputs that hang on one supplier, by input, under the small-cell rule.
    let single = crate::chain::answer::single_source(&snap, crate::chain::answer::GroupBy::Input, false, lang);
    let single_rows: Vec<Value> =
        single.groups.iter().map(|g| context! { name => g.name.clone(), slots => g.slots, firms => g.firms }).collect();
    let single_named: Vec<Value> = single
        .named
        .iter()
        .map(|n| {
            context! {
                firm => n.firm.name.clone(), id => n.firm.id, input => n.input.name.clone(),
                supplier => n.supplier.as_ref().map(|x| x.name.clone()), stale => n.stale,
            }
        })
        .collect();
    let stages: Vec<String> = chain.stages.iter().map(|s| s.name.clone()).collect();
    let chain_rows: Vec<Value> = chain
        .rows
        .iter()
        .map(|r| {
            let cells: Vec<Value> = r
                .cells
                .iter()
                .map(|c| {
                    context! {
                        firms => c.firms, thin => c.thin, no_data => c.no_data, suppressed => c.suppressed,
                        ties_in => c.ties_in.as_ref().map(|t| t.confirmed + t.declared),
                        ties_out => c.ties_out.as_ref().map(|t| t.confirmed + t.declared),
                        local => c.local_share, slots => c.slots, single => c.single_source,
                        registered => c.registered.orgs,
                    }
                })
                .collect();
            context! { name => r.pillar.name.clone(), cells }
        })
        .collect();
    // Targets, gaps, overdue problems and this month's changes, read side by side.
    let today = wujin_store::ties::today();
    let overdue_filter = wujin_store::problems::ProblemFilter { overdue_on: Some(today), ..Default::default() };
    let month_start = wujin_domain::report::Month::of(today).day(1);
    let cluster_day = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let since = month_start.midnight().assume_offset(cluster_day).unix_timestamp() * 1000;
    let (targets, gaps, overdue_all, changes) = tokio::join!(
        crate::api::targets::all(&app, lang),
        crate::api::gaps::gaps(&app, lang, 12),
        app.store.problems(&overdue_filter, today),
        app.store.changes_since(since),
    );
    // Targets first: where the plan stands, behind ones on top.
    let mut targets = targets.unwrap_or_default();
    targets.sort_by_key(|t| t.progress.as_ref().map(|p| p.on_track));
    let targets = Value::from(minijinja::value::Serde(&targets));
    // The top service gaps of the last twelve months.
    let top_gaps: Vec<Value> = match gaps {
        Ok(g) => g
            .items
            .iter()
            .take(5)
            .map(|x| context! { name => x.name.clone(), score => x.score, in_plan => x.in_plan, direction => x.direction.clone(), example => x.examples.first().cloned() })
            .collect(),
        Err(_) => vec![],
    };
    // Problems past their deadline, the latest first, and what this month brought.
    let overdue_all = overdue_all.unwrap_or_default();
    let overdue: Vec<Value> = overdue_all
        .iter()
        .take(5)
        .map(|p| crate::api::problems::view(lang, p, None))
        .map(|v| Value::from(minijinja::value::Serde(v)))
        .collect();
    let changes = changes.unwrap_or_default();
    let ctx = context! {
        overdue, overdue_total => overdue_all.len(), month_start => month_start.to_string(),
        changes => Value::from(minijinja::value::Serde(&changes)),
        targets, top_gaps, charts, zero, open => glance.open_demands, published => demands.published, thin => demands.thin,
        responses => demands.responses, user => user.view(), stages, chain_rows, ties => chain.ties, stale => chain.stale,
        single_rows, single_named, single_total => single.single, slots_total => single.slots,
    };
    render(StatusCode::OK, "overview.html", lang, "/overview", ctx)
}

/// The most firms a name on the office's what-if form may match before the office is asked
/// to choose.
const MAX_MATCHES: usize = 8;

/// `/overview/outage?firms=…&weeks=…` (officers): what if these firms stop. Firms are named
/// by a credit code or a part of their name, comma-separated; a name that fits several firms
/// of the supply graph lists them to choose from (`?stopped=ID`). The answer is the office's:
/// counts under the small-cell rule, names only of firms that asked the office to help.
pub async fn outage(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .take(20)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(k, _)| ["firms", "stopped", "weeks"].contains(&k.as_str())))
        .finish();
    let here = format!("/overview/outage?{kept}");
    let user = match officer(&app, lang, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(Some(snap)) = app.chain.snapshot(&app.store).await else {
        return super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", "");
    };
    // Each name or code given to the firms of the graph it fits.
    let (firms_text, weeks) = (get("firms").unwrap_or_default(), get("weeks").unwrap_or_default());
    let mut stopped: Vec<i64> =
        get("stopped").map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_default();
    let mut choices: Vec<Value> = vec![];
    let mut unknown: Vec<String> = vec![];
    if !firms_text.is_empty() {
        let codes: Vec<String> = firms_text
            .split([',', '，', '、', '\n'])
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .take(50)
            .collect();
        let by_code = app.store.org_ids_by_uscc(&codes).await.unwrap_or_default();
        for term in &codes {
            if let Some((id, _)) = by_code.get(term) {
                stopped.push(*id);
                continue;
            }
            let fits: Vec<&crate::chain::Node> = snap
                .nodes
                .iter()
                .filter(|n| {
                    n.org.is_some()
                        && (n.name.contains(term.as_str())
                            || n.name_en.as_deref().is_some_and(|e| e.to_lowercase().contains(&term.to_lowercase())))
                })
                .take(MAX_MATCHES + 1)
                .collect();
            match fits.as_slice() {
                [] => unknown.push(term.clone()),
                [one] => stopped.extend(one.org),
                many => choices.push(context! {
                    term => term.clone(),
                    firms => many.iter().take(MAX_MATCHES).map(|n| context! { id => n.org, name => n.name(lang).to_string() }).collect::<Vec<_>>(),
                    more => many.len() > MAX_MATCHES,
                }),
            }
        }
    }
    stopped.sort_unstable();
    stopped.dedup();
    let mut error = None;
    let mut view = None;
    let mut weeks_text = None;
    if !stopped.is_empty() && choices.is_empty() && unknown.is_empty() {
        let mut params = std::collections::HashMap::new();
        params.insert("stopped".to_string(), stopped.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        if !weeks.is_empty() {
            params.insert("weeks".to_string(), weeks.clone());
        }
        match crate::api::chain::run_outage(&app, lang, &crate::api::params::Params(params), None).await {
            Ok(v) => {
                weeks_text = v.weeks.map(super::chain::weeks_text);
                view = Some(v);
            }
            Err(e) => error = Some(e.message),
        }
    }
    let status = if error.is_some() || !unknown.is_empty() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let ctx = context! {
        user => user.view(), firms => firms_text, weeks, choices, unknown, error, weeks_text,
        outage => view.as_ref().map(|v| Value::from(minijinja::value::Serde(v))),
    };
    render(status, "office_outage.html", lang, &here, ctx)
}

/// `/overview/charts/{key}.xlsx`: one chart's figures as a workbook.
pub async fn chart_download(State(app): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let lang = page_lang(&headers, None);
    if let Err(r) = officer(&app, lang, &headers, "/overview").await {
        return r;
    }
    let Some(key) = file.strip_suffix(".xlsx") else { return StatusCode::NOT_FOUND.into_response() };
    let now = wujin_store::now_ms();
    let (Ok(counts), Ok(glance)) = (app.store.registry_counts().await, app.store.glance(now).await) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let Some(s) = series(lang, &counts, &glance).into_iter().find(|s| s.key == key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    super::chart::xlsx_download(xlsx(&s), &format!("{key}.xlsx"))
}
