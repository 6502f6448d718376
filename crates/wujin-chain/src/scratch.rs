//! Working memory for queries, reused between them so that a query costs what it visits,
//! not the size of the graph.

use crate::graph::PairWord;

/// Per-node and per-slot marks, all zero between queries: a query resets what it set before
/// it returns, so it costs what it visits, not the size of the graph. Should a query stop
/// half-way (a panic), the next one finds the scratch marked busy and clears it whole.
#[derive(Debug, Default)]
pub struct Scratch {
    busy: bool,
    /// Per node: 0 when not met. Reach keeps 1 + the node's depth (the start firm: 1), outage
    /// 1 for a failed firm. A byte per node keeps the walks' most frequent question in a
    /// small array.
    pub(crate) marks: Vec<u8>,
    /// Reach: the hit index of a node met in this query (stale otherwise; read only where
    /// `marks` says the node was met).
    pub(crate) hit_of: Vec<u32>,
    /// Outage: per slot, how many of its suppliers have failed, and the slots counted so far.
    pub(crate) failed_suppliers: Vec<u32>,
    pub(crate) counted: Vec<u32>,
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

    /// Starts a query over `nodes` nodes and `slots` slots.
    pub(crate) fn begin(&mut self, nodes: usize, slots: usize) {
        if self.busy {
            self.marks.fill(0);
            self.failed_suppliers.fill(0);
            self.counted.clear();
        }
        if self.marks.len() < nodes {
            self.marks.resize(nodes, 0);
            self.hit_of.resize(nodes, 0);
        }
        if self.failed_suppliers.len() < slots {
            self.failed_suppliers.resize(slots, 0);
        }
        self.busy = true;
    }

    /// Ends a query whose marks are all reset.
    pub(crate) fn end(&mut self) {
        debug_assert!(self.marks.iter().all(|&m| m == 0), "a query left a node marked");
        self.busy = false;
    }
}
