//! The offer index: what is indexed, how a need becomes a query, and why each hit matched.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use wujin_domain::{OfferKind, OfferRecord, Taxonomy};

use crate::tokenizer::{NAME, WordsTokenizer};
use crate::words::Words;

/// The most query terms we look at; a pasted page of text is cut here.
pub const MAX_TERMS: usize = 32;
/// The longest query text we read, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

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
    pub record: &'a OfferRecord,
}

/// What a user asks: free text plus hard filters.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub kind: Option<OfferKind>,
    pub town: Option<String>,
    /// A category code; its subcategories are included.
    pub category: Option<String>,
    /// A standard number as published ("GB/T 29606-2013").
    pub standard: Option<String>,
    pub limit: usize,
}

/// Which word matched which field, and through which synonym.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedTerm {
    pub term: String,
    pub field: &'static str,
    /// The query word this term stands in for, when it came in as a synonym.
    pub via: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub offer_id: u64,
    pub org_id: u64,
    pub score: f32,
    pub matched: Vec<MatchedTerm>,
    /// Standards named in the query that this offer meets.
    pub standards: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub hits: Vec<Hit>,
    pub total: usize,
}

#[derive(Clone, Copy)]
struct Fields {
    offer_id: Field,
    org_id: Field,
    title: Field,
    body: Field,
    category_names: Field,
    org_name: Field,
    kind: Field,
    town: Field,
    category: Field,
    grp: Field,
    standard: Field,
}

/// The fields searched for text, with their weight and the name an explanation uses.
const TEXT_FIELDS: [(&str, f32); 4] = [("title", 3.0), ("category_names", 2.0), ("body", 1.0), ("org_name", 1.0)];

pub struct MatchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    words: Arc<Words>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(NAME).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        offer_id: b.add_u64_field("offer_id", INDEXED | STORED | FAST),
        org_id: b.add_u64_field("org_id", STORED | FAST),
        title: b.add_text_field("title", text(true)),
        body: b.add_text_field("body", text(true)),
        category_names: b.add_text_field("category_names", text(false)),
        org_name: b.add_text_field("org_name", text(true)),
        kind: b.add_text_field("kind", STRING | FAST),
        town: b.add_text_field("town", STRING | FAST),
        category: b.add_text_field("category", STRING | FAST),
        grp: b.add_text_field("grp", STRING | FAST),
        standard: b.add_text_field("standard", STRING | STORED),
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
        std::fs::create_dir_all(dir).map_err(|e| tantivy::TantivyError::IoError(Arc::new(e)))?;
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<MatchIndex, MatchError> {
        let words = Words::shared();
        index.tokenizers().register(NAME, WordsTokenizer::new(words.clone()));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer(64 * 1024 * 1024)?;
        Ok(MatchIndex { index, reader, writer: Mutex::new(writer), fields, words })
    }

    /// Adds or replaces offers (by offer id). Call [`MatchIndex::commit`] to make them visible.
    pub fn upsert(&self, docs: &[OfferDoc]) -> Result<(), MatchError> {
        let t = Taxonomy::get();
        let f = self.fields;
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for d in docs {
            writer.delete_term(Term::from_field_u64(f.offer_id, d.offer_id));
            let r = d.record;
            let cat = t.category(&r.category);
            let mut category_names = String::new();
            let mut c = cat;
            while let Some(x) = c {
                category_names.push_str(&format!("{} {} {} ", x.entry.zh, x.entry.en, x.entry.aliases.join(" ")));
                c = x.parent.as_deref().and_then(|p| t.category(p));
            }
            let specs: Vec<String> = r.specs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let mut doc = doc!(
                f.offer_id => d.offer_id,
                f.org_id => d.org_id,
                f.title => format!("{} {}", r.title, r.title_en.as_deref().unwrap_or("")),
                f.body => format!("{} {}", r.description, specs.join(" ")),
                f.category_names => category_names,
                f.org_name => d.org_name,
                f.kind => r.kind.code(),
                f.category => r.category.as_str(),
                f.grp => t.group_of(&r.category).unwrap_or(&r.category),
            );
            if let Some(town) = d.town {
                doc.add_text(f.town, town);
            }
            for s in &r.standards {
                doc.add_text(f.standard, s);
            }
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

    fn field(&self, name: &str) -> Field {
        match name {
            "title" => self.fields.title,
            "category_names" => self.fields.category_names,
            "body" => self.fields.body,
            _ => self.fields.org_name,
        }
    }

    fn text_query(&self, term: &str, boost: f32) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = TEXT_FIELDS
            .iter()
            .map(|(name, weight)| {
                let q = TermQuery::new(Term::from_field_text(self.field(name), term), IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), weight * boost)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// Runs a query: every query word (and its synonyms) is a scored alternative; filters
    /// must hold; standards named in the text count strongly.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult, MatchError> {
        let t = Taxonomy::get();
        let f = self.fields;
        let text: String = q.text.chars().take(MAX_QUERY_CHARS).collect();
        let standards = standards_in(&text);
        let terms: Vec<String> = self.words.terms(&text).into_iter().take(MAX_TERMS).collect();
        let mut scored: Vec<(Occur, Box<dyn Query>)> = vec![];
        for term in &terms {
            scored.push((Occur::Should, self.text_query(term, 1.0)));
            for syn in self.words.synonyms(term) {
                // A synonym counts when the index holds it as one term.
                if self.words.terms(syn).len() == 1 {
                    scored.push((Occur::Should, self.text_query(syn, 0.8)));
                }
            }
        }
        for s in &standards {
            let q = TermQuery::new(Term::from_field_text(f.standard, s), IndexRecordOption::Basic);
            scored.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 4.0))));
        }
        let mut filters: Vec<(Occur, Box<dyn Query>)> = vec![];
        let mut must = |field: Field, value: &str| {
            filters.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic)),
            ));
        };
        if let Some(k) = q.kind {
            must(f.kind, k.code());
        }
        if let Some(town) = &q.town {
            must(f.town, town);
        }
        if let Some(s) = &q.standard {
            must(f.standard, s);
        }
        if let Some(c) = &q.category {
            let is_group = t.group_members(c).len() > 1;
            must(if is_group { f.grp } else { f.category }, c);
        }
        if scored.is_empty() && filters.is_empty() {
            return Ok(SearchResult { hits: vec![], total: 0 });
        }
        let mut clauses = filters;
        if !scored.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(scored))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let (top, total) =
            searcher.search(&query, &(TopDocs::with_limit(q.limit.clamp(1, 100)).order_by_score(), Count))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let u64_of = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
            let text_of = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let mut matched = vec![];
            for (name, field) in [("title", f.title), ("body", f.body), ("org_name", f.org_name)] {
                let present: HashSet<String> = self.words.terms(&text_of(field)).into_iter().collect();
                for term in &terms {
                    if present.contains(term) {
                        matched.push(MatchedTerm { term: term.clone(), field: name, via: None });
                    }
                    for syn in self.words.synonyms(term) {
                        if present.contains(syn) {
                            matched.push(MatchedTerm { term: syn.to_string(), field: name, via: Some(term.clone()) });
                        }
                    }
                }
            }
            let met: Vec<String> = doc
                .get_all(f.standard)
                .filter_map(|v| v.as_str())
                .filter(|s| standards.iter().any(|q| q == s))
                .map(str::to_string)
                .collect();
            hits.push(Hit { offer_id: u64_of(f.offer_id), org_id: u64_of(f.org_id), score, matched, standards: met });
        }
        Ok(SearchResult { hits, total })
    }
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
