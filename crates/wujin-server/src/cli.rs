//! The `wujin` command line. Every flag can also come from the environment (`WUJIN_DB`,
//! `WUJIN_ADDR`, …), so the same binary runs from a terminal, a service file or a container.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use wujin_domain::{Lang, msg};
use wujin_store::Store;

use crate::messages::say;
use crate::transfer::export::{self, ExportFormat};
use crate::transfer::import::{self, Kind, Options};
use crate::transfer::read::{self, Format};

pub const DEFAULT_DB: &str = "wujin-data/wujin.db";

#[derive(Debug, Parser)]
#[command(
    name = "wujin",
    version,
    about = "wujin: the service platform of an industrial cluster (registry, API, import and export)",
    long_about = "wujin keeps the registry of a cluster's firms and what they offer, and serves it as a JSON API.\n\
                  Without --db it keeps its data in SQLite at ./wujin-data/wujin.db; give a postgres:// URL to use PostgreSQL."
)]
pub struct Cli {
    /// Where the data lives: a SQLite file (created if missing) or a postgres://user:pass@host/db URL.
    #[arg(long, env = "WUJIN_DB", default_value = DEFAULT_DB, global = true)]
    pub db: String,
    /// Language of messages and reports: zh (default) or en.
    #[arg(long, env = "WUJIN_LANG", default_value = "zh", global = true)]
    pub lang: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (JSON API under /api/v1, health at /healthz).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "WUJIN_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo cluster first if the database is empty.
        #[arg(long, env = "WUJIN_DEMO")]
        demo: bool,
        /// Where the search index lives (default: an `index` folder beside the SQLite file,
        /// or wujin-data/index). It is rebuilt from the database when missing.
        #[arg(long, env = "WUJIN_INDEX_DIR")]
        index_dir: Option<PathBuf>,
        /// A reverse proxy in front of the server (repeat, or comma-separate in the
        /// environment): its X-Forwarded-For is believed for per-client sign-in limits.
        #[arg(long = "trusted-proxy", env = "WUJIN_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Let webhooks go to loopback, private and link-local addresses (receivers on the
        /// same network, and tests). Off by default: a subscriber could otherwise make the
        /// server call what only it can reach.
        #[arg(long, env = "WUJIN_WEBHOOK_ALLOW_PRIVATE")]
        webhook_allow_private: bool,
        /// Pages of search results kept between two changes of the index, and answered
        /// again without searching when asked again (0 keeps none). Any change to the index
        /// empties it, so nothing stale is served.
        #[arg(long, env = "WUJIN_SEARCH_CACHE", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(0..=100_000))]
        search_cache: u32,
    },
    /// Rebuild the search index from the database (safe at any time: the index is derived).
    Reindex {
        #[arg(long, env = "WUJIN_INDEX_DIR")]
        index_dir: Option<PathBuf>,
    },
    /// Write the demo cluster (a believable Yongkang, made from a seed) into the database.
    Demo {
        /// The same seed always gives the same cluster.
        #[arg(long, env = "WUJIN_SEED", default_value_t = wujin_demo::DEFAULT_SEED)]
        seed: u64,
        /// About how many organisations (about ten offers each).
        #[arg(long, env = "WUJIN_FIRMS", default_value_t = wujin_demo::DEFAULT_FIRMS)]
        firms: usize,
    },
    /// Copy a live SQLite database to FILE (consistent, opens with --db FILE). For PostgreSQL use pg_dump.
    Backup {
        /// The new file; it must not exist yet.
        file: PathBuf,
    },
    /// Import organisations, offers, supply ties, monthly reports or price series from CSV
    /// (UTF-8 or GBK), XLSX or JSON Lines.
    ///
    /// Every row is checked first. If any row is invalid nothing is written (unless
    /// --skip-invalid) and a report lists row, column, value and what is wrong. Importing
    /// the same file again changes nothing: records are matched on the credit code
    /// (organisations), the external id (offers), the two sides and input (ties, which an
    /// import records as the operator's, confirmed) or the credit code and month (reports:
    /// other figures for a month already reported correct it, keeping the old as history) or
    /// the series code and date (prices: a series is created by the rows that describe it).
    Import {
        /// orgs, offers, ties, reports or prices.
        #[arg(required_unless_present = "template")]
        kind: Option<Kind>,
        /// The file to read (.csv, .xlsx, .jsonl).
        #[arg(required_unless_present = "template")]
        file: Option<PathBuf>,
        /// Write the valid rows even if some are invalid (those are still reported, and
        /// counted on the last line).
        #[arg(long, env = "WUJIN_SKIP_INVALID")]
        skip_invalid: bool,
        /// With --skip-invalid, exit with 3 when rows were skipped (0 otherwise), for scripts
        /// that must notice.
        #[arg(long, requires = "skip_invalid")]
        strict_exit: bool,
        /// Instead of importing, write an empty template for orgs, offers, ties or reports (to --out, default wujin-KIND-template.csv).
        #[arg(long, value_name = "KIND", conflicts_with_all = ["kind", "file"])]
        template: Option<Kind>,
        /// Where --template writes (.csv or .xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write every problem to this CSV file as it is found (the report on screen
        /// lists the first 1,000 and counts the rest).
        #[arg(long, value_name = "FILE", conflicts_with = "template")]
        report: Option<PathBuf>,
    },
    /// Export organisations, offers, the supply ties in the graph or the current monthly
    /// reports, in the format import reads.
    Export {
        /// orgs, offers, ties or reports.
        kind: Kind,
        /// csv (UTF-8 with BOM, Chinese headers), xlsx or jsonl.
        #[arg(long, value_enum, env = "WUJIN_EXPORT_FORMAT", default_value = "csv")]
        format: ExportFormat,
        /// File to write (standard output if not given; XLSX needs a file).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Platform administration, from the machine the platform runs on.
    Admin {
        #[command(subcommand)]
        what: AdminCmd,
    },
    /// What the platform has seen: `wujin stats queries --zero-hits` lists the needs that found nothing.
    Stats {
        #[command(subcommand)]
        what: Stats,
    },
    /// Measure: build a registry of N offers and time import, export and filtered lists
    /// (`wujin bench search` measures search instead).
    Bench {
        #[command(subcommand)]
        what: Option<BenchKind>,
        /// How many offers.
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// Also measure on this PostgreSQL server (a scratch database is created and dropped).
        #[arg(long, env = "WUJIN_BENCH_PG")]
        pg: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Create a platform admin (or, with --officer, an officer of the pilot office, who reads
    /// aggregates and never sealed content), or make an existing account one. The password is
    /// read from WUJIN_ADMIN_PASSWORD or, when that is unset, from the first line of standard
    /// input (never from the command line, where the shell history would keep it).
    Create {
        /// Email address or 11-digit mobile number.
        #[arg(long)]
        login: String,
        /// The name shown for the admin.
        #[arg(long)]
        name: String,
        /// An officer of the pilot office instead of a platform admin.
        #[arg(long)]
        officer: bool,
    },
    /// Set a new password for an account (someone who forgot theirs and has no firm owner to
    /// ask, or a platform admin). Read from WUJIN_ADMIN_PASSWORD or the first line of
    /// standard input, never from the command line. Every session of the account ends; the
    /// reset is audited.
    Password {
        /// The account's email address or mobile number.
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Stats {
    /// Searches and matches as recorded (normalised text, filters, hits).
    Queries {
        /// Only those that found nothing: what people look for and do not find.
        #[arg(long)]
        zero_hits: bool,
        /// How many lines.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchKind {
    /// Index N offers in the demo's words, run a fixed mix of queries, and compare with
    /// SQLite FTS5 (trigram) and PostgreSQL pg_trgm on the same corpus; also score the
    /// labelled needs (recall@10, right firm first).
    Search {
        /// How many offers.
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// Also measure pg_trgm on this PostgreSQL server (a scratch database is created and dropped).
        #[arg(long, env = "WUJIN_BENCH_PG")]
        pg: Option<String>,
        /// Measure wujin only (the baselines take minutes at a million offers).
        #[arg(long)]
        no_baseline: bool,
        /// Offers ranked per query: 80 is a page of ten organisations' worth; the API ranks
        /// 1000, so that organisations keep one order however pages are cut.
        #[arg(long, default_value_t = crate::bench::search::TOP)]
        top: usize,
    },
    /// Write N offers, then read the whole change feed from the start in pages of 1,000 and
    /// stream the JSON Lines export, over HTTP on loopback; then time webhooks to 10
    /// receivers under 100 writes a second, and the worker clearing a backlog. Prints tables.
    Feed {
        /// How many offers.
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// Also measure on this PostgreSQL server (a scratch database is created and dropped).
        #[arg(long, env = "WUJIN_BENCH_PG")]
        pg: Option<String>,
        /// How long webhooks are measured under 100 writes a second.
        #[arg(long, default_value_t = 60)]
        webhook_seconds: u64,
    },
    /// Load a supply graph straight into wujin-chain (generated in the shape of a cluster, or
    /// read from CSV) and time reach, single-source and outage queries, the build and the
    /// memory. Prints a table.
    Chain {
        /// How many firms to generate.
        #[arg(long, default_value_t = 100_000)]
        firms: u32,
        /// How many ties to generate, or an edges CSV (`src,dst,input`) to read with `--nodes`.
        #[arg(long, default_value = "1000000")]
        edges: String,
        /// The generator's seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// A nodes CSV (`id,tier,sector`): read the graph from it and `--edges` instead.
        #[arg(long)]
        nodes: Option<PathBuf>,
    },
    /// 100 concurrent clients book random windows on 50 machines through the HTTP API of a
    /// server on loopback for the given time; prints requests/s, p50 and p99, booked, clashed
    /// (409) and busy (503) counts, and a full overlap scan (which must find none).
    Booking {
        /// How long the clients book.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Also measure on this PostgreSQL server (a scratch database is created and dropped).
        #[arg(long, env = "WUJIN_BENCH_PG")]
        pg: Option<String>,
    },
    /// Write `bench search`'s query mix as `/api/v1/search` paths, one file per group
    /// (short.txt, long.txt, filters.txt, filters-only.txt, english.txt), for loading a
    /// server over HTTP (`bench/http-search-1m`).
    SearchPaths {
        /// The directory to write them into (made if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// The querying half of `bench search`, run in its own process (not for people).
    #[command(hide = true)]
    SearchWorker {
        #[arg(long)]
        index: PathBuf,
        #[arg(long)]
        top: usize,
    },
}

/// A command that failed: what to tell the person, and the exit code (1: the input had
/// problems and nothing was written; 2: the command could not run; 3: with `import
/// --skip-invalid --strict-exit`, the valid rows were written and some rows skipped).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

pub fn msg(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), code: 2 }
}

/// Opens the store, saying plainly what failed.
pub async fn open(db: &str) -> Result<Store, Failure> {
    Store::open(db).await.map_err(|e| msg(format!("{db}: {e}")))
}

/// The index folder when none is named: beside the SQLite file, or under ./wujin-data for
/// PostgreSQL.
pub fn default_index_dir(db: &str) -> PathBuf {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return PathBuf::from("wujin-data/index");
    }
    let path = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")).unwrap_or(db);
    match std::path::Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("index"),
        _ => PathBuf::from("index"),
    }
}

/// Loads the demo cluster; returns (orgs, offers, seconds to generate, seconds to write).
pub async fn load_demo(
    store: &Store,
    seed: u64,
    firms: usize,
    quiet: bool,
) -> Result<(usize, usize, f64, f64), Failure> {
    let t0 = Instant::now();
    let cluster = wujin_demo::generate(seed, firms);
    let generated = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let opts = Options { skip_invalid: false, quiet, actor: "wujin demo".into() };
    import::write_orgs(store, &import::whole(cluster.orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS), &opts)
        .await
        .map_err(|e| msg(e.to_string()))?;
    let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.map_err(|e| msg(e.to_string()))?;
    import::write_offers(
        store,
        &import::whole(cluster.offers.iter().cloned(), wujin_domain::sheet::OFFER_COLUMNS),
        &ids,
        &opts,
    )
    .await
    .map_err(|e| msg(e.to_string()))?;
    // Boxed: each loader's future is large, and a test thread's stack is 2 MiB.
    Box::pin(load_demo_chain(store, &cluster, seed, &ids)).await?;
    Box::pin(load_demo_reports(store, &cluster, seed, &ids)).await?;
    store.analyze().await.map_err(|e| msg(e.to_string()))?;
    Ok((cluster.orgs.len(), cluster.offers.len(), generated, t1.elapsed().as_secs_f64()))
}

/// The demo cluster's monthly reports: two years up to last month, each filed some days
/// after its month ended.
async fn load_demo_reports(
    store: &Store,
    cluster: &wujin_demo::Cluster,
    seed: u64,
    ids: &std::collections::HashMap<String, (i64, Option<String>)>,
) -> Result<(), Failure> {
    let last = wujin_domain::report::Month::of(wujin_store::ties::today()).plus(-1);
    let rows = demo_report_rows(wujin_demo::reports::generate(cluster, seed, last), ids);
    store.load_dated_reports(&rows, "wujin demo").await.map_err(|e| msg(e.to_string()))?;
    // The demo buyer's firm reports too, before the targets take their baselines.
    if let Err(e) = crate::demo_people::flask_reports(store).await {
        tracing::debug!(error = %e.message, "no vacuum-cup maker in this demo cluster to report for");
    }
    Box::pin(crate::targets::demo(store)).await.map_err(|e| msg(e.to_string()))?;
    Ok(())
}

/// A year of searches that found little, for the office's service gaps: needs for testing,
/// design, marketing, finance, logistics and training that the demo catalogue answers poorly,
/// more of some of them lately.
pub async fn load_demo_searches(store: &Store, seed: u64) -> Result<(), Failure> {
    use rand::{Rng, SeedableRng};
    const NEEDS: [(&str, u32, bool); 10] = [
        ("保温杯 跌落试验 CNAS 检测", 14, true),
        ("电动工具 电磁兼容 检测", 10, true),
        ("滑板车 外观专利 设计", 8, false),
        ("跨境电商 代运营", 12, true),
        ("直播带货 运营 团队", 6, false),
        ("设备 融资租赁", 7, false),
        ("小微企业 供应链金融", 5, true),
        ("出口 海运拼箱 物流", 6, false),
        ("数控车床 操作工 培训", 5, false),
        ("众创空间 孵化 场地", 4, false),
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5345_4152);
    let towns: Vec<String> = wujin_domain::Taxonomy::get().towns.iter().map(|t| t.code.clone()).collect();
    let now = wujin_store::now_ms();
    let day = 86_400_000_i64;
    let mut records = vec![];
    for (text, per_quarter, growing) in NEEDS {
        for quarter in 0..4_i64 {
            // Quarter 0 is the latest; a growing need is searched more each quarter.
            let n = if growing { per_quarter * (4 - quarter as u32) / 2 } else { per_quarter };
            for _ in 0..n {
                let at = now - (quarter * 91 + rng.random_range(0..91)) * day;
                records.push(wujin_store::queries::QueryRecord {
                    at,
                    source: "search".into(),
                    text: crate::querylog::normalise(text),
                    filters: String::new(),
                    hits: rng.random_range(0..3),
                    micros: rng.random_range(2_000..30_000),
                    // Most searchers are signed in: their firm's town places the search.
                    town: rng.random_bool(0.7).then(|| towns[rng.random_range(0..towns.len())].clone()),
                });
            }
        }
    }
    store.log_queries(&records).await.map_err(|e| msg(e.to_string()))?;
    Ok(())
}

/// Demo reports as store rows: the firm's id, and the time filed (days after the month's
/// end, at ten in the morning in the cluster).
pub fn demo_report_rows(
    reports: Vec<wujin_demo::reports::DemoReport>,
    ids: &std::collections::HashMap<String, (i64, Option<String>)>,
) -> Vec<(i64, wujin_domain::report::Month, wujin_domain::report::Figures, i64)> {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    reports
        .into_iter()
        .filter_map(|r| {
            let org = ids.get(&r.uscc)?.0;
            let day = r.month.plus(1).day(1) + time::Duration::days(i64::from(r.filed_days_after) - 1);
            let at = day.with_hms(10, 0, 0).ok()?.assume_offset(offset).unix_timestamp() * 1000;
            // A report whose filing day has not come yet is one the firm still owes.
            (at <= wujin_store::now_ms()).then_some((org, r.month, r.figures, at))
        })
        .collect()
}

/// The demo cluster's supply ties (dated back from today) and its firms' visibility choices.
async fn load_demo_chain(
    store: &Store,
    cluster: &wujin_demo::Cluster,
    seed: u64,
    ids: &std::collections::HashMap<String, (i64, Option<String>)>,
) -> Result<(), Failure> {
    use wujin_domain::tie::{Supplier, TieSource};
    use wujin_store::ties::{NewTie, SupplierRef};
    let chain = wujin_demo::ties::generate(cluster, seed);
    let today = wujin_store::ties::today();
    let ago = |days: u32| today - time::Duration::days(i64::from(days));
    let mut ties = Vec::with_capacity(chain.ties.len());
    for t in chain.ties {
        let Some(customer) = ids.get(&t.customer).map(|(id, _)| *id) else { continue };
        let supplier = match t.supplier {
            Supplier::Member { uscc } => match ids.get(uscc.as_str()) {
                Some((id, _)) => SupplierRef::Org(*id),
                None => continue,
            },
            Supplier::Outside { name, region } => SupplierRef::Outside { name, region },
        };
        let new = NewTie {
            supplier,
            customer_org_id: customer,
            input: t.input,
            share: t.share,
            buffer_weeks: t.buffer_weeks,
            since: Some(ago(t.since_days_ago)),
            until: None,
            source: if t.declared_by.is_some() { TieSource::Declared } else { TieSource::Operator },
            declared_by: t.declared_by,
        };
        ties.push((new, ago(t.evidence_days_ago)));
    }
    store.write_dated_ties(&ties, "wujin demo").await.map_err(|e| msg(e.to_string()))?;
    let mut choices: std::collections::BTreeMap<i64, (bool, bool)> = Default::default();
    for code in &chain.public {
        if let Some((id, _)) = ids.get(code) {
            choices.entry(*id).or_default().0 = true;
        }
    }
    for code in &chain.helps {
        if let Some((id, _)) = ids.get(code) {
            choices.entry(*id).or_default().1 = true;
        }
    }
    let choices: Vec<(i64, bool, bool)> = choices.into_iter().map(|(id, (p, h))| (id, p, h)).collect();
    store.set_chain_settings_of(&choices, "wujin demo").await.map_err(|e| msg(e.to_string()))?;
    Ok(())
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let lang = Lang::from_tag(&cli.lang);
    match cli.command {
        Command::Serve { addr, demo, index_dir, trusted_proxies, webhook_allow_private, search_cache } => {
            let dir = index_dir.unwrap_or_else(|| default_index_dir(&cli.db));
            let limit = crate::api::limits::SignInLimit::behind(trusted_proxies);
            let options = crate::serve::Options {
                demo,
                lang,
                sign_in_limit: limit,
                webhook_allow_private,
                search_cache: search_cache as usize,
            };
            crate::serve::serve(&cli.db, addr, &dir, options).await
        }
        Command::Reindex { index_dir } => {
            let dir = index_dir.unwrap_or_else(|| default_index_dir(&cli.db));
            let store = open(&cli.db).await?;
            let index = wujin_match::MatchIndex::open(&dir).map_err(|e| msg(format!("{}: {e}", dir.display())))?;
            let started = Instant::now();
            let mut progress: Option<crate::transfer::progress::Progress> = None;
            let n = wujin_match::follow::rebuild(&store, &index, |done, total| {
                let p =
                    progress.get_or_insert_with(|| crate::transfer::progress::Progress::new("reindex", total, false));
                p.inc(done.saturating_sub(p.done()));
            })
            .await
            .map_err(|e| msg(e.to_string()))?;
            if let Some(p) = &progress {
                p.finish();
            }
            let secs = started.elapsed().as_secs_f64();
            let rate = format!("{:.0}", n as f64 / secs.max(1e-9));
            println!("{}", say(lang, &msg!("reindexed", n, dir.display(), format!("{secs:.1}"), rate)));
            // The supply graph lives in memory only; building it here checks that the store's
            // ties make one, and says how long a start will take over it.
            let started = Instant::now();
            let g = crate::chain::Snapshot::build(&store, wujin_store::ties::today())
                .await
                .map_err(|e| msg(e.to_string()))?;
            let ms = started.elapsed().as_millis();
            println!("{}", say(lang, &msg!("chain_rebuilt", g.ties, g.stale, g.nodes.len(), ms)));
            store.close().await;
            Ok(())
        }
        Command::Demo { seed, firms } => {
            let store = open(&cli.db).await?;
            let (o, f, g, w) = load_demo(&store, seed, firms, false).await?;
            store.close().await;
            let (g, w, rate) = (format!("{g:.2}"), format!("{w:.2}"), format!("{:.0}", f as f64 / w));
            println!("{}", say(lang, &msg!("demo_written", &cli.db, o, f, g, w, rate)));
            Ok(())
        }
        Command::Backup { file } => {
            let store = open(&cli.db).await?;
            store.backup(&file).await.map_err(|e| msg(e.to_string()))?;
            store.close().await;
            println!("{}", say(lang, &msg!("backed_up", file.display())));
            Ok(())
        }
        Command::Import { template: Some(kind), out, .. } => {
            let name = match kind {
                Kind::Orgs => "wujin-orgs-template.csv",
                Kind::Offers => "wujin-offers-template.csv",
                Kind::Ties => "wujin-ties-template.csv",
                Kind::Reports => "wujin-reports-template.csv",
                Kind::Prices => "wujin-prices-template.csv",
                Kind::Standards => "wujin-standards-template.csv",
            };
            let path = out.unwrap_or_else(|| PathBuf::from(name));
            export::template(kind, &path).map_err(|e| msg(e.to_string()))?;
            println!("{}", path.display());
            Ok(())
        }
        Command::Import { kind, file, skip_invalid, strict_exit, report: problems_path, .. } => {
            let (Some(kind), Some(file)) = (kind, file) else { return Err(msg(say(lang, &msg!("import_needs_file")))) };
            let in_file = |e: String| msg(format!("{}: {e}", file.display()));
            let rows = read::open(&file, Format::from_path(&file)).map_err(|e| in_file(e.message(lang)))?;
            let problems = match &problems_path {
                Some(p) => Some(import::ProblemsFile::create(p, lang).map_err(|e| msg(e.message(lang)))?),
                None => None,
            };
            let store = open(&cli.db).await?;
            let opts = Options { skip_invalid, quiet: false, actor: format!("wujin import {}", file.display()) };
            let started = Instant::now();
            let report = import::import_rows(&store, kind, rows, &opts, problems).await;
            store.close().await;
            let report = report.map_err(|e| in_file(e.message(lang)))?;
            let mut out = std::io::stdout().lock();
            import::print_report(&report, lang, problems_path.as_deref(), &mut out).map_err(|e| msg(e.to_string()))?;
            if report.written.is_some() {
                let secs = started.elapsed().as_secs_f64();
                let rate = format!("{:.0}", report.valid as f64 / secs.max(1e-9));
                eprintln!("{}", say(lang, &msg!("rows_timed", report.valid, format!("{secs:.2}"), rate)));
            }
            let (_, peak) = crate::bench::search::memory_mib();
            eprintln!("{}", say(lang, &msg!("peak_memory", format!("{peak:.0}"))));
            if report.written.is_none() {
                return Err(Failure { message: String::new(), code: 1 });
            }
            if strict_exit && report.bad_rows() > 0 {
                return Err(Failure { message: String::new(), code: 3 });
            }
            Ok(())
        }
        Command::Export { kind, format, out } => {
            let store = open(&cli.db).await?;
            let started = Instant::now();
            let n =
                export::export(&store, kind, format, out.as_deref(), false).await.map_err(|e| msg(e.to_string()))?;
            store.close().await;
            let secs = started.elapsed().as_secs_f64();
            let rate = format!("{:.0}", n as f64 / secs.max(1e-9));
            eprintln!("{}", say(lang, &msg!("rows_timed", n, format!("{secs:.2}"), rate)));
            Ok(())
        }
        Command::Bench { what: None, offers, pg } => crate::bench::run(offers, pg.as_deref()).await,
        Command::Bench { what: Some(BenchKind::Search { offers, pg, no_baseline, top }), .. } => {
            crate::bench::search::run(offers, top, pg.as_deref(), !no_baseline).await
        }
        Command::Bench { what: Some(BenchKind::SearchWorker { index, top }), .. } => {
            crate::bench::search::worker(&index, top)
        }
        Command::Bench { what: Some(BenchKind::SearchPaths { out }), .. } => crate::bench::search::write_paths(&out),
        Command::Bench { what: Some(BenchKind::Booking { seconds, pg }), .. } => {
            crate::bench::booking::run(seconds, pg.as_deref()).await
        }
        Command::Bench { what: Some(BenchKind::Chain { firms, edges, seed, nodes }), .. } => {
            crate::bench::chain::run(firms, &edges, seed, nodes.as_deref())
        }
        Command::Bench { what: Some(BenchKind::Feed { offers, pg, webhook_seconds }), .. } => {
            crate::bench::feed::run(offers, pg.as_deref(), webhook_seconds).await
        }
        Command::Admin { what: AdminCmd::Create { login, name, officer } } => {
            let store = open(&cli.db).await?;
            let result = create_admin(&store, &login, &name, officer, lang).await;
            store.close().await;
            println!("{}", result?);
            Ok(())
        }
        Command::Admin { what: AdminCmd::Password { login } } => {
            let store = open(&cli.db).await?;
            let result = reset_password(&store, &login, lang).await;
            store.close().await;
            println!("{}", result?);
            Ok(())
        }
        Command::Stats { what: Stats::Queries { zero_hits, limit } } => {
            let store = open(&cli.db).await?;
            let out = stats_queries(&store, zero_hits, limit, lang).await;
            store.close().await;
            print!("{}", out?);
            Ok(())
        }
    }
}

/// The query statistics as a plain table.
async fn stats_queries(store: &Store, zero_hits: bool, limit: i64, lang: Lang) -> Result<String, Failure> {
    use std::fmt::Write;
    let total = store.count_queries().await.map_err(|e| msg(e.to_string()))?;
    let mut out = String::new();
    if !zero_hits {
        let _ = writeln!(out, "{}", say(lang, &msg!("searches_recorded", total)));
        return Ok(out);
    }
    let rows = store.zero_hit_queries(limit.clamp(1, 10_000)).await.map_err(|e| msg(e.to_string()))?;
    if rows.is_empty() {
        let _ = writeln!(out, "{}", say(lang, &msg!("no_zero_hits")));
        return Ok(out);
    }
    let _ = writeln!(out, "{}", say(lang, &msg!("zero_hits_header")));
    for r in rows {
        let last = time::OffsetDateTime::from_unix_timestamp(r.last_at / 1000)
            .map(|t| format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute()))
            .unwrap_or_default();
        let _ = writeln!(out, "{}\t{}\t{}\t{}", r.times, last, r.text, r.filters);
    }
    Ok(out)
}

/// The password an operator gives: WUJIN_ADMIN_PASSWORD, else the first line of standard input.
fn admin_password() -> Result<String, Failure> {
    match std::env::var("WUJIN_ADMIN_PASSWORD") {
        Ok(p) => Ok(p),
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| msg(e.to_string()))?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
    }
}

