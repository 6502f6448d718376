//! `wujin bench chain`: the supply graph's questions at the size of a large cluster, loaded
//! straight into wujin-chain without the store.
//!
//! A generated graph comes from [`wujin_chain::synthetic`].

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wujin_chain::{Direction, Graph, InputId, NodeId, Scratch, Tie};

use super::{fail, percentile};
use crate::cli::{Failure, msg};

const REACH_SOURCES: usize = 1000;
const REACH_DEPTH: u8 = 4;
const OUTAGE_SETS: usize = 100;
const OUTAGE_FIRMS: usize = 5;
const SINGLE_RUNS: usize = 5;

struct Loaded {
    nodes: u32,
    ties: Vec<Tie>,
    what: String,
}

pub fn run(firms: u32, edges: &str, seed: u64, nodes: Option<&Path>) -> Result<(), Failure> {
    let loaded = match nodes {
        Some(nodes) => read_csv(nodes, Path::new(edges))?,
        None => {
            let edges: usize = edges
                .parse()
                .map_err(|_| msg(format!("--edges {edges}: a number of ties, or a CSV file with --nodes")))?;
            if firms < 100 || edges < firms as usize {
                return Err(msg("--firms at least 100 and --edges at least as many as firms"));
            }
            let ties = wujin_chain::synthetic::cluster(firms, edges, seed);
            Loaded { nodes: firms, ties, what: format!("generated (seed {seed})") }
        }
    };
    let t = Instant::now();
    let graph = Graph::new(loaded.nodes, &loaded.ties).map_err(fail)?;
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let ties = loaded.ties.len();
    drop(loaded.ties);

    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let with_customers: Vec<u32> =
        (0..graph.nodes()).filter(|&n| graph.customers(NodeId(n)).next().is_some()).collect();
    if with_customers.is_empty() {
        return Err(msg("the graph has no ties"));
    }
    let sources: Vec<NodeId> =
        (0..REACH_SOURCES).map(|_| NodeId(with_customers[rng.random_range(0..with_customers.len())])).collect();
    let sets: Vec<Vec<NodeId>> = (0..OUTAGE_SETS)
        .map(|_| (0..OUTAGE_FIRMS).map(|_| NodeId(rng.random_range(0..graph.nodes()))).collect())
        .collect();

    let mut scratch = Scratch::new();
    let (mut reach_us, mut reach_size) = (vec![], vec![]);
    for &s in &sources {
        let t = Instant::now();
        let r = graph.reach(s, REACH_DEPTH, Direction::Down, &mut scratch);
        reach_us.push(t.elapsed().as_secs_f64() * 1e6);
        reach_size.push(r.hits.len() as f64);
    }
    // One untimed run first: the first allocation of an answer this size faults its pages
    // in, which a serving process has long done.
    let (mut single_ms, mut pairs) = (vec![], graph.single_source().len());
    for _ in 0..SINGLE_RUNS {
        let t = Instant::now();
        pairs = graph.single_source().len();
        single_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (mut outage_us, mut outage_size) = (vec![], vec![]);
    for set in &sets {
        let t = Instant::now();
        let o = graph.outage(set, f32::INFINITY, &mut scratch);
        outage_us.push(t.elapsed().as_secs_f64() * 1e6);
        outage_size.push(o.hit() as f64);
    }
    let (rss, _) = super::search::memory_mib();
    let (reach_mean, outage_mean) = (mean(&reach_size), mean(&outage_size));
    for v in [&mut reach_us, &mut single_ms, &mut outage_us, &mut reach_size, &mut outage_size] {
        v.sort_by(f64::total_cmp);
    }
    let slots = graph.slots().len();
    let mut degree: Vec<usize> = (0..graph.nodes()).map(|n| graph.customers(NodeId(n)).count()).collect();
    degree.sort_unstable();
    println!(
        "{}: {} nodes, {ties} ties, {} supplier → customer pairs, {slots} (firm, input) slots; \
         customers per supplier: median {}, p99 {}, most {}",
        loaded.what,
        graph.nodes(),
        graph.pairs(),
        degree[degree.partition_point(|&d| d == 0) + (degree.len() - degree.partition_point(|&d| d == 0)) / 2],
        degree[degree.len() * 99 / 100],
        degree.last().copied().unwrap_or(0),
    );
    println!();
    println!("| query | runs | p50 | p99 | result: mean | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| reach down, depth {REACH_DEPTH} | {} | {:.1} µs | {:.1} µs | {reach_mean:.0} firms | {:.0} | {:.0} |",
        sources.len(),
        percentile(&reach_us, 0.5),
        percentile(&reach_us, 0.99),
        percentile(&reach_size, 0.5),
        percentile(&reach_size, 0.99),
    );
    println!(
        "| single source, whole graph | {SINGLE_RUNS} | {:.2} ms | {:.2} ms | {pairs} pairs ({:.1} % of slots) | | |",
        percentile(&single_ms, 0.5),
        percentile(&single_ms, 0.99),
        100.0 * pairs as f64 / slots.max(1) as f64
    );
    println!(
        "| outage of {OUTAGE_FIRMS} firms, N = ∞, no buffers | {} | {:.1} µs | {:.1} µs | {outage_mean:.1} firms hit | {:.0} | {:.0} |",
        sets.len(),
        percentile(&outage_us, 0.5),
        percentile(&outage_us, 0.99),
        percentile(&outage_size, 0.5),
        percentile(&outage_size, 0.99),
    );
    println!();
    println!(
        "build {build_ms:.0} ms · graph {:.1} MiB · process {rss:.0} MiB resident",
        graph.heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// A graph from `nodes` (`id,tier,sector`) and `edges` (`src,dst,input`): integer ids, any
/// input strings.
fn read_csv(nodes: &Path, edges: &Path) -> Result<Loaded, Failure> {
    let open = |p: &Path| csv::Reader::from_path(p).map_err(|e| msg(format!("{}: {e}", p.display())));
    let mut ids: HashMap<u64, u32> = HashMap::new();
    for (i, rec) in open(nodes)?.records().enumerate() {
        let rec = rec.map_err(|e| msg(format!("{}: {e}", nodes.display())))?;
        let id: u64 = rec
            .get(0)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| msg(format!("{} row {}: id is not a whole number", nodes.display(), i + 2)))?;
        let next = ids.len() as u32;
        ids.entry(id).or_insert(next);
    }
    let mut inputs: HashMap<String, u16> = HashMap::new();
    let mut ties = vec![];
    for (i, rec) in open(edges)?.records().enumerate() {
        let rec = rec.map_err(|e| msg(format!("{}: {e}", edges.display())))?;
        let row = i + 2;
        let node = |col: usize| -> Result<NodeId, Failure> {
            let raw = rec.get(col).unwrap_or("").trim();
            raw.parse::<u64>().ok().and_then(|id| ids.get(&id)).map(|&n| NodeId(n)).ok_or_else(|| {
                msg(format!("{} row {row}: {raw:?} is not a node of {}", edges.display(), nodes.display()))
            })
        };
        let (supplier, customer) = (node(0)?, node(1)?);
        let name = rec.get(2).unwrap_or("").trim().to_string();
        let next = inputs.len();
        let input = *inputs.entry(name).or_insert(next as u16);
        if next > u16::MAX as usize {
            return Err(msg(format!("{}: more than {} input categories", edges.display(), u16::MAX)));
        }
        if supplier != customer {
            ties.push(Tie { supplier, customer, input: InputId(input), buffer_weeks: None, stale: false });
        }
    }
    Ok(Loaded { nodes: ids.len() as u32, ties, what: format!("{} + {}", nodes.display(), edges.display()) })
}
