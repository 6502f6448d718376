//! Queries: how a need becomes a tantivy query, how signals from the store move the ranking,
//! and why each hit matched.
//!
//! Every query word (and its synonyms) is a scored alternative over the two searched fields
//! (category names are indexed with the title, so "外观设计" finds industrial-design offers
//! whose text never says it). Filters must hold. The text score is then multiplied by what
//! the need is about — offers of a category, family or process a word names count double,
//! and a need naming a service or a process puts offers of other kinds far below — and by
//! the store's signals: certificates the organisation holds and, when the need names a town,
//! being in that town (local first). The signal factors are small on purpose: they order
//! firms that match about equally well and never lift one that does not match above one
//! that does.

use std::ops::Bound;

use tantivy::collector::{Collector, Count, FilterCollector};
use tantivy::columnar::StrColumn;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, TantivyDocument, Term};
use wujin_domain::capacity::FreeAsk;
use wujin_domain::quantity::Quantity;
use wujin_domain::{OfferKind, Taxonomy};

use crate::facets::{EXACT_FACETS, FacetCollector, Facets, sorted};
use crate::index::{FREE, MatchError, MatchIndex, unpack_window};
use crate::need::{OrgMatch, by_org};
use crate::pages::PageKey;
use crate::rank::Best;

/// The most query terms we look at; a pasted page of text is cut here.
pub const MAX_TERMS: usize = 32;
/// The longest query text we read, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most hits one search returns.
pub const MAX_HITS: usize = 1000;
/// A word found in at least this share of the offers is common: it may add to a score but
/// does not by itself make an offer match. 永康 and 公司 are in every firm's name; a need
/// that says "永康有没有做保温杯的公司" is about 保温杯, and should not score and count a
/// million offers to say so. A quarter, not only "nearly every offer": a word that a
/// quarter of a cluster's offers carry says little on its own about which offer a need
/// wants. At a million offers of the bench corpus this halved the median time of long needs
/// (6.8 to 3.7 ms), with the labelled needs unchanged; 不锈钢 (20 % of those offers) and
/// 电动 (23 %) still widen the match.
const COMMON_SHARE: f64 = 0.25;
/// Below this many offers a share says little about the language, and no word is common.
const COMMON_MIN_DOCS: u64 = 1000;

/// One clause of a boolean query.
type Clause = (Occur, Box<dyn Query>);
/// A term searched for, with its boost.
type Weighted = (Term, Score);

/// The fields searched for text, with their weight.
const TEXT_FIELDS: [(&str, f32); 2] = [("name", 3.0), ("text", 1.0)];
/// An offer of the category (or family) a word of the need names scores this many times
/// higher: "真空杯" is about vacuum cups, not about every offer that says 真空.
const INTENT: f32 = 2.0;
/// A word that is only part of a longer word of the same need (真空 in 真空杯) counts this
/// much: search-mode cutting yields it so that longer words find shorter ones, but alone it
/// says less than the whole word.
const PART_WEIGHT: f32 = 0.3;
/// When a need names a service or a process ("外观设计", "检测", "抽真空"), offers of
/// other kinds count this much: the buyer is looking for a provider or a workshop, and the
/// products the need mentions are what the work is about.
const NOT_THE_WORK: f32 = 0.1;
/// When a need for work names the product it is about ("焖烧杯外观设计"), an offer of that
/// work for a product of the same industry ("保温杯工业设计") scores this many times higher:
/// a design house that knows cups before one that designs motors.
const SPECIALIST: f32 = 1.6;
/// The same, when only the firm's declared industries include the product's.
const IN_THE_TRADE: f32 = 1.2;
/// Weight of a standard named in the text that the offer meets.
const STANDARD_WEIGHT: f32 = 4.0;
/// Each certificate held adds this much to the score, up to [`MAX_CERTS`] certificates.
const PER_CERT: f32 = 0.03;
const MAX_CERTS: u64 = 5;
/// Being in the town the need names.
const SAME_TOWN: f32 = 1.2;
/// Each star above (below) 3 adds (takes) this much, once five ratings back the average:
/// from -4 % for a firm rated 1 to +4 % for one rated 5.
const PER_STAR: f32 = 0.02;
const FULL_CONFIDENCE: u64 = 5;
/// A firm that answers every invitation gains half this, one that answers none loses half.
const RESPONSE_RATE: f32 = 0.06;
/// A response rate is read only after this many invitations.
const MIN_INVITED: u64 = 3;
/// A verified credit code.
const VERIFIED: f32 = 1.02;
/// When a need states a size (400吨以上, 500毫升左右) and an offer states one in the same
/// dimension, the offer's factor runs from this, for a size far off …
const SIZE_FAR: f32 = 0.7;
/// … to this, for one that fits ([`wujin_domain::quantity::Quantity::fit`]).
const SIZE_FITS: f32 = 1.3;

