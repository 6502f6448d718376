//! Who is within some steps of a firm, up or down the chain.

use crate::graph::range;
use crate::{Graph, InputId, MAX_DEPTH, NodeId, Scratch};

/// Which way to walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Supplier → customer: who depends on me.
    Down,
    /// Customer → supplier: whom I depend on.
    Up,
}

/// A firm reached, at its shortest distance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reached {
    pub node: NodeId,
    pub depth: u8,
    /// Every pair that reaches it from the tier before is stale.
    pub stale: bool,
    inputs: (u32, u32),
}

/// The answer of [`Graph::reach`]: firms in order of depth.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    pub hits: Vec<Reached>,
    inputs: Vec<InputId>,
}

impl Reach {
    /// The input categories on the ties that reach `hit` from the tier before it (sorted,
    /// each once).
    pub fn inputs(&self, hit: &Reached) -> &[InputId] {
        &self.inputs[hit.inputs.0 as usize..hit.inputs.1 as usize]
    }

    /// How many firms at each depth from 1 to the deepest reached.
    pub fn per_depth(&self) -> Vec<usize> {
        let deepest = self.hits.last().map_or(0, |h| h.depth as usize);
        let mut out = vec![0; deepest];
        for h in &self.hits {
            out[h.depth as usize - 1] += 1;
        }
        out
    }
}

impl Graph {
    /// Every node other than `from` within `depth` steps (at most [`MAX_DEPTH`]), walking
    /// `direction`, with its distance and the inputs on the way in. Parallel ties count once.
    pub fn reach(&self, from: NodeId, depth: u8, direction: Direction, scratch: &mut Scratch) -> Reach {
        let depth = depth.min(MAX_DEPTH);
        let mut out = Reach::default();
        if from.0 >= self.nodes() || depth == 0 {
            return out;
        }
        scratch.begin(self.nodes() as usize, 0);
        scratch.set_node(from.0, u32::MAX);
        // (hit index, pair index) for every pair from one tier into the next.
        let mut via: Vec<(u32, u32)> = Vec::new();
        let (starts, targets) = match direction {
            Direction::Down => (&self.down_start, &self.down),
            Direction::Up => (&self.up_start, &self.up),
        };
        // The tier being expanded, as a range of `out.hits` (the start firm: none).
        let mut tier: Option<std::ops::Range<usize>> = None;
        let mut d = 1u8;
        loop {
            let first = out.hits.len();
            let expand: Vec<u32> = match &tier {
                None => vec![from.0],
                Some(t) => out.hits[t.clone()].iter().map(|h| h.node.0).collect(),
            };
            for u in expand {
                for e in range(starts, u as usize) {
                    let v = targets[e];
                    let pair = match direction {
                        Direction::Down => e as u32,
                        Direction::Up => self.up_pair[e],
                    };
                    match scratch.node(v) {
                        None => {
                            scratch.set_node(v, out.hits.len() as u32);
                            via.push((out.hits.len() as u32, pair));
                            out.hits.push(Reached { node: NodeId(v), depth: d, stale: true, inputs: (0, 0) });
                        }
                        Some(i) if i != u32::MAX && i as usize >= first => via.push((i, pair)),
                        Some(_) => {}
                    }
                }
            }
            if out.hits.len() == first || d == depth {
                break;
            }
            tier = Some(first..out.hits.len());
            d += 1;
        }
        // Inputs per hit: the pairs in `via` grouped by hit (a counting sort: hits are
        // dense), then each group's inputs sorted and folded.
        let mut start = vec![0u32; out.hits.len() + 1];
        for &(hit, _) in &via {
            start[hit as usize + 1] += 1;
        }
        for i in 0..out.hits.len() {
            start[i + 1] += start[i];
        }
        let mut grouped = vec![0u32; via.len()];
        let mut fill = start.clone();
        for &(hit, pair) in &via {
            grouped[fill[hit as usize] as usize] = pair;
            fill[hit as usize] += 1;
        }
        out.inputs.reserve(via.len());
        for (hit, h) in out.hits.iter_mut().enumerate() {
            let begin = out.inputs.len();
            let mut stale = true;
            for &pair in &grouped[start[hit] as usize..start[hit + 1] as usize] {
                let pair = pair as usize;
                stale &= self.pair_stale[pair];
                out.inputs.extend_from_slice(&self.pair_inputs[range(&self.pair_inputs_start, pair)]);
            }
            let run = &mut out.inputs[begin..];
            if run.len() > 1 {
                run.sort_unstable();
                let kept = dedup_in_place(run);
                out.inputs.truncate(begin + kept);
            }
            h.inputs = (begin as u32, out.inputs.len() as u32);
            h.stale = stale;
        }
        out
    }
}

/// Folds runs of equal values in a sorted slice to one; returns how many are kept.
fn dedup_in_place<T: PartialEq + Copy>(s: &mut [T]) -> usize {
    if s.is_empty() {
        return 0;
    }
    let mut w = 1;
    for r in 1..s.len() {
        if s[r] != s[w - 1] {
            s[w] = s[r];
            w += 1;
        }
    }
    w
}
