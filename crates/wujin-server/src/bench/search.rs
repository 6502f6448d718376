//! `wujin bench search`: what search costs and how good it is, next to what a team would
//! otherwise ship.
//!
//! One deterministic corpus of N offers in the demo's words, one fixed mix of queries (short
//! product words, long needs, text with filters, filters only, English), run the way the API runs them
//! (the best 80 offers — ten organisations' worth, or `--top N` — and facet counts). The same corpus and
//! queries then go to SQLite FTS5 with the trigram tokenizer and, when a server is given, to
//! PostgreSQL pg_trgm ranked by word similarity; each fetches its matches with the filter
//! columns so facets are counted the same way. The labelled needs are scored on the same
//! index. Everything is printed as one table.

use std::collections::HashMap;
use std::time::Instant;

use sqlx::{ConnectOptions, Connection, Row};
use wujin_domain::{OfferKind, Taxonomy};
use wujin_match::labelled::{evaluate, needs};
use wujin_match::{MatchIndex, SearchQuery, Words, docs_for};

use super::{fail, percentile, pg_database};
use crate::cli::{Failure, msg};

/// Offers ranked per query by default: a page of ten organisations' worth (eight offers
/// looked at per organisation shown). The API ranks [`wujin_match::query::MAX_HITS`] so
/// that organisations keep one order however the pages are cut: `--top 1000` times that.
pub const TOP: usize = 80;
/// Times the whole mix runs on wujin (after one warm-up round).
const ROUNDS: usize = 3;
/// Times it runs on a baseline: once, without a warm-up round (at a million offers one
/// round of the mix takes minutes there; its page cache is warm from the load anyway).
const BASELINE_ROUNDS: usize = 1;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Mix {
    Short,
    Long,
    TextFilters,
    FiltersOnly,
    English,
}

/// The groups in the order the table prints them.
const MIXES: [Mix; 5] = [Mix::Short, Mix::Long, Mix::TextFilters, Mix::FiltersOnly, Mix::English];

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Short => "short product words",
            Mix::Long => "long needs",
            Mix::TextFilters => "text + filters",
            Mix::FiltersOnly => "filters only",
            Mix::English => "English",
        }
    }
}

/// The fixed query mix, from the taxonomy (same every run).
fn query_mix(top: usize) -> Vec<(Mix, SearchQuery)> {
    let t = Taxonomy::get();
    let towns: Vec<&str> = t.towns.iter().map(|e| e.code.as_str()).collect();
    let products: Vec<_> = t.categories.iter().filter(|c| c.kind == OfferKind::Product && c.parent.is_some()).collect();
    let services: Vec<_> = t.categories.iter().filter(|c| c.kind == OfferKind::Service).collect();
    let capacity: Vec<_> = t.categories.iter().filter(|c| c.kind == OfferKind::Capacity).collect();
    let mut out = vec![];
    let q = |text: String| SearchQuery { text, ..Default::default() };
    for c in &products {
        out.push((Mix::Short, q(c.entry.zh.clone())));
        if let Some(a) = c.entry.aliases.first() {
            out.push((Mix::Short, q(a.clone())));
        }
    }
    for (i, c) in products.iter().enumerate() {
        let s = services[i % services.len()];
        let cap = capacity[i % capacity.len()];
        let text = match i % 4 {
            0 => format!("想找个做{}{}的工作室", c.entry.zh, s.entry.aliases.first().unwrap_or(&s.entry.zh)),
            1 => format!("急需一批304不锈钢{} 需要{}", c.entry.zh, cap.entry.zh.trim_end_matches("产能")),
            // The boilerplate of a spoken need: words in every firm's name (永康, 公司).
            2 => format!("永康有没有做{}的公司 最好是厂家直供", c.entry.zh),
            _ => {
                let std = c.standards.first().map(String::as_str).unwrap_or("GB/T 29606-2013");
                format!("{} 符合{} 检测报告", c.entry.zh, std.replace(' ', ""))
            }
        };
        out.push((Mix::Long, q(text)));
    }
    for (i, c) in products.iter().enumerate() {
        let en = c.entry.en.to_lowercase();
        let text = match i % 3 {
            0 => en,
            1 => format!("{en} OEM supplier"),
            _ => format!("looking for a {en} factory with {}", services[i % services.len()].entry.en.to_lowercase()),
        };
        out.push((Mix::English, q(text)));
    }
    for (i, c) in products.iter().enumerate() {
        let mut x = q(c.entry.zh.clone());
        x.town = Some(towns[i % towns.len()].to_string());
        if i % 2 == 0 {
            x.kind = Some(OfferKind::Product);
        } else {
            x.certificates = vec!["ISO 9001".into()];
        }
        out.push((Mix::TextFilters, x));
        let s = services[i % services.len()];
        let mut y = q(s.entry.zh.clone());
        y.family = s.family.clone();
        y.town = Some(towns[(i + 3) % towns.len()].to_string());
        out.push((Mix::TextFilters, y));
    }
    for (i, town) in towns.iter().enumerate() {
        let kind = [OfferKind::Product, OfferKind::Service, OfferKind::Capacity][i % 3];
        out.push((
            Mix::FiltersOnly,
            SearchQuery { kind: Some(kind), town: Some(town.to_string()), ..Default::default() },
        ));
        let c = products[i % products.len()];
        out.push((
            Mix::FiltersOnly,
            SearchQuery { category: c.parent.clone(), town: Some(town.to_string()), ..Default::default() },
        ));
    }
    for s in t.standards.iter().take(20) {
        out.push((Mix::FiltersOnly, SearchQuery { standards: vec![s.number.clone()], ..Default::default() }));
    }
    for f in &t.families {
        out.push((
            Mix::FiltersOnly,
            SearchQuery { family: Some(f.entry.code.clone()), town: Some(towns[0].to_string()), ..Default::default() },
        ));
    }
    for (_, x) in &mut out {
        x.limit = top;
        x.facets = true;
    }
    out
}