/// What a user asks: free text plus hard filters. Every field but `text` narrows the result;
/// `near_town` only orders it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    pub text: String,
    pub kind: Option<OfferKind>,
    pub town: Option<String>,
    /// A category code; its subcategories are included.
    pub category: Option<String>,
    /// A service family or a top-level product category (a group).
    pub family: Option<String>,
    /// Standards every offer must meet, as published ("GB/T 29606-2013").
    pub standards: Vec<String>,
    /// Certificates the organisation must hold.
    pub certificates: Vec<String>,
    /// Only offers with a test report in force: for each of `standards` when some are asked
    /// (any edition of it declared counts as the one asked only when it is that edition),
    /// else for any standard.
    pub reported: bool,
    /// The offer's price range must reach into [price_min, price_max] (fen).
    pub price_min: Option<u64>,
    pub price_max: Option<u64>,
    /// Lead time at most this many days.
    pub max_lead_days: Option<u64>,
    /// The quantity wanted: offers whose minimum order is above it are left out.
    pub quantity: Option<u64>,
    /// Capacity offered, at least this many machine hours per week.
    pub min_hours: Option<u64>,
    /// Capacity with a machine free for at least this long in one window between these
    /// instants (within the weeks the index knows: `wujin_domain::capacity::HORIZON_MS`).
    pub free: Option<FreeAsk>,
    /// Local first: offers of firms in this town rank higher.
    pub near_town: Option<String>,
    /// How many offers to return (at most [`MAX_HITS`]).
    pub limit: usize,
    /// Count the matching offers per kind, group, town, standard and certificate.
    pub facets: bool,
    /// Matching offers past which facets are sampled; None for
    /// [`crate::facets::EXACT_FACETS`].
    pub facets_exact_up_to: Option<u64>,
    /// Score every matching offer in full, without skipping those that cannot reach the
    /// top (see [`crate::rank`]): the plain ranking the pruned one is tested against.
    pub exhaustive: bool,
}

/// What a result page shows of an offer, read from the index: a page of results then needs
/// no trip to the store. The index follows the store within a second, and the offer page
/// reads the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub title: String,
    pub kind: String,
    pub category: String,
    /// Price range per unit in fen.
    pub price: Option<(u64, u64)>,
    /// The unit code the price is per.
    pub unit: Option<String>,
    pub lead_time_days: Option<u64>,
    pub standards: Vec<String>,
    /// The editions declared with a test report in force.
    pub declared: Vec<String>,
    pub org_name: String,
    pub town: Option<String>,
    pub certificates: Vec<String>,
}

/// Which word matched which field, and through which synonym.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedTerm {
    pub term: String,
    /// title, body, org_name, test_item (one of a lab's test items: its name, edition or
    /// clause), or category (the word names the offer's category or family).
    pub field: &'static str,
    /// The query word this term stands in for, when it came in as a synonym.
    pub via: Option<String>,
}

/// A signal from the store that moved a hit, with the factor it applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// The organisation holds this many certificates.
    Certificates(u64),
    /// The organisation is in the town the need names.
    SameTown,
    /// Buyers rated the organisation: the average times ten (45 is 4.5 of 5), and how many.
    Rating { tenths: u64, count: u64 },
    /// Of the invitations it received, the organisation answered `answered` of `invited`.
    ResponseRate { answered: u64, invited: u64 },
    /// Its credit code was verified: a platform admin approved a claim of it.
    Verified,
    /// The need asks for work on a product, and this offer is that work for a product of
    /// the same industry (`true`), or the firm's declared industries include it (`false`).
    Specialist(bool),
    /// The need states a size and the offer one in the same dimension: how well the best
    /// of them fits, in per cent (100 fits, towards 0 far off).
    Size(u64),
}

