//! The pilot office's targets: a metric, an optional scope, a baseline and a target value
//! with their months. What each metric measures is fixed here, so the office's numbers mean
//! the same on every page; how it is computed lives in wujin-insight.

use serde::{Deserialize, Serialize};

use crate::report::Month;
use crate::{FieldError, Taxonomy, msg};

/// What a target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Revenue over the last twelve months of reporting firms, in 亿元 (100 million yuan);
    /// scoped to a pillar industry or a town, or the whole cluster.
    Revenue,
    /// Providers of a service family per 100 manufacturers in the registry; scoped to the
    /// family (required).
    ProvidersPer100,
    /// Share of reporting firms, in per cent, that spent on a service family in the last
    /// twelve months; scoped to the family (required).
    ServiceUptake,
    /// Confirmed supply ties between firms of the cluster.
    LocalTies,
    /// R&D spend as a share of revenue over the last twelve months, in per cent; scoped to a
    /// pillar industry, or the whole cluster.
    RndIntensity,
}

/// What a target's scope names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Pillar,
    Town,
    Family,
}

impl Metric {
    pub const ALL: [Metric; 5] =
        [Metric::Revenue, Metric::ProvidersPer100, Metric::ServiceUptake, Metric::LocalTies, Metric::RndIntensity];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Revenue => "revenue",
            Metric::ProvidersPer100 => "providers_per_100",
            Metric::ServiceUptake => "service_uptake",
            Metric::LocalTies => "local_ties",
            Metric::RndIntensity => "rnd_intensity",
        }
    }

    pub fn from_code(code: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The scopes the metric takes, and whether one is required.
    pub fn scopes(self) -> (&'static [ScopeKind], bool) {
        match self {
            Metric::Revenue => (&[ScopeKind::Pillar, ScopeKind::Town], false),
            Metric::ProvidersPer100 | Metric::ServiceUptake => (&[ScopeKind::Family], true),
            Metric::LocalTies => (&[], false),
            Metric::RndIntensity => (&[ScopeKind::Pillar], false),
        }
    }
}

/// A target as it may be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRecord {
    pub title: String,
    pub metric: Metric,
    /// A pillar, town or family code, as the metric takes.
    pub scope: Option<String>,
    pub baseline_month: Month,
    pub baseline: f64,
    pub due: Month,
    pub target: f64,
}

/// The largest value a target may state.
pub const MAX_VALUE: f64 = 1.0e12;

/// Which kind of code `scope` is, if the taxonomy knows it.
pub fn scope_kind(scope: &str) -> Option<ScopeKind> {
    let t = Taxonomy::get();
    if t.pillars.iter().any(|p| p.code == scope) {
        Some(ScopeKind::Pillar)
    } else if t.towns.iter().any(|p| p.code == scope) {
        Some(ScopeKind::Town)
    } else if t.families.iter().any(|f| f.entry.code == scope) {
        Some(ScopeKind::Family)
    } else {
        None
    }
}

/// Checks a target: a title, a metric, a scope the metric takes, finite values, a baseline
/// month before the due month. Every broken field is reported.
pub fn check_target(
    title: &str,
    metric: &str,
    scope: Option<&str>,
    baseline_month: &str,
    baseline: f64,
    due: &str,
    target: f64,
) -> Result<TargetRecord, Vec<FieldError>> {
    let mut errors = vec![];
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        errors.push(FieldError::new("title", title, "out_of_range", msg!("target_title")));
    }
    let metric_found = Metric::from_code(metric.trim());
    if metric_found.is_none() {
        errors.push(FieldError::new("metric", metric, "unknown_value", msg!("target_metric")));
    }
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    if let Some(m) = metric_found {
        let (kinds, required) = m.scopes();
        match scope {
            None if required => errors.push(FieldError::new("scope", "", "required", msg!("target_scope_required"))),
            Some(s) if !scope_kind(s).is_some_and(|k| kinds.contains(&k)) => {
                errors.push(FieldError::new("scope", s, "unknown_value", msg!("target_scope")))
            }
            _ => {}
        }
    }
    let month = |field: &'static str, text: &str, errors: &mut Vec<FieldError>| {
        let m = Month::parse(text);
        if m.is_none() {
            errors.push(FieldError::new(field, text, "invalid_month", msg!("report_month", crate::report::FIRST_YEAR)));
        }
        m
    };
    let b_month = month("baseline_month", baseline_month, &mut errors);
    let d_month = month("due", due, &mut errors);
    if let (Some(b), Some(d)) = (b_month, d_month)
        && d <= b
    {
        errors.push(FieldError::new("due", due, "out_of_range", msg!("target_due_after_baseline")));
    }
    for (field, v) in [("baseline", baseline), ("target", target)] {
        if !v.is_finite() || !(0.0..=MAX_VALUE).contains(&v) {
            errors.push(FieldError::new(field, &v.to_string(), "out_of_range", msg!("target_value")));
        }
    }
    match (metric_found, b_month, d_month) {
        (Some(metric), Some(baseline_month), Some(due)) if errors.is_empty() => Ok(TargetRecord {
            title: title.to_string(),
            metric,
            scope: scope.map(str::to_string),
            baseline_month,
            baseline,
            due,
            target,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_names_a_scope_its_metric_takes_and_a_due_month_after_its_baseline() {
        let ok = check_target("2027 年营收", "revenue", Some("cups"), "2025-12", 100.0, "2026-12", 110.0).unwrap();
        assert_eq!((ok.metric, ok.scope.as_deref()), (Metric::Revenue, Some("cups")));
        assert!(check_target("x", "revenue", Some("330784105"), "2025-12", 1.0, "2026-12", 2.0).is_ok(), "a town");
        let fields =
            |r: Result<TargetRecord, Vec<FieldError>>| r.unwrap_err().iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(check_target("x", "providers_per_100", None, "2025-12", 1.0, "2026-12", 2.0)), ["scope"]);
        assert_eq!(fields(check_target("x", "revenue", Some("testing"), "2025-12", 1.0, "2026-12", 2.0)), ["scope"]);
        assert_eq!(
            fields(check_target("", "profit", None, "2026-12", f64::NAN, "2025-12", -1.0)),
            ["title", "metric", "due", "baseline", "target"]
        );
        assert_eq!(fields(check_target("x", "local_ties", None, "2026-12", 1.0, "2026-12", 2.0)), ["due"]);
    }
}
