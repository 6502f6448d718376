//! `GET /api/v1/overview/gaps`: where the cluster fails its firms, by service family and
//! town, from what firms could not get (demands past their deadline with too few responses,
//! invitations unanswered, demands cancelled for want of a provider, searches that found
//! little), ranked, with examples, whether each gap grows, and whether the plan names it.
//! Officers only.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::report::Month;
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_insight::gaps::{Direction, Gap, Signal, rank};

use super::AppState;
use super::auth::caller;
use super::error::ApiError;
use super::lang::ReqLang;

/// The service families the 431 plan names as the cluster's gaps: incubation, research,
/// finance, procurement and distribution, testing, marketing.
pub const PLAN_GAPS: [&str; 7] =
    ["incubation", "rd_design", "finance", "supply_procurement", "logistics", "testing", "info_marketing"];

/// A gap as the office reads it.
#[derive(Serialize, ToSchema)]
pub struct GapView {
    /// A service family code ("" for needs whose words name none).
    pub family: String,
    pub name: String,
    /// A town code for a town's row; null for the family over all towns.
    pub town: Option<String>,
    pub score: u32,
    /// Signals by kind: no_response, thin, no_provider, unanswered, empty_search.
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<String, u32>,
    /// Whether the demand signals are shown (none, or from at least five firms).
    pub demands_shown: bool,
    /// Score of the last three months and of the three before.
    pub recent: u32,
    pub before: u32,
    /// growing, shrinking or steady.
    pub direction: String,
    pub examples: Vec<String>,
    /// The plan names this family among the cluster's gaps.
    pub in_plan: bool,
    /// The family's towns where the rule shows them.
    pub towns: Vec<TownGap>,
}

/// A family's gap in one town.
#[derive(Serialize, ToSchema)]
pub struct TownGap {
    /// The town code.
    pub town: String,
    pub name: String,
    pub score: u32,
    /// Signals by kind.
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<String, u32>,
    pub direction: String,
}

#[derive(Serialize, ToSchema)]
pub struct Gaps {
    /// The last month counted (this month), and how many months back.
    pub latest: String,
    pub months: i32,
    pub items: Vec<GapView>,
}

fn view(lang: Lang, g: &Gap, towns: &[Gap]) -> GapView {
    let t = Taxonomy::get();
    let name = match g.town.as_deref().and_then(|c| t.town(c)) {
        Some(town) => town.name(lang).to_string(),
        None => t
            .family(&g.family)
            .map(|f| f.entry.name(lang).to_string())
            .unwrap_or_else(|| crate::pages::catalogue::text(lang, "gap_unplaced", &[])),
    };
    GapView {
        family: g.family.clone(),
        name,
        town: g.town.clone(),
        score: g.score,
        counts: g.counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        demands_shown: g.shown,
        recent: g.recent,
        before: g.before,
        direction: match g.direction {
            Direction::Growing => "growing",
            Direction::Shrinking => "shrinking",
            Direction::Steady => "steady",
        }
        .into(),
        examples: g.examples.clone(),
        in_plan: PLAN_GAPS.contains(&g.family.as_str()),
        towns: towns
            .iter()
            .map(|x| {
                let v = view(lang, x, &[]);
                TownGap {
                    town: x.town.clone().unwrap_or_default(),
                    name: v.name,
                    score: v.score,
                    counts: v.counts,
                    direction: v.direction,
                }
            })
            .collect(),
    }
}

/// The ranked gaps over the last `months` months.
pub async fn gaps(app: &AppState, lang: Lang, months: i32) -> Result<Gaps, ApiError> {
    let now = wujin_store::now_ms();
    let latest = Month::of(wujin_store::ties::today());
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    let from_day = latest.plus(-(months - 1)).day(1);
    let from = from_day.midnight().assume_offset(offset).unix_timestamp() * 1000;
    let raw = app.store.gap_signals(from, now).await.map_err(|e| ApiError::internal(lang, e))?;
    let month_of = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
            .map(|t| Month::of(t.to_offset(offset).date()))
            .unwrap_or(latest)
    };
    // A search is placed by the family its words ask for, classified now; the log holds
    // words only.
    let mut classified: HashMap<String, Option<String>> = HashMap::new();
    let signals: Vec<Signal> = raw
        .into_iter()
        .map(|s| {
            let of_category =
                s.category.as_deref().and_then(|c| Taxonomy::get().category(c)).and_then(|c| c.family.clone());
            let family = match (s.family.clone().or(of_category), s.kind, &s.example) {
                (Some(f), _, _) => f,
                (None, wujin_store::gaps::GapKind::EmptySearch, Some(text)) => classified
                    .entry(text.clone())
                    .or_insert_with(|| wujin_match::query::service_family_of(text))
                    .clone()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            Signal {
                kind: s.kind.code(),
                family,
                town: s.town.unwrap_or_default(),
                firm: s.firm,
                month: month_of(s.at),
                example: s.example,
            }
        })
        .collect();
    let items = rank(&signals, latest).iter().map(|(g, towns)| view(lang, g, towns)).collect();
    Ok(Gaps { latest: latest.to_string(), months, items })
}

/// Service gaps, largest first (officers).
#[utoipa::path(get, path = "/api/v1/overview/gaps", tag = "office",
    params(("months" = Option<u32>, Query, minimum = 1, maximum = 24, description = "months back, this month included (default 12)")),
    responses((status = 200, body = Gaps), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<Gaps>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let months = months_param(lang, p.get("months"))?;
    Ok(Json(gaps(&app, lang, months).await?))
}

/// `months`: 1 to 24, 12 when left out.
pub fn months_param(lang: Lang, v: Option<&str>) -> Result<i32, ApiError> {
    match v.map(str::trim) {
        None => Ok(12),
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=24).contains(n))
            .ok_or_else(|| ApiError::bad(lang, "out_of_range", "months", msg!("report_months_range", 24))),
    }
}