impl Signal {
    pub fn factor(self) -> f32 {
        match self {
            Signal::Certificates(n) => 1.0 + PER_CERT * n.min(MAX_CERTS) as f32,
            Signal::SameTown => SAME_TOWN,
            // Above or below a middling 3, weighed by how many ratings back it.
            Signal::Rating { tenths, count } => {
                let confidence = count.min(FULL_CONFIDENCE) as f32 / FULL_CONFIDENCE as f32;
                // Ratings are of 5 stars at most; held to that, the ceiling of the signals
                // (see `SignalReader::ceiling`) is a true bound whatever a column holds.
                1.0 + PER_STAR * (tenths.min(50) as f32 / 10.0 - 3.0) * confidence
            }
            Signal::ResponseRate { answered, invited } => {
                1.0 + RESPONSE_RATE * ((answered as f32 / invited.max(1) as f32).min(1.0) - 0.5)
            }
            Signal::Verified => VERIFIED,
            Signal::Specialist(true) => SPECIALIST,
            Signal::Specialist(false) => IN_THE_TRADE,
            Signal::Size(percent) => SIZE_FAR + (SIZE_FITS - SIZE_FAR) * percent.min(100) as f32 / 100.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub offer_id: u64,
    pub org_id: u64,
    /// Text relevance times the signals.
    pub score: f32,
    pub matched: Vec<MatchedTerm>,
    /// Standards named in the query that this offer meets.
    pub standards: Vec<String>,
    /// A lab's test items the need names (a word of the need, or a standard it names), as
    /// [`crate::TestedItem::shown`] spells them: the explanation quotes them.
    pub tests: Vec<String>,
    pub signals: Vec<Signal>,
    /// What a result shows of the offer, as indexed (filled for explained hits).
    pub shown: Option<Shown>,
    /// For a need stating sizes, how the offer's stand to them in both writers' units
    /// ("800 T ≥ 400 吨"; several joined by "; "), filled for explained hits that state one.
    pub sizes: Option<String>,
    /// Where the offer sits in the searcher that found it.
    pub(crate) address: DocAddress,
}

/// A query as run: the searcher it ran on (hits' addresses are its own), what the need was
/// turned into, and the raw results.
struct Ran {
    searcher: Searcher,
    /// Columns of the segments that hold hits, opened once per query.
    columns: Vec<Option<SegmentColumns>>,
    terms: Vec<String>,
    intents: std::sync::Arc<Vec<Intent>>,
    /// The pillar industries of the products a need for work is about.
    trades: std::sync::Arc<Vec<String>>,
    standards: Vec<String>,
    /// Every edition the need asks for, in its words or as a filter: a lab's items of these
    /// are quoted in the explanation.
    asked: Vec<String>,
    /// The sizes the need states, as written.
    sizes: Vec<wujin_domain::quantity::Stated>,
    top: Vec<Hit>,
    total: usize,
    facets: Option<Facets>,
}

/// The columns a hit is read from: its ids and its signals.
struct SegmentColumns {
    offer_id: Option<tantivy::columnar::Column<u64>>,
    org_id: Option<tantivy::columnar::Column<u64>>,
    signals: SignalReader,
}

/// A page of organisations for a need.
#[derive(Debug, Clone)]
pub struct OrgPage {
    pub orgs: Vec<OrgMatch>,
    /// More organisations follow this page.
    pub more: bool,
    /// Offers matching the query and filters.
    pub total: usize,
    /// Organisations among the offers ranked (the query's `limit` best): what pages reach.
    pub orgs_found: usize,
    /// Whether more offers matched than were ranked, so that more organisations may match
    /// than `orgs_found` says.
    pub orgs_cut: bool,
    pub facets: Option<Facets>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub hits: Vec<Hit>,
    /// Offers matching the query and filters.
    pub total: usize,
    /// Present when asked for.
    pub facets: Option<Facets>,
}

/// The ordinals, in one segment's column, of the values a need is about.
fn ords_of(column: Option<&StrColumn>, values: &[String]) -> Vec<u64> {
    let Some(column) = column else { return vec![] };
    values.iter().filter_map(|v| column.dictionary().term_ord(v.as_bytes()).ok().flatten()).collect()
}

fn first_ord(column: Option<&StrColumn>, doc: DocId) -> Option<u64> {
    column.and_then(|c| c.term_ords(doc).next())
}

/// The score factors of one document, read from fast fields: the need's intent and the
/// signals kept in the store.
pub(crate) struct SignalReader {
    certs: Option<tantivy::columnar::Column<u64>>,
    standing: [Option<tantivy::columnar::Column<u64>>; 5],
    towns: Option<StrColumn>,
    near: Option<u64>,
    categories: Option<StrColumn>,
    groups: Option<StrColumn>,
    intent_categories: Vec<u64>,
    intent_groups: Vec<u64>,
    kinds: Option<StrColumn>,
    /// The firm's industries, and the ordinals of those the need's product belongs to.
    trades: Option<StrColumn>,
    wanted_trades: Vec<u64>,
    about: Option<StrColumn>,
    wanted_about: Vec<u64>,
    /// The ordinals, in this segment, of the kinds of work the need names (service,
    /// capacity); None when it names none. Empty when this segment holds no such offer:
    /// then every offer in it is of another kind.
    work: Option<Vec<u64>>,
    /// The offer's sizes, and those the need states.
    sizes: Option<tantivy::columnar::Column<u64>>,
    wanted_sizes: std::sync::Arc<Vec<Quantity>>,
}

impl SignalReader {
    fn new(
        segment: &SegmentReader,
        near_town: Option<&str>,
        intents: &[Intent],
        trades: &[String],
        wanted_sizes: std::sync::Arc<Vec<Quantity>>,
    ) -> SignalReader {
        let fast = segment.fast_fields();
        let certs = fast.u64("certs").ok();
        let standing = ["rating", "ratings", "answered", "invited", "verified"].map(|f| fast.u64(f).ok());
        let towns = fast.str("town").ok().flatten();
        let near = near_town.and_then(|t| towns.as_ref()?.dictionary().term_ord(t.as_bytes()).ok().flatten());
        let categories = fast.str("category").ok().flatten();
        let groups = fast.str("grp").ok().flatten();
        let wanted: Vec<String> = intents.iter().flat_map(|i| i.categories.iter().cloned()).collect();
        let families: Vec<String> = intents.iter().filter_map(|i| i.family.clone()).collect();
        let intent_categories = ords_of(categories.as_ref(), &wanted);
        let intent_groups = ords_of(groups.as_ref(), &families);
        let kinds = fast.str("kind").ok().flatten();
        let work: Vec<String> = [OfferKind::Service, OfferKind::Capacity]
            .into_iter()
            .filter(|k| intents.iter().any(|i| i.kind == *k))
            .map(|k| k.code().to_string())
            .collect();
        let work = (!work.is_empty()).then(|| ords_of(kinds.as_ref(), &work));
        let trade_column = fast.str("trade").ok().flatten();
        let wanted_trades = ords_of(trade_column.as_ref(), trades);
        let about = fast.str("about").ok().flatten();
        let wanted_about = ords_of(about.as_ref(), trades);
        SignalReader {
            certs,
            standing,
            towns,
            near,
            categories,
            groups,
            intent_categories,
            intent_groups,
            kinds,
            trades: trade_column,
            wanted_trades,
            about,
            wanted_about,
            work,
            sizes: if wanted_sizes.is_empty() { None } else { fast.u64("sizes").ok() },
            wanted_sizes,
        }
    }

    /// How well the offer's stated sizes fit the need's, in per cent: for each size the
    /// need states, the best of the offer's in its dimension; the worst of those. None when
    /// the offer states none in the need's dimensions.
    fn size_fit(&self, doc: DocId) -> Option<u64> {
        let col = self.sizes.as_ref()?;
        // Read in the scoring loop of every match: no allocation per document.
        let mut worst: Option<f64> = None;
        for w in self.wanted_sizes.iter() {
            let best = col
                .values_for_doc(doc)
                .filter_map(wujin_domain::quantity::unpack)
                .filter(|s| s.dimension == w.dimension)
                .map(|s| w.fit(&s))
                .reduce(f64::max);
            if let Some(b) = best {
                worst = Some(worst.map_or(b, |x| x.min(b)));
            }
        }
        worst.map(|f| (f * 100.0).round() as u64)
    }

    /// Whether the document is of a category or family the need names.
    fn intended(&self, doc: DocId) -> bool {
        (!self.intent_categories.is_empty()
            && first_ord(self.categories.as_ref(), doc).is_some_and(|o| self.intent_categories.contains(&o)))
            || (!self.intent_groups.is_empty()
                && first_ord(self.groups.as_ref(), doc).is_some_and(|o| self.intent_groups.contains(&o)))
    }

    /// Whether the offer is the work for a product of the industry the need's work is about
    /// (`Some(true)`), or only its firm works in that industry (`Some(false)`).
    fn specialist(&self, doc: DocId) -> Option<bool> {
        let holds = |col: &Option<StrColumn>, wanted: &[u64]| {
            !wanted.is_empty() && col.as_ref().is_some_and(|c| c.term_ords(doc).any(|o| wanted.contains(&o)))
        };
        if holds(&self.about, &self.wanted_about) {
            Some(true)
        } else if holds(&self.trades, &self.wanted_trades) {
            Some(false)
        } else {
            None
        }
    }

    /// The largest of the need's own factors ([`SignalReader::base`]) in this segment.
    pub(crate) fn base_ceiling(&self) -> f32 {
        if self.intent_categories.is_empty() && self.intent_groups.is_empty() { 1.0 } else { INTENT }
    }

    /// The need's own factors: whether the offer is of what the need names, and of the
    /// kind of work it asks for.
    pub(crate) fn base(&self, doc: DocId) -> f32 {
        let intent = if self.intended(doc) { INTENT } else { 1.0 };
        let kind = match &self.work {
            Some(work) if !first_ord(self.kinds.as_ref(), doc).is_some_and(|k| work.contains(&k)) => NOT_THE_WORK,
            _ => 1.0,
        };
        intent * kind
    }

    /// The largest product the signals can give an offer for this need in this segment:
    /// every signal at its best, the town, specialism and size ones only where they can
    /// apply. An offer whose score before the signals, times this, stays below the k-th best
    /// so far cannot reach the top k, and its signals need not be read.
    pub(crate) fn ceiling(&self) -> f32 {
        let mut c = Signal::Certificates(MAX_CERTS).factor()
            * Signal::Rating { tenths: 50, count: FULL_CONFIDENCE }.factor()
            * Signal::ResponseRate { answered: 1, invited: 1 }.factor()
            * Signal::Verified.factor();
        if self.near.is_some() {
            c *= Signal::SameTown.factor();
        }
        if !self.wanted_about.is_empty() || !self.wanted_trades.is_empty() {
            c *= Signal::Specialist(true).factor().max(Signal::Specialist(false).factor());
        }
        if self.sizes.is_some() {
            c *= Signal::Size(100).factor();
        }
        c.max(1.0)
    }

    pub(crate) fn signals(&self, doc: DocId) -> (f32, [Option<Signal>; 7]) {
        let certs = self.certs.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
        let same_town = match (self.near, &self.towns) {
            (Some(ord), Some(col)) => col.term_ords(doc).next() == Some(ord),
            _ => false,
        };
        let [tenths, count, answered, invited, verified] =
            self.standing.each_ref().map(|c| c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0));
        let s = [
            (certs > 0).then_some(Signal::Certificates(certs)),
            same_town.then_some(Signal::SameTown),
            (count > 0).then_some(Signal::Rating { tenths, count }),
            (invited >= MIN_INVITED).then_some(Signal::ResponseRate { answered, invited }),
            (verified > 0).then_some(Signal::Verified),
            self.specialist(doc).map(Signal::Specialist),
            self.size_fit(doc).map(Signal::Size),
        ];
        (s.iter().flatten().map(|s| s.factor()).product(), s)
    }
}

fn term_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

fn u64_range(field: Field, lo: u64, hi: u64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_u64(field, lo)),
        Bound::Included(Term::from_field_u64(field, hi)),
    ))
}

