//! Plain implementations of the questions, written straight from their definitions over
//! the list of ties, with no care for speed. The property tests hold [`Graph`]'s fast
//! answers to these.
//!
//! [`Graph`]: crate::Graph

use std::collections::{BTreeMap, BTreeSet};

use crate::{Direction, InputId, NodeId, SingleSource, Tie};

/// What reference [`reach`] finds of one firm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub depth: u8,
    pub inputs: BTreeSet<InputId>,
    pub stale: bool,
}

/// Breadth-first over pairs; a firm's inputs are those of every tie into it from a firm one
/// step nearer, and it is stale when every tie of every such pair is stale.
pub fn reach(ties: &[Tie], from: NodeId, depth: u8, direction: Direction) -> BTreeMap<NodeId, Hit> {
    let depth = depth.min(crate::MAX_DEPTH);
    // (near, far) → ties of that pair, where near is the side the walk comes from.
    let mut pairs: BTreeMap<(NodeId, NodeId), Vec<&Tie>> = BTreeMap::new();
    for t in ties {
        let key = match direction {
            Direction::Down => (t.supplier, t.customer),
            Direction::Up => (t.customer, t.supplier),
        };
        pairs.entry(key).or_default().push(t);
    }
    let mut dist: BTreeMap<NodeId, u8> = BTreeMap::from([(from, 0)]);
    for d in 1..=depth {
        let found: Vec<NodeId> = pairs
            .keys()
            .filter(|(near, far)| dist.get(near) == Some(&(d - 1)) && !dist.contains_key(far))
            .map(|&(_, far)| far)
            .collect();
        for f in found {
            dist.insert(f, d);
        }
    }
    let mut out = BTreeMap::new();
    for (&node, &d) in &dist {
        if node == from {
            continue;
        }
        let into: Vec<&Vec<&Tie>> = pairs
            .iter()
            .filter(|((near, far), _)| *far == node && dist.get(near) == Some(&(d - 1)))
            .map(|(_, ts)| ts)
            .collect();
        let inputs = into.iter().flat_map(|ts| ts.iter().map(|t| t.input)).collect();
        let stale = into.iter().all(|ts| ts.iter().all(|t| t.stale));
        out.insert(node, Hit { depth: d, inputs, stale });
    }
    out
}

/// Every (customer, input) with one distinct supplier, sorted.
pub fn single_source(ties: &[Tie]) -> Vec<SingleSource> {
    let mut slots: BTreeMap<(NodeId, InputId), BTreeMap<NodeId, bool>> = BTreeMap::new();
    for t in ties {
        let stale = slots.entry((t.customer, t.input)).or_default().entry(t.supplier).or_insert(true);
        *stale &= t.stale;
    }
    slots
        .into_iter()
        .filter(|(_, s)| s.len() == 1)
        .map(|((customer, input), s)| {
            let (&supplier, &stale) = s.iter().next().expect("one supplier");
            SingleSource { customer, input, supplier, stale }
        })
        .collect()
}

/// Each slot that lost all its suppliers: the tier it did, and whether the buffer covers.
pub type LostSlots = BTreeMap<(NodeId, InputId), (u32, bool)>;

/// The reference outage: each failed firm with its tier, and each slot that lost all its
/// suppliers with the tier it did and whether the buffer covers the outage.
pub fn outage(ties: &[Tie], stopped: &[NodeId], weeks: f32) -> (BTreeMap<NodeId, u32>, LostSlots) {
    let mut slots: BTreeMap<(NodeId, InputId), (BTreeSet<NodeId>, Option<f32>)> = BTreeMap::new();
    for t in ties {
        let s = slots.entry((t.customer, t.input)).or_default();
        s.0.insert(t.supplier);
        if let Some(w) = t.buffer_weeks {
            s.1 = Some(s.1.map_or(w, |b: f32| b.min(w)));
        }
    }
    let mut tier: BTreeMap<NodeId, u32> = stopped.iter().map(|&n| (n, 0)).collect();
    let mut t = 0;
    loop {
        let mut added = vec![];
        for (&(v, _), (suppliers, buffer)) in &slots {
            if tier.contains_key(&v) || added.contains(&v) {
                continue;
            }
            let all_failed = suppliers.iter().all(|s| tier.get(s).is_some_and(|&ts| ts <= t));
            if all_failed && buffer.unwrap_or(0.0) < weeks {
                added.push(v);
            }
        }
        if added.is_empty() {
            break;
        }
        for v in added {
            tier.insert(v, t + 1);
        }
        t += 1;
    }
    let lost = slots
        .iter()
        .filter(|(_, (suppliers, _))| suppliers.iter().all(|s| tier.contains_key(s)))
        .map(|(&key, (suppliers, buffer))| {
            let last = suppliers.iter().map(|s| tier[s]).max().expect("a slot has a supplier");
            (key, (last + 1, buffer.unwrap_or(0.0) >= weeks))
        })
        .collect();
    (tier, lost)
}
