//! The cluster's supply graph, held in memory, and the questions asked of it.
//!
//! A graph is derived data: the server builds it from the store's ties and rebuilds it when
//! they change, so this crate knows nothing of HTTP, SQL or who may see what. Firms and
//! outside suppliers are dense integer [`NodeId`]s and input categories are [`InputId`]s; the
//! caller keeps the maps to its own ids and names.
//!
//! The questions:
//! - [`Graph::reach`]: every firm within some steps up or down the chain, by tier;
//! - [`Graph::single_source`]: every (firm, input) slot with exactly one supplier;
//! - [`Graph::outage`]: the cascade when some firms stop for some weeks.
//!
//! Each has a plain, slow twin in [`reference`], which the property tests hold the fast
//! ones to.

mod graph;
mod outage;
mod reach;
pub mod reference;
mod scratch;
mod single;
pub mod synthetic;

pub use graph::{BuildError, Graph, Slot, Tie};
pub use outage::{Outage, OutageSlot};
pub use reach::{Direction, Reach, Reached};
pub use scratch::Scratch;
pub use single::SingleSource;

/// A firm of the cluster or an outside supplier, numbered densely from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// An input category (from the taxonomy), numbered by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputId(pub u16);

/// The deepest [`Graph::reach`] looks.
pub const MAX_DEPTH: u8 = 6;
