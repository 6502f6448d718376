//! A believable Yongkang cluster, made from a seed.
//!
//! The first `wujin serve --demo` must look like Yongkang to someone who knows it: many
//! micro and small shops and a few large makers; door makers around 古山, cup makers in
//! 西城 and 象珠, service providers in the city's streets; real sector codes, categories,
//! standards and valid credit codes. The same seed always gives the same cluster (ChaCha8
//! is portable across platforms and rand versions), which is what tests and benchmarks need.

pub mod reports;
pub mod ties;
pub mod titles;
mod words;

use std::collections::HashSet;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wujin_domain::certificate::HeldCertificate;
use wujin_domain::{Contact, Fen, OfferKind, OfferRecord, OrgKind, OrgRecord, PriceRange, SizeClass, Taxonomy, Uscc};

use words::{ANY_TOWN, LINES, Line, SERVICE_LINES, SERVICE_TOWNS, SYLLABLES, ServiceLine};

/// The generated registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub orgs: Vec<OrgRecord>,
    pub offers: Vec<OfferRecord>,
}

pub const DEFAULT_SEED: u64 = 2019;
pub const DEFAULT_FIRMS: usize = 2000;

const SURNAMES: &[&str] = &["胡", "应", "徐", "李", "陈", "吕", "程", "朱", "王", "楼", "周", "施", "俞", "杜"];
const GIVEN: &[&str] =
    &["建华", "伟", "丽君", "国强", "海燕", "志刚", "晓峰", "美芳", "永康", "雪梅", "俊杰", "春燕", "浩", "敏"];
const ROADS: &[&str] =
    &["五金大道", "金城路", "九铃路", "总部中心路", "华丰路", "城西路", "长城路", "永拖路", "胜利街", "工业园区路"];
const CODE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

struct Gen {
    rng: ChaCha8Rng,
    names: HashSet<String>,
    codes: HashSet<String>,
    offers: Vec<OfferRecord>,
}

fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut pick = rng.random_range(0..total);
    for it in items {
        let w = weight(it);
        if pick < w {
            return it;
        }
        pick -= w;
    }
    &items[items.len() - 1]
}

impl Gen {
    fn town(&mut self, towns: &[(&str, u32)]) -> String {
        // Most firms sit where their trade gathers; some anywhere in the city.
        let list = if self.rng.random_bool(0.15) { ANY_TOWN } else { towns };
        weighted(&mut self.rng, list, |t| t.1).0.to_string()
    }

    fn uscc(&mut self, founded: i32) -> Uscc {
        loop {
            // Codes issued since 2015 carry an MA body; older ones the 8-digit organisation code.
            let body8: String = if founded >= 2015 {
                let tail: String = (0..6).map(|_| *CODE_CHARS.choose(&mut self.rng).unwrap() as char).collect();
                format!("MA{tail}")
            } else {
                format!("{:08}", self.rng.random_range(10_000_000..99_999_999u32))
            };
            let check = Uscc::organisation_check_digit(&body8).unwrap_or('0');
            let code = Uscc::complete(&format!("91330784{body8}{check}")).expect("valid alphabet");
            if self.codes.insert(code.to_string()) {
                return code;
            }
        }
    }

