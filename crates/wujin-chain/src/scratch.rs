//! Working memory for queries, reused between them so that a query costs what it visits,
//! not the size of the graph.

/// Per-node and per-slot marks, valid only when their stamp equals the current one: a new
/// query bumps the stamp instead of clearing the arrays.
#[derive(Debug, Default)]
pub struct Scratch {
    stamp: u32,
    node_stamp: Vec<u32>,
    /// A node's mark (a hit index for reach, a tier for outage) when its stamp is current.
    pub(crate) node_mark: Vec<u32>,
    /// Per slot, the stamp (high half) and the count of its suppliers not yet failed (low
    /// half), in one word so that a cascade touches one place per slot it reaches.
    slot_left: Vec<u64>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Starts a query over `nodes` nodes and `slots` slots.
    pub(crate) fn begin(&mut self, nodes: usize, slots: usize) {
        if self.node_stamp.len() < nodes {
            self.node_stamp.resize(nodes, 0);
            self.node_mark.resize(nodes, 0);
        }
        if self.slot_left.len() < slots {
            self.slot_left.resize(slots, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Every 4 billion queries: old stamps could read as current.
            self.node_stamp.fill(0);
            self.slot_left.fill(0);
            self.stamp = 1;
        }
    }

    /// The node's mark, if set in this query.
    #[inline]
    pub(crate) fn node(&self, node: u32) -> Option<u32> {
        (self.node_stamp[node as usize] == self.stamp).then(|| self.node_mark[node as usize])
    }

    #[inline]
    pub(crate) fn set_node(&mut self, node: u32, mark: u32) {
        self.node_stamp[node as usize] = self.stamp;
        self.node_mark[node as usize] = mark;
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
