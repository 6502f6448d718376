//! The best k offers of a need, without scoring every offer that matches it.
//!
//! An offer's score is its text score (BM25 over the need's words) times the need's own
//! factors (what it names, the kind of work it asks for) times the store's signals, and
//! both factors have a ceiling ([`SignalReader::base_ceiling`], [`SignalReader::ceiling`]).
//! Once k offers are kept, an offer whose text score times both ceilings stays below the
//! k-th best cannot enter. The text score is a plain sum over a flat union of term scorers,
//! so tantivy's block-max WAND (`Weight::for_each_pruning`) can skip whole blocks of
//! postings whose best score is below that bound, and the offers it does hand over have
//! their columns read only when they can still reach the top.
//!
//! Common words (in a quarter of the offers or more) must not widen the match, so they are not in
//! the union: they are scored beside it, by seeking their postings to each offer the union
//! hands over, and counted in the bound at their largest score.
//!
//! Skipping changes no answer: the top k and their scores are those of scoring every match
//! in full (`SearchQuery::exhaustive`, which a test compares).

use std::sync::atomic::{AtomicU32, Ordering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, TantivyError};
use wujin_domain::capacity::FreeAsk;

use crate::index::{FREE, unpack_window};
use crate::query::SignalReader;

/// The bound is lowered by this much before it is handed to block-max WAND: a block's best
/// score is computed with the whole index's average field length, which may differ a little
/// from the segment's it was recorded with (tantivy's own caveat), and nothing may be lost.
const MARGIN: Score = 0.9;

/// Collects the best `limit` offers of a query, as described in the module documentation.
pub(crate) struct Best<F> {
    pub limit: usize,
    /// Score every match in full (the plain ranking, for tests).
    pub exhaustive: bool,
    /// The signals of a segment's offers, for this need.
    pub signals: F,
    /// The union's own clauses, when it is pruned: an offer that can reach the top has its
    /// text score summed from them in this order. WAND sums the same scores in an order
    /// that depends on how far each list was skipped, which would make a score differ in
    /// its last bit from one search to the next (and near ties swap between pages).
    pub terms: Vec<Box<dyn Weight>>,
    /// Clauses scored beside the union without widening the match (common words), each
    /// with the most it can add to a score.
    pub side: Vec<(Box<dyn Weight>, Score)>,
    /// Only offers with a machine window admitting this ask.
    pub free: Option<FreeAsk>,
    /// The best k-th score any segment has kept so far, as f32 bits (scores are never
    /// negative, so the bits order as the values do); 0 until one has kept k.
    floor: AtomicU32,
}

impl<F> Best<F> {
    pub fn new(limit: usize, signals: F) -> Best<F> {
        Best { limit, exhaustive: false, signals, terms: vec![], side: vec![], free: None, floor: AtomicU32::new(0) }
    }

    fn floor(&self) -> Option<Score> {
        let bits = self.floor.load(Ordering::Relaxed);
        (bits != 0).then(|| f32::from_bits(bits))
    }
}

/// An offer kept, ordered by score, the lower document first among equal scores.
#[derive(Clone, Copy, PartialEq)]
struct Kept {
    score: Score,
    doc: DocId,
}

impl Eq for Kept {}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.doc.cmp(&self.doc))
    }
}

/// The best `limit` offers of one segment, the lowest on top. Documents arrive in
/// ascending order, so an offer scoring the same as the k-th best comes later and stays
/// out: the lower document wins a tie, as tantivy's own top-k does.
struct Heap {
    limit: usize,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<Kept>>,
}

impl Heap {
    fn new(limit: usize) -> Heap {
        Heap { limit, heap: std::collections::BinaryHeap::with_capacity(limit + 1) }
    }

    /// The k-th best score, once k are kept.
    fn kth(&self) -> Option<Score> {
        if self.heap.len() < self.limit { None } else { self.heap.peek().map(|r| r.0.score) }
    }