impl Mix {
    /// The file `bench search-paths` writes the group's paths into.
    fn file(self) -> &'static str {
        match self {
            Mix::Short => "short.txt",
            Mix::Long => "long.txt",
            Mix::TextFilters => "filters.txt",
            Mix::FiltersOnly => "filters-only.txt",
            Mix::English => "english.txt",
        }
    }
}

/// A query in a line: its text and its filters.
fn describe(q: &SearchQuery) -> String {
    let path = api_path(q);
    let query = path.trim_start_matches("/api/v1/search?");
    let pairs: Vec<String> = form_urlencoded::parse(query.as_bytes()).map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(" ")
}

/// The API path that asks what `q` asks (its first standard and certificate: the mix names
/// one at most).
fn api_path(q: &SearchQuery) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !q.text.is_empty() {
        query.append_pair("q", &q.text);
    }
    let pairs = [
        ("kind", q.kind.map(|k| k.code().to_string())),
        ("category", q.category.clone()),
        ("family", q.family.clone()),
        ("town", q.town.clone()),
        ("standard", q.standards.first().cloned()),
        ("certificate", q.certificates.first().cloned()),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            query.append_pair(name, &v);
        }
    }
    format!("/api/v1/search?{}", query.finish())
}

/// `wujin bench search-paths --out DIR`: the query mix as API paths, a file per group.
pub fn write_paths(dir: &std::path::Path) -> Result<(), Failure> {
    fn named(path: &std::path::Path) -> impl Fn(std::io::Error) -> Failure + '_ {
        move |e| msg(format!("{}: {e}", path.display()))
    }
    std::fs::create_dir_all(dir).map_err(named(dir))?;
    let mix = query_mix(TOP);
    for group in MIXES {
        let paths: Vec<String> = mix.iter().filter(|(m, _)| *m == group).map(|(_, q)| api_path(q)).collect();
        let file = dir.join(group.file());
        std::fs::write(&file, paths.join("\n") + "\n").map_err(named(&file))?;
        println!("{:>4}  {}  ({})", paths.len(), dir.join(group.file()).display(), group.name());
    }
    Ok(())
}

/// Resident and peak memory of this process, in MiB (Linux).
pub(crate) fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let read = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (read("VmRSS:"), read("VmHWM:"))
}

