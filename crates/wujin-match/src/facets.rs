//! Facet counts: how many of the matching offers fall under each kind, group (top-level
//! category or service family), town, standard and certificate.
//!
//! Counted from the fast-field columns by term ordinal, one array of counters per column and
//! segment, and turned into strings only once per distinct value at the end: a query that
//! matches most of a million offers then costs a few array increments per offer.
//!
//! Past [`EXACT_FACETS`] matching offers (spread over the segments by their size), the
//! facets other than kind are counted on about one offer in [`SAMPLE_EVERY`], each counting for
//! that many, and the answer says it is approximate, as Typesense's facet sampling does:
//! reading the optional and multi-valued columns of every match was a third of a long
//! need's time at a million offers. The number of matching offers stays exact: it is
//! counted, not read from a column.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The facet fields, in the order they are reported.
pub const FACET_FIELDS: [&str; 5] = ["kind", "grp", "town", "standard", "certificate"];

/// Matching offers past which the facets are sampled.
pub const EXACT_FACETS: u64 = 20_000;

/// One offer in this many is counted past [`EXACT_FACETS`], standing for this many.
pub const SAMPLE_EVERY: u64 = 8;

/// For each facet field, its values and how many matching offers carry each, most first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub fields: Vec<(&'static str, Vec<(String, u64)>)>,
    /// The counts other than kind's were sampled: read them as "about".
    pub approximate: bool,
}

impl Facets {
    pub fn get(&self, field: &str) -> &[(String, u64)] {
        self.fields.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    /// How many matching offers carry `value` in `field` (0 when none).
    pub fn count(&self, field: &str, value: &str) -> u64 {
        self.get(field).iter().find(|(v, _)| v == value).map(|(_, n)| *n).unwrap_or(0)
    }
}

/// Raw counts by field and value, whether any segment sampled, and how many offers matched
/// (exactly).
pub type RawFacets = (HashMap<&'static str, HashMap<String, u64>>, bool, u64);

pub struct FacetCollector {
    /// Matching offers counted exactly, over the whole index.
    exact: u64,
    /// Offers in the index, to share `exact` among segments by their size.
    docs: u64,
}

impl FacetCollector {
    pub fn new(exact: u64, docs: u64) -> FacetCollector {
        FacetCollector { exact, docs: docs.max(1) }
    }
}

pub struct FacetSegment {
    columns: Vec<Option<(StrColumn, Vec<u32>)>>,
    /// Matches seen so far, and how many of them are counted exactly.
    seen: u64,
    exact: u64,
}

impl Collector for FacetCollector {
    type Fruit = RawFacets;
    type Child = FacetSegment;

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let mut columns = Vec::with_capacity(FACET_FIELDS.len());
        for name in FACET_FIELDS {
            let column = reader.fast_fields().str(name)?;
            columns.push(column.map(|c| {
                let n = c.num_terms();
                (c, vec![0u32; n])
            }));
        }
        let share = (u128::from(self.exact) * u128::from(reader.max_doc()) / u128::from(self.docs)) as u64;
        Ok(FacetSegment { columns, seen: 0, exact: share.max(1) })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let (mut out, mut sampled, mut matched): (HashMap<&'static str, HashMap<String, u64>>, bool, u64) =
            (HashMap::new(), false, 0);
        for (fruit, fruit_sampled, fruit_matched) in fruits {
            sampled |= fruit_sampled;
            matched += fruit_matched;
            for (field, values) in fruit {
                let into = out.entry(field).or_default();
                for (value, n) in values {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok((out, sampled, matched))
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = RawFacets;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.seen += 1;
        let weight = if self.seen <= self.exact {
            1
        } else if sampled(doc) {
            SAMPLE_EVERY as u32
        } else {
            0
        };
        if weight == 0 {
            return;
        }
        for (column, counts) in self.columns.iter_mut().flatten() {
            for ord in column.term_ords(doc) {
                counts[ord as usize] += weight;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let sampled = self.seen > self.exact;
        let mut out = HashMap::new();
        for (name, column) in FACET_FIELDS.iter().zip(self.columns) {
            let Some((column, counts)) = column else { continue };
            let mut values = HashMap::new();
            for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                let mut s = String::new();
                if column.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                    values.insert(s, n as u64);
                }
            }
            out.insert(*name, values);
        }
        (out, sampled, self.seen)
    }
}

/// Whether the sample takes this document: one in [`SAMPLE_EVERY`], picked by a hash of
/// its id rather than by position, so that offers written in a repeating order (a town
/// every fourth row) do not fall in or out of the sample together.
fn sampled(doc: DocId) -> bool {
    const _: () = assert!(SAMPLE_EVERY == 8, "the hash keeps three bits");
    (u64::from(doc).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 61) == 0
}

/// Sorted for display: most offers first, then by value so the order is stable.
pub fn sorted((raw, approximate, _): RawFacets) -> Facets {
    let mut raw = raw;
    Facets {
        approximate,
        fields: FACET_FIELDS
            .iter()
            .map(|f| {
                let mut v: Vec<(String, u64)> = raw.remove(f).unwrap_or_default().into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (*f, v)
            })
            .collect(),
    }
}
