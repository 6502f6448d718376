//! wujin's search core: Chinese full-text search over offers with tantivy and jieba, as a
//! library with no HTTP in it.
//!
//! The index is derived data: the store is the truth, and the index can be rebuilt from it at
//! any time. What is here so far: the segmenter with the cluster's own words and synonyms
//! from the taxonomy, the offer index, queries with hard filters, and an explanation of
//! which words matched where, and the follower that keeps the index in step with the
//! store's outbox (the last applied sequence number is committed with the documents).
//! Ranking signals, facets and the HTTP routes come next (issue 3).

pub mod follow;
pub mod index;
pub mod tokenizer;
pub mod words;

pub use index::{Hit, MatchError, MatchIndex, MatchedTerm, OfferDoc, SearchQuery, SearchResult, standards_in};
pub use words::Words;