    /// Keeps the offer if it is among the best so far; returns whether it was kept.
    fn push(&mut self, score: Score, doc: DocId) -> bool {
        let kept = Kept { score, doc };
        if self.heap.len() < self.limit {
            self.heap.push(std::cmp::Reverse(kept));
            true
        } else if self.heap.peek().is_some_and(|low| kept > low.0) {
            self.heap.pop();
            self.heap.push(std::cmp::Reverse(kept));
            true
        } else {
            false
        }
    }
}

/// Never used: [`Best`] collects a segment in `collect_segment`, which needs the weight
/// (to prune), not document by document.
pub(crate) struct Unused;

impl SegmentCollector for Unused {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, _: DocId, _: Score) {}

    fn harvest(self) -> Self::Fruit {
        vec![]
    }
}

impl<F> Collector for Best<F>
where
    F: Fn(&SegmentReader) -> SignalReader + Send + Sync,
{
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = Unused;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<Unused> {
        Err(TantivyError::InternalError("Best collects whole segments (collect_segment)".into()))
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.limit);
        Ok(all)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let signals = (self.signals)(reader);
        let ceiling = signals.ceiling();
        let bound = signals.base_ceiling() * ceiling;
        // The side clauses' postings, and the most they can add to a text score.
        let mut side: Vec<Box<dyn Scorer>> = vec![];
        let mut side_max: Score = 0.0;
        let prune = !self.exhaustive;
        for (w, max) in &self.side {
            let scorer = w.scorer(reader, 1.0)?;
            if scorer.doc() != TERMINATED {
                side_max += max;
                side.push(scorer);
            }
        }
        let mut terms: Vec<Box<dyn Scorer>> = vec![];
        for w in &self.terms {
            let scorer = w.scorer(reader, 1.0)?;
            if scorer.doc() != TERMINATED {
                terms.push(scorer);
            }
        }
        let free = self.free.and_then(|ask| Some((ask, reader.fast_fields().u64(FREE).ok()?)));
        let alive = reader.alive_bitset();
        let mut heap = Heap::new(self.limit);
        let mut threshold = Score::MIN;
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                return threshold;
            }
            if let Some((ask, column)) = &free
                && !column.values_for_doc(doc).any(|v| ask.admits(unpack_window(v)))
            {
                return threshold;
            }
            let floor = if prune {
                match (heap.kth(), self.floor()) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            } else {
                None
            };
            let base = signals.base(doc);
            if floor.is_some_and(|f| (score + side_max) * base * ceiling < f) {
                return threshold;
            }
            let mut text = if terms.is_empty() { score } else { 0.0 };
            for s in terms.iter_mut().chain(side.iter_mut()) {
                if s.doc() < doc {
                    s.seek(doc);
                }
                if s.doc() == doc {
                    text += s.score();
                }
            }
            let before = text * base;
            if floor.is_some_and(|f| before * ceiling < f) {
                return threshold;
            }
            let full = before * signals.signals(doc).0;
            if heap.push(full, doc) && prune {
                if let Some(kth) = heap.kth() {
                    self.floor.fetch_max(kth.max(0.0).to_bits(), Ordering::Relaxed);
                }
                // The text score an offer needs from here on to have a chance.
                if let Some(f) = self.floor() {
                    threshold = f / bound * MARGIN - side_max;
                }
            }
            threshold
        })?;
        let mut out: Vec<(Score, DocAddress)> =
            heap.heap.into_iter().map(|r| (r.0.score, DocAddress::new(segment_ord, r.0.doc))).collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_keeps_the_best_and_the_lower_document_of_a_tie() {
        let mut heap = Heap::new(2);
        assert!(heap.push(1.0, 1));
        assert_eq!(heap.kth(), None);
        assert!(heap.push(3.0, 2));
        assert_eq!(heap.kth(), Some(1.0));
        assert!(!heap.push(1.0, 3), "a tie with the k-th best: the earlier document stays");
        assert!(heap.push(2.0, 4));
        assert_eq!(heap.kth(), Some(2.0));
        let mut kept: Vec<DocId> = heap.heap.into_iter().map(|r| r.0.doc).collect();
        kept.sort();
        assert_eq!(kept, vec![2, 4]);
    }
}
