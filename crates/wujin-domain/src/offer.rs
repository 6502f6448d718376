//! Offers: what an organisation sells — a product, a service, or hours of a process.

use serde::{Deserialize, Serialize};

use crate::money::Fen;
use crate::taxonomy::OfferKind;
use crate::uscc::Uscc;

/// A price range in fen per unit. `min <= max` always holds: [`PriceRange::new`] refuses
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    min: Fen,
    max: Fen,
}

impl PriceRange {
    pub fn new(min: Fen, max: Fen) -> Option<Self> {
        (min <= max).then_some(PriceRange { min, max })
    }
    pub fn min(&self) -> Fen {
        self.min
    }
    pub fn max(&self) -> Fen {
        self.max
    }
}

/// An offer as it may be stored, checked against the taxonomy: its category exists and is of
/// the offer's kind, its unit is known, its standards are well-formed numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRecord {
    /// The seller's own id for the offer; re-imports update by it.
    pub external_id: String,
    pub org_uscc: Uscc,
    pub kind: OfferKind,
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    pub category: String,
    /// Key/value pairs in the order given ("材质=304不锈钢").
    pub specs: Vec<(String, String)>,
    /// Standard numbers as published ("GB/T 29606-2013").
    pub standards: Vec<String>,
    pub price: Option<PriceRange>,
    pub unit: Option<String>,
    pub moq: Option<i64>,
    pub lead_time_days: Option<i32>,
    /// For capacity offers: machine hours offered per week.
    pub hours_per_week: Option<i32>,
}
