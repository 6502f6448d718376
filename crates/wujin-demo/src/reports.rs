//! Monthly reports for the demo cluster: about 60 % of manufacturers report, for up to 24
//! months. Revenue follows the firm's head count (output per worker by size class, varied by
//! firm), the season (the Spring Festival's trough in January and February, the export peak
//! before Christmas) and a trend per pillar industry, so some sectors grow and others shrink.
//! Some firms start reporting late, a few skip a month, and some file after the 15th.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wujin_domain::report::{Figures, Month, SERVICE_FAMILIES};
use wujin_domain::{Fen, OrgKind, OrgRecord, SizeClass, Taxonomy};

use crate::Cluster;

/// One demo report: whose (credit code), the month, the figures, and how many days after the
/// month's end it was filed.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    pub uscc: String,
    pub month: Month,
    pub figures: Figures,
    pub filed_days_after: u32,
}

/// The share of manufacturers that report.
pub const REPORTING: f64 = 0.6;
/// Months of history: two years, and one more. Early in a month the last month's reports are
/// not filed yet, so the latest reported month is the one before; the office's figures a year
/// before that still need a whole trailing year of reports behind them.
pub const MONTHS: i32 = 25;

/// Seasonal factor of a calendar month (1 = a usual month).
fn season(month: u8) -> f64 {
    match month {
        1 => 0.88,
        2 => 0.62,
        3 => 1.0,
        4..=6 => 1.02,
        7 | 8 => 0.95,
        9..=11 => 1.12,
        _ => 1.08,
    }
}

/// The yearly trend of a pillar industry: the same for the same code and seed, between −6 %
/// and +14 %.
pub fn pillar_trend(pillar: &str, seed: u64) -> f64 {
    let h = pillar.bytes().fold(seed ^ 0x9e37_79b9, |h, b| h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x2545_f491);
    -0.06 + (h % 2001) as f64 / 2000.0 * 0.20
}

/// A firm's reports for the months up to `last`, from the firm's own random stream.
pub fn series(org: &OrgRecord, seed: u64, last: Month) -> Vec<DemoReport> {
    let code_seed =
        org.uscc.as_str().bytes().fold(seed ^ 0x5245_504f, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut rng = ChaCha8Rng::seed_from_u64(code_seed);
    let t = Taxonomy::get();
    let pillar = org.sectors.first().and_then(|s| t.sector(s)).map(|s| s.pillar.clone()).unwrap_or_default();
    let trend = pillar_trend(&pillar, seed) + rng.random_range(-0.04..0.04);
    let per_worker_year = match org.size_class {
        Some(SizeClass::Large) => 800_000.0,
        Some(SizeClass::Medium) => 600_000.0,
        Some(SizeClass::Small) => 450_000.0,
        _ => 350_000.0,
    } * rng.random_range(0.7..1.4);
    let base_employees = org.employees.unwrap_or(10).max(1) as f64;
    let export_share: f64 = if rng.random_bool(0.55) { rng.random_range(0.05..0.7) } else { 0.0 };
    let rnd_share: f64 = rng.random_range(0.008..0.045);
    let service_share: f64 = rng.random_range(0.006..0.03);
    // How the firm's service spend splits over the families: a few it uses, none for most.
    let weights: Vec<f64> = SERVICE_FAMILIES
        .iter()
        .map(|(f, _)| {
            let p = match *f {
                "logistics" | "testing" => 0.8,
                "rd_design" | "info_marketing" | "finance" => 0.5,
                _ => 0.2,
            };
            if rng.random_bool(p) { rng.random_range(0.2..1.0) } else { 0.0 }
        })
        .collect();
    let weight_sum: f64 = weights.iter().sum::<f64>().max(1e-9);
    // Some firms joined the platform later and report from then on.
    let start = if rng.random_bool(0.15) { rng.random_range(4..18) } else { 0 };
    let late_habit = rng.random_bool(0.12);
    let mut out = vec![];
    for k in start..MONTHS {
        let month = last.plus(k - MONTHS + 1);
        if rng.random_bool(0.03) {
            continue;
        }
        let years = f64::from(k - MONTHS + 1) / 12.0;
        let growth = (1.0 + trend).powf(years);
        let employees = (base_employees * (1.0 + trend * 0.4).powf(years) * rng.random_range(0.98..1.02)).round();
        let revenue =
            employees * per_worker_year / 12.0 * season(month.number()) * growth * rng.random_range(0.92..1.08);
        let fen = |yuan: f64| Fen((yuan * 100.0).round().max(0.0) as i64);
        let services_total = revenue * service_share;
        let mut services = [Fen(0); 9];
        for (i, w) in weights.iter().enumerate() {
            services[i] = fen(services_total * w / weight_sum);
        }
        let figures = Figures {
            revenue: fen(revenue),
            export_revenue: fen(revenue * export_share),
            employees: employees as i64,
            rnd: fen(revenue * rnd_share),
            services,
        };
        // Filed between the 2nd and the 14th of the next month; late habits run past the 15th.
        let mut filed_days_after = rng.random_range(2..14);
        if late_habit && rng.random_bool(0.5) {
            filed_days_after = rng.random_range(16..40);
        }
        out.push(DemoReport { uscc: org.uscc.to_string(), month, figures, filed_days_after });
    }
    out
}

/// The demo's reports up to `last`: about [`REPORTING`] of the manufacturers, the same for
/// the same cluster and seed.
pub fn generate(cluster: &Cluster, seed: u64, last: Month) -> Vec<DemoReport> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4d4f_4e54);
    let mut out = vec![];
    for org in &cluster.orgs {
        let reports = rng.random_bool(REPORTING);
        if org.kind == OrgKind::Manufacturer && reports {
            out.extend(series(org, seed, last));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_months_of_most_reporting_firms_are_there_with_a_spring_festival_trough() {
        let cluster = crate::generate(crate::DEFAULT_SEED, 300);
        let last = Month::new(2026, 10).unwrap();
        let reports = generate(&cluster, crate::DEFAULT_SEED, last);
        let makers = cluster.orgs.iter().filter(|o| o.kind == OrgKind::Manufacturer).count();
        let mut firms: Vec<&str> = reports.iter().map(|r| r.uscc.as_str()).collect();
        firms.sort_unstable();
        firms.dedup();
        let share = firms.len() as f64 / makers as f64;
        assert!((0.5..0.7).contains(&share), "{share}");
        assert!(reports.iter().all(|r| r.month <= last && r.month > last.plus(-MONTHS)));
        assert!(reports.iter().all(|r| r.figures.export_revenue <= r.figures.revenue));
        let sum = |m: Month| reports.iter().filter(|r| r.month == m).map(|r| r.figures.revenue.0).sum::<i64>();
        let (feb, mar) = (Month::new(2026, 2).unwrap(), Month::new(2026, 3).unwrap());
        assert!(sum(feb) < sum(mar) * 8 / 10, "February is the Spring Festival's month");
        assert!(reports.iter().any(|r| r.filed_days_after > 15), "some file late");
        assert_eq!(reports, generate(&cluster, crate::DEFAULT_SEED, last), "the same seed, the same reports");
    }
}
