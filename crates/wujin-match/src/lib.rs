//! wujin's search core: Chinese full-text search over offers with tantivy and jieba, as a
//! library with no HTTP in it.
//!
//! The index is derived data: the store is the truth, and the index can be rebuilt from it at
//! any time. `words` cuts text the same way at index and query time, with the cluster's own
//! words and synonyms from the taxonomy; `index` holds the documents and the follower's
//! position; `query` turns a need into a query with filters, ranks with the store's signals
//! and explains each hit; `facets` counts the matches per filter value; `follow` keeps the
//! index in step with the store's outbox; `need` groups hits into one line per organisation
//! for matching a need to the firms that can serve it; `pages` keeps the pages recently
//! answered for the index as it stands; `labelled` holds the labelled needs
//! that measure how well all of this serves buyers.

pub mod facets;
pub mod follow;
pub mod index;
pub mod labelled;
pub mod need;
pub mod pages;
pub mod query;
mod rank;
pub mod tokenizer;
pub mod words;

pub use facets::{EXACT_FACETS, Facets, SAMPLE_EVERY};
pub use index::{MatchError, MatchIndex, OfferDoc, Standing, TestedItem, docs_for};
pub use need::{OrgMatch, by_org};
pub use pages::PageCacheStats;
pub use query::{Hit, MatchedTerm, OrgPage, SearchQuery, SearchResult, Shown, Signal, standards_in};
pub use words::Words;
