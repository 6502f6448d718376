//! The cluster's structure from firms' monthly reports, as the office's pages and API show
//! it: the store's reports and the registry's firms in, [`wujin_insight`]'s tables out.
//!
//! Reading every current report of two years is the slow part, so the rows are kept in
//! memory, stamped with the outbox's last sequence: any write anywhere moves the stamp and
//! the next request reads the store again. Nothing is kept that the store does not hold.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wujin_domain::report::{Month, SERVICE_FAMILIES};
use wujin_domain::{Lang, Taxonomy};
use wujin_insight::{Point, Table, table};
use wujin_store::reports::Report;
use wujin_store::{Store, StoreError};

/// How many months the office's tables reach back, the latest month included.
pub const MONTHS: usize = 24;

/// What groups firms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The pillar industry of the firm's first sector class.
    Sector,
    Town,
    /// The registry's size class (大型 中型 小型 微型).
    Size,
}

impl By {
    pub const ALL: [By; 3] = [By::Sector, By::Town, By::Size];

    pub fn code(self) -> &'static str {
        match self {
            By::Sector => "sector",
            By::Town => "town",
            By::Size => "size",
        }
    }

    pub fn from_code(code: &str) -> Option<By> {
        By::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// What is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Revenue,
    ExportRevenue,
    Employees,
    Rnd,
    /// Spend on all outside services.
    Services,
    /// Spend on one family's services (its index in [`SERVICE_FAMILIES`]).
    Service(usize),
}

impl Measure {
    pub fn all() -> Vec<Measure> {
        let mut v = vec![Measure::Revenue, Measure::ExportRevenue, Measure::Employees, Measure::Rnd, Measure::Services];
        v.extend((0..SERVICE_FAMILIES.len()).map(Measure::Service));
        v
    }

    pub fn code(self) -> String {
        match self {
            Measure::Revenue => "revenue".into(),
            Measure::ExportRevenue => "export_revenue".into(),
            Measure::Employees => "employees".into(),
            Measure::Rnd => "rnd".into(),
            Measure::Services => "services".into(),
            Measure::Service(i) => format!("services.{}", SERVICE_FAMILIES[i].0),
        }
    }

    pub fn from_code(code: &str) -> Option<Measure> {
        Measure::all().into_iter().find(|m| m.code() == code)
    }

    /// Money (fen) or a head count.
    pub fn is_money(self) -> bool {
        self != Measure::Employees
    }

    pub fn of(self, r: &Report) -> i64 {
        let f = &r.figures;
        match self {
            Measure::Revenue => f.revenue.0,
            Measure::ExportRevenue => f.export_revenue.0,
            Measure::Employees => f.employees,
            Measure::Rnd => f.rnd.0,
            Measure::Services => f.services_total(),
            Measure::Service(i) => f.services[i].0,
        }
    }

    /// Its name in `lang`, from the pages' catalogue (a family by its taxonomy name).
    pub fn name(self, lang: Lang) -> String {
        match self {
            Measure::Service(i) => {
                let family = Taxonomy::get().family(SERVICE_FAMILIES[i].0).map(|f| f.entry.name(lang).to_string());
                crate::pages::catalogue::text(lang, "measure_service", &[family.unwrap_or_default()])
            }
            m => crate::pages::catalogue::text(lang, &format!("measure_{}", m.code()), &[]),
        }
    }
}

/// A firm's groups.
#[derive(Debug, Clone, Default)]
struct Keys {
    sector: String,
    town: String,
    size: String,
}

impl Keys {
    fn of(&self, by: By) -> &str {
        match by {
            By::Sector => &self.sector,
            By::Town => &self.town,
            By::Size => &self.size,
        }
    }
}

/// The reports of the office's window with each firm's groups, and the registry's
/// structure (public: every firm's size class, and who offers which services where).
pub struct Rows {
    pub latest: Option<Month>,
    reports: Vec<Report>,
    keys: HashMap<i64, Keys>,
    /// Firms by pillar and size class: (pillar, size class) -> count; "" where not placed.
    pub size_mix: std::collections::BTreeMap<(String, String), i64>,
    /// Manufacturers by town, and providers of each family by town.
    pub makers_by_town: std::collections::BTreeMap<String, i64>,
    pub providers: std::collections::BTreeMap<(String, String), i64>,
}

/// The kept rows and the outbox sequence they were read at.
#[derive(Default)]
pub struct Cache {
    kept: Mutex<Option<(i64, Arc<Rows>)>>,
}

impl Cache {
    /// The rows as the store holds them now.
    pub async fn rows(&self, store: &Store) -> Result<Arc<Rows>, StoreError> {
        let seq = store.outbox_max_seq().await?;
        if let Some((at, rows)) = self.kept.lock().expect("the structure cache").as_ref()
            && *at == seq
        {
            return Ok(rows.clone());
        }
        let rows = Arc::new(read(store).await?);
        *self.kept.lock().expect("the structure cache") = Some((seq, rows.clone()));
        Ok(rows)
    }
}

