//! The labelled needs (`data/needs.toml`) and how well search serves them.
//!
//! A need is labelled with the categories or service families of the firms that should come
//! up, not with firm names, so the same labels judge any cluster in the demo's words: the
//! small one the tests build and the million-offer one the benchmark builds.

use std::collections::HashSet;

use serde::Deserialize;
use wujin_domain::{OfferRecord, Taxonomy};

use crate::index::{MatchError, MatchIndex};
use crate::query::SearchQuery;

const NEEDS: &str = include_str!("../data/needs.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Need {
    pub text: String,
    /// Category codes, top-level categories or service families.
    pub want: Vec<String>,
    /// A standard the firm's offer must also meet.
    pub standard: Option<String>,
    /// A size the firm's offer must also state, in its title or specs.
    pub size: Option<SizeLabel>,
    /// A category the offer's title must name, by a name of it or of one of its
    /// subcategories: a design service titled for power tools ("电钻结构设计") is about
    /// `tools`; a generic "结构设计服务" is not.
    pub about: Option<String>,
}

/// A size a need's right answers state: a dimension (as the taxonomy's measures name it)
/// and bounds in its base unit (ml, t, V, W, mm).
#[derive(Debug, Clone, Deserialize)]
pub struct SizeLabel {
    pub dimension: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl SizeLabel {
    fn stated_by(&self, offer: &OfferRecord) -> bool {
        let specs: Vec<String> = offer.specs.iter().map(|(k, v)| format!("{k} {v}")).collect();
        wujin_domain::quantity::read(&format!("{} {}", offer.title, specs.join(" "))).iter().any(|q| {
            q.dimension == self.dimension
                && self.min.is_none_or(|m| q.value >= m)
                && self.max.is_none_or(|m| q.value <= m)
        })
    }
}

#[derive(Deserialize)]
struct NeedsFile {
    need: Vec<Need>,
}

/// The labelled needs shipped with the crate.
pub fn needs() -> Vec<Need> {
    toml::from_str::<NeedsFile>(NEEDS).expect("data/needs.toml is valid").need
}

impl Need {
    /// Whether `offer` is one this need is looking for.
    pub fn wants(&self, offer: &OfferRecord) -> bool {
        let t = Taxonomy::get();
        let in_want = self.want.iter().any(|w| {
            if t.category(w).is_some() {
                t.category_with_descendants(w).contains(&offer.category.as_str())
            } else {
                t.group_of(&offer.category) == Some(w.as_str())
            }
        });
        let title = offer.title.to_lowercase();
        let says = |word: &str| title.contains(&word.to_lowercase());
        let about = |code: &str| {
            t.category_with_descendants(code)
                .iter()
                .filter_map(|c| t.category(c))
                .any(|c| says(&c.entry.zh) || c.entry.aliases.iter().any(|a| !a.is_ascii() && says(a)))
        };
        in_want
            && self.standard.as_ref().is_none_or(|s| offer.standards.contains(s))
            && self.size.as_ref().is_none_or(|s| s.stated_by(offer))
            && self.about.as_deref().is_none_or(about)
    }
}

/// How one need fared.
#[derive(Debug, Clone)]
pub struct NeedResult {
    pub text: String,
    /// Firms in the corpus that should appear.
    pub relevant: usize,
    pub recall_at_10: f64,
    pub first_right: bool,
}

#[derive(Debug, Clone)]
pub struct Quality {
    pub results: Vec<NeedResult>,
}

impl Quality {
    /// Needs that had at least one firm to find.
    fn judged(&self) -> impl Iterator<Item = &NeedResult> {
        self.results.iter().filter(|r| r.relevant > 0)
    }
    pub fn judged_count(&self) -> usize {
        self.judged().count()
    }
    pub fn recall_at_10(&self) -> f64 {
        let n = self.judged_count().max(1) as f64;
        self.judged().map(|r| r.recall_at_10).sum::<f64>() / n
    }
    pub fn first_right(&self) -> f64 {
        let n = self.judged_count().max(1) as f64;
        self.judged().filter(|r| r.first_right).count() as f64 / n
    }
}

/// Searches every need over an index of `offers` (offer id = position + 1, with the id of
/// the organisation behind it) and scores the first ten organisations.
pub fn evaluate(index: &MatchIndex, needs: &[Need], offers: &[(u64, &OfferRecord)]) -> Result<Quality, MatchError> {
    let mut results = vec![];
    for need in needs {
        let relevant: HashSet<u64> = offers.iter().filter(|(_, o)| need.wants(o)).map(|(org, _)| *org).collect();
        let q = SearchQuery { text: need.text.clone(), limit: 300, ..Default::default() };
        let top: Vec<u64> = index.search_orgs(&q, 0, 10, 1)?.orgs.into_iter().map(|o| o.org_id).collect();
        let hits = top.iter().filter(|o| relevant.contains(o)).count();
        results.push(NeedResult {
            text: need.text.clone(),
            relevant: relevant.len(),
            recall_at_10: hits as f64 / relevant.len().clamp(1, 10) as f64,
            first_right: top.first().is_some_and(|o| relevant.contains(o)),
        });
    }
    Ok(Quality { results })
}
