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
        let marks: &mut [u8] = &mut scratch.marks;
        let failed_suppliers: &mut [u32] = &mut scratch.failed_suppliers;
        let counted = &mut scratch.counted;
        let mut first = Vec::new();
        for &n in stopped {
            if n.0 < self.nodes() && marks[n.0 as usize] == 0 {
                marks[n.0 as usize] = 1;
                first.push(n);
            }
        }
        if !first.is_empty() {
            out.tiers.push(first);
        }
        let mut t = 0;
        while t < out.tiers.len() {
            let mut next = Vec::new();
            for i in 0..out.tiers[t].len() {
                let u = out.tiers[t][i].0 as usize;
                for f in &self.feeds[range(&self.feeds_start, u)] {
                    // A slot with one supplier is lost outright: no count to keep.
                    if f.suppliers > 1 {
                        let failed = &mut failed_suppliers[f.slot as usize];
                        if *failed == 0 {
                            counted.push(f.slot);
                        }
                        *failed += 1;
                        if *failed < f.suppliers {
                            continue;
                        }
                    }
                    let covered = f.buffer_weeks >= weeks;
                    let customer = NodeId(f.customer);
                    out.slots.push(OutageSlot { customer, input: f.input, tier: t as u32 + 1, covered });
                    if !covered && marks[f.customer as usize] == 0 {
                        marks[f.customer as usize] = 1;
                        next.push(customer);
                    }
                }
            }
            if !next.is_empty() {
                out.tiers.push(next);
            }
            t += 1;
        }
        for n in out.tiers.iter().flatten() {
            marks[n.0 as usize] = 0;
        }
        for &slot in counted.iter() {
            failed_suppliers[slot as usize] = 0;
        }
        counted.clear();
        scratch.end();
        out
    }
}