async fn read(store: &Store) -> Result<Rows, StoreError> {
    let t = Taxonomy::get();
    let mut size_mix = std::collections::BTreeMap::new();
    let mut makers_by_town = std::collections::BTreeMap::new();
    for p in store.profiles().await? {
        if p.kind != "manufacturer" {
            continue;
        }
        let pillar = p.sector.as_deref().and_then(|s| t.sector(s)).map(|s| s.pillar.clone()).unwrap_or_default();
        *size_mix.entry((pillar, p.size_class.unwrap_or_default())).or_insert(0) += 1;
        *makers_by_town.entry(p.town.unwrap_or_default()).or_insert(0) += 1;
    }
    let providers = store
        .providers_by_town()
        .await?
        .into_iter()
        .map(|(town, family, n)| ((town.unwrap_or_default(), family), n))
        .collect();
    let Some(latest) = store.latest_report_month().await? else {
        return Ok(Rows { latest: None, reports: vec![], keys: HashMap::new(), size_mix, makers_by_town, providers });
    };
    // Twelve months more than shown: the first shown month's year-on-year base.
    let reports = store.current_reports(latest.plus(-(MONTHS as i32) - 11), latest).await?;
    let mut ids: Vec<i64> = reports.iter().map(|r| r.org_id).collect();
    ids.dedup();
    let keys = store
        .orgs_by_ids(&ids)
        .await?
        .into_iter()
        .map(|o| {
            let sector = o.record.sectors.first().and_then(|s| t.sector(s)).map(|s| s.pillar.clone());
            let keys = Keys {
                sector: sector.unwrap_or_default(),
                town: o.record.town.clone().unwrap_or_default(),
                size: o.record.size_class.map(|s| s.code().to_string()).unwrap_or_default(),
            };
            (o.id, keys)
        })
        .collect();
    Ok(Rows { latest: Some(latest), reports, keys, size_mix, makers_by_town, providers })
}

impl Rows {
    /// The months shown, oldest first: the last `n` up to the latest reported.
    pub fn months(&self, n: usize) -> Vec<Month> {
        match self.latest {
            Some(latest) => (0..n as i32).rev().map(|k| latest.plus(-k)).collect(),
            None => vec![],
        }
    }

    /// `measure` by `by` over the last `n` months.
    pub fn table(&self, by: By, measure: Measure, n: usize) -> Table {
        let points: Vec<Point> = self
            .reports
            .iter()
            .map(|r| Point {
                org: r.org_id,
                group: self.keys.get(&r.org_id).map(|k| k.of(by).to_string()).unwrap_or_default(),
                month: r.month,
                value: measure.of(r),
            })
            .collect();
        table(&points, &self.months(n))
    }

    /// Every report's value of `measure`, of firms whose `by` group is `group` (all firms
    /// when `None`).
    pub fn points(&self, scope: Option<(By, &str)>, measure: Measure) -> Vec<Point> {
        self.reports
            .iter()
            .filter(|r| match scope {
                None => true,
                Some((by, group)) => self.keys.get(&r.org_id).is_some_and(|k| k.of(by) == group),
            })
            .map(|r| Point { org: r.org_id, group: String::new(), month: r.month, value: measure.of(r) })
            .collect()
    }

    /// For a firm's own page: the median of `measure` month by month over the firms of its
    /// sector and over the whole cluster, where the rule allows (else `None`).
    pub fn medians(&self, org: i64, measure: Measure) -> HashMap<Month, (Option<i64>, Option<i64>)> {
        let sector = self.keys.get(&org).map(|k| k.sector.clone()).unwrap_or_default();
        let mut by_month: HashMap<Month, (Vec<i64>, Vec<i64>)> = HashMap::new();
        for r in &self.reports {
            let e = by_month.entry(r.month).or_default();
            let v = measure.of(r);
            e.1.push(v);
            if !sector.is_empty() && self.keys.get(&r.org_id).is_some_and(|k| k.sector == sector) {
                e.0.push(v);
            }
        }
        by_month
            .into_iter()
            .map(|(m, (s, all))| {
                let median = |v: &[i64]| {
                    let (cell, summary) = wujin_insight::summarise(v);
                    cell.publishable().then_some(summary.median)
                };
                (m, (median(&s), median(&all)))
            })
            .collect()
    }
}

/// A group's code shown as a name in `lang` ("" is the firms the registry cannot place).
pub fn group_name(by: By, code: &str, lang: Lang) -> String {
    let t = Taxonomy::get();
    let found = match by {
        By::Sector => t.pillars.iter().find(|p| p.code == code).map(|e| e.name(lang).to_string()),
        By::Town => t.town(code).map(|e| e.name(lang).to_string()),
        By::Size => t.size_class(code).map(|e| e.name(lang).to_string()),
    };
    found.unwrap_or_else(|| crate::pages::catalogue::text(lang, "group_unplaced", &[]))
}
