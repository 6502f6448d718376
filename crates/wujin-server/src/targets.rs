//! A target's progress, computed from the data each time it is read: the metric's value
//! month by month (from firms' reports, the registry or the supply ties), the straight path
//! from baseline to target, and where the latest value stands. A cluster-wide revenue target
//! is also tracked sector by sector, against the same relative ambition.

use wujin_domain::report::{Month, SERVICE_FAMILIES};
use wujin_domain::target::{Metric, ScopeKind, TargetRecord, scope_kind};
use wujin_domain::{Lang, Taxonomy};
use wujin_insight::metrics::{ratio, trailing_year, uptake};
use wujin_insight::{Progress, TargetPath};
use wujin_store::targets::Target;
use wujin_store::{Store, StoreError};

use crate::structure::{By, Cache, Measure, Rows};

/// The most months a target's chart spans.
pub const MAX_SPAN: i32 = 60;

/// A target with its numbers.
pub struct Tracked {
    pub target: Target,
    /// From the baseline month to the due month.
    pub months: Vec<Month>,
    /// The metric's value each month, where known and shown.
    pub actual: Vec<Option<f64>>,
    /// Where the straight path is each month.
    pub expected: Vec<f64>,
    pub progress: Option<Progress>,
    /// For a cluster-wide revenue target: each pillar industry against the same relative
    /// path (its own baseline times the cluster's ratio), where the rule shows it.
    pub by_sector: Vec<(String, Option<Progress>)>,
}

/// 亿元 from fen.
fn yi(fen: i64) -> f64 {
    fen as f64 / 1.0e10
}

fn months_of(t: &TargetRecord) -> Vec<Month> {
    let span = t.baseline_month.until(t.due).clamp(1, MAX_SPAN);
    (0..=span).map(|k| t.baseline_month.plus(k)).collect()
}

/// The metric's values over `months` for a scope.
async fn series(
    store: &Store,
    rows: &Rows,
    metric: Metric,
    scope: Option<&str>,
    months: &[Month],
) -> Result<Vec<Option<f64>>, StoreError> {
    let by = |s: &str| match scope_kind(s) {
        Some(ScopeKind::Town) => By::Town,
        _ => By::Sector,
    };
    let family = scope.and_then(|s| SERVICE_FAMILIES.iter().position(|(f, _)| *f == s));
    // Reports speak for months up to the latest reported; after it, a trailing year would
    // count months nobody has reported yet.
    let reported = |values: Vec<Option<f64>>| -> Vec<Option<f64>> {
        months.iter().zip(values).map(|(m, v)| v.filter(|_| rows.latest.is_some_and(|l| *m <= l))).collect()
    };
    Ok(match metric {
        Metric::Revenue => {
            let points = rows.points(scope.map(|s| (by(s), s)), Measure::Revenue);
            reported(trailing_year(&points, months).into_iter().map(|v| v.map(yi)).collect())
        }
        Metric::RndIntensity => {
            let scope = scope.map(|s| (by(s), s));
            reported(ratio(
                &trailing_year(&rows.points(scope, Measure::Rnd), months),
                &trailing_year(&rows.points(scope, Measure::Revenue), months),
            ))
        }
        Metric::ServiceUptake => match family {
            Some(i) => reported(uptake(&rows.points(None, Measure::Service(i)), months)),
            None => vec![None; months.len()],
        },
        Metric::ProvidersPer100 => {
            // The registry keeps no history of who offered what: this month only.
            let (makers, families) = store.provider_density().await?;
            let providers = families.iter().find(|(f, _)| Some(f.as_str()) == scope).map_or(0, |f| f.1);
            let now = Month::of(wujin_store::ties::today());
            let value = (makers > 0).then(|| providers as f64 * 100.0 / makers as f64);
            months.iter().map(|m| if *m == now { value } else { None }).collect()
        }
        Metric::LocalTies => {
            let ties = store.ties_in_graph().await?;
            let confirmed: Vec<time::Date> = ties
                .iter()
                .filter(|t| t.state == wujin_domain::tie::TieState::Confirmed && t.supplier_org_id().is_some())
                .map(|t| t.since)
                .collect();
            let now = Month::of(wujin_store::ties::today());
            months
                .iter()
                .map(|m| (*m <= now).then(|| confirmed.iter().filter(|d| Month::of(**d) <= *m).count() as f64))
                .collect()
        }
    })
}

