//! The firms that could step in for an input, as the matching engine ranks them, kept while
//! the search index stays as it was.
//!
//! An outage asks for the alternatives of up to ten inputs, and the next outage mostly asks
//! for the same inputs again; ranking is a search over every offer of the category, so each
//! ranking is kept under the index's generation (which changes with every commit the index
//! makes) and reused until it changes. Who failed differs per question, so the kept list is
//! longer than what is shown and is filtered per question; when too few are left the
//! question searches afresh.

use std::collections::HashMap;
use std::sync::Mutex;

use wujin_domain::Lang;

use crate::api::search::SearchItem;

/// How many ranked firms are kept per input.
pub const KEPT: usize = 30;
/// The most rankings kept (categories × towns × languages stays far below it).
const MAX_ENTRIES: usize = 4096;

/// What a ranking is for: the input, the town ranked first, the language of the names.
pub type Key = (String, Option<String>, &'static str);

pub fn key(input: &str, near_town: Option<&str>, lang: Lang) -> Key {
    let lang = match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    (input.to_string(), near_town.map(str::to_string), lang)
}

/// One kept ranking: the index generation it was made under, the firms, and whether they
/// are every firm that offers the input.
struct Entry {
    generation: u64,
    items: Vec<SearchItem>,
    all: bool,
}

#[derive(Default)]
pub struct Ranked {
    kept: Mutex<HashMap<Key, Entry>>,
}

impl Ranked {
    /// The ranking kept for `key` under index generation `generation`: the firms, and whether
    /// they are every firm that offers the input (fewer than [`KEPT`]).
    pub fn get(&self, key: &Key, generation: u64) -> Option<(Vec<SearchItem>, bool)> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(key).filter(|e| e.generation == generation).map(|e| (e.items.clone(), e.all))
    }

    pub fn put(&self, key: Key, generation: u64, items: Vec<SearchItem>, all: bool) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MAX_ENTRIES {
            kept.retain(|_, e| e.generation == generation);
            if kept.len() >= MAX_ENTRIES {
                kept.clear();
            }
        }
        kept.insert(key, Entry { generation, items, all });
    }
}
