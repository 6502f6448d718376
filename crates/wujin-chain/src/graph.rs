//! The graph itself: ties folded into pairs and slots, laid out as compressed rows
//! (one offsets array and one flat array per relation) in both directions.

use crate::{InputId, NodeId};

/// A supplier → customer tie for one input, as the caller holds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tie {
    pub supplier: NodeId,
    pub customer: NodeId,
    pub input: InputId,
    /// Weeks of this input the customer keeps in stock, if it said.
    pub buffer_weeks: Option<f32>,
    /// The tie's last evidence is older than the freshness window: it still counts, and
    /// answers flag it.
    pub stale: bool,
}

/// Why ties could not be made into a graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error("tie {index}: node {node} is outside the graph's {nodes} nodes")]
    NodeOutOfRange { index: usize, node: u32, nodes: u32 },
    #[error("tie {index}: node {node} cannot supply itself")]
    SelfTie { index: usize, node: u32 },
    #[error("tie {index}: buffer weeks {weeks} is not a number of weeks ≥ 0")]
    Buffer { index: usize, weeks: f32 },
    #[error("{ties} ties: a graph holds at most {max}")]
    TooMany { ties: usize, max: usize },
}

/// A slot as a cascade meets it from one of its suppliers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Feed {
    pub(crate) slot: u32,
    /// How many distinct suppliers the slot has.
    pub(crate) suppliers: u32,
    pub(crate) customer: u32,
    pub(crate) input: InputId,
    pub(crate) buffer_weeks: f32,
}

impl Default for Feed {
    fn default() -> Feed {
        Feed { slot: 0, suppliers: 0, customer: 0, input: InputId(0), buffer_weeks: 0.0 }
    }
}

/// One entry of an adjacency row as reach walks it: the node at the other end and the pair's
/// word.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Step {
    pub(crate) node: u32,
    pub(crate) word: PairWord,
}

/// What a walk along a pair needs of it (its inputs, whether it is stale), packed in one word
/// kept beside the adjacency, so that reach reads it in the same sweep as the pair's other
/// end. Most pairs trade one input: the word holds it and the stale flag. A pair trading
/// several holds its index, flagged, and the inputs are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct PairWord(u32);

impl PairWord {
    const SEVERAL: u32 = 1 << 31;
    const STALE: u32 = 1 << 16;

    fn new(pair: u32, inputs: &[InputId], stale: bool) -> PairWord {
        match inputs {
            [one] => PairWord(u32::from(one.0) | if stale { PairWord::STALE } else { 0 }),
            _ => PairWord(PairWord::SEVERAL | pair),
        }
    }

    /// The pair's one input and whether it is stale, or the index of a pair trading several.
    #[inline]
    pub(crate) fn read(self) -> Result<(InputId, bool), usize> {
        if self.0 & PairWord::SEVERAL == 0 {
            Ok((InputId(self.0 as u16), self.0 & PairWord::STALE != 0))
        } else {
            Err((self.0 & !PairWord::SEVERAL) as usize)
        }
    }
}

/// One (customer, input) slot: what a firm needs of one input category.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    pub customer: NodeId,
    pub input: InputId,
    /// The smallest buffer declared on the slot's ties, 0 when none declared one.
    pub buffer_weeks: f32,
}

/// The supply graph. Parallel ties of one (supplier, customer, input) count once; a pair
/// of firms tied for several inputs is one pair for reach.
#[derive(Debug, Clone)]
pub struct Graph {
    nodes: u32,
    // Pairs, supplier → customer, sorted by (supplier, customer): rows of `down_steps`.
    pub(crate) down_start: Vec<u32>,
    /// Per pair: its inputs (sorted), as ranges into `pair_inputs`.
    pub(crate) pair_inputs_start: Vec<u32>,
    pub(crate) pair_inputs: Vec<InputId>,
    /// Per pair: every tie of it is stale.
    pub(crate) pair_stale: Vec<bool>,
    /// Each pair as its customer (`down_steps`, by supplier) and as its supplier
    /// (`up_steps`, by customer), with the pair's word beside it: what reach walks, so that
    /// one read brings both.
    pub(crate) down_steps: Vec<Step>,
    pub(crate) up_steps: Vec<Step>,
    // The rows of `up_steps`: the same pairs from the customer's side.
    pub(crate) up_start: Vec<u32>,
    // Slots, sorted by (customer, input), with each one's distinct suppliers.
    pub(crate) slot_start: Vec<u32>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) supplier_start: Vec<u32>,
    pub(crate) suppliers: Vec<(u32, bool)>,
    // Per supplier: the slots it feeds, each once, with what a cascade needs of the slot
    // (its count of suppliers, customer, input and buffer) copied beside it, so that a
    // cascade reads one row per failed firm instead of looking each slot up.
    pub(crate) feeds_start: Vec<u32>,
    pub(crate) feeds: Vec<Feed>,
}

