//! Facet counts: how many of the matching offers fall under each kind, group (top-level
//! category or service family), town, standard and certificate.
//!
//! Counted from the fast-field columns by term ordinal, one array of counters per column and
//! segment, and turned into strings only once per distinct value at the end: a query that
//! matches most of a million offers then costs a few array increments per offer.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The facet fields, in the order they are reported.
pub const FACET_FIELDS: [&str; 5] = ["kind", "grp", "town", "standard", "certificate"];

/// For each facet field, its values and how many matching offers carry each, most first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets(pub Vec<(&'static str, Vec<(String, u64)>)>);

impl Facets {
    pub fn get(&self, field: &str) -> &[(String, u64)] {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    /// How many matching offers carry `value` in `field` (0 when none).
    pub fn count(&self, field: &str, value: &str) -> u64 {
        self.get(field).iter().find(|(v, _)| v == value).map(|(_, n)| *n).unwrap_or(0)
    }
}

pub struct FacetCollector;

pub struct FacetSegment {
    columns: Vec<Option<(StrColumn, Vec<u32>)>>,
}

impl Collector for FacetCollector {
    type Fruit = HashMap<&'static str, HashMap<String, u64>>;
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
        Ok(FacetSegment { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut out: Self::Fruit = HashMap::new();
        for fruit in fruits {
            for (field, values) in fruit {
                let into = out.entry(field).or_default();
                for (value, n) in values {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = HashMap<&'static str, HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (column, counts) in self.columns.iter_mut().flatten() {
            for ord in column.term_ords(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
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
        out
    }
}

/// Sorted for display: most offers first, then by value so the order is stable.
pub fn sorted(raw: HashMap<&'static str, HashMap<String, u64>>) -> Facets {
    let mut raw = raw;
    Facets(
        FACET_FIELDS
            .iter()
            .map(|f| {
                let mut v: Vec<(String, u64)> = raw.remove(f).unwrap_or_default().into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (*f, v)
            })
            .collect(),
    )
}
