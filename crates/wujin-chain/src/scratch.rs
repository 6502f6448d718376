//! Working memory for queries, reused between them so that a query costs what it visits,
//! not the size of the graph.

use crate::graph::PairWord;

/// Per-node and per-slot marks, valid only when their stamp equals the current one: a new
/// query bumps the stamp instead of clearing the arrays.
#[derive(Debug, Default)]
pub struct Scratch {
    stamp: u32,
    /// Per node, the stamp (high half) and its mark (low half: a hit index for reach, a tier
    /// for outage), in one word so that a walk touches one place per node it meets.
    node_word: Vec<u64>,
    /// Per slot, the stamp (high half) and the count of its suppliers not yet failed (low
    /// half), in one word so that a cascade touches one place per slot it reaches.
    slot_left: Vec<u64>,
    /// Reach's marks: per node, 0 when not met, else 1 + its depth (the start firm: 1). A
    /// byte per node keeps the walk's most frequent question (met yet? at which depth?) in a
    /// small array; reach resets the bytes it set before it returns.
    pub(crate) depth: Vec<u8>,
    /// Reach: the hit index of a node met in this query (stale otherwise; read only where
    /// `depth` says the node was met).
    pub(crate) hit_of: Vec<u32>,
    /// Reach's buffers, kept between queries so that a large answer does not fault in fresh
    /// pages each time.
    pub(crate) hits: Vec<crate::Reached>,
    pub(crate) rows: Vec<std::ops::Range<usize>>,
    pub(crate) found: Vec<(PairWord, u32)>,
    pub(crate) extra: Vec<(PairWord, u32)>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Starts a reach over `nodes` nodes.
    pub(crate) fn begin_reach(&mut self, nodes: usize) {
        if self.depth.len() < nodes {
            self.depth.resize(nodes, 0);
            self.hit_of.resize(nodes, 0);
        }
    }

    /// Starts a query over `nodes` nodes and `slots` slots.
    pub(crate) fn begin(&mut self, nodes: usize, slots: usize) {
        if self.node_word.len() < nodes {
            self.node_word.resize(nodes, 0);
        }
        if self.slot_left.len() < slots {
            self.slot_left.resize(slots, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Every 4 billion queries: old stamps could read as current.
            self.node_word.fill(0);
            self.slot_left.fill(0);
            self.stamp = 1;
        }
    }

    /// The node's mark, if set in this query.
    #[inline]
    pub(crate) fn node(&self, node: u32) -> Option<u32> {
        let word = self.node_word[node as usize];
        ((word >> 32) as u32 == self.stamp).then_some(word as u32)
    }

    #[inline]
    pub(crate) fn set_node(&mut self, node: u32, mark: u32) {
        self.node_word[node as usize] = (u64::from(self.stamp) << 32) | u64::from(mark);
    }

    /// Takes one supplier off the slot, which has `full` of them, and says how many are left.
    #[inline]
    pub(crate) fn take_from_slot(&mut self, slot: u32, full: u32) -> u32 {
        let word = &mut self.slot_left[slot as usize];
        let left = if (*word >> 32) as u32 == self.stamp { *word as u32 } else { full };
        let left = left - 1;
        *word = (u64::from(self.stamp) << 32) | u64::from(left);
        left
    }
}