/// Offsets of a compressed row layout: `counts` per row become start positions, with one
/// more at the end.
fn starts(rows: usize, keys: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut start = vec![0u32; rows + 1];
    for k in keys {
        start[k as usize + 1] += 1;
    }
    for i in 0..rows {
        start[i + 1] += start[i];
    }
    start
}

fn row(start: &[u32], i: usize) -> std::ops::Range<usize> {
    start[i] as usize..start[i + 1] as usize
}

impl Graph {
    /// Builds the graph of `nodes` nodes (ids 0..nodes) from `ties`, in any order.
    pub fn new(nodes: u32, ties: &[Tie]) -> Result<Graph, BuildError> {
        // Pair indices must fit a pair word; offsets must fit a u32.
        let max = (PairWord::SEVERAL - 1) as usize;
        if ties.len() > max {
            return Err(BuildError::TooMany { ties: ties.len(), max });
        }
        for (index, t) in ties.iter().enumerate() {
            for node in [t.supplier.0, t.customer.0] {
                if node >= nodes {
                    return Err(BuildError::NodeOutOfRange { index, node, nodes });
                }
            }
            if t.supplier == t.customer {
                return Err(BuildError::SelfTie { index, node: t.supplier.0 });
            }
            if let Some(w) = t.buffer_weeks
                && (w.is_nan() || w < 0.0)
            {
                return Err(BuildError::Buffer { index, weeks: w });
            }
        }
        let n = nodes as usize;

        // Slot entries: one per (customer, input, supplier), stale when all its ties are.
        let mut order: Vec<u32> = (0..ties.len() as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let t = &ties[i as usize];
            (t.customer.0, t.input.0, t.supplier.0)
        });
        let mut slots: Vec<Slot> = Vec::new();
        let mut slot_of_entry: Vec<u32> = Vec::new();
        let mut suppliers: Vec<(u32, bool)> = Vec::new();
        for &i in &order {
            let t = &ties[i as usize];
            let same_slot = slots.last().is_some_and(|s| s.customer == t.customer && s.input == t.input);
            if !same_slot {
                slots.push(Slot { customer: t.customer, input: t.input, buffer_weeks: f32::INFINITY });
            }
            let slot = slots.len() as u32 - 1;
            let s = slots.last_mut().expect("pushed above");
            if let Some(w) = t.buffer_weeks {
                s.buffer_weeks = s.buffer_weeks.min(w);
            }
            match suppliers.last_mut() {
                Some(last) if same_slot && last.0 == t.supplier.0 => last.1 &= t.stale,
                _ => {
                    suppliers.push((t.supplier.0, t.stale));
                    slot_of_entry.push(slot);
                }
            }
        }
        for s in &mut slots {
            if s.buffer_weeks == f32::INFINITY {
                s.buffer_weeks = 0.0;
            }
        }
        let supplier_start = starts(slots.len(), slot_of_entry.iter().copied());
        let slot_start = starts(n, slots.iter().map(|s| s.customer.0));

        // What each supplier feeds: its slots, by supplier (a counting sort keeps slot order).
        let feeds_start = starts(n, suppliers.iter().map(|s| s.0));
        let mut feeds = vec![Feed::default(); suppliers.len()];
        let mut fill = feeds_start.clone();
        for (e, &(supplier, _)) in suppliers.iter().enumerate() {
            let slot = slot_of_entry[e] as usize;
            let s = &slots[slot];
            feeds[fill[supplier as usize] as usize] = Feed {
                slot: slot as u32,
                suppliers: supplier_start[slot + 1] - supplier_start[slot],
                customer: s.customer.0,
                input: s.input,
                buffer_weeks: s.buffer_weeks,
            };
            fill[supplier as usize] += 1;
        }

