//! The cluster's vocabulary — towns, sectors, categories, processes, service families,
//! standards, certificates, units — loaded from `data/taxonomy.toml`.
//!
//! It is data, not match arms, so the people who know the cluster can correct a name or add
//! a category without a programmer; the file is compiled into the binary so a server on a
//! closed network never looks for it. Lookups accept what people write: a code, the Chinese
//! name, the English name or a known alias.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::text::fold;

const SOURCE: &str = include_str!("../data/taxonomy.toml");

/// One named thing with a code: the shape shared by towns, sectors, families and the rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub code: String,
    pub zh: String,
    pub en: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Entry {
    /// The entry's name as a message argument, in whichever language the message is said.
    pub fn arg(&self) -> crate::messages::Arg {
        crate::messages::Arg::Words { zh: self.zh.clone(), en: self.en.clone() }
    }

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sector {
    #[serde(flatten)]
    pub entry: Entry,
    /// The pillar sector (八大产业 and the other strong ones) this class belongs to.
    pub pillar: String,
}

impl Sector {
    /// Whether this value is a pillar industry as a whole, not one of its GB/T classes.
    pub fn is_pillar(&self) -> bool {
        self.entry.code == self.pillar
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Family {
    #[serde(flatten)]
    pub entry: Entry,
    /// True for the four service integrations of the 431 plan, false for the gap services.
    #[serde(default)]
    pub integration: bool,
}

/// What an offer sells: goods, a service, or machine time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    Product,
    Service,
    Capacity,
}

impl OfferKind {
    pub const ALL: [OfferKind; 3] = [OfferKind::Product, OfferKind::Service, OfferKind::Capacity];

    pub fn code(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Service => "service",
            Self::Capacity => "capacity",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind's name as a message argument (`kind_product` … in the domain catalogue).
    pub fn arg(self) -> crate::messages::Arg {
        crate::messages::Arg::Key(match self {
            Self::Product => "kind_product",
            Self::Service => "kind_service",
            Self::Capacity => "kind_capacity",
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Category {
    #[serde(flatten)]
    pub entry: Entry,
    pub kind: OfferKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<String>,
    /// Its place on the chain, when not the one its parent or its kind gives (see
    /// [`Taxonomy::stage_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// A unit of measure in specs and needs (ml, L, 吨, V, W, kW, mm, 寸, 台): what it measures
/// and its size in that dimension's base unit. Not an order unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measure {
    #[serde(flatten)]
    pub entry: Entry,
    /// volume (ml), tonnage (t), voltage (V), power (W), length (mm) or count.
    pub dimension: String,
    /// How many base units one of this is.
    pub factor: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Standard {
    pub number: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Deserialize)]
struct File {
    towns: Vec<Entry>,
    pillars: Vec<Entry>,
    sectors: Vec<Sector>,
    families: Vec<Family>,
    chain: Vec<Entry>,
    processes: Vec<Entry>,
    categories: Vec<Category>,
    standards: Vec<Standard>,
    certificates: Vec<Entry>,
    units: Vec<Entry>,
    measures: Vec<Measure>,
    size_classes: Vec<Entry>,
    org_kinds: Vec<Entry>,
    revenue_bands: Vec<Entry>,
    offer_kinds: Vec<Entry>,
}

/// The loaded taxonomy with its lookup tables. Get the shared one with [`Taxonomy::get`].
#[derive(Debug, Serialize)]
pub struct Taxonomy {
    pub towns: Vec<Entry>,
    pub pillars: Vec<Entry>,
    pub sectors: Vec<Sector>,
    pub families: Vec<Family>,
    pub chain: Vec<Entry>,
    pub processes: Vec<Entry>,
    pub categories: Vec<Category>,
    pub standards: Vec<Standard>,
    pub certificates: Vec<Entry>,
    pub units: Vec<Entry>,
    pub measures: Vec<Measure>,
    pub size_classes: Vec<Entry>,
    pub org_kinds: Vec<Entry>,
    pub revenue_bands: Vec<Entry>,
    pub offer_kinds: Vec<Entry>,
    /// Each pillar as a sector value of its own: what a firm that says only "杯业" is filed
    /// under, without guessing one of the pillar's classes.
    #[serde(skip)]
    pillar_sectors: Vec<Sector>,
    #[serde(skip)]
    index: Index,
}

/// Name -> position maps, keyed by the folded, lower-cased spelling.
#[derive(Debug, Default)]
struct Index {
    towns: HashMap<String, usize>,
    sectors: HashMap<String, usize>,
    pillar_sectors: HashMap<String, usize>,
    families: HashMap<String, usize>,
    chain: HashMap<String, usize>,
    processes: HashMap<String, usize>,
    categories: HashMap<String, usize>,
    certificates: HashMap<String, usize>,
    units: HashMap<String, usize>,
    size_classes: HashMap<String, usize>,
    org_kinds: HashMap<String, usize>,
    revenue_bands: HashMap<String, usize>,
    offer_kinds: HashMap<String, usize>,
    /// Standard numbers without spaces, with and without the year.
    standards: HashMap<String, usize>,
}

fn key(s: &str) -> String {
    fold(s).to_lowercase()
}

fn index_entries<'a>(entries: impl Iterator<Item = &'a Entry>) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, e) in entries.enumerate() {
        for name in [&e.code, &e.zh, &e.en].into_iter().chain(e.aliases.iter()) {
            map.entry(key(name)).or_insert(i);
        }
    }
    map
}

/// The compact form of a standard number used for lookups: upper case, no spaces, "GB/T".
pub fn compact_standard(s: &str) -> String {
    let compact: String = fold(s)
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '／' | '\\' => '/',
            '－' | '—' | '–' => '-',
            '．' => '.',
            c => c,
        })
        .collect();
    recommended_issuer(compact)
}

/// "GBT29606", "GB-T 29606" and "GB_T29606" are how people type GB/T 29606 (the slash is
/// awkward on a phone, and file names cannot hold it): a two-letter issuer followed by T,
/// a dash or underscore and T, then the number, is the issuer's recommended series; and
/// "GB-17565" is GB 17565.
fn recommended_issuer(compact: String) -> String {
    let b = compact.as_bytes();
    let letters = b.len() > 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase();
    if letters && b[2] == b'T' && b[3].is_ascii_digit() {
        return format!("{}/T{}", &compact[..2], &compact[3..]);
    }
    if letters && b.len() > 4 && matches!(b[2], b'-' | b'_') && b[3] == b'T' && b[4].is_ascii_digit() {
        return format!("{}/T{}", &compact[..2], &compact[4..]);
    }
    // "GB-17565" is GB 17565 with its space typed as a dash.
    if letters && matches!(b[2], b'-' | b'_') && b[3].is_ascii_digit() {
        return format!("{}{}", &compact[..2], &compact[3..]);
    }
    compact
}

impl Taxonomy {
    /// The taxonomy compiled into this binary, parsed once.
    pub fn get() -> &'static Taxonomy {
        static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
        TAXONOMY.get_or_init(|| Taxonomy::parse(SOURCE).expect("data/taxonomy.toml is checked by the test suite"))
    }

    /// Parses and cross-checks a taxonomy file: every reference (parent, sector, family,
    /// process, standard, pillar) must name an entry that exists.
    pub fn parse(source: &str) -> Result<Taxonomy, String> {
        let f: File = toml::from_str(source).map_err(|e| e.to_string())?;
        let mut standards = HashMap::new();
        for (i, s) in f.standards.iter().enumerate() {
            let c = compact_standard(&s.number);
            let no_year = c.rsplit_once('-').map(|(n, _)| n.to_string()).unwrap_or(c.clone());
            standards.insert(c, i);
            standards.entry(no_year).or_insert(i);
        }
        let index = Index {
            towns: index_entries(f.towns.iter()),
            sectors: index_entries(f.sectors.iter().map(|s| &s.entry)),
            pillar_sectors: index_entries(f.pillars.iter()),
            families: index_entries(f.families.iter().map(|s| &s.entry)),
            chain: index_entries(f.chain.iter()),
            processes: index_entries(f.processes.iter()),
            categories: index_entries(f.categories.iter().map(|c| &c.entry)),
            certificates: index_entries(f.certificates.iter()),
            units: index_entries(f.units.iter()),
            size_classes: index_entries(f.size_classes.iter()),
            org_kinds: index_entries(f.org_kinds.iter()),
            revenue_bands: index_entries(f.revenue_bands.iter()),
            offer_kinds: index_entries(f.offer_kinds.iter()),
            standards,
        };
        let pillar_sectors = f.pillars.iter().map(|p| Sector { entry: p.clone(), pillar: p.code.clone() }).collect();
        let t = Taxonomy {
            pillar_sectors,
            towns: f.towns,
            pillars: f.pillars,
            sectors: f.sectors,
            families: f.families,
            chain: f.chain,
            processes: f.processes,
            categories: f.categories,
            standards: f.standards,
            certificates: f.certificates,
            units: f.units,
            measures: f.measures,
            size_classes: f.size_classes,
            org_kinds: f.org_kinds,
            revenue_bands: f.revenue_bands,
            offer_kinds: f.offer_kinds,
            index,
        };
        t.check()?;
        Ok(t)
    }

    fn check(&self) -> Result<(), String> {
        for p in &self.pillar_sectors {
            for name in [&p.entry.code, &p.entry.zh, &p.entry.en].into_iter().chain(p.entry.aliases.iter()) {
                if Self::find(&self.sectors, &self.index.sectors, name).is_some() {
                    return Err(format!("pillar {} shares the name {name} with a GB/T class", p.entry.code));
                }
            }
        }
        for s in &self.sectors {
            if !self.pillars.iter().any(|p| p.code == s.pillar) {
                return Err(format!("sector {} names unknown pillar {}", s.entry.code, s.pillar));
            }
        }
        for c in &self.categories {
            let code = &c.entry.code;
            if let Some(p) = &c.parent {
                let parent = self.category(p).ok_or(format!("{code}: unknown parent {p}"))?;
                if parent.kind != c.kind {
                    return Err(format!("{code}: kind differs from its parent {p}"));
                }
            }
            match c.kind {
                OfferKind::Product => {
                    let s = c.sector.as_deref().ok_or(format!("{code}: product without sector"))?;
                    self.sector(s).ok_or(format!("{code}: unknown sector {s}"))?;
                }
                OfferKind::Service => {
                    let f = c.family.as_deref().ok_or(format!("{code}: service without family"))?;
                    self.family(f).ok_or(format!("{code}: unknown family {f}"))?;
                }
                OfferKind::Capacity => {
                    let p = c.process.as_deref().ok_or(format!("{code}: capacity without process"))?;
                    self.process(p).ok_or(format!("{code}: unknown process {p}"))?;
                }
            }
            if c.kind == OfferKind::Product && c.parent.is_none() && self.family(code).is_some() {
                return Err(format!("{code}: a top-level category may not share its code with a service family"));
            }
            if let Some(st) = &c.stage
                && self.chain_stage(st).is_none()
            {
                return Err(format!("{code}: unknown chain stage {st}"));
            }
            for s in &c.standards {
                if self.standard(s).map(|st| &st.number) != Some(s) {
                    return Err(format!("{code}: standard {s} is not in the library"));
                }
            }
        }
        Ok(())
    }

    /// Where a category sits on the chain (材料 / 零部件 / 工艺 / 整机 / 渠道 / 服务): its own
    /// stage, else its parent's, else its kind's (a product is 整机, a capacity 工艺, a
    /// service 服务). A tie's stage is its input category's.
    pub fn stage_of(&self, category: &str) -> Option<&Entry> {
        let mut c = self.category(category)?;
        loop {
            if let Some(st) = &c.stage {
                return self.chain_stage(st);
            }
            match c.parent.as_deref().and_then(|p| self.category(p)) {
                Some(parent) => c = parent,
                None => break,
            }
        }
        self.chain_stage(match c.kind {
            OfferKind::Product => "products",
            OfferKind::Capacity => "processes",
            OfferKind::Service => "services",
        })
    }

    fn find<'a, T>(list: &'a [T], map: &HashMap<String, usize>, name: &str) -> Option<&'a T> {
        map.get(&key(name)).map(|&i| &list[i])
    }

    /// A town by code (330784105) or name (石柱镇, Shizhu Town).
    pub fn town(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.towns, &self.index.towns, name)
    }
    /// A sector by GB/T 4754 class (C3382, or 3382) or name, or a pillar industry by its code,
    /// name or an alias (杯业, 电动工具): then a sector value at pillar level, whose `pillar`
    /// is itself (see [`Sector::is_pillar`]).
    pub fn sector(&self, name: &str) -> Option<&Sector> {
        let found = Self::find(&self.sectors, &self.index.sectors, name);
        found
            .or_else(|| Self::find(&self.sectors, &self.index.sectors, &format!("C{}", name.trim())))
            .or_else(|| Self::find(&self.pillar_sectors, &self.index.pillar_sectors, name))
    }

    /// The stored sector values a filter on `code` matches: a class itself; a pillar, itself
    /// and every class in it.
    pub fn sectors_under(&self, code: &str) -> Vec<String> {
        match self.sector(code) {
            Some(s) if s.is_pillar() => std::iter::once(s.entry.code.clone())
                .chain(self.sectors.iter().filter(|c| c.pillar == s.entry.code).map(|c| c.entry.code.clone()))
                .collect(),
            Some(s) => vec![s.entry.code.clone()],
            None => vec![],
        }
    }

    /// The `n` entries whose names are closest to `value`, closest first: what a refusal offers
    /// instead ("未知的行业：杯业车 — 可用：杯业、车业"). Closeness is the edit distance over
    /// characters, relative to the longer word, against each of an entry's names.
    pub fn nearest<'a>(entries: impl Iterator<Item = &'a Entry>, value: &str, n: usize) -> Vec<&'a Entry> {
        let v = key(value);
        let mut scored: Vec<(f64, &Entry)> = entries
            .map(|e| {
                let best = [&e.code, &e.zh, &e.en]
                    .into_iter()
                    .chain(e.aliases.iter())
                    .map(|name| strsim::normalized_levenshtein(&v, &key(name)))
                    .fold(0.0, f64::max);
                (best, e)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(n).map(|(_, e)| e).collect()
    }

    /// Every sector value a person may write: the GB/T classes and the pillars.
    pub fn sector_values(&self) -> impl Iterator<Item = &Sector> {
        self.sectors.iter().chain(self.pillar_sectors.iter())
    }
    pub fn family(&self, name: &str) -> Option<&Family> {
        Self::find(&self.families, &self.index.families, name)
    }
    pub fn chain_stage(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.chain, &self.index.chain, name)
    }
    pub fn process(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.processes, &self.index.processes, name)
    }
    pub fn category(&self, name: &str) -> Option<&Category> {
        Self::find(&self.categories, &self.index.categories, name)
    }
    pub fn certificate(&self, name: &str) -> Option<&Entry> {
        let found = Self::find(&self.certificates, &self.index.certificates, name);
        // "ISO9001" and "ISO 9001" are the same certificate.
        found.or_else(|| {
            let spaced = fold(name).to_uppercase().replace(' ', "");
            self.certificates.iter().find(|c| c.code.replace(' ', "") == spaced)
        })
    }
    pub fn unit(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.units, &self.index.units, name)
    }
    pub fn size_class(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.size_classes, &self.index.size_classes, name)
    }
    pub fn org_kind(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.org_kinds, &self.index.org_kinds, name)
    }
    pub fn revenue_band(&self, name: &str) -> Option<&Entry> {
        Self::find(&self.revenue_bands, &self.index.revenue_bands, name)
    }
    pub fn offer_kind(&self, name: &str) -> Option<OfferKind> {
        Self::find(&self.offer_kinds, &self.index.offer_kinds, name).and_then(|e| OfferKind::from_code(&e.code))
    }

    /// A standard in the library, by its number written in any spacing or case, with or
    /// without the year ("gb/t29606" finds GB/T 29606-2013).
    pub fn standard(&self, number: &str) -> Option<&Standard> {
        self.index.standards.get(&compact_standard(number)).map(|&i| &self.standards[i])
    }

    /// The group a category belongs to: for a product its top-level category ("cups" for
    /// "cups.vacuum_cup"), for a service its family ("testing"), for capacity the category
    /// itself. Lists store it so that a filter on a parent category or a family is one
    /// equality on an indexed column rather than a list of categories.
    /// What demands a seller of `offered` (category codes) can serve: every category of the
    /// same groups as what it offers (a cup maker serves a demand for any cup), and the
    /// families of its services. A demand about one of them is "in its line".
    pub fn line_of(&self, offered: &[String]) -> (Vec<String>, Vec<String>) {
        let groups: std::collections::BTreeSet<&str> = offered.iter().filter_map(|c| self.group_of(c)).collect();
        let mut categories: Vec<String> = self
            .categories
            .iter()
            .filter(|c| {
                offered.contains(&c.entry.code) || self.group_of(&c.entry.code).is_some_and(|g| groups.contains(g))
            })
            .map(|c| c.entry.code.clone())
            .collect();
        categories.sort();
        let families: Vec<String> = self
            .families
            .iter()
            .filter(|f| groups.contains(f.entry.code.as_str()))
            .map(|f| f.entry.code.clone())
            .collect();
        (categories, families)
    }

    pub fn group_of(&self, code: &str) -> Option<&str> {
        let mut cat = self.category(code)?;
        match cat.kind {
            OfferKind::Service => cat.family.as_deref(),
            OfferKind::Capacity => Some(&cat.entry.code),
            OfferKind::Product => {
                while let Some(parent) = cat.parent.as_deref().and_then(|p| self.category(p)) {
                    cat = parent;
                }
                Some(&cat.entry.code)
            }
        }
    }

    /// Every category whose group is `group`.
    pub fn group_members(&self, group: &str) -> Vec<&str> {
        self.categories
            .iter()
            .filter(|c| self.group_of(&c.entry.code) == Some(group))
            .map(|c| c.entry.code.as_str())
            .collect()
    }

    /// The category and all categories below it, for filters that include subcategories.
    pub fn category_with_descendants(&self, code: &str) -> Vec<&str> {
        let mut out = vec![];
        let mut frontier = vec![code.to_string()];
        while let Some(c) = frontier.pop() {
            for child in self.categories.iter().filter(|x| x.parent.as_deref() == Some(&c)) {
                frontier.push(child.entry.code.clone());
            }
            if let Some(cat) = self.category(&c) {
                out.push(cat.entry.code.as_str());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_taxonomy_loads_and_cross_checks() {
        let t = Taxonomy::parse(SOURCE).unwrap();
        assert_eq!(t.towns.len(), 14);
        assert_eq!(t.families.iter().filter(|f| f.integration).count(), 4);
        assert!(t.categories.len() > 100);
    }

    #[test]
    fn towns_resolve_by_code_and_name() {
        let t = Taxonomy::get();
        assert_eq!(t.town("330784105").unwrap().zh, "石柱镇");
        assert_eq!(t.town("石柱镇").unwrap().code, "330784105");
        assert_eq!(t.town("shizhu town").unwrap().code, "330784105");
        assert!(t.town("330784999").is_none());
    }

    #[test]
    fn categories_resolve_by_alias() {
        let t = Taxonomy::get();
        assert_eq!(t.category("真空杯").unwrap().entry.code, "cups.vacuum_cup");
        assert_eq!(t.category("绿篱机").unwrap().entry.code, "garden.hedge_trimmer");
        assert_eq!(t.category("外观设计").unwrap().family.as_deref(), Some("rd_design"));
    }

    #[test]
    fn standards_resolve_in_any_spacing() {
        let t = Taxonomy::get();
        assert_eq!(t.standard("GB/T29606").unwrap().number, "GB/T 29606-2013");
        assert_eq!(t.standard("gb 4806.9").unwrap().number, "GB 4806.9-2023");
        assert_eq!(t.standard("ＧＢ　１７５６５－２０２２").unwrap().number, "GB 17565-2022");
        assert!(t.standard("GB 99999").is_none());
    }

    #[test]
    fn subcategories_are_included() {
        let t = Taxonomy::get();
        let cups = t.category_with_descendants("cups");
        assert!(cups.contains(&"cups"));
        assert!(cups.contains(&"cups.vacuum_cup"));
        assert!(!cups.contains(&"doors"));
    }

    #[test]
    fn groups_are_top_categories_or_families() {
        let t = Taxonomy::get();
        assert_eq!(t.group_of("cups.vacuum_cup"), Some("cups"));
        assert_eq!(t.group_of("cups"), Some("cups"));
        assert_eq!(t.group_of("svc.emc_testing"), Some("testing"));
        assert_eq!(t.group_of("cap.plating"), Some("cap.plating"));
        let mut members = t.group_members("cups");
        members.sort();
        let mut expected = t.category_with_descendants("cups");
        expected.sort();
        assert_eq!(members, expected);
    }

    #[test]
    fn a_dangling_reference_is_refused() {
        let broken = SOURCE.replace("parent = \"doors\"", "parent = \"nowhere\"");
        assert!(Taxonomy::parse(&broken).unwrap_err().contains("unknown parent"));
    }

    #[test]
    fn certificates_ignore_spacing() {
        let t = Taxonomy::get();
        assert_eq!(t.certificate("ISO9001").unwrap().code, "ISO 9001");
        assert_eq!(t.certificate("高新技术企业").unwrap().code, "HNTE");
    }

    #[test]
    fn every_category_sits_on_one_chain_stage() {
        let t = Taxonomy::get();
        let stage = |c: &str| t.stage_of(c).map(|e| e.zh.as_str());
        assert_eq!(stage("materials.stainless_coil"), Some("材料"));
        assert_eq!(stage("parts.flask_lid"), Some("零部件"));
        assert_eq!(stage("cap.vacuum_evacuation"), Some("工艺"));
        assert_eq!(stage("cups.vacuum_cup"), Some("整机"));
        assert_eq!(stage("svc.livestream"), Some("渠道"));
        assert_eq!(stage("svc.product_testing"), Some("服务"));
        assert_eq!(stage("no.such.category"), None);
        for c in &t.categories {
            assert!(t.stage_of(&c.entry.code).is_some(), "{} has no stage", c.entry.code);
        }
    }

    #[test]
    fn every_process_of_the_chain_has_a_category_to_tie_it_by() {
        let t = Taxonomy::get();
        for p in &t.processes {
            assert!(
                t.categories.iter().any(|c| c.process.as_deref() == Some(p.code.as_str())),
                "process {} ({}) has no category",
                p.code,
                p.zh
            );
        }
        assert_eq!(t.category("水胀加工").unwrap().entry.code, "cap.hydroforming");
    }

    #[test]
    fn an_unknown_stage_is_refused() {
        let broken = SOURCE.replace("stage = \"channels\"", "stage = \"nowhere\"");
        assert!(Taxonomy::parse(&broken).unwrap_err().contains("unknown chain stage"));
    }
}
