//! What happens when some firms stop: the cascade down the chain, tier by tier.

use crate::graph::range;
use crate::{Graph, InputId, NodeId, Scratch};

/// A (customer, input) slot whose every supplier failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutageSlot {
    pub customer: NodeId,
    pub input: InputId,
    /// The tier at which its last supplier failed.
    pub tier: u32,
    /// The customer's stock of the input lasts the outage, so this slot alone does not
    /// stop it.
    pub covered: bool,
}

/// The answer of [`Graph::outage`].
#[derive(Clone, Debug, Default)]
pub struct Outage {
    /// Failed firms by tier: `tiers[0]` are the firms that stopped, `tiers[t]` those that
    /// fail at tier t. Each firm once, at its first tier; within a tier in order of failure.
    pub tiers: Vec<Vec<NodeId>>,
    /// Every slot that lost all its suppliers, in the order they did.
    pub slots: Vec<OutageSlot>,
}

impl Outage {
    /// How many firms failed after the ones that stopped.
    pub fn hit(&self) -> usize {
        self.tiers.iter().skip(1).map(Vec::len).sum()
    }
}

impl Graph {
    /// The firms in `stopped` fail at tier 0. A firm not yet failed fails at tier t+1 when,
    /// for some input, it has at least one supplier of it, every such supplier failed at a
    /// tier ≤ t, and its buffer of that input is shorter than `weeks` (∞ allowed). The walk
    /// stops at the first tier that adds nobody. Ids outside the graph are ignored.
    pub fn outage(&self, stopped: &[NodeId], weeks: f32, scratch: &mut Scratch) -> Outage {
        let mut out = Outage::default();
        scratch.begin(self.nodes() as usize, self.slots.len());
        let mut first = Vec::new();
        for &n in stopped {
            if n.0 < self.nodes() && scratch.node(n.0).is_none() {
                scratch.set_node(n.0, 0);
                first.push(n);
            }
        }
        if first.is_empty() {
            return out;
        }
        out.tiers.push(first);
        let mut t = 0u32;
        loop {
            let mut next = Vec::new();
            for i in 0..out.tiers[t as usize].len() {
                let u = out.tiers[t as usize][i].0 as usize;
                for &(slot, full) in &self.feeds[range(&self.feeds_start, u)] {
                    // A slot with one supplier is lost outright: no count to look up.
                    if full > 1 && scratch.take_from_slot(slot, full) > 0 {
                        continue;
                    }
                    let s = self.slots[slot as usize];
                    let covered = s.buffer_weeks >= weeks;
                    out.slots.push(OutageSlot { customer: s.customer, input: s.input, tier: t + 1, covered });
                    if !covered && scratch.node(s.customer.0).is_none() {
                        scratch.set_node(s.customer.0, t + 1);
                        next.push(s.customer);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            out.tiers.push(next);
            t += 1;
        }
        out
    }
}
