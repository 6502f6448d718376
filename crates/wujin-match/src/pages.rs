//! The pages of organisations recently answered, kept for the index's current state.
//!
//! The same needs come back all day: a buyer pages through "保温杯 代工", another firm's
//! buyer types it too, a dashboard asks for it every minute. A page depends on nothing but
//! the query and the index, so within one generation of the index's searcher (between two
//! commits of the follower) the answer to the same question is the same, and can be kept.
//! A commit starts a new generation and empties the cache: nothing stale is ever served,
//! and a write is seen by search exactly as without the cache.
//!
//! It is what Solr's query result cache does. It is off in the library (a benchmark of the
//! engine measures searches, not lookups) and `serve` turns it on with a bounded number of
//! pages (`--search-cache`).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::query::{OrgPage, SearchQuery};

/// A page asked for: the query and where in its organisations the page falls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    pub query: SearchQuery,
    pub offset: usize,
    pub limit: usize,
    pub per_org: usize,
}

/// At most `capacity` pages of one searcher generation, least recently used out first.
pub(crate) struct PageCache {
    inner: Mutex<Kept>,
}

struct Kept {
    generation: u64,
    pages: LruCache<PageKey, Arc<OrgPage>>,
    hits: u64,
    misses: u64,
}

impl Kept {
    /// Whether the cache is of this generation, once a newer one has emptied it. A search
    /// that took its searcher just before a commit is older: it neither reads nor empties
    /// the pages of the newer one.
    fn holds(&mut self, generation: u64) -> bool {
        if generation > self.generation {
            self.pages.clear();
            self.generation = generation;
        }
        generation == self.generation
    }
}

/// How the cache has served since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCacheStats {
    pub pages: usize,
    pub capacity: usize,
    pub hits: u64,
    pub misses: u64,
}

impl PageCache {
    pub fn new(capacity: NonZeroUsize) -> PageCache {
        PageCache { inner: Mutex::new(Kept { generation: 0, pages: LruCache::new(capacity), hits: 0, misses: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves at worst a page too few: carry on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The page kept for this generation, if any. A newer generation empties the cache.
    pub fn get(&self, generation: u64, key: &PageKey) -> Option<Arc<OrgPage>> {
        let mut kept = self.lock();
        let page = if kept.holds(generation) { kept.pages.get(key).cloned() } else { None };
        if page.is_some() {
            kept.hits += 1;
        } else {
            kept.misses += 1;
        }
        page
    }

    /// Keeps a page answered from this generation's searcher; one of an older generation
    /// than the cache holds is not kept.
    pub fn put(&self, generation: u64, key: PageKey, page: Arc<OrgPage>) {
        let mut kept = self.lock();
        if kept.holds(generation) {
            kept.pages.put(key, page);
        }
    }

    pub fn stats(&self) -> PageCacheStats {
        let kept = self.lock();
        PageCacheStats {
            pages: kept.pages.len(),
            capacity: kept.pages.cap().get(),
            hits: kept.hits,
            misses: kept.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str, offset: usize) -> PageKey {
        PageKey { query: SearchQuery { text: text.into(), ..Default::default() }, offset, limit: 10, per_org: 3 }
    }

    fn page(total: usize) -> Arc<OrgPage> {
        Arc::new(OrgPage { orgs: vec![], more: false, total, orgs_found: 0, orgs_cut: false, facets: None })
    }

    #[test]
    fn a_page_is_served_again_only_within_its_generation_and_for_the_same_question() {
        let cache = PageCache::new(NonZeroUsize::new(4).unwrap());
        assert!(cache.get(1, &key("保温杯", 0)).is_none());
        cache.put(1, key("保温杯", 0), page(7));
        assert_eq!(cache.get(1, &key("保温杯", 0)).map(|p| p.total), Some(7));
        assert!(cache.get(1, &key("保温杯", 10)).is_none(), "another page of the same need");
        assert!(cache.get(1, &key("保温壶", 0)).is_none(), "another need");
        assert!(cache.get(2, &key("保温杯", 0)).is_none(), "a commit since: asked again");
        cache.put(1, key("保温杯", 0), page(7));
        assert!(cache.get(2, &key("保温杯", 0)).is_none(), "an older generation's page is not kept");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.pages, stats.capacity), (1, 0, 4));
    }

    #[test]
    fn the_least_recently_used_page_goes_first_when_full() {
        let cache = PageCache::new(NonZeroUsize::new(2).unwrap());
        cache.put(1, key("a", 0), page(1));
        cache.put(1, key("b", 0), page(2));
        assert!(cache.get(1, &key("a", 0)).is_some());
        cache.put(1, key("c", 0), page(3));
        assert!(cache.get(1, &key("b", 0)).is_none());
        assert!(cache.get(1, &key("a", 0)).is_some());
        assert!(cache.get(1, &key("c", 0)).is_some());
    }
}