    fn trade_name(
        &mut self,
        prefix_zh: &str,
        suffix: (&str, &str),
        tail_zh: &str,
        prefix_en: &str,
        tail_en: &str,
    ) -> (String, String) {
        // Two-syllable trade names run out in a large cluster (a benchmark asks for 100,000
        // firms); after a few collisions a third syllable makes room.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let a = SYLLABLES.choose(&mut self.rng).unwrap();
            let b = SYLLABLES.choose(&mut self.rng).unwrap();
            let c = if attempt > 8 { *SYLLABLES.choose(&mut self.rng).unwrap() } else { ("", "") };
            if a.0 == b.0 {
                continue;
            }
            let zh = format!("{prefix_zh}{}{}{}{}{tail_zh}", a.0, b.0, c.0, suffix.0);
            if self.names.insert(zh.clone()) {
                let en =
                    format!("{prefix_en}{}{}{} {}{tail_en}", a.1, b.1.to_lowercase(), c.1.to_lowercase(), suffix.1);
                return (zh, en);
            }
        }
    }

    fn contact(&mut self, town: &str, en_name: &str) -> Contact {
        let t = Taxonomy::get().town(town).map(|e| e.zh.clone()).unwrap_or_default();
        let person = format!("{}{}", SURNAMES.choose(&mut self.rng).unwrap(), GIVEN.choose(&mut self.rng).unwrap());
        let prefix = ["135", "136", "137", "138", "139", "158", "159", "188", "189"].choose(&mut self.rng).unwrap();
        let phone = if self.rng.random_bool(0.6) {
            format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32))
        } else {
            format!("0579-8{:07}", self.rng.random_range(0..10_000_000u32))
        };
        let domain: String = en_name.split_whitespace().skip(1).take(1).collect::<String>().to_lowercase();
        Contact {
            name: Some(person),
            phone: Some(phone),
            email: Some(format!("sales@{domain}.com.cn")),
            address: Some(format!(
                "浙江省永康市{t}{}{}号",
                ROADS.choose(&mut self.rng).unwrap(),
                self.rng.random_range(1..999)
            )),
        }
    }

    fn size(&mut self) -> SizeClass {
        weighted(
            &mut self.rng,
            &[(SizeClass::Large, 2), (SizeClass::Medium, 10), (SizeClass::Small, 38), (SizeClass::Micro, 50)],
            |s| s.1,
        )
        .0
    }

    fn manufacturer(&mut self, index: usize) -> OrgRecord {
        let line = weighted(&mut self.rng, LINES, |l| l.weight);
        let size = self.size();
        let (employees, band, founded) = match size {
            SizeClass::Large => (self.rng.random_range(1000..6000), "gt1b", self.rng.random_range(1985..2005)),
            SizeClass::Medium => (self.rng.random_range(300..1000), "100m_1b", self.rng.random_range(1990..2012)),
            SizeClass::Small => (
                self.rng.random_range(20..300),
                if self.rng.random_bool(0.4) { "20m_100m" } else { "5m_20m" },
                self.rng.random_range(1995..2022),
            ),
            SizeClass::Micro => (self.rng.random_range(3..20), "lt5m", self.rng.random_range(2005..2025)),
        };
        let (name, name_en) = if size == SizeClass::Large {
            self.trade_name("浙江", line.suffix, "股份有限公司", "Zhejiang ", " Co., Ltd.")
        } else {
            self.trade_name("永康市", line.suffix, "有限公司", "Yongkang ", " Co., Ltd.")
        };
        let town = self.town(line.towns);
        let mut certificates: Vec<String> = line
            .certificates
            .iter()
            .filter(|_| {
                self.rng.random_bool(match size {
                    SizeClass::Large => 0.95,
                    SizeClass::Medium => 0.8,
                    SizeClass::Small => 0.45,
                    SizeClass::Micro => 0.15,
                })
            })
            .map(|c| c.to_string())
            .collect();
        if matches!(size, SizeClass::Large | SizeClass::Medium) && self.rng.random_bool(0.5) {
            certificates.push("HNTE".into());
        }
        if size != SizeClass::Micro && self.rng.random_bool(0.1) {
            certificates.push("SRDI".into());
        }
        let mut chain = vec![line.chain.to_string()];
        if line.chain == "products" && self.rng.random_bool(0.3) {
            chain.push("channels".into());
        }
        let uscc = self.uscc(founded);
        let contact = self.contact(&town, &name_en);
        let org = OrgRecord {
            uscc,
            name,
            name_en: Some(name_en),
            kind: OrgKind::Manufacturer,
            town: Some(town),
            sectors: line
                .sectors
                .iter()
                .take(self.rng.random_range(1..=line.sectors.len()))
                .map(|s| s.to_string())
                .collect(),
            chain,
            size_class: Some(size),
            founded_year: Some(founded),
            employees: Some(employees),
            revenue_band: Some(band.into()),
            certificates: certificates.into_iter().map(HeldCertificate::code).collect(),
            contact,
        };
        let n = match size {
            SizeClass::Large => self.rng.random_range(30..60),
            SizeClass::Medium => self.rng.random_range(15..30),
            SizeClass::Small => self.rng.random_range(8..16),
            SizeClass::Micro => self.rng.random_range(4..10),
        };
        // Offers are drawn until the firm has n different titles (or the draws run out: a
        // small line has few combinations), so no firm lists the same thing twice.
        let mut titles: Vec<String> = vec![];
        for _ in 0..n * 3 {
            if titles.len() == n {
                break;
            }
            let offer = self.product_offer(&org, line, index, titles.len());
            if !titles.contains(&offer.title) {
                titles.push(offer.title.clone());
                self.offers.push(offer);
            }
        }
        org
    }

    fn product_offer(&mut self, org: &OrgRecord, line: &Line, index: usize, k: usize) -> OfferRecord {
        let t = Taxonomy::get();
        // The first categories of a line are its main products.
        let ci = (self.rng.random_range(0..line.categories.len()) * self.rng.random_range(0..2))
            .min(line.categories.len() - 1);
        let cat = t.category(line.categories[ci]).expect("demo categories are in the taxonomy");
        let code = cat.entry.code.as_str();
        // Only words that belong to this category: a grade of steel on steel, a die-casting
        // machine on die-casting capacity.
        let modifiers: Vec<&str> = line.modifiers.iter().copied().filter(|m| titles::fits(m, code)).collect();
        let modifier = modifiers.choose(&mut self.rng).copied().unwrap_or("");
        let mut specs = vec![];
        for (key, values) in line.specs.iter().take(3) {
            let values: Vec<&str> = values.iter().copied().filter(|v| titles::fits(v, code)).collect();
            if !values.is_empty() && self.rng.random_bool(0.8) {
                // A title that says 316 stainless must not list 304 in its specs.
                let value = if values.contains(&modifier) { modifier } else { values.choose(&mut self.rng).unwrap() };
                specs.push((key.to_string(), value.to_string()));
            }
        }
        let town_zh = org.town.as_deref().and_then(|c| t.town(c)).map(|e| e.zh.as_str()).unwrap_or("永康");
        let (title, unit, hours) = if cat.kind == OfferKind::Capacity {
            let process = cat.process.as_deref().and_then(|p| t.process(p)).map(|p| p.zh.as_str()).unwrap_or("");
            // The machine when the firm names one, else the process: "ADC12 800T压铸机产能对外承接".
            let title = match specs.iter().find(|(k, _)| k == "设备") {
                Some((_, machine)) => titles::compose(&[modifier, &format!(" {machine}"), "产能对外承接"]),
                None => titles::compose(&[modifier, process, "产能对外承接"]),
            };
            (title, "hour", Some(self.rng.random_range(20..=120)))
        } else {
            // A size or a capacity tells two products of one kind apart; hours of keeping warm do not.
            let variant = specs.iter().rev().map(|(_, v)| v.as_str()).find(|v| !v.ends_with("小时")).unwrap_or("");
            let title = titles::compose(&[modifier, &cat.entry.zh, &format!(" {variant}")]);
            (title, if line.chain == "materials" { "t" } else { "pcs" }, None)
        };
        let standards: Vec<String> = cat.standards.iter().filter(|_| self.rng.random_bool(0.85)).cloned().collect();
        let (lo, hi) = line.price;
        let min = self.rng.random_range(lo * 100..=hi * 100);
        let max = (min + self.rng.random_range(0..=min / 2 + 1)).min(hi * 130);
        let std_text =
            if standards.is_empty() { String::new() } else { format!("执行标准：{}。", standards.join("、")) };
        let certs = if org.certificates.is_empty() {
            String::new()
        } else {
            let codes: Vec<&str> = org.certificates.iter().map(|c| c.code.as_str()).collect();
            format!("通过{}认证，", codes.join("、"))
        };
        let description = format!(
            "{}位于永康{town_zh}，专业从事{}。{certs}支持OEM/ODM定制与来样加工，交期稳定。{std_text}",
            org.name, cat.entry.zh
        );
        OfferRecord {
            external_id: format!("YK{index:05}-{k:03}"),
            org_uscc: org.uscc.clone(),
            kind: cat.kind,
            title,
            title_en: Some(if modifier.is_empty() {
                cat.entry.en.clone()
            } else {
                format!("{} {}", modifier_en(modifier), cat.entry.en)
            }),
            description,
            category: cat.entry.code.clone(),
            specs,
            standards,
            price: PriceRange::new(Fen(min.max(1)), Fen(max.max(min.max(1)))),
            unit: Some(unit.into()),
            moq: Some(if cat.kind == OfferKind::Capacity {
                8
            } else {
                [50, 100, 200, 500, 1000, 3000][self.rng.random_range(0..6)]
            }),
            lead_time_days: Some(self.rng.random_range(3..=45)),
            hours_per_week: hours,
        }
    }

    fn provider(&mut self, index: usize, line: &ServiceLine) -> OrgRecord {
        let t = Taxonomy::get();
        let size =
            weighted(&mut self.rng, &[(SizeClass::Medium, 1), (SizeClass::Small, 5), (SizeClass::Micro, 6)], |s| s.1).0;
        let founded = self.rng.random_range(2008..2025);
        let (name, name_en) = self.trade_name("永康市", line.suffix, "有限公司", "Yongkang ", " Co., Ltd.");
        let town = self.town(SERVICE_TOWNS);
        // The manufacturing lines this provider mostly serves.
        let served: Vec<&Line> =
            (0..self.rng.random_range(1..=3)).map(|_| weighted(&mut self.rng, LINES, |l| l.weight)).collect();
        let mut sectors: Vec<String> = vec![];
        for l in &served {
            if !sectors.contains(&l.sectors[0].to_string()) {
                sectors.push(l.sectors[0].to_string());
            }
        }
        let uscc = self.uscc(founded);
        let contact = self.contact(&town, &name_en);
        let org = OrgRecord {
            uscc,
            name,
            name_en: Some(name_en),
            kind: OrgKind::ServiceProvider,
            town: Some(town),
            sectors,
            chain: vec!["services".into()],
            size_class: Some(size),
            founded_year: Some(founded),
            employees: Some(match size {
                SizeClass::Medium => self.rng.random_range(100..400),
                SizeClass::Small => self.rng.random_range(10..100),
                _ => self.rng.random_range(2..10),
            }),
            revenue_band: Some(
                match size {
                    SizeClass::Medium => "20m_100m",
                    SizeClass::Small => "5m_20m",
                    _ => "lt5m",
                }
                .into(),
            ),
            certificates: line
                .certificates
                .iter()
                .filter(|_| self.rng.random_bool(0.7))
                .map(|c| HeldCertificate::code(*c))
                .collect(),
            contact,
        };
        let n = self.rng.random_range(3..=8);
        // A provider lists each service for each product once: when the products it serves
        // and its services cycle in step, a repeat is skipped rather than listed twice.
        let mut listed: Vec<(&str, &str)> = vec![];
        for k in 0..n {
            let target = served[k % served.len()];
            // What the served line makes (its first product, not a capacity it sells).
            // A line that only sells capacity (surface treatment) is named by its trade.
            let made = target.categories.iter().filter_map(|c| t.category(c)).find(|c| c.kind == OfferKind::Product);
            let product = made.unwrap_or_else(|| t.category(target.categories[0]).expect("product category"));
            let product_zh = made.map(|c| c.entry.zh.as_str()).unwrap_or(target.suffix.0);
            let product_en = made.map(|c| c.entry.en.to_lowercase()).unwrap_or_else(|| target.suffix.1.to_lowercase());
            let categories = if line.family == "testing" { tests_for(&product.entry.code) } else { line.categories };
            let cat = t.category(categories[k % categories.len()]).expect("service category");
            if listed.contains(&(product.entry.code.as_str(), cat.entry.code.as_str())) {
                continue;
            }
            listed.push((product.entry.code.as_str(), cat.entry.code.as_str()));
            let standards: Vec<String> = if line.family == "testing" {
                // A lab tests a product against the standards of that kind of test: food
                // contact against GB 4806, the rest against the product's own standards.
                let food = |s: &&String| s.starts_with("GB 4806");
                let own: Vec<&String> = if cat.entry.code == "svc.food_contact_testing" {
                    product.standards.iter().filter(food).collect()
                } else {
                    product.standards.iter().filter(|s| !food(s)).collect()
                };
                own.into_iter().chain(cat.standards.iter()).cloned().collect()
            } else if line.family == "consulting_standards" {
                product.standards.iter().chain(cat.standards.iter()).cloned().collect::<Vec<_>>()
            } else {
                vec![]
            };
            let mut unique = vec![];
            for s in standards {
                if !unique.contains(&s) {
                    unique.push(s);
                }
            }
            let title = if unique.is_empty() || line.family != "testing" {
                titles::compose(&[product_zh, &cat.entry.zh])
            } else {
                titles::compose(&[&unique[0], &format!(" {product_zh}"), &cat.entry.zh])
            };
            let price = if line.price.1 == 0 {
                None
            } else {
                let min = self.rng.random_range(line.price.0 * 100..=line.price.1 * 100);
                PriceRange::new(Fen(min), Fen(min + min / 2))
            };
            self.offers.push(OfferRecord {
                external_id: format!("YK{index:05}-{k:03}"),
                org_uscc: org.uscc.clone(),
                kind: OfferKind::Service,
                title,
                title_en: Some(format!("{} for {product_en}", cat.entry.en)),
                description: format!(
                    "{}为永康{}企业提供{}服务，熟悉{}行业，可上门对接，响应快。",
                    org.name, target.suffix.0, cat.entry.zh, product_zh
                ),
                category: cat.entry.code.clone(),
                specs: vec![(
                    "服务方式".into(),
                    ["上门服务", "线上对接", "驻厂服务"][self.rng.random_range(0..3)].into(),
                )],
                standards: unique,
                price,
                unit: Some("project".into()),
                moq: None,
                lead_time_days: Some(self.rng.random_range(1..=60)),
                hours_per_week: None,
            });
        }
        org
    }

    fn other(&mut self, index: usize, kind: OrgKind) -> OrgRecord {
        let (suffix, categories): ((&str, &str), &[&str]) = match kind {
            OrgKind::ResearchInstitute => (
                ("五金技术研究院", "Hardware Technology Institute"),
                &["svc.joint_rd", "svc.product_testing", "svc.standards_consulting"],
            ),
            OrgKind::Finance => (("小额贷款", "Microcredit"), &["svc.loans", "svc.supply_chain_finance"]),
            _ => (
                ("产业服务中心", "Industry Service Centre"),
                &["svc.incubation", "svc.skills_training", "svc.market_info"],
            ),
        };
        let founded = self.rng.random_range(2000..2022);
        let (name, name_en) = self.trade_name("永康市", suffix, "", "Yongkang ", "");
        let town = self.town(SERVICE_TOWNS);
        let uscc = self.uscc(founded);
        let contact = self.contact(&town, &name_en);
        let org = OrgRecord {
            uscc,
            name,
            name_en: Some(name_en),
            kind,
            town: Some(town),
            sectors: vec![],
            chain: vec!["services".into()],
            size_class: Some(SizeClass::Small),
            founded_year: Some(founded),
            employees: Some(self.rng.random_range(10..200)),
            revenue_band: None,
            certificates: if kind == OrgKind::ResearchInstitute {
                vec![HeldCertificate::code("CMA"), HeldCertificate::code("CNAS")]
            } else {
                vec![]
            },
            contact,
        };
        let t = Taxonomy::get();
        for (k, code) in categories.iter().enumerate() {
            let cat = t.category(code).expect("category");
            self.offers.push(OfferRecord {
                external_id: format!("YK{index:05}-{k:03}"),
                org_uscc: org.uscc.clone(),
                kind: OfferKind::Service,
                // What it offers, as its own list says it; the firm's name is beside it anyway.
                title: cat.entry.zh.clone(),
                title_en: Some(cat.entry.en.clone()),
                description: format!("{}面向永康五金企业提供{}。", org.name, cat.entry.zh),
                category: cat.entry.code.clone(),
                specs: vec![],
                standards: cat.standards.clone(),
                price: None,
                unit: Some("project".into()),
                moq: None,
                lead_time_days: Some(self.rng.random_range(3..=30)),
                hours_per_week: None,
            });
        }
        org
    }
}