#[derive(Default)]
struct Timing {
    by_mix: HashMap<Mix, Vec<f64>>,
    /// Each query's times, by its place in the mix (wujin's only).
    by_query: HashMap<usize, Vec<f64>>,
}

impl Timing {
    fn all(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.by_mix.values().flatten().copied().collect();
        v.sort_by(f64::total_cmp);
        v
    }
    fn mix(&self, m: Mix) -> Vec<f64> {
        let mut v = self.by_mix.get(&m).cloned().unwrap_or_default();
        v.sort_by(f64::total_cmp);
        v
    }
}

fn p(v: &[f64], q: f64) -> f64 {
    if v.is_empty() { f64::NAN } else { percentile(v, q) }
}

/// Flat rows for the baselines: the text a team would index and the filter columns.
struct FlatOffer {
    id: i64,
    text: String,
    kind: &'static str,
    town: String,
    grp: String,
    category: String,
    certificates: String,
    standards: String,
}

/// Top offers and facet counts from a baseline's rows (id, score, kind, grp, town):
/// lower score is better for bm25, higher for similarity.
fn top_and_facets(mut rows: Vec<(i64, f64, String, String, String)>, higher_is_better: bool, top: usize) -> usize {
    let mut facets: HashMap<(u8, String), u64> = HashMap::new();
    for (_, _, k, g, t) in &rows {
        *facets.entry((0, k.clone())).or_default() += 1;
        *facets.entry((1, g.clone())).or_default() += 1;
        *facets.entry((2, t.clone())).or_default() += 1;
    }
    let n = rows.len();
    let key = |r: &(i64, f64, String, String, String)| if higher_is_better { -r.1 } else { r.1 };
    if rows.len() > top {
        rows.select_nth_unstable_by(top, |a, b| key(a).total_cmp(&key(b)));
        rows.truncate(top);
    }
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
    std::hint::black_box((&rows, &facets));
    n
}

fn sql_filters(q: &SearchQuery, placeholder: &mut dyn FnMut() -> String, binds: &mut Vec<String>) -> String {
    let t = Taxonomy::get();
    let mut w = vec![];
    let mut eq = |col: &str, v: &str, w: &mut Vec<String>| {
        w.push(format!("m.{col} = {}", placeholder()));
        binds.push(v.to_string());
    };
    if let Some(k) = q.kind {
        eq("kind", k.code(), &mut w);
    }
    if let Some(town) = &q.town {
        eq("town", town, &mut w);
    }
    if let Some(f) = &q.family {
        eq("grp", f, &mut w);
    }
    if let Some(c) = &q.category {
        let members = t.category_with_descendants(c);
        let marks: Vec<String> = members
            .iter()
            .map(|m| {
                binds.push(m.to_string());
                placeholder()
            })
            .collect();
        w.push(format!("m.category IN ({})", marks.join(", ")));
    }
    for s in &q.standards {
        w.push(format!("m.standards LIKE {}", placeholder()));
        binds.push(format!("%|{s}|%"));
    }
    for c in &q.certificates {
        w.push(format!("m.certificates LIKE {}", placeholder()));
        binds.push(format!("%|{c}|%"));
    }
    if w.is_empty() { "1 = 1".into() } else { w.join(" AND ") }
}

