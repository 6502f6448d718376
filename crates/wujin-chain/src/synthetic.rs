//! A generated graph in the shape of a cluster, for benchmarks: five tiers (materials 5 %,
//! parts 27 %, process shops 22 %, assemblers 28 %, channels 18 %); every firm above
//! materials needs 3–9 input categories from its product's recipe, each slot with at least
//! one supplier and about 30 % forced to exactly one; suppliers are drawn with Pareto weights
//! (shape 1.2), so a few firms supply hundreds; about 4 % of ties cross sectors; parts and
//! process shops also supply each other, which makes a few cycles.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{InputId, NodeId, Tie};

/// The chain's tiers, top (materials) to bottom (channels), with their share of firms and
/// how many product kinds each sector has at that tier.
const TIERS: [(&str, f64, u16); 5] =
    [("materials", 0.05, 6), ("parts", 0.27, 20), ("process", 0.22, 12), ("assembly", 0.28, 10), ("channel", 0.18, 4)];

/// Which tiers a firm at each tier buys from, each with its share of the firm's inputs.
/// Parts makers send some work to process shops and process shops buy some parts (moulds,
/// fixtures): the minority shares make the few cycles, not a second tier of the chain.
const UPSTREAM: [&[(usize, f64)]; 5] =
    [&[], &[(0, 0.75), (2, 0.25)], &[(0, 0.85), (1, 0.15)], &[(1, 0.55), (2, 0.3), (0, 0.15)], &[(3, 1.0)]];

const SECTORS: u16 = 8;

/// The upstream tier that the uniform draw `x` in [0, 1) falls on, by the tiers' shares.
fn pick_tier(upstream: &[(usize, f64)], x: f64) -> usize {
    let mut at = 0.0;
    for &(tier, share) in upstream {
        at += share;
        if x < at {
            return tier;
        }
    }
    upstream.last().map_or(0, |u| u.0)
}

/// A cluster-shaped graph of `firms` firms and about `edges` ties (see the module's doc).
pub fn cluster(firms: u32, edges: usize, seed: u64) -> Vec<Tie> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Firms by tier in id ranges; each with a sector and the product kind it makes.
    let mut tier_of = Vec::with_capacity(firms as usize);
    let mut at = 0.0;
    for (t, (_, share, _)) in TIERS.iter().enumerate() {
        at += share;
        let end = if t == TIERS.len() - 1 { firms } else { (at * firms as f64).round() as u32 };
        while (tier_of.len() as u32) < end {
            tier_of.push(t);
        }
    }
    let kinds_before: Vec<u16> = TIERS
        .iter()
        .scan(0u16, |acc, t| {
            let start = *acc;
            *acc += t.2 * SECTORS;
            Some(start)
        })
        .collect();
    let category = |tier: usize, sector: u16, kind: u16| kinds_before[tier] + sector * TIERS[tier].2 + kind;
    let categories = kinds_before[4] + TIERS[4].2 * SECTORS;
    // Makers of each category with their heavy-tailed weights, as running sums for sampling.
    let mut makers: Vec<Vec<u32>> = vec![vec![]; categories as usize];
    let mut weights: Vec<Vec<f64>> = vec![vec![]; categories as usize];
    let mut sector_of = Vec::with_capacity(firms as usize);
    for (f, &t) in tier_of.iter().enumerate() {
        let sector = rng.random_range(0..SECTORS);
        sector_of.push(sector);
        let c = category(t, sector, rng.random_range(0..TIERS[t].2)) as usize;
        let u: f64 = rng.random();
        let w = (1.0 - u).powf(-1.0 / 1.2);
        let sum = weights[c].last().copied().unwrap_or(0.0) + w;
        makers[c].push(f as u32);
        weights[c].push(sum);
    }
    let draw = |rng: &mut ChaCha8Rng, c: usize| -> Option<u32> {
        let total = *weights[c].last()?;
        let x = rng.random::<f64>() * total;
        let i = weights[c].partition_point(|&s| s <= x).min(makers[c].len() - 1);
        Some(makers[c][i])
    };
    // Every firm's recipe: its slots, each with one supplier to begin with.
    let mut slots: Vec<(u32, u16, Vec<u32>, bool)> = vec![];
    for f in 0..firms {
        let t = tier_of[f as usize];
        if UPSTREAM[t].is_empty() {
            continue;
        }
        let wanted = rng.random_range(3..=9);
        let mut recipe: Vec<u16> = vec![];
        for _ in 0..wanted * 4 {
            if recipe.len() == wanted {
                break;
            }
            let up = pick_tier(UPSTREAM[t], rng.random());
            let sector = if rng.random_bool(0.04) { rng.random_range(0..SECTORS) } else { sector_of[f as usize] };
            let c = category(up, sector, rng.random_range(0..TIERS[up].2));
            if recipe.contains(&c) || makers[c as usize].is_empty() {
                continue;
            }
            let Some(s) = draw(&mut rng, c as usize).filter(|&s| s != f) else { continue };
            recipe.push(c);
            slots.push((f, c, vec![s], rng.random_bool(0.3)));
        }
    }
    // More suppliers for the slots not forced to one: a second each, then the rest of the
    // budget at random.
    let open: Vec<usize> = (0..slots.len()).filter(|&i| !slots[i].3).collect();
    let mut count = slots.len();
    let add = |rng: &mut ChaCha8Rng, slot: &mut (u32, u16, Vec<u32>, bool)| -> bool {
        for _ in 0..8 {
            if let Some(s) = draw(rng, slot.1 as usize)
                && s != slot.0
                && !slot.2.contains(&s)
            {
                slot.2.push(s);
                return true;
            }
        }
        false
    };
    for &i in &open {
        if count >= edges {
            break;
        }
        if add(&mut rng, &mut slots[i]) {
            count += 1;
        }
    }
    let mut misses = 0;
    while count < edges && !open.is_empty() && misses < edges {
        let i = open[rng.random_range(0..open.len())];
        if add(&mut rng, &mut slots[i]) {
            count += 1;
        } else {
            misses += 1;
        }
    }
    slots
        .iter()
        .flat_map(|(customer, input, suppliers, _)| {
            suppliers.iter().map(move |&s| Tie {
                supplier: NodeId(s),
                customer: NodeId(*customer),
                input: InputId(*input),
                buffer_weeks: None,
                stale: false,
            })
        })
        .collect()
}
