//! The offer index: what is indexed and how, and where the follower's position is kept.
//! Queries against it are in `query`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};
use wujin_domain::{OfferRecord, Taxonomy};

use crate::tokenizer::{NAME, WordsTokenizer};
use crate::words::Words;

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Dir(#[from] tantivy::directory::error::OpenDirectoryError),
}

/// One offer as the index sees it.
pub struct OfferDoc<'a> {
    pub offer_id: u64,
    pub org_id: u64,
    pub org_name: &'a str,
    pub town: Option<&'a str>,
    /// Codes of the certificates the organisation holds and that are in force: a lapsed
    /// one is left out by the caller, who knows the day.
    pub certificates: Vec<&'a str>,
    /// The organisation's industries (sector codes).
    pub sectors: &'a [String],
    pub standing: Standing,
    pub record: &'a OfferRecord,
    /// A capacity offer's free machine windows over the coming weeks (epoch ms, `[from,
    /// to)`), one per machine and stretch of open hours: empty for other offers.
    pub free: &'a [(i64, i64)],
    /// The editions the offer is declared to meet with a test report in force.
    pub declared: &'a [String],
    /// A lab's testing offer's test items: a need that names the item ("保温效能") or the
    /// edition finds the lab that tests it.
    pub tests: &'a [TestedItem],
}

/// A test item as the index keeps it under its offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestedItem {
    /// The edition tested (GB/T 29606-2013).
    pub standard: String,
    /// The item's name (保温效能).
    pub name: String,
    /// The clause that defines it, when the lab gives it (5.3).
    pub clause: Option<String>,
}

impl TestedItem {
    /// As an explanation shows it: "保温效能 GB/T 29606-2013 5.3".
    pub fn shown(&self) -> String {
        match &self.clause {
            Some(c) => format!("{} {} {c}", self.name, self.standard),
            None => format!("{} {}", self.name, self.standard),
        }
    }
}

/// The most free windows kept per offer (twelve weeks of a few machines open in two shifts
/// a day fit many times over).
pub const MAX_WINDOWS: usize = 4096;
const MINUTE_MS: i64 = 60_000;

/// A free window as the index keeps it: start and end in whole minutes since the epoch, in
/// the high and low halves of one u64 (eight bytes a window; a u32 of minutes reaches past
/// the year 10,000). The start is rounded up and the end down, so a packed window never
/// claims time that is not free.
pub fn pack_window((from, to): (i64, i64)) -> Option<u64> {
    let start = u32::try_from((from + MINUTE_MS - 1).div_euclid(MINUTE_MS)).ok()?;
    let end = u32::try_from(to.div_euclid(MINUTE_MS)).ok()?;
    (start < end).then_some(((start as u64) << 32) | end as u64)
}

/// The window a packed value stands for, in epoch ms.
pub fn unpack_window(v: u64) -> (i64, i64) {
    ((v >> 32) as i64 * MINUTE_MS, (v & 0xffff_ffff) as i64 * MINUTE_MS)
}

/// How the organisation has dealt on the platform, as the ranking reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Standing {
    /// Ratings received, and their average (1 to 5).
    pub ratings: u64,
    pub rating_avg: f32,
    /// Invitations received to published demands, and how many it answered.
    pub invited: u64,
    pub answered: u64,
    /// Its credit code was verified by a platform admin approving a claim.
    pub verified: bool,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) offer_id: Field,
    pub(crate) org_id: Field,
    pub(crate) name: Field,
    pub(crate) text: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) org_name: Field,
    pub(crate) kind: Field,
    pub(crate) town: Field,
    pub(crate) category: Field,
    pub(crate) grp: Field,
    pub(crate) standard: Field,
    pub(crate) certificate: Field,
    pub(crate) certs: Field,
    /// The sizes the offer's title and specs state (800T, 500ml, 18V), packed by
    /// [`wujin_domain::quantity::pack`]: the ranking weighs them against a need's.
    pub(crate) sizes: Field,
    /// The pillar industries a service or capacity offer's firm works in (its declared
    /// sectors): a provider's specialism, as the ranking reads it.
    pub(crate) trade: Field,
    /// The pillar industries of the products a service or capacity offer names in its title
    /// ("保温杯工业设计" -> 杯业): the firm has done this work for that trade.
    pub(crate) about: Field,
    pub(crate) ratings: Field,
    /// The average rating times ten (0 without ratings).
    pub(crate) rating: Field,
    pub(crate) invited: Field,
    pub(crate) answered: Field,
    pub(crate) verified: Field,
    pub(crate) price_min: Field,
    pub(crate) price_max: Field,
    /// What the price is per (a unit code: 件, 吨, 小时 …), shown beside it.
    pub(crate) unit: Field,
    pub(crate) lead_days: Field,
    pub(crate) moq: Field,
    pub(crate) hours: Field,
    /// Free machine windows, packed by [`pack_window`].
    pub(crate) free: Field,
    /// Editions declared with a report in force (a subset of `standard`).
    pub(crate) declared: Field,
    /// How many: a filter for "has a report" of any standard.
    pub(crate) reports: Field,
    /// A testing offer's items, each as [`TestedItem::shown`] (what an explanation quotes).
    pub(crate) items: Field,
}

