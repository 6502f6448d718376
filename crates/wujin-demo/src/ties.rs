//! Supply ties for the demo cluster, following the chain recipes of `../shared/domain/`: a
//! vacuum-cup maker buys 304 coil, deep drawing, hydroforming, laser welding, evacuation,
//! polishing, coating, lids and seals; a power-tool maker motors, packs, chargers, castings,
//! gears, bearings and moulding; and so on down to the parts and process shops, which buy
//! materials, moulds and heat treatment from each other (so the chain has a few cycles).
//!
//! Suppliers of an input are the firms that offer it, drawn with heavy-tailed weights (a few
//! supply hundreds); an input nobody in the cluster offers comes from outside it, as do a
//! share of materials. Some ties are old enough to be stale, most come from the pilot
//! office's survey, and the rest are declared by one side and wait for the other.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wujin_domain::tie::{BufferWeeks, Side, Supplier};
use wujin_domain::{OrgKind, SizeClass};

use crate::Cluster;

/// Who supplies in a demo tie.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoTie {
    pub supplier: Supplier,
    pub customer: String,
    pub input: String,
    pub share: Option<u8>,
    pub buffer_weeks: Option<BufferWeeks>,
    /// Days before the day it is loaded: since when, and the last evidence.
    pub since_days_ago: u32,
    pub evidence_days_ago: u32,
    /// Declared by one side and not yet confirmed; else from the office's survey.
    pub declared_by: Option<Side>,
}

/// The demo's ties and the firms' visibility choices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DemoChain {
    pub ties: Vec<DemoTie>,
    /// Credit codes of firms that made their supply relations public.
    pub public: Vec<String>,
    /// Credit codes of firms that asked the pilot office to help find alternatives.
    pub helps: Vec<String>,
}

/// What a maker of the category (by its top-level code, or its own for parts and processes)
/// buys.
fn recipe(category: &str) -> &'static [&'static str] {
    let top = category.split('.').next().unwrap_or(category);
    match (top, category) {
        ("cups", _) => &[
            "materials.stainless_coil",
            "cap.deep_drawing",
            "cap.hydroforming",
            "cap.laser_welding",
            "cap.vacuum_evacuation",
            "cap.polishing",
            "cap.spray_coating",
            "parts.flask_lid",
            "parts.seal",
        ],
        ("tools" | "garden", _) => &[
            "parts.motor",
            "parts.battery_pack",
            "parts.charger",
            "parts.casting",
            "parts.gear",
            "parts.bearing",
            "cap.injection_moulding",
            "cap.heat_treatment",
            "parts.fastener",
        ],
        ("doors", _) => &[
            "materials.carbon_steel",
            "cap.stamping",
            "cap.bending",
            "cap.welding",
            "cap.spray_coating",
            "locks.lock_cylinder",
            "locks.door_lock",
            "parts.fastener",
        ],
        ("vehicles", _) => &[
            "parts.motor",
            "parts.controller",
            "parts.battery_pack",
            "parts.brake",
            "parts.vehicle_lamp",
            "cap.welding",
            "cap.heat_treatment",
            "cap.spray_coating",
            "materials.aluminium_ingot",
        ],
        ("cookware", _) => &[
            "materials.stainless_coil",
            "materials.aluminium_ingot",
            "cap.deep_drawing",
            "cap.polishing",
            "cap.spray_coating",
            "cap.stamping",
            "parts.fastener",
        ],
        ("scales", _) => {
            &["parts.controller", "cap.injection_moulding", "materials.plastics", "cap.stamping", "parts.fastener"]
        }
        ("fitness", _) => &[
            "parts.motor",
            "parts.controller",
            "materials.carbon_steel",
            "cap.welding",
            "cap.spray_coating",
            "parts.bearing",
        ],
        ("farm", _) => &["parts.casting", "parts.gear", "parts.bearing", "cap.heat_treatment", "cap.spray_coating"],
        ("locks", _) => &[
            "materials.copper",
            "materials.zinc_alloy",
            "cap.die_casting",
            "cap.cnc_machining",
            "cap.plating",
            "parts.spring",
        ],
        (_, "parts.motor" | "parts.controller") => {
            &["materials.copper", "materials.carbon_steel", "parts.bearing", "cap.stamping", "cap.injection_moulding"]
        }
        (_, "parts.battery_pack" | "parts.charger") => {
            &["parts.controller", "cap.injection_moulding", "materials.plastics"]
        }
        (_, "parts.casting" | "cap.die_casting" | "parts.mould" | "cap.cnc_machining") => {
            &["materials.aluminium_ingot", "materials.zinc_alloy", "cap.heat_treatment", "parts.mould"]
        }
        ("cap", _) => &["materials.stainless_coil", "materials.carbon_steel", "materials.plastics", "parts.mould"],
        ("parts", _) => &["materials.carbon_steel", "cap.heat_treatment", "parts.mould"],
        _ => &[],
    }
}

