//! Who is within some steps of a firm, up or down the chain.

use crate::graph::{PairWord, range};
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
        // Per hit, the word of the pair that found it and the last of its other pairs from
        // the tier before, if any (an index into `extra`); per such pair, its word and the one
        // before it. Lists through indices: no pass to sort or group them.
        let mut found = std::mem::take(&mut scratch.found);
        let mut extra = std::mem::take(&mut scratch.extra);
        let mut hits = std::mem::take(&mut scratch.hits);
        let mut row_ranges = std::mem::take(&mut scratch.rows);
        let (starts, steps) = match direction {
            Direction::Down => (&self.down_start[..], &self.down_steps[..]),
            Direction::Up => (&self.up_start[..], &self.up_steps[..]),
        };
        let marks: &mut [u8] = &mut scratch.marks;
        let hit_of: &mut [u32] = &mut scratch.hit_of;
        marks[from.0 as usize] = 1;
        // How much of `hits` (and `found`) and of `extra` this query has filled. The buffers
        // themselves only grow, so that room made once is not filled again by the next query.
        let (mut n, mut m) = (0usize, 0usize);
        // The tier being expanded, as a range of `hits` (the start firm: none).
        let mut tier: Option<std::ops::Range<usize>> = None;
        let mut d = 1u8;
        loop {
            let first = n;
            let rows = match &tier {
                None => from.0..from.0 + 1,
                Some(t) => t.start as u32..t.end as u32,
            };
            let row = |i: u32| {
                let u = if tier.is_none() { i } else { hits[i as usize].node.0 } as usize;
                starts[u] as usize..starts[u + 1] as usize
            };
            // Room for every entry of the tier's rows to be a hit or another pair: the loop
            // below writes each entry's slot unconditionally and moves the ends by what the
            // entry turned out to be, so that it does not branch on a node it has just read
            // (those branches are unpredictable and were most of its time).
            row_ranges.clear();
            row_ranges.extend(rows.map(row));
            let entries: usize = row_ranges.iter().map(|r| r.len()).sum();
            let dummy = first + entries;
            if hits.len() < dummy {
                hits.resize(dummy, UNWRITTEN);
            }
            if found.len() < dummy + 1 {
                found.resize(dummy + 1, (PairWord::default(), NONE));
            }
            if extra.len() < m + entries {
                extra.resize(m + entries, (PairWord::default(), NONE));
            }
            let tier_mark = d + 1;
            for r in &row_ranges {
                for step in &steps[r.clone()] {
                    let v = step.node as usize;
                    let mark = marks[v];
                    let (is_new, is_more) = (mark == 0, mark == tier_mark);
                    hits[n] = Reached { node: NodeId(step.node), depth: d, stale: true, inputs: (0, 0) };
                    found[n] = (step.word, NONE);
                    marks[v] = if is_new { tier_mark } else { mark };
                    let had = hit_of[v];
                    hit_of[v] = if is_new { n as u32 } else { had };
                    n += usize::from(is_new);
                    let to = if is_more { had as usize } else { dummy };
                    extra[m] = (step.word, found[to].1);
                    found[to].1 = m as u32;
                    m += usize::from(is_more);
                }
            }
            if n == first || d == depth {
                break;
            }
            tier = Some(first..n);
            d += 1;
        }
        marks[from.0 as usize] = 0;
        for h in &hits[..n] {
            marks[h.node.0 as usize] = 0;
        }
        out.hits = hits[..n].to_vec();
        self.gather_inputs(&mut out, &found[..n], &extra[..m]);
        scratch.hits = hits;
        scratch.rows = row_ranges;
        scratch.found = found;
        scratch.extra = extra;
        scratch.end();
        out
    }

    /// Each hit's inputs and staleness from the pairs that reach it from the tier before,
    /// each hit's inputs sorted and folded.
    fn gather_inputs(&self, out: &mut Reach, found: &[(PairWord, u32)], extra: &[(PairWord, u32)]) {
        let mut inputs = Vec::with_capacity(found.len() + extra.len());
        for (h, &(word, mut more)) in out.hits.iter_mut().zip(found) {
            let begin = inputs.len();
            let mut stale = true;
            let mut take = |word: PairWord, into: &mut Vec<InputId>| match word.read() {
                Ok((input, pair_stale)) => {
                    stale &= pair_stale;
                    into.push(input);
                }
                Err(pair) => {
                    stale &= self.pair_stale[pair];
                    into.extend_from_slice(&self.pair_inputs[range(&self.pair_inputs_start, pair)]);
                }
            };
            take(word, &mut inputs);
            while more != NONE {
                let (word, before) = extra[more as usize];
                take(word, &mut inputs);
                more = before;
            }
            if inputs.len() - begin > 1 {
                let kept = sort_and_fold(&mut inputs[begin..]);
                inputs.truncate(begin + kept);
            }
            h.inputs = (begin as u32, inputs.len() as u32);
            h.stale = stale;
        }
        out.inputs = inputs;
    }
}

/// What fills room made for hits before the walk writes them.
const UNWRITTEN: Reached = Reached { node: NodeId(u32::MAX), depth: 0, stale: true, inputs: (0, 0) };

/// The end of a list of pairs.
const NONE: u32 = u32::MAX;

/// Sorts a slice and folds runs of equal values to one; returns how many are kept. Most
/// slices here hold one to a few inputs, which an insertion sort handles without a call.
fn sort_and_fold<T: Ord + Copy>(s: &mut [T]) -> usize {
    if s.len() < 2 {
        return s.len();
    }
    if s.len() <= 16 {
        for i in 1..s.len() {
            let mut j = i;
            while j > 0 && s[j - 1] > s[j] {
                s.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        s.sort_unstable();
    }
    dedup_in_place(s)
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