/// The fast field of free windows, as the query's filter names it.
pub(crate) const FREE: &str = "free";

/// The index format: bump it when the schema or the way text is cut changes.
const FORMAT: &str = "wujin-index 12";
const FORMAT_FILE: &str = "wujin-index-format";

pub struct MatchIndex {
    index: Index,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
    pub(crate) words: Arc<Words>,
    /// Pages answered for the searcher's current generation; None: every search runs.
    pub(crate) pages: Option<crate::pages::PageCache>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Two searched fields (fewer fields, fewer scorers per query word): what the offer is
    // (title and category names) and what is said about it (description, specs, seller).
    // Words are matched one by one, never as phrases, so no positions are kept. What an
    // explanation and a result page show is stored apart.
    let searched = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(NAME).set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        offer_id: b.add_u64_field("offer_id", INDEXED | STORED | FAST),
        org_id: b.add_u64_field("org_id", STORED | FAST),
        name: b.add_text_field("name", searched.clone()),
        text: b.add_text_field("text", searched),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        org_name: b.add_text_field("org_name", STORED),
        kind: b.add_text_field("kind", STRING | FAST | STORED),
        town: b.add_text_field("town", STRING | FAST | STORED),
        category: b.add_text_field("category", STRING | FAST | STORED),
        grp: b.add_text_field("grp", STRING | FAST),
        // With frequencies (a standard is listed once, so always 1): a need naming a
        // standard then ranks with a union of term scorers only, which WAND can prune.
        standard: b.add_text_field(
            "standard",
            TextOptions::from(FAST)
                .set_indexing_options(
                    TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs),
                )
                .set_stored(),
        ),
        certificate: b.add_text_field("certificate", STRING | FAST | STORED),
        certs: b.add_u64_field("certs", FAST),
        sizes: b.add_u64_field("sizes", FAST),
        trade: b.add_text_field("trade", STRING | FAST),
        about: b.add_text_field("about", STRING | FAST),
        ratings: b.add_u64_field("ratings", FAST),
        rating: b.add_u64_field("rating", FAST),
        invited: b.add_u64_field("invited", FAST),
        answered: b.add_u64_field("answered", FAST),
        verified: b.add_u64_field("verified", FAST),
        price_min: b.add_u64_field("price_min", INDEXED | FAST | STORED),
        price_max: b.add_u64_field("price_max", INDEXED | FAST | STORED),
        unit: b.add_text_field("unit", STORED),
        lead_days: b.add_u64_field("lead_days", INDEXED | FAST | STORED),
        moq: b.add_u64_field("moq", INDEXED),
        hours: b.add_u64_field("hours", INDEXED),
        free: b.add_u64_field(FREE, FAST),
        declared: b.add_text_field("declared", STRING | STORED),
        reports: b.add_u64_field("reports", INDEXED),
        items: b.add_text_field("items", STORED),
    };
    (b.build(), fields)
}