        // Pairs: (supplier, customer) with their inputs, from the slot entries.
        let mut entries: Vec<(u32, u32, InputId, bool)> = suppliers
            .iter()
            .zip(&slot_of_entry)
            .map(|(&(supplier, stale), &slot)| {
                let s = &slots[slot as usize];
                (supplier, s.customer.0, s.input, stale)
            })
            .collect();
        entries.sort_unstable_by_key(|e| (e.0, e.1, e.2));
        let (mut pair_src, mut down) = (Vec::new(), Vec::new());
        let (mut pair_inputs, mut pair_input_of, mut pair_stale) = (Vec::new(), Vec::new(), Vec::<bool>::new());
        for (supplier, customer, input, stale) in entries {
            if pair_src.last() == Some(&supplier) && down.last() == Some(&customer) {
                *pair_stale.last_mut().expect("a pair is open") &= stale;
            } else {
                pair_src.push(supplier);
                down.push(customer);
                pair_stale.push(stale);
            }
            pair_inputs.push(input);
            pair_input_of.push(down.len() as u32 - 1);
        }
        let down_start = starts(n, pair_src.iter().copied());
        let pair_inputs_start = starts(down.len(), pair_input_of.into_iter());
        let up_start = starts(n, down.iter().copied());
        let down_word: Vec<PairWord> = (0..down.len())
            .map(|p| PairWord::new(p as u32, &pair_inputs[row(&pair_inputs_start, p)], pair_stale[p]))
            .collect();
        let mut up_steps = vec![Step::default(); down.len()];
        let mut fill = up_start.clone();
        for (p, (&supplier, &customer)) in pair_src.iter().zip(&down).enumerate() {
            let at = fill[customer as usize] as usize;
            up_steps[at] = Step { node: supplier, word: down_word[p] };
            fill[customer as usize] += 1;
        }
        let down_steps = down.iter().zip(down_word).map(|(&node, word)| Step { node, word }).collect();
        Ok(Graph {
            nodes,
            down_start,
            pair_inputs_start,
            pair_inputs,
            pair_stale,
            down_steps,
            up_steps,
            up_start,
            slot_start,
            slots,
            supplier_start,
            suppliers,
            feeds_start,
            feeds,
        })
    }

    /// How many nodes the graph has (ids 0..nodes).
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// How many (supplier, customer) pairs.
    pub fn pairs(&self) -> usize {
        self.down_steps.len()
    }

    /// The node's customers (each once).
    pub fn customers(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.down_steps[row(&self.down_start, node.0 as usize)].iter().map(|s| NodeId(s.node))
    }

    /// The node's suppliers (each once).
    pub fn suppliers_of(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.up_steps[row(&self.up_start, node.0 as usize)].iter().map(|s| NodeId(s.node))
    }

    /// The node's slots: the inputs it takes, in input order.
    pub fn slots_of(&self, node: NodeId) -> &[Slot] {
        &self.slots[row(&self.slot_start, node.0 as usize)]
    }

    /// Every slot, by customer then input.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The distinct suppliers of the slot at `index` in [`Graph::slots`], each with whether
    /// all its ties for the slot are stale.
    pub fn slot_suppliers(&self, index: usize) -> impl Iterator<Item = (NodeId, bool)> + '_ {
        self.suppliers[row(&self.supplier_start, index)].iter().map(|&(s, stale)| (NodeId(s), stale))
    }

    /// The index in [`Graph::slots`] of the node's slot for `input`.
    pub fn slot_index(&self, node: NodeId, input: InputId) -> Option<usize> {
        let r = row(&self.slot_start, node.0 as usize);
        let start = r.start;
        self.slots[r].binary_search_by_key(&input, |s| s.input).ok().map(|i| start + i)
    }

    /// Roughly how many bytes the graph holds.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let u = size_of::<u32>();
        (self.down_start.len()
            + self.pair_inputs_start.len()
            + self.up_start.len()
            + self.slot_start.len()
            + self.supplier_start.len()
            + self.feeds_start.len()
            + (self.down_steps.len() + self.up_steps.len()) * 2)
            * u
            + self.pair_inputs.len() * size_of::<InputId>()
            + self.pair_stale.len()
            + self.slots.len() * size_of::<Slot>()
            + self.suppliers.len() * size_of::<(u32, bool)>()
            + self.feeds.len() * size_of::<Feed>()
    }
}

pub(crate) fn range(start: &[u32], i: usize) -> std::ops::Range<usize> {
    row(start, i)
}