async fn fts5(flat: &[FlatOffer], mix: &[(Mix, SearchQuery)], words: &Words) -> Result<(f64, Timing, f64), Failure> {
    let dir = tempfile::tempdir().map_err(fail)?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fts5.db").display());
    let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(fail)?;
    let mut conn = opts.disable_statement_logging().connect().await.map_err(fail)?;
    for s in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "CREATE VIRTUAL TABLE f USING fts5(text, tokenize = 'trigram')",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, kind TEXT, town TEXT, grp TEXT, category TEXT, certificates TEXT, standards TEXT)",
    ] {
        sqlx::query(s).execute(&mut conn).await.map_err(fail)?;
    }
    let started = Instant::now();
    for chunk in flat.chunks(5000) {
        let mut tx = conn.begin().await.map_err(fail)?;
        for o in chunk {
            sqlx::query("INSERT INTO f (rowid, text) VALUES (?, ?)")
                .bind(o.id)
                .bind(&o.text)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
            sqlx::query("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(o.id)
                .bind(o.kind)
                .bind(&o.town)
                .bind(&o.grp)
                .bind(&o.category)
                .bind(&o.certificates)
                .bind(&o.standards)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
    }
    for s in [
        "CREATE INDEX m_town_kind ON m (town, kind)",
        "CREATE INDEX m_grp_town ON m (grp, town)",
        "CREATE INDEX m_category ON m (category)",
        "ANALYZE",
    ] {
        sqlx::query(s).execute(&mut conn).await.map_err(fail)?;
    }
    let rate = flat.len() as f64 / started.elapsed().as_secs_f64();
    let mut timing = Timing::default();
    let mut found = 0usize;
    for _ in 0..BASELINE_ROUNDS {
        for (m, q) in mix {
            let t0 = Instant::now();
            let terms = words.query_terms(&q.text);
            // Trigram MATCH needs three characters; shorter words go through LIKE (a scan).
            // bm25() cannot be used under UNION, so each part is its own query.
            let long: Vec<String> = terms
                .iter()
                .filter(|t| t.chars().count() >= 3)
                .map(|t| format!("\"{}\"", t.replace('"', "")))
                .collect();
            let short: Vec<&String> = terms.iter().filter(|t| t.chars().count() < 3).collect();
            let mut parts: Vec<(String, Vec<String>)> = vec![];
            if !long.is_empty() {
                parts.push(("SELECT rowid AS id, bm25(f) AS r FROM f WHERE f MATCH ?".into(), vec![long.join(" OR ")]));
            }
            if !short.is_empty() {
                let likes: Vec<&str> = short.iter().map(|_| "text LIKE ?").collect();
                parts.push((
                    format!("SELECT rowid AS id, 0.0 AS r FROM f WHERE {}", likes.join(" OR ")),
                    short.iter().map(|s| format!("%{s}%")).collect(),
                ));
            }
            if parts.is_empty() {
                parts.push(("SELECT id, 0.0 AS r FROM m".into(), vec![]));
            }
            let mut merged: HashMap<i64, (f64, String, String, String)> = HashMap::new();
            for (source, mut binds) in parts {
                let mut ph = || "?".to_string();
                let filters = sql_filters(q, &mut ph, &mut binds);
                let sql = format!(
                    "SELECT x.id, x.r, m.kind, m.grp, m.town FROM ({source}) x JOIN m ON m.id = x.id WHERE {filters}"
                );
                let mut query = sqlx::query(&sql);
                for b in &binds {
                    query = query.bind(b);
                }
                for r in query.fetch_all(&mut conn).await.map_err(fail)? {
                    let score: f64 = r.get(1);
                    let e = merged.entry(r.get(0)).or_insert((score, r.get(2), r.get(3), r.get(4)));
                    e.0 = e.0.min(score);
                }
            }
            let rows: Vec<(i64, f64, String, String, String)> =
                merged.into_iter().map(|(id, (r, k, g, t))| (id, r, k, g, t)).collect();
            found += top_and_facets(rows, false, q.limit);
            timing.by_mix.entry(*m).or_default().push(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }
    std::hint::black_box(found);
    conn.close().await.map_err(fail)?;
    let size = dir_size(dir.path());
    Ok((rate, timing, size))
}

async fn pg_trgm(admin: &str, flat: &[FlatOffer], mix: &[(Mix, SearchQuery)]) -> Result<(f64, Timing), Failure> {
    let name = format!("wujin_bench_trgm_{}", std::process::id());
    let url = pg_database(admin, &name, true).await?;
    let result = pg_trgm_in(&url, flat, mix).await;
    pg_database(admin, &name, false).await?;
    result
}

async fn pg_trgm_in(url: &str, flat: &[FlatOffer], mix: &[(Mix, SearchQuery)]) -> Result<(f64, Timing), Failure> {
    let opts: sqlx::postgres::PgConnectOptions = url.parse().map_err(fail)?;
    let mut conn = opts.disable_statement_logging().connect().await.map_err(fail)?;
    for s in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE TABLE m (id BIGINT PRIMARY KEY, text TEXT, kind TEXT, town TEXT, grp TEXT, category TEXT, certificates TEXT, standards TEXT)",
    ] {
        sqlx::query(s).execute(&mut conn).await.map_err(fail)?;
    }
    let started = Instant::now();
    let mut copy = conn.copy_in_raw("COPY m FROM STDIN WITH (FORMAT csv)").await.map_err(fail)?;
    let mut buf = vec![];
    for o in flat {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record([
            &o.id.to_string(),
            &o.text,
            o.kind,
            &o.town,
            &o.grp,
            &o.category,
            &o.certificates,
            &o.standards,
        ])
        .map_err(fail)?;
        w.flush().map_err(fail)?;
        drop(w);
        if buf.len() > 1 << 20 {
            copy.send(std::mem::take(&mut buf)).await.map_err(fail)?;
        }
    }
    copy.send(buf).await.map_err(fail)?;
    copy.finish().await.map_err(fail)?;
    for s in [
        "CREATE INDEX m_trgm ON m USING gin (text gin_trgm_ops)",
        "CREATE INDEX m_town_kind ON m (town, kind)",
        "CREATE INDEX m_grp_town ON m (grp, town)",
        "CREATE INDEX m_category ON m (category)",
        "VACUUM ANALYZE m",
    ] {
        sqlx::query(s).execute(&mut conn).await.map_err(fail)?;
    }
    let rate = flat.len() as f64 / started.elapsed().as_secs_f64();
    let mut timing = Timing::default();
    for _ in 0..BASELINE_ROUNDS {
        for (m, q) in mix {
            let t0 = Instant::now();
            let mut binds: Vec<String> = vec![];
            let mut n = 0;
            let text = q.text.trim().to_string();
            let (score, mut cond) = if text.is_empty() {
                ("0.0::float8".to_string(), "1 = 1".to_string())
            } else {
                binds.push(text);
                n += 1;
                ("word_similarity($1, m.text)::float8".to_string(), "$1 <% m.text".to_string())
            };
            let mut ph = || {
                n += 1;
                format!("${n}")
            };
            let filters = sql_filters(q, &mut ph, &mut binds);
            cond = format!("{cond} AND {filters}");
            let sql = format!("SELECT m.id, {score}, m.kind, m.grp, m.town FROM m WHERE {cond}");
            let mut query = sqlx::query(&sql);
            for b in &binds {
                query = query.bind(b);
            }
            let rows = query.fetch_all(&mut conn).await.map_err(fail)?;
            let rows: Vec<(i64, f64, String, String, String)> =
                rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect();
            std::hint::black_box(top_and_facets(rows, true, q.limit));
            timing.by_mix.entry(*m).or_default().push(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }
    conn.close().await.map_err(fail)?;
    Ok((rate, timing))
}

fn dir_size(dir: &std::path::Path) -> f64 {
    let mut total = 0u64;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            total += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total as f64 / (1024.0 * 1024.0)
}

pub async fn run(offers: usize, top: usize, pg: Option<&str>, baselines: bool) -> Result<(), Failure> {
    if offers == 0 {
        return Err(msg("--offers must be at least 1"));
    }
    if top == 0 || top > wujin_match::query::MAX_HITS {
        return Err(msg(format!("--top must be from 1 to {}", wujin_match::query::MAX_HITS)));
    }
    let firms = (offers as f64 / 9.6).ceil() as usize;
    let mut cluster = wujin_demo::generate(wujin_demo::DEFAULT_SEED, firms.max(20));
    cluster.offers.truncate(offers);
    let n = cluster.offers.len();
    eprintln!("corpus: {n} offers of {} organisations", cluster.orgs.len());
    let mix = query_mix(top);

    // wujin: build, score the labelled needs, then drop the corpus before timing queries so
    // the memory figure is the index's and the searcher's.
    let dir = tempfile::tempdir().map_err(fail)?;
    let index = MatchIndex::open(dir.path()).map_err(fail)?;
    let started = Instant::now();
    let docs = docs_for(&cluster.orgs, &cluster.offers);
    for chunk in docs.chunks(10_000) {
        index.upsert(chunk).map_err(fail)?;
    }
    index.commit().map_err(fail)?;
    let build_secs = started.elapsed().as_secs_f64();
    let index_mib = dir_size(dir.path());
    let offers_of: Vec<(u64, &wujin_domain::OfferRecord)> = docs.iter().map(|d| (d.org_id, d.record)).collect();
    let quality = evaluate(&index, &needs(), &offers_of).map_err(fail)?;
    let t = Taxonomy::get();
    let flat: Vec<FlatOffer> = docs
        .iter()
        .map(|d| {
            let r = d.record;
            let cat = t.category(&r.category);
            let specs: Vec<String> = r.specs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            FlatOffer {
                id: d.offer_id as i64,
                text: format!(
                    "{} {} {} {} {} {} {}",
                    r.title,
                    r.title_en.as_deref().unwrap_or(""),
                    cat.map(|c| format!("{} {} {}", c.entry.zh, c.entry.en, c.entry.aliases.join(" ")))
                        .unwrap_or_default(),
                    r.description,
                    specs.join(" "),
                    r.standards.join(" "),
                    d.org_name
                ),
                kind: r.kind.code(),
                town: d.town.unwrap_or("").to_string(),
                grp: t.group_of(&r.category).unwrap_or(&r.category).to_string(),
                category: r.category.clone(),
                certificates: format!("|{}|", d.certificates.join("|")),
                standards: format!("|{}|", r.standards.join("|")),
            }
        })
        .collect();
    drop(offers_of);
    drop(docs);
    drop(cluster);

    // The queries run in a fresh process that only opens the index, as a server does, so
    // its memory is the index's and the searcher's, not the corpus's this process built.
    drop(index);
    let (wujin, rss_serving, peak_serving) = query_in_child(dir.path(), top)?;
    let words = Words::shared();
    let (fts_rate, fts, fts_mib) = if baselines {
        eprintln!("wujin done; SQLite FTS5 trigram next");
        fts5(&flat, &mix, &words).await?
    } else {
        (f64::NAN, Timing::default(), f64::NAN)
    };
    let trgm = match pg.filter(|_| baselines) {
        Some(admin) => {
            eprintln!("PostgreSQL pg_trgm next");
            Some(pg_trgm(admin, &flat, &mix).await?)
        }
        None => None,
    };

    let ms = |v: f64| if v.is_nan() { "-".to_string() } else { format!("{v:.2}") };
    let ratio =
        |a: f64, b: f64| if a.is_nan() || b.is_nan() || a == 0.0 { "-".to_string() } else { format!("{:.0}×", b / a) };
    println!(
        "\nwujin bench search — {n} offers, {} queries (top {top} offers + facet counts each); wujin {ROUNDS} rounds after a warm-up, baselines {BASELINE_ROUNDS}\n",
        mix.len()
    );
    println!(
        "| queries | n | wujin p50 | wujin p95 | wujin p99 | FTS5 p99 | FTS5/wujin | pg_trgm p99 | pg_trgm/wujin |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    // (queries, wujin, FTS5, pg_trgm) latencies, sorted.
    type Latencies = (String, Vec<f64>, Vec<f64>, Vec<f64>);
    let mut rows: Vec<Latencies> = vec![];
    for m in MIXES {
        rows.push((
            m.name().to_string(),
            wujin.mix(m),
            fts.mix(m),
            trgm.as_ref().map(|(_, t)| t.mix(m)).unwrap_or_default(),
        ));
    }
    rows.push(("all".into(), wujin.all(), fts.all(), trgm.as_ref().map(|(_, t)| t.all()).unwrap_or_default()));
    for (name, w, f, g) in &rows {
        let (w99, f99, g99) = (p(w, 0.99), p(f, 0.99), p(g, 0.99));
        println!(
            "| {name} | {} | {} ms | {} ms | {} ms | {} ms | {} | {} ms | {} |",
            w.len() / ROUNDS,
            ms(p(w, 0.5)),
            ms(p(w, 0.95)),
            ms(w99),
            ms(f99),
            ratio(w99, f99),
            ms(g99),
            ratio(w99, g99)
        );
    }
    println!();
    println!("| build | offers/s | on disk |");
    println!("|---|---|---|");
    println!("| wujin (tantivy + jieba) | {:.0} | {index_mib:.0} MiB |", n as f64 / build_secs);
    println!("| SQLite FTS5 trigram | {fts_rate:.0} | {fts_mib:.0} MiB |");
    if let Some((rate, _)) = &trgm {
        println!("| PostgreSQL pg_trgm (COPY + GIN) | {rate:.0} | - |");
    }
    println!();
    println!(
        "memory of the querying process (opens the index, segmenter, searcher; runs the mix): \
         {rss_serving:.0} MiB resident at the end, {peak_serving:.0} MiB at its peak"
    );
    // Where the tail is: the slowest queries by their median time.
    let mut slowest: Vec<(f64, usize)> = wujin
        .by_query
        .iter()
        .map(|(at, times)| {
            let mut t = times.clone();
            t.sort_by(f64::total_cmp);
            (t[t.len() / 2], *at)
        })
        .collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, at) in slowest.iter().take(5) {
        let (m, q) = &mix[*at];
        println!("  slow: {ms:.2} ms ({}) {}", m.name(), describe(q));
    }
    println!(
        "quality: {} labelled needs ({} with firms to find): recall@10 {:.3}, right firm first {:.3}",
        quality.results.len(),
        quality.judged_count(),
        quality.recall_at_10(),
        quality.first_right()
    );
    for r in quality.results.iter().filter(|r| r.relevant > 0 && (r.recall_at_10 < 1.0 || !r.first_right)) {
        println!(
            "  weaker: {} — recall {:.2}, first {}",
            r.text,
            r.recall_at_10,
            if r.first_right { "right" } else { "wrong" }
        );
    }
    Ok(())
}

/// Runs `wujin bench search-worker` on the index in `dir` and reads its timings and memory.
fn query_in_child(dir: &std::path::Path, top: usize) -> Result<(Timing, f64, f64), Failure> {
    let exe = std::env::current_exe().map_err(fail)?;
    let out = std::process::Command::new(exe)
        .args(["bench", "search-worker", "--top", &top.to_string(), "--index"])
        .arg(dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(fail)?;
    if !out.status.success() {
        return Err(msg("the querying process failed"));
    }
    let mut timing = Timing::default();
    let (mut rss, mut hwm) = (f64::NAN, f64::NAN);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        match parts.as_slice() {
            ["memory", r, h] => {
                rss = r.parse().unwrap_or(f64::NAN);
                hwm = h.parse().unwrap_or(f64::NAN);
            }
            [mix, at, ms] => {
                let m = MIXES.into_iter().find(|m| m.name() == *mix);
                if let (Some(m), Ok(at), Ok(ms)) = (m, at.parse::<usize>(), ms.parse::<f64>()) {
                    timing.by_mix.entry(m).or_default().push(ms);
                    timing.by_query.entry(at).or_default().push(ms);
                }
            }
            _ => {}
        }
    }
    Ok((timing, rss, hwm))
}

/// The querying side of `wujin bench search`: opens the index in `dir`, runs the mix as the
/// API does (a page of ten organisations, three offers each explained), prints one line per
/// timed query and its memory.
pub fn worker(dir: &std::path::Path, top: usize) -> Result<(), Failure> {
    let index = MatchIndex::open(dir).map_err(fail)?;
    let mix = query_mix(top);
    let mut total = 0usize;
    let mut out = String::new();
    for round in 0..=ROUNDS {
        for (at, (m, q)) in mix.iter().enumerate() {
            let t0 = Instant::now();
            total += index.search_orgs(q, 0, 10, 3).map_err(fail)?.total;
            if round > 0 {
                out.push_str(&format!("{}\t{at}\t{}\n", m.name(), t0.elapsed().as_secs_f64() * 1000.0));
            }
        }
    }
    std::hint::black_box(total);
    let (rss, hwm) = memory_mib();
    println!("{out}memory\t{rss}\t{hwm}");
    Ok(())
}