impl MatchIndex {
    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<MatchIndex, MatchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    /// The index under `dir`, created if missing. It is derived data: deleting the folder
    /// and rebuilding from the store loses nothing.
    pub fn open(dir: &Path) -> Result<MatchIndex, MatchError> {
        let (schema, fields) = schema();
        let io = |e: std::io::Error| tantivy::TantivyError::IoError(Arc::new(e));
        // An index written by another version of wujin (other fields, other cutting) is
        // dropped here and rebuilt by the follower from the store.
        let stamp = dir.join(FORMAT_FILE);
        if dir.exists() && std::fs::read_to_string(&stamp).ok().as_deref() != Some(FORMAT) {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(&stamp, FORMAT).map_err(io)?;
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        Self::with_index(index, fields)
    }

    fn with_index(mut index: Index, fields: Fields) -> Result<MatchIndex, MatchError> {
        // One query searches its segments on all cores: a big index has several segments,
        // and a buyer waits for the slowest query, not for the average.
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        index.set_multithread_executor(cores.min(4))?;
        let words = Words::shared();
        index.tokenizers().register(NAME, WordsTokenizer::new(words.clone()));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer(64 * 1024 * 1024)?;
        Ok(MatchIndex { index, reader, writer: Mutex::new(writer), fields, words, pages: None })
    }

    /// Keeps up to `pages` pages of organisations answered (see [`crate::pages`]); 0 keeps
    /// none, as without this call.
    pub fn with_page_cache(mut self, pages: usize) -> MatchIndex {
        self.pages = std::num::NonZeroUsize::new(pages).map(crate::pages::PageCache::new);
        self
    }

    /// How the page cache has served; None when there is none.
    pub fn page_cache_stats(&self) -> Option<crate::pages::PageCacheStats> {
        self.pages.as_ref().map(|c| c.stats())
    }

    /// Adds or replaces offers (by offer id). Call [`MatchIndex::commit`] to make them visible.
    pub fn upsert(&self, docs: &[OfferDoc]) -> Result<(), MatchError> {
        self.write(docs, true)
    }

    /// Adds offers the index does not hold (a rebuild after [`MatchIndex::clear`]): no
    /// delete is queued per offer, and the queue of deletes, kept until a commit, stays
    /// empty however many offers a rebuild adds.
    pub fn add_new(&self, docs: &[OfferDoc]) -> Result<(), MatchError> {
        self.write(docs, false)
    }

    fn write(&self, docs: &[OfferDoc], replace: bool) -> Result<(), MatchError> {
        let t = Taxonomy::get();
        let f = self.fields;
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for d in docs {
            if replace {
                writer.delete_term(Term::from_field_u64(f.offer_id, d.offer_id));
            }
            let r = d.record;
            let cat = t.category(&r.category);
            let mut category_names = String::new();
            let mut c = cat;
            while let Some(x) = c {
                category_names.push_str(&format!("{} {} {} ", x.entry.zh, x.entry.en, x.entry.aliases.join(" ")));
                if let Some(family) = x.family.as_deref().and_then(|f| t.family(f)) {
                    category_names.push_str(&format!("{} {} ", family.entry.zh, family.entry.en));
                }
                c = x.parent.as_deref().and_then(|p| t.category(p));
            }
            let specs: Vec<String> = r.specs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let body = format!("{} {}", r.description, specs.join(" "));
            let en = r.title_en.as_deref().unwrap_or("");
            // A lab's items are said about its offer: searched with the description.
            let items: Vec<String> = d.tests.iter().map(TestedItem::shown).collect();
            let mut doc = doc!(
                f.offer_id => d.offer_id,
                f.org_id => d.org_id,
                f.name => format!("{} {en} {category_names}", r.title),
                f.text => format!("{body} {} {}", d.org_name, items.join(" ")),
                f.title => r.title.as_str(),
                f.body => body,
                f.org_name => d.org_name,
                f.kind => r.kind.code(),
                f.category => r.category.as_str(),
                f.grp => t.group_of(&r.category).unwrap_or(&r.category),
            );
            if let Some(en) = &r.title_en {
                doc.add_text(f.title, en);
            }
            if let Some(town) = d.town {
                doc.add_text(f.town, town);
            }
            // The editions a lab tests count as its offer's, so a standard filter finds it.
            let mut standards: Vec<&str> = r.standards.iter().map(String::as_str).collect();
            for t in d.tests {
                if !standards.contains(&t.standard.as_str()) {
                    standards.push(&t.standard);
                }
            }
            for s in standards {
                doc.add_text(f.standard, s);
            }
            for i in &items {
                doc.add_text(f.items, i);
            }
            for c in &d.certificates {
                doc.add_text(f.certificate, c);
            }
            doc.add_u64(f.certs, d.certificates.len() as u64);
            let stated = format!("{} {}", r.title, specs.join(" "));
            for size in wujin_domain::quantity::read(&stated).iter().filter_map(wujin_domain::quantity::pack) {
                doc.add_u64(f.sizes, size);
            }
            // A provider's or a workshop's specialism; a maker's trade is its product.
            if r.kind != wujin_domain::OfferKind::Product {
                let mut trades: Vec<&str> =
                    d.sectors.iter().filter_map(|s| t.sector(s)).map(|s| s.pillar.as_str()).collect();
                trades.sort_unstable();
                trades.dedup();
                for p in trades {
                    doc.add_text(f.trade, p);
                }
                let mut about: Vec<String> = self
                    .words
                    .terms(&r.title)
                    .iter()
                    .filter_map(|w| t.category(w))
                    .filter(|c| c.kind == wujin_domain::OfferKind::Product)
                    .filter_map(|c| c.sector.as_deref().and_then(|s| t.sector(s)))
                    .map(|s| s.pillar.clone())
                    .collect();
                about.sort();
                about.dedup();
                for p in about {
                    doc.add_text(f.about, &p);
                }
            }
            let st = d.standing;
            doc.add_u64(f.ratings, st.ratings);
            doc.add_u64(f.rating, (st.rating_avg * 10.0).round().clamp(0.0, 50.0) as u64);
            doc.add_u64(f.invited, st.invited);
            doc.add_u64(f.answered, st.answered.min(st.invited));
            doc.add_u64(f.verified, st.verified as u64);
            if let Some(p) = r.price {
                doc.add_u64(f.price_min, p.min().0.max(0) as u64);
                doc.add_u64(f.price_max, p.max().0.max(0) as u64);
            }
            if let Some(unit) = &r.unit {
                doc.add_text(f.unit, unit);
            }
            if let Some(days) = r.lead_time_days {
                doc.add_u64(f.lead_days, days.max(0) as u64);
            }
            // No minimum order is an order of one.
            doc.add_u64(f.moq, r.moq.unwrap_or(0).max(0) as u64);
            if let Some(h) = r.hours_per_week {
                doc.add_u64(f.hours, h.max(0) as u64);
            }
            for w in d.free.iter().filter_map(|w| pack_window(*w)).take(MAX_WINDOWS) {
                doc.add_u64(f.free, w);
            }
            for s in d.declared {
                doc.add_text(f.declared, s);
            }
            doc.add_u64(f.reports, d.declared.len() as u64);
            writer.add_document(doc)?;
        }
        Ok(())
    }

    pub fn delete(&self, offer_id: u64) {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.delete_term(Term::from_field_u64(self.fields.offer_id, offer_id));
    }

    /// Makes everything added so far searchable.
    pub fn commit(&self) -> Result<(), MatchError> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Commits and records, in the same commit, which store the index follows and the last
    /// outbox sequence number it reflects. Position and documents become durable together,
    /// so after a crash the follower resumes exactly where the index stands.
    pub fn commit_at(&self, store_id: &str, seq: i64) -> Result<(), MatchError> {
        {
            let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&format!("{store_id}:{seq}"));
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// The store the index was built from and the last outbox sequence number applied;
    /// None for a new index.
    pub fn position(&self) -> Result<Option<(String, i64)>, MatchError> {
        let payload = self.index.load_metas()?.payload;
        Ok(payload.and_then(|p| {
            let (id, seq) = p.rsplit_once(':')?;
            Some((id.to_string(), seq.parse().ok()?))
        }))
    }

    /// The last outbox sequence number applied (0 for a new index).
    pub fn applied_seq(&self) -> Result<i64, MatchError> {
        Ok(self.position()?.map(|(_, seq)| seq).unwrap_or(0))
    }

    /// Removes every document (before a rebuild).
    pub fn clear(&self) -> Result<(), MatchError> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).delete_all_documents()?;
        Ok(())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Which committed state searches see now: it changes whenever the reader reloads after a
    /// commit, so an answer cached under one generation is current while it lasts.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }
}

/// Index documents for records that are not in a store (benchmarks, quality tests): offer
/// id = position + 1, organisation id = position of the offer's organisation + 1. Offers
/// whose organisation is not among `orgs` are left out.
pub fn docs_for<'a>(orgs: &'a [wujin_domain::OrgRecord], offers: &'a [OfferRecord]) -> Vec<OfferDoc<'a>> {
    let at: std::collections::HashMap<String, usize> =
        orgs.iter().enumerate().map(|(i, o)| (o.uscc.to_string(), i)).collect();
    offers
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let g = *at.get(&r.org_uscc.to_string())?;
            let org = &orgs[g];
            Some(OfferDoc {
                offer_id: i as u64 + 1,
                org_id: g as u64 + 1,
                org_name: &org.name,
                town: org.town.as_deref(),
                // Records outside a store carry no clock: every certificate counts.
                certificates: org.certificates.iter().map(|c| c.code.as_str()).collect(),
                sectors: &org.sectors,
                standing: Standing::default(),
                record: r,
                free: &[],
                declared: &[],
                tests: &[],
            })
        })
        .collect()
}
impl MatchIndex {
    /// How many segments the index has (the benchmark reports it).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }
}