/// The tests a lab offers for a kind of product: food-contact tests for what holds food,
/// electrical safety and EMC for what runs on electricity, calibration for scales.
fn tests_for(product: &str) -> &'static [&'static str] {
    match product.split('.').next().unwrap_or("") {
        "cups" | "cookware" => &["svc.food_contact_testing", "svc.product_testing"],
        "tools" | "garden" | "vehicles" | "fitness" | "farm" => {
            &["svc.electrical_safety_testing", "svc.emc_testing", "svc.product_testing"]
        }
        "scales" => &["svc.calibration", "svc.product_testing", "svc.emc_testing"],
        _ => &["svc.product_testing"],
    }
}

fn modifier_en(m: &str) -> &str {
    match m {
        "304不锈钢" => "304 stainless",
        "316不锈钢" => "316 stainless",
        "锂电" => "Cordless",
        "无刷" => "Brushless",
        "家用" => "Household",
        "商用" => "Commercial",
        "儿童" => "Kids'",
        "折叠" => "Folding",
        "铝合金" => "Aluminium",
        "精密" => "Precision",
        "大容量" => "Large-capacity",
        "甲级" => "Grade-A",
        other if other.is_ascii() => other,
        _ => "Quality",
    }
}

/// Generates a cluster of about `firms` organisations (about 15 % service providers, a few
/// institutes, lenders and public bodies; the rest manufacturers) with about ten offers per
/// firm. The same seed and size always give the same cluster.
pub fn generate(seed: u64, firms: usize) -> Cluster {
    let mut g =
        Gen { rng: ChaCha8Rng::seed_from_u64(seed), names: HashSet::new(), codes: HashSet::new(), offers: vec![] };
    let firms = firms.max(20);
    let providers = firms * 15 / 100;
    let institutes = (firms / 100).max(1);
    let lenders = (firms / 150).max(1);
    let public = (firms / 200).max(1);
    let makers = firms - providers - institutes - lenders - public;
    let mut orgs = Vec::with_capacity(firms);
    for i in 0..makers {
        orgs.push(g.manufacturer(i));
    }
    for i in 0..providers {
        // Every service line is present before the weights take over.
        let line = match SERVICE_LINES.get(i) {
            Some(line) => line,
            None => weighted(&mut g.rng, SERVICE_LINES, |l| l.weight),
        };
        orgs.push(g.provider(makers + i, line));
    }
    let mut index = makers + providers;
    for (kind, n) in
        [(OrgKind::ResearchInstitute, institutes), (OrgKind::Finance, lenders), (OrgKind::PublicBody, public)]
    {
        for _ in 0..n {
            orgs.push(g.other(index, kind));
            index += 1;
        }
    }
    Cluster { orgs, offers: g.offers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wujin_domain::sheet::{
        Header, OFFER_COLUMNS, ORG_COLUMNS, offer_from_cells, offer_to_row, org_from_cells, org_to_row,
    };

    #[test]
    fn the_same_seed_gives_the_same_cluster() {
        assert_eq!(generate(7, 200), generate(7, 200));
        assert_ne!(generate(7, 200).orgs[0], generate(8, 200).orgs[0]);
    }

    #[test]
    fn the_default_cluster_has_the_promised_shape() {
        let c = generate(DEFAULT_SEED, DEFAULT_FIRMS);
        assert_eq!(c.orgs.len(), 2000);
        assert!((17_000..=24_000).contains(&c.offers.len()), "{} offers", c.offers.len());
        let providers = c.orgs.iter().filter(|o| o.kind == OrgKind::ServiceProvider).count();
        assert!((280..=320).contains(&providers));
        let t = Taxonomy::get();
        for fam in &t.families {
            let n = c
                .offers
                .iter()
                .filter(|o| t.category(&o.category).and_then(|c| c.family.as_deref()) == Some(&fam.entry.code))
                .count();
            assert!(n > 0, "no offers in family {}", fam.entry.code);
        }
        let large = c.orgs.iter().filter(|o| o.size_class == Some(SizeClass::Large)).count();
        let micro = c.orgs.iter().filter(|o| o.size_class == Some(SizeClass::Micro)).count();
        assert!(large * 10 < micro, "sizes are skewed: {large} large, {micro} micro");
        let codes: HashSet<_> = c.orgs.iter().map(|o| &o.uscc).collect();
        assert_eq!(codes.len(), c.orgs.len(), "credit codes are unique");
        let ext: HashSet<_> = c.offers.iter().map(|o| &o.external_id).collect();
        assert_eq!(ext.len(), c.offers.len(), "external ids are unique");
        // A search result lists a firm's offers by title: the same title twice reads as a bug.
        let mut titles = HashSet::new();
        let twice: Vec<_> =
            c.offers.iter().filter(|o| !titles.insert((&o.org_uscc, &o.title))).map(|o| &o.title).take(5).collect();
        assert!(twice.is_empty(), "a firm lists the same title twice: {twice:?}");
    }

    #[test]
    fn every_title_reads_like_a_catalogue() {
        let c = generate(DEFAULT_SEED, DEFAULT_FIRMS);
        let t = Taxonomy::get();
        let mut bad = vec![];
        for o in &c.offers {
            let cat = t.category(&o.category).unwrap();
            if let Some(w) = titles::repeated(&o.title) {
                bad.push(format!("{} says {w} twice", o.title));
            }
            for w in titles::misfits(&o.title, &o.category) {
                bad.push(format!("{} names {w}, which is not {}", o.title, cat.entry.zh));
            }
            let fits_kind = match o.kind {
                OfferKind::Product => o.title.contains(&cat.entry.zh),
                OfferKind::Capacity => o.title.contains("产能"),
                OfferKind::Service => !o.title.contains("产能") && o.title.contains(&cat.entry.zh),
            };
            if !fits_kind {
                bad.push(format!("{} does not read as {} ({:?})", o.title, cat.entry.zh, o.kind));
            }
        }
        assert!(bad.is_empty(), "{} of {} titles:\n{}", bad.len(), c.offers.len(), bad[..bad.len().min(20)].join("\n"));
    }

    #[test]
    fn every_generated_record_passes_the_import_rules() {
        let c = generate(3, 300);
        let oh = Header::read(ORG_COLUMNS, &ORG_COLUMNS.iter().map(|c| c.key.to_string()).collect::<Vec<_>>()).unwrap();
        for o in &c.orgs {
            assert_eq!(org_from_cells(&oh.cells(&org_to_row(o))).as_ref(), Ok(o));
        }
        let fh =
            Header::read(OFFER_COLUMNS, &OFFER_COLUMNS.iter().map(|c| c.key.to_string()).collect::<Vec<_>>()).unwrap();
        for f in &c.offers {
            assert_eq!(offer_from_cells(&fh.cells(&offer_to_row(f))).as_ref(), Ok(f));
        }
    }
}