/// Services a maker may buy from the cluster's providers.
const SERVICES: &[&str] = &[
    "svc.logistics_distribution",
    "svc.product_testing",
    "svc.industrial_design",
    "svc.ecommerce_ops",
    "svc.certification",
    "svc.rail_sea_freight",
];

/// Outside suppliers: where they are, and what their names say they make.
const OUTSIDE_PLACES: &[(&str, &str)] = &[
    ("宁波", "浙江 宁波"),
    ("台州", "浙江 台州"),
    ("无锡", "江苏 无锡"),
    ("佛山", "广东 佛山"),
    ("温州", "浙江 温州"),
];
const OUTSIDE_WORDS: &[&str] = &["恒", "泰", "鑫", "宏", "盛", "联", "达", "丰"];

fn outside_trade(input: &str) -> &'static str {
    match input {
        "materials.stainless_coil" => "不锈钢",
        "materials.carbon_steel" => "钢材",
        "materials.aluminium_ingot" => "铝业",
        "materials.zinc_alloy" | "materials.copper" => "有色金属",
        "materials.plastics" => "塑胶",
        i if i.starts_with("cap.") => "精密加工",
        _ => "机电",
    }
}

/// A Pareto(1.2) draw: most firms supply few customers, a few supply hundreds.
fn pareto(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(0.0001..1.0);
    u.powf(-1.0 / 1.2)
}

fn pick(rng: &mut ChaCha8Rng, pool: &[(usize, f64)], taken: &[usize]) -> Option<usize> {
    let total: f64 = pool.iter().filter(|(i, _)| !taken.contains(i)).map(|(_, w)| w).sum();
    if total <= 0.0 {
        return None;
    }
    let mut x = rng.random_range(0.0..total);
    for (i, w) in pool.iter().filter(|(i, _)| !taken.contains(i)) {
        if x < *w {
            return Some(*i);
        }
        x -= w;
    }
    pool.iter().map(|(i, _)| *i).find(|i| !taken.contains(i))
}

