//! Inputs that hang on one supplier.

use crate::graph::range;
use crate::{Graph, InputId, NodeId};

/// A (customer, input) slot with exactly one distinct supplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SingleSource {
    pub customer: NodeId,
    pub input: InputId,
    pub supplier: NodeId,
    /// Every tie of the supplier for this slot is stale.
    pub stale: bool,
}

impl Graph {
    /// Every single-sourced slot of the graph, by customer then input.
    pub fn single_source(&self) -> Vec<SingleSource> {
        // Counted first, so that the answer is allocated once at its size.
        let count = (0..self.slots.len()).filter(|&i| range(&self.supplier_start, i).len() == 1).count();
        let mut out = Vec::with_capacity(count);
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(one) = self.single(i, s.customer, s.input) {
                out.push(one);
            }
        }
        out
    }

    /// The single-sourced slots of one firm, by input.
    pub fn single_source_of(&self, customer: NodeId) -> Vec<SingleSource> {
        if customer.0 >= self.nodes() {
            return vec![];
        }
        range(&self.slot_start, customer.0 as usize)
            .filter_map(|i| self.single(i, customer, self.slots[i].input))
            .collect()
    }

    #[inline]
    fn single(&self, slot: usize, customer: NodeId, input: InputId) -> Option<SingleSource> {
        let r = range(&self.supplier_start, slot);
        (r.len() == 1).then(|| {
            let (supplier, stale) = self.suppliers[r.start];
            SingleSource { customer, input, supplier: NodeId(supplier), stale }
        })
    }
}