/// `wujin admin password`: a new password for an existing account; its sessions end.
async fn reset_password(store: &Store, login: &str, lang: Lang) -> Result<String, Failure> {
    use wujin_domain::account::{Login, check_password};
    let bad = |e: wujin_domain::FieldError| Failure { message: format!("{}: {}", e.field, e.message(lang)), code: 1 };
    let login = Login::parse(login).map_err(bad)?;
    let Some(account) = store.account_by_login(login.as_str()).await.map_err(|e| msg(e.to_string()))? else {
        return Err(Failure { message: say(lang, &msg!("no_such_login", login.as_str())), code: 1 });
    };
    let password = admin_password()?;
    check_password(&password).map_err(bad)?;
    let hash = crate::api::accounts::hash_password_now(&password).map_err(|e| msg(e.to_string()))?;
    store.reset_password(account.id, &hash, false, "cli", None).await.map_err(|e| msg(e.to_string()))?;
    Ok(say(lang, &msg!("password_reset_done", login.as_str())))
}

/// `wujin admin create`: the account (made if missing) becomes a platform admin.
async fn create_admin(store: &Store, login: &str, name: &str, officer: bool, lang: Lang) -> Result<String, Failure> {
    use wujin_domain::account::{Login, check_name, check_password};
    let bad = |e: wujin_domain::FieldError| Failure { message: format!("{}: {}", e.field, e.message(lang)), code: 1 };
    let login = Login::parse(login).map_err(bad)?;
    let name = check_name(name).map_err(bad)?;
    let existing = store.account_by_login(login.as_str()).await.map_err(|e| msg(e.to_string()))?;
    let id = match existing {
        Some(a) => a.id,
        None => {
            let password = admin_password()?;
            check_password(&password).map_err(bad)?;
            let hash = crate::api::accounts::hash_password_now(&password).map_err(|e| msg(e.to_string()))?;
            store
                .create_account(login.as_str(), &name, &hash)
                .await
                .map_err(|e| msg(e.to_string()))?
                .ok_or_else(|| msg(say(lang, &msg!("login_raced"))))?
        }
    };
    if officer {
        store.make_officer(id).await.map_err(|e| msg(e.to_string()))?;
    } else {
        store.make_platform_admin(id).await.map_err(|e| msg(e.to_string()))?;
    }
    let m = if officer { msg!("now_officer", login.as_str(), id) } else { msg!("now_admin", login.as_str(), id) };
    Ok(say(lang, &m))
}