/// The demo cluster's supply ties, the same for the same cluster and seed.
pub fn generate(cluster: &Cluster, seed: u64) -> DemoChain {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7165_7321);
    let index: HashMap<&str, usize> = cluster.orgs.iter().enumerate().map(|(i, o)| (o.uscc.as_str(), i)).collect();
    // What each firm offers, and who offers each category, weighted heavy-tailed by size.
    let mut offers_of: Vec<Vec<&str>> = vec![vec![]; cluster.orgs.len()];
    for f in &cluster.offers {
        if let Some(&i) = index.get(f.org_uscc.as_str())
            && !offers_of[i].contains(&f.category.as_str())
        {
            offers_of[i].push(f.category.as_str());
        }
    }
    let weight: Vec<f64> = cluster
        .orgs
        .iter()
        .map(|o| {
            let size = match o.size_class {
                Some(SizeClass::Large) => 6.0,
                Some(SizeClass::Medium) => 3.0,
                Some(SizeClass::Small) => 1.5,
                _ => 1.0,
            };
            size * pareto(&mut rng)
        })
        .collect();
    let mut suppliers: HashMap<&str, Vec<(usize, f64)>> = HashMap::new();
    for (i, cats) in offers_of.iter().enumerate() {
        for c in cats {
            suppliers.entry(c).or_default().push((i, weight[i]));
        }
    }
    let outside = |rng: &mut ChaCha8Rng, input: &str| {
        let (city, region) = OUTSIDE_PLACES[rng.random_range(0..OUTSIDE_PLACES.len())];
        let word = OUTSIDE_WORDS[rng.random_range(0..OUTSIDE_WORDS.len())];
        Supplier::Outside {
            name: format!("{city}{word}{}有限公司", outside_trade(input)), region: region.to_string()
        }
    };
    let mut chain = DemoChain::default();
    for (m, org) in cluster.orgs.iter().enumerate() {
        if org.kind != OrgKind::Manufacturer {
            continue;
        }
        let Some(first) = offers_of[m].first() else { continue };
        let mut wanted: Vec<&str> = recipe(first).to_vec();
        wanted.shuffle(&mut rng);
        let k = rng.random_range(2..=5).min(wanted.len());
        wanted.truncate(k);
        if rng.random_bool(0.3) {
            wanted.push(SERVICES[rng.random_range(0..SERVICES.len())]);
        }
        for input in wanted {
            let n = match rng.random_range(0..100) {
                0..38 => 1,
                38..75 => 2,
                _ => 3,
            };
            let pool: Vec<(usize, f64)> =
                suppliers.get(input).map(|p| p.iter().copied().filter(|(i, _)| *i != m).collect()).unwrap_or_default();
            let mut taken: Vec<usize> = vec![];
            let mut ends: Vec<Supplier> = vec![];
            for j in 0..n {
                // Materials come from outside the cluster as often as not; an input nobody
                // here offers always does.
                let from_outside =
                    pool.is_empty() || (input.starts_with("materials.") && j == 0 && rng.random_bool(0.5));
                if from_outside {
                    let s = outside(&mut rng, input);
                    if !ends.contains(&s) {
                        ends.push(s);
                    }
                    continue;
                }
                let Some(i) = pick(&mut rng, &pool, &taken) else { break };
                taken.push(i);
                ends.push(Supplier::Member { uscc: cluster.orgs[i].uscc.clone() });
            }
            let count = ends.len() as u8;
            for (j, supplier) in ends.into_iter().enumerate() {
                let share = match count {
                    1 => rng.random_bool(0.6).then_some(100),
                    _ if j == 0 => Some(100 - 100 / count * (count - 1)),
                    _ => Some(100 / count),
                };
                let buffer_weeks =
                    rng.random_bool(0.35).then(|| BufferWeeks::from_tenths(rng.random_range(5..=80))).flatten();
                let since_days_ago = rng.random_range(60..2200);
                // About one tie in six has had no evidence for more than 13 months.
                let evidence_days_ago = if rng.random_bool(0.16) {
                    rng.random_range(400..900).min(since_days_ago)
                } else {
                    rng.random_range(0..380).min(since_days_ago)
                };
                let declared_by = match supplier {
                    Supplier::Member { .. } if rng.random_bool(0.25) => {
                        Some(if rng.random_bool(0.7) { Side::Customer } else { Side::Supplier })
                    }
                    _ => None,
                };
                chain.ties.push(DemoTie {
                    supplier,
                    customer: org.uscc.to_string(),
                    input: input.to_string(),
                    share,
                    buffer_weeks,
                    since_days_ago,
                    evidence_days_ago: evidence_days_ago.max(1),
                    declared_by,
                });
            }
        }
    }
    for o in &cluster.orgs {
        if o.kind != OrgKind::Manufacturer {
            continue;
        }
        if rng.random_bool(0.12) {
            chain.public.push(o.uscc.to_string());
        }
        if rng.random_bool(0.18) {
            chain.helps.push(o.uscc.to_string());
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn the_demo_chain_has_the_shape_the_issue_asks_for() {
        let cluster = crate::generate(crate::DEFAULT_SEED, crate::DEFAULT_FIRMS);
        let chain = generate(&cluster, crate::DEFAULT_SEED);
        let firms = cluster.orgs.len() as f64;
        // Every tie touches two firms (or one and an outside supplier).
        let per_firm = 2.0 * chain.ties.len() as f64 / firms;
        assert!((7.0..=14.0).contains(&per_firm), "{per_firm:.1} ties per firm");
        let mut slots: BTreeMap<(&str, &str), HashSet<String>> = BTreeMap::new();
        for t in &chain.ties {
            slots.entry((&t.customer, &t.input)).or_default().insert(format!("{:?}", t.supplier));
        }
        let single = slots.values().filter(|s| s.len() == 1).count() as f64 / slots.len() as f64;
        assert!((0.30..=0.45).contains(&single), "{:.0} % single-sourced", single * 100.0);
        let stale = chain.ties.iter().filter(|t| t.evidence_days_ago > 396).count() as f64 / chain.ties.len() as f64;
        assert!((0.05..=0.30).contains(&stale), "{:.0} % stale", stale * 100.0);
        // Heavy tails: the biggest supplier serves far more customers than the typical one.
        let mut customers: HashMap<String, HashSet<&str>> = HashMap::new();
        for t in &chain.ties {
            if let Supplier::Member { uscc } = &t.supplier {
                customers.entry(uscc.to_string()).or_default().insert(&t.customer);
            }
        }
        let mut sizes: Vec<usize> = customers.values().map(HashSet::len).collect();
        sizes.sort_unstable();
        let (median, top) = (sizes[sizes.len() / 2], *sizes.last().unwrap());
        assert!(top >= 10 * median.max(1), "largest supplier {top} customers, median {median}");
        assert!(chain.ties.iter().any(|t| matches!(t.supplier, Supplier::Outside { .. })), "some from outside");
        assert!(!chain.public.is_empty() && !chain.helps.is_empty(), "some firms opted in");
        assert_eq!(chain, generate(&cluster, crate::DEFAULT_SEED), "the same seed gives the same chain");
    }
}