/// A target with its progress.
pub async fn track(store: &Store, cache: &Cache, target: Target) -> Result<Tracked, StoreError> {
    let rows = cache.rows(store).await?;
    let t = &target.record;
    let months = months_of(t);
    let actual = series(store, &rows, t.metric, t.scope.as_deref(), &months).await?;
    let path = TargetPath { baseline_month: t.baseline_month, baseline: t.baseline, due: t.due, target: t.target };
    let expected = months.iter().map(|m| path.expected(*m)).collect();
    let known: Vec<(Month, f64)> = months.iter().zip(&actual).filter_map(|(m, v)| Some((*m, (*v)?))).collect();
    let progress = path.progress(&known);
    let mut by_sector = vec![];
    if t.metric == Metric::Revenue && t.scope.is_none() && t.baseline > 0.0 {
        let ambition = t.target / t.baseline;
        for pillar in &Taxonomy::get().pillars {
            let values = series(store, &rows, Metric::Revenue, Some(&pillar.code), &months).await?;
            let Some(base) = values.first().copied().flatten() else {
                by_sector.push((pillar.code.clone(), None));
                continue;
            };
            let own = TargetPath { baseline: base, target: base * ambition, ..path };
            let known: Vec<(Month, f64)> = months.iter().zip(&values).filter_map(|(m, v)| Some((*m, (*v)?))).collect();
            by_sector.push((pillar.code.clone(), own.progress(&known)));
        }
    }
    Ok(Tracked { target, months, actual, expected, progress, by_sector })
}

/// The metric's name in `lang`, with its scope's name ("检验检测 服务商/百家制造企业").
pub fn metric_name(lang: Lang, metric: Metric, scope: Option<&str>) -> String {
    let t = Taxonomy::get();
    let scope_name = scope
        .map(|s| {
            t.pillars
                .iter()
                .chain(t.towns.iter())
                .chain(t.families.iter().map(|f| &f.entry))
                .find(|e| e.code == s)
                .map(|e| e.name(lang).to_string())
                .unwrap_or_else(|| s.to_string())
        })
        .unwrap_or_else(|| crate::pages::catalogue::text(lang, "scope_cluster", &[]));
    crate::pages::catalogue::text(lang, &format!("metric_{}", metric.code()), &[scope_name])
}

/// The unit a metric's values are in.
pub fn unit(lang: Lang, metric: Metric) -> String {
    crate::pages::catalogue::text(lang, &format!("metric_unit_{}", metric.code()), &[])
}

/// The demo's targets: a revenue target for the cluster over two years with the ambition of
/// the plan (see the note in [`demo`]), and four of other kinds, each with its baseline as the
/// data stood a year before the last reported month.
pub async fn demo(store: &Store) -> Result<usize, StoreError> {
    let cache = Cache::default();
    let rows = cache.rows(store).await?;
    let Some(latest) = rows.latest else { return Ok(0) };
    let base_month = latest.plus(-12);
    let due = latest.plus(12);
    let now = Month::of(wujin_store::ties::today());
    let mut made = 0;
    // The plan set about 1600亿元 three years out; the domain notes do not give its base
    // year's figure, so the demo asks for 20 % over two years (about 9.5 % a year).
    // (title, metric, scope, baseline month, change, whether the change is added)
    type Plan<'a> = (&'a str, Metric, Option<&'a str>, Month, f64, bool);
    let plans: [Plan; 5] = [
        ("集群营业收入两年增长两成", Metric::Revenue, None, base_month, 1.20, false),
        ("检验检测服务商密度提高一半", Metric::ProvidersPer100, Some("testing"), now, 1.5, false),
        ("研发设计服务使用率提高10个百分点", Metric::ServiceUptake, Some("rd_design"), base_month, 10.0, true),
        ("本地确认供应关系增加三成", Metric::LocalTies, None, base_month, 1.3, false),
        ("研发投入强度提高0.5个百分点", Metric::RndIntensity, None, base_month, 0.5, true),
    ];
    for (title, metric, scope, month, change, additive) in plans {
        let Some(baseline) = series(store, &rows, metric, scope, &[month]).await?[0] else { continue };
        let target = if additive { baseline + change } else { baseline * change };
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        let record = TargetRecord {
            title: title.into(),
            metric,
            scope: scope.map(str::to_string),
            baseline_month: month,
            baseline: round(baseline),
            due,
            target: round(target),
        };
        store.create_target(&record, "wujin demo").await?;
        made += 1;
    }
    Ok(made)
}

/// What a list of targets was computed for: the outbox's last sequence, the day, English.
pub type Stamp = (i64, time::Date, bool);

/// The targets' views as last computed, per language.
#[derive(Default)]
pub struct ViewCache {
    kept: std::sync::Mutex<Vec<(Stamp, Vec<crate::api::targets::TargetView>)>>,
}

impl ViewCache {
    pub fn get(&self, stamp: &Stamp) -> Option<Vec<crate::api::targets::TargetView>> {
        self.kept.lock().expect("the targets cache").iter().find(|(s, _)| s == stamp).map(|(_, v)| v.clone())
    }

    pub fn keep(&self, stamp: Stamp, views: Vec<crate::api::targets::TargetView>) {
        let mut kept = self.kept.lock().expect("the targets cache");
        kept.retain(|(s, _)| s.0 == stamp.0 && s.1 == stamp.1 && s.2 != stamp.2);
        kept.push((stamp, views));
    }
}