/// Standard numbers written in a need, in any spacing ("GB/T29606", "gb 4806.9"), resolved
/// to the library's editions.
pub fn standards_in(text: &str) -> Vec<String> {
    let upper: String = wujin_domain::text::fold(text).to_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i + 1 < chars.len() {
        let starts =
            (chars[i] == 'G' && matches!(chars[i + 1], 'B' | 'A')) && (i == 0 || !chars[i - 1].is_ascii_alphabetic());
        if starts {
            let mut j = i + 2;
            let mut candidate: String = chars[i..j].iter().collect();
            if j + 1 < chars.len() && chars[j] == '/' && chars[j + 1] == 'T' {
                candidate.push_str("/T");
                j += 2;
            }
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let digits_start = j;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == '-') {
                j += 1;
            }
            if j > digits_start {
                candidate.push(' ');
                candidate.extend(&chars[digits_start..j]);
                let candidate = candidate.trim_end_matches(['.', '-']).to_string();
                if let Some(s) = Taxonomy::get().standard(&candidate)
                    && !out.contains(&s.number)
                {
                    out.push(s.number.clone());
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A query word that names a category (with its subcategories) or a service family.
struct Intent {
    term: String,
    categories: Vec<String>,
    family: Option<String>,
    kind: OfferKind,
}

/// The categories, families and processes the words of a need name. When a need names a
/// service or a process besides a product ("焖烧杯外观设计", "保温杯抽真空"), the product is
/// what the work is about: the buyer wants the design house or the workshop, not the maker,
/// so only the service or the process counts as intent.
fn intents(terms: &[String]) -> Vec<Intent> {
    let t = Taxonomy::get();
    let mut out = vec![];
    for term in terms {
        if let Some(c) = t.category(term) {
            let categories = t.category_with_descendants(&c.entry.code).into_iter().map(str::to_string).collect();
            out.push(Intent { term: term.clone(), categories, family: None, kind: c.kind });
        } else if let Some(f) = t.family(term) {
            let family = Some(f.entry.code.clone());
            out.push(Intent { term: term.clone(), categories: vec![], family, kind: OfferKind::Service });
        } else if let Some(p) = t.process(term) {
            let categories: Vec<String> = t
                .categories
                .iter()
                .filter(|c| c.kind == OfferKind::Capacity && c.process.as_deref() == Some(p.code.as_str()))
                .map(|c| c.entry.code.clone())
                .collect();
            if !categories.is_empty() {
                out.push(Intent { term: term.clone(), categories, family: None, kind: OfferKind::Capacity });
            }
        }
    }
    let work = out.iter().any(|i| i.kind != OfferKind::Product);
    out.into_iter().filter(|i| !work || i.kind != OfferKind::Product).collect()
}

/// The service family a need in words asks for, if its words name one (a family, or a
/// service category of one): how the pilot office places a search that found little among
/// the service gaps, without recording who searched.
pub fn service_family_of(text: &str) -> Option<String> {
    let t = Taxonomy::get();
    let terms = crate::words::Words::shared().terms(text);
    intents(&terms).into_iter().find_map(|i| {
        i.family.or_else(|| {
            let c = t.category(i.categories.first()?)?;
            (c.kind == OfferKind::Service).then(|| c.family.clone()).flatten()
        })
    })
}

/// The pillar industries of the products a need for work names ("焖烧杯外观设计" -> 杯业):
/// a provider working in them is a specialist. None when the need names no work.
fn trades(terms: &[String]) -> Vec<String> {
    let t = Taxonomy::get();
    // Whole words only: 压铸 inside 压铸件 is no need for die-casting work.
    let whole: Vec<&String> =
        terms.iter().filter(|w| !terms.iter().any(|o| o != *w && o.contains(String::as_str(w)))).collect();
    let categories: Vec<&wujin_domain::taxonomy::Category> = whole.iter().filter_map(|w| t.category(w)).collect();
    let work = categories.iter().any(|c| c.kind != OfferKind::Product)
        || whole.iter().any(|w| t.family(w).is_some() || t.process(w).is_some());
    if !work {
        return vec![];
    }
    let mut out: Vec<String> = categories
        .iter()
        .filter(|c| c.kind == OfferKind::Product)
        .filter_map(|c| c.sector.as_deref().and_then(|s| t.sector(s)))
        .map(|s| s.pillar.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs `query` into `collector`. With a free-window ask, only offers with a window that
/// admits it reach the collector: the filter reads the packed windows of each match from
/// its column in the same pass, so ranking, counts and facets all see the filtered set and
/// no hit costs a second query.
fn collect<C: Collector + Send + Sync>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: C,
    free: Option<FreeAsk>,
) -> tantivy::Result<C::Fruit> {
    match free {
        None => searcher.search(query, &collector),
        Some(ask) => {
            let admits = move |v: u64| ask.admits(unpack_window(v));
            searcher.search(query, &FilterCollector::new(FREE.to_string(), admits, collector))
        }
    }
}

impl MatchIndex {
    fn text_field(&self, name: &str) -> Field {
        if name == "name" { self.fields.name } else { self.fields.text }
    }

    /// A word of the need as scored alternatives, one per searched field: flat term clauses,
    /// so that the union of a need's words is one of term scorers, which block-max WAND
    /// can prune (see [`crate::rank`]).
    fn text_terms(&self, term: &str, boost: f32) -> impl Iterator<Item = Weighted> + '_ {
        let term = term.to_string();
        TEXT_FIELDS
            .iter()
            .map(move |(name, weight)| (Term::from_field_text(self.text_field(name), &term), weight * boost))
    }

    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let t = Taxonomy::get();
        let f = self.fields;
        let mut out: Vec<Box<dyn Query>> = vec![];
        if let Some(k) = q.kind {
            out.push(term_query(f.kind, k.code()));
        }
        if let Some(town) = &q.town {
            out.push(term_query(f.town, town));
        }
        for s in &q.standards {
            out.push(term_query(f.standard, s));
            if q.reported {
                out.push(term_query(f.declared, s));
            }
        }
        if q.reported && q.standards.is_empty() {
            out.push(u64_range(f.reports, 1, u64::MAX));
        }
        for c in &q.certificates {
            out.push(term_query(f.certificate, c));
        }
        if let Some(c) = &q.category {
            let terms = t.category_with_descendants(c).into_iter().map(|c| Term::from_field_text(f.category, c));
            out.push(Box::new(TermSetQuery::new(terms)));
        }
        if let Some(g) = &q.family {
            out.push(term_query(f.grp, g));
        }
        if let Some(max) = q.price_max {
            out.push(u64_range(f.price_min, 0, max));
        }
        if let Some(min) = q.price_min {
            out.push(u64_range(f.price_max, min, u64::MAX));
        }
        if let Some(days) = q.max_lead_days {
            out.push(u64_range(f.lead_days, 0, days));
        }
        if let Some(n) = q.quantity {
            out.push(u64_range(f.moq, 0, n));
        }
        if let Some(h) = q.min_hours {
            out.push(u64_range(f.hours, h, u64::MAX));
        }
        // Only capacity offers have machines; the windows themselves are checked as the
        // matches are collected (see `collect`).
        if q.free.is_some() && q.kind != Some(OfferKind::Capacity) {
            out.push(term_query(f.kind, OfferKind::Capacity.code()));
        }
        out.into_iter().map(|q| (Occur::Must, q)).collect()
    }

    /// The need's words that are common in this index (see [`COMMON_SHARE`]), unless all of
    /// them are: then they are all the need says, and each of them matches.
    fn common_terms(&self, searcher: &Searcher, terms: &[String]) -> Vec<String> {
        let docs = searcher.num_docs();
        if docs < COMMON_MIN_DOCS {
            return vec![];
        }
        let f = self.fields;
        let share = |term: &str| {
            let df = |field| searcher.doc_freq(&Term::from_field_text(field, term)).unwrap_or(0);
            df(f.name).max(df(f.text)) as f64 / docs as f64
        };
        let common: Vec<String> = terms.iter().filter(|t| share(t) >= COMMON_SHARE).cloned().collect();
        if common.len() == terms.len() { vec![] } else { common }
    }

    /// Turns a need into a query and runs it: the best `q.limit` offers (not yet explained),
    /// the number of matches and the facets.
    fn run(&self, q: &SearchQuery, searcher: Searcher) -> Result<Ran, MatchError> {
        let f = self.fields;
        let text: String = q.text.chars().take(MAX_QUERY_CHARS).collect();
        let standards = standards_in(&text);
        let terms: Vec<String> = self.words.query_terms(&text).into_iter().take(MAX_TERMS).collect();
        let intents = std::sync::Arc::new(intents(&terms));
        let trades = std::sync::Arc::new(trades(&terms));
        let stated = wujin_domain::quantity::read_stated(&text);
        let sizes = std::sync::Arc::new(stated.iter().map(|s| s.quantity.clone()).collect::<Vec<_>>());
        let common = self.common_terms(&searcher, &terms);
        // Words that decide the match, and common ones that only add to its score.
        let (mut scored, mut extra): (Vec<Weighted>, Vec<Weighted>) = (vec![], vec![]);
        for term in &terms {
            let part = terms.iter().any(|u| u.len() > term.len() && u.contains(term.as_str()));
            let into = if common.contains(term) { &mut extra } else { &mut scored };
            into.extend(self.text_terms(term, if part { PART_WEIGHT } else { 1.0 }));
            for syn in self.words.whole_synonyms(term) {
                into.extend(self.text_terms(syn, 0.8));
            }
        }
        // With frequencies (always 1), so that it joins the union of term scorers.
        scored.extend(standards.iter().map(|s| (Term::from_field_text(f.standard, s), STANDARD_WEIGHT)));
        let scored_clause = |(term, boost): &Weighted| -> Clause {
            let q = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(q), *boost)))
        };
        let filters = self.filters(q);
        let columns = (0..searcher.segment_readers().len()).map(|_| None).collect();
        let mut asked = standards.clone();
        asked.extend(q.standards.iter().filter(|s| !standards.contains(s)).cloned());
        let mut ran = Ran {
            searcher,
            columns,
            terms,
            intents,
            trades,
            standards,
            asked,
            sizes: stated,
            top: vec![],
            total: 0,
            facets: None,
        };
        // Words that leave no term to look for find nothing; no words at all browse.
        if scored.is_empty() && filters.is_empty() && !q.text.trim().is_empty() {
            ran.facets = q.facets.then(Facets::default);
            return Ok(ran);
        }
        // What matches: the filters, and the need's words (any of them) or everything; the
        // common words only add to the score of what the others found.
        let text_only = filters.is_empty() && !scored.is_empty();
        let words = BooleanQuery::new(scored.iter().map(scored_clause).collect());
        let mut clauses = filters;
        if scored.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else {
            clauses.push((Occur::Must, Box::new(words.clone())));
        }
        clauses.extend(extra.iter().map(scored_clause));
        let query = BooleanQuery::new(clauses);
        let near = q.near_town.clone();
        let (for_scoring, trades, for_sizes) = (ran.intents.clone(), ran.trades.clone(), sizes.clone());
        let mut best = Best::new(q.limit.clamp(1, MAX_HITS), move |segment: &SegmentReader| {
            SignalReader::new(segment, near.as_deref(), &for_scoring, &trades, for_sizes.clone())
        });
        best.exhaustive = q.exhaustive;
        best.free = q.free;
        // The best offers: with words and no filters, over the union of the words alone
        // (which WAND prunes) with the common words scored beside it; otherwise over the
        // query as it matches.
        let top = if text_only {
            let scoring = tantivy::query::EnableScoring::enabled_from_searcher(&ran.searcher);
            for term in &scored {
                best.terms.push(scored_clause(term).1.weight(scoring)?);
            }
            for side in &extra {
                let max = tantivy::query::Bm25Weight::for_terms(&ran.searcher, std::slice::from_ref(&side.0))?
                    .boost_by(side.1)
                    .max_score();
                best.side.push((scored_clause(side).1.weight(scoring)?, max));
            }
            ran.searcher.search(&words, &best)?
        } else {
            ran.searcher.search(&query, &best)?
        };
        // How many match, and the facets: every match, without scores; the facet counter
        // counts the matches too (one collector fewer).
        let (total, facets) = if q.facets {
            let exact = q.facets_exact_up_to.unwrap_or(EXACT_FACETS);
            let counter = FacetCollector::new(exact, ran.searcher.num_docs());
            let raw = collect(&ran.searcher, &query, counter, q.free)?;
            let total = raw.2 as usize;
            (total, Some(sorted(raw)))
        } else {
            (collect(&ran.searcher, &query, Count, q.free)?, None)
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let slot = &mut ran.columns[address.segment_ord as usize];
            let cols = slot.get_or_insert_with(|| {
                let segment = ran.searcher.segment_reader(address.segment_ord);
                SegmentColumns {
                    offer_id: segment.fast_fields().u64("offer_id").ok(),
                    org_id: segment.fast_fields().u64("org_id").ok(),
                    signals: SignalReader::new(segment, q.near_town.as_deref(), &[], &ran.trades, sizes.clone()),
                }
            });
            let id = |c: &Option<tantivy::columnar::Column<u64>>| c.as_ref().and_then(|c| c.first(address.doc_id));
            let (_, signals) = cols.signals.signals(address.doc_id);
            hits.push(Hit {
                offer_id: id(&cols.offer_id).unwrap_or(0),
                org_id: id(&cols.org_id).unwrap_or(0),
                score,
                matched: vec![],
                standards: vec![],
                tests: vec![],
                signals: signals.into_iter().flatten().collect(),
                shown: None,
                sizes: None,
                address,
            });
        }
        ran.top = hits;
        ran.total = total;
        ran.facets = facets;
        Ok(ran)
    }

    /// How the offer's sizes stand to the need's: for each size the need states, the offer's
    /// best fitting one in its dimension. Only sizes the index read for the offer (its title
    /// and specs, as packed in its column) count, so the words say what the ranking weighed.
    fn sizes_compared(&self, ran: &Ran, hit: &Hit, title: &str, body: &str) -> Option<String> {
        use wujin_domain::quantity::{pack, read_stated};
        if ran.sizes.is_empty() {
            return None;
        }
        let cols = ran.columns[hit.address.segment_ord as usize].as_ref()?;
        let packed: Vec<u64> = cols.signals.sizes.as_ref()?.values_for_doc(hit.address.doc_id).collect();
        let mut offered = read_stated(title);
        offered.extend(read_stated(body));
        offered.retain(|o| pack(&o.quantity).is_some_and(|p| packed.contains(&p)));
        let said: Vec<String> = ran
            .sizes
            .iter()
            .filter_map(|want| {
                let best = offered
                    .iter()
                    .filter(|o| o.quantity.dimension == want.quantity.dimension)
                    .max_by(|a, b| want.quantity.fit(&a.quantity).total_cmp(&want.quantity.fit(&b.quantity)))?;
                want.compare(best)
            })
            .collect();
        (!said.is_empty()).then(|| said.join("; "))
    }

    /// Runs a query and explains every hit.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult, MatchError> {
        let mut ran = self.run(q, self.reader.searcher())?;
        let mut hits = std::mem::take(&mut ran.top);
        for hit in &mut hits {
            self.explain(&ran, hit)?;
        }
        Ok(SearchResult { hits, total: ran.total, facets: ran.facets })
    }

    /// Runs a query for a page of organisations: the best offers grouped by organisation
    /// (at most `per_org` under each), organisations `offset..offset + limit`, and only the
    /// offers on the page explained — explaining reads stored text, the rest of the search
    /// reads columns only.
    pub fn search_orgs(
        &self,
        q: &SearchQuery,
        offset: usize,
        limit: usize,
        per_org: usize,
    ) -> Result<OrgPage, MatchError> {
        let searcher = self.reader.searcher();
        let Some(cache) = &self.pages else {
            return self.search_orgs_in(q, searcher, offset, limit, per_org);
        };
        let generation = searcher.generation().generation_id();
        let key = PageKey { query: q.clone(), offset, limit, per_org };
        if let Some(page) = cache.get(generation, &key) {
            return Ok(OrgPage::clone(&page));
        }
        let page = self.search_orgs_in(q, searcher, offset, limit, per_org)?;
        cache.put(generation, key, std::sync::Arc::new(page.clone()));
        Ok(page)
    }

    /// [`MatchIndex::search_orgs`] on this searcher, without the page cache.
    fn search_orgs_in(
        &self,
        q: &SearchQuery,
        searcher: Searcher,
        offset: usize,
        limit: usize,
        per_org: usize,
    ) -> Result<OrgPage, MatchError> {
        let mut ran = self.run(q, searcher)?;
        let ranked = ran.top.len();
        let mut orgs = by_org(std::mem::take(&mut ran.top), per_org);
        if q.text.trim().is_empty() {
            // Browsing (no words): the standing of the firm (verified, rated, certified,
            // answering) is its best offer's score; more offers break ties, then the id.
            orgs.sort_by(|a, b| {
                b.score.total_cmp(&a.score).then(b.matched_offers.cmp(&a.matched_offers)).then(a.org_id.cmp(&b.org_id))
            });
        }
        let (orgs_found, orgs_cut) = (orgs.len(), ran.total > ranked);
        let more = orgs.len() > offset + limit;
        let mut page: Vec<OrgMatch> = orgs.into_iter().skip(offset).take(limit).collect();
        for org in &mut page {
            for hit in &mut org.hits {
                self.explain(&ran, hit)?;
            }
        }
        Ok(OrgPage { orgs: page, more, total: ran.total, orgs_found, orgs_cut, facets: ran.facets })
    }

    /// Which words matched where (plain substring tests on the stored text, lower-cased:
    /// the terms are already cut the way the index cuts), which named category it is of,
    /// and which named standards it meets.
    fn explain(&self, ran: &Ran, hit: &mut Hit) -> Result<(), MatchError> {
        let f = self.fields;
        let doc: TantivyDocument = ran.searcher.doc(hit.address)?;
        let all = |field| doc.get_all(field).filter_map(|v| v.as_str()).map(str::to_string).collect::<Vec<_>>();
        let first = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        let number = |field| doc.get_first(field).and_then(|v| v.as_u64());
        let text_of = |field| {
            let text = all(field).join(" ");
            if text.bytes().any(|b| b.is_ascii_uppercase()) { text.to_ascii_lowercase() } else { text }
        };
        let mut matched = vec![];
        for (name, field) in [("title", f.title), ("body", f.body), ("org_name", f.org_name), ("test_item", f.items)] {
            let text = text_of(field);
            // A single letter ("t" of GB/T) is inside every word; it explains nothing.
            for term in ran.terms.iter().filter(|t| !(t.is_ascii() && t.len() < 2)) {
                if text.contains(term.as_str()) {
                    matched.push(MatchedTerm { term: term.clone(), field: name, via: None });
                }
                for syn in self.words.synonyms(term) {
                    if text.contains(syn) {
                        matched.push(MatchedTerm { term: syn.to_string(), field: name, via: Some(term.clone()) });
                    }
                }
            }
        }
        let signals = ran.columns[hit.address.segment_ord as usize].as_ref().map(|c| &c.signals);
        let str_of = |col: Option<&StrColumn>| -> Option<String> {
            let col = col?;
            let ord = col.term_ords(hit.address.doc_id).next()?;
            let mut s = String::new();
            col.ord_to_str(ord, &mut s).ok()?;
            Some(s)
        };
        let category = str_of(signals.and_then(|s| s.categories.as_ref()));
        let group = str_of(signals.and_then(|s| s.groups.as_ref()));
        for intent in ran.intents.iter() {
            let named = match &intent.family {
                Some(family) => group.as_ref() == Some(family),
                None => category.as_ref().is_some_and(|c| intent.categories.contains(c)),
            };
            if named && !matched.iter().any(|m| m.term == intent.term && m.field == "category") {
                matched.push(MatchedTerm { term: intent.term.clone(), field: "category", via: None });
            }
        }
        hit.standards = doc
            .get_all(f.standard)
            .filter_map(|v| v.as_str())
            .filter(|s| ran.standards.iter().any(|q| q == s))
            .map(str::to_string)
            .collect();
        // The items the need names: one of its words in the item, or a standard it names.
        let words: Vec<&str> =
            ran.terms.iter().map(String::as_str).filter(|t| !(t.is_ascii() && t.len() < 2)).collect();
        hit.tests = all(f.items)
            .into_iter()
            .filter(|i| {
                let lower = i.to_ascii_lowercase();
                words.iter().any(|w| lower.contains(w)) || ran.asked.iter().any(|s| i.contains(String::as_str(s)))
            })
            .collect();
        hit.matched = matched;
        hit.sizes = self.sizes_compared(ran, hit, &all(f.title).join(" "), &all(f.body).join(" "));
        hit.shown = Some(Shown {
            title: first(f.title).unwrap_or_default(),
            kind: first(f.kind).unwrap_or_default(),
            category: first(f.category).unwrap_or_default(),
            price: number(f.price_min).zip(number(f.price_max)),
            unit: first(f.unit),
            lead_time_days: number(f.lead_days),
            standards: all(f.standard),
            declared: all(f.declared),
            org_name: first(f.org_name).unwrap_or_default(),
            town: first(f.town),
            certificates: all(f.certificate),
        });
        Ok(())
    }
}

#[cfg(test)]
mod family_tests {
    use super::service_family_of;

    #[test]
    fn a_need_in_words_is_placed_in_the_service_family_it_asks_for() {
        assert_eq!(service_family_of("保温杯外观设计").as_deref(), Some("rd_design"));
        assert_eq!(service_family_of("GB/T 29606 保温效能检测").as_deref(), Some("testing"));
        assert_eq!(service_family_of("304不锈钢卷"), None, "a product is no service");
    }
}
