//! wujin's store: the single source of truth.
//!
//! One schema, one set of queries, two engines: SQLite (embedded, the default) and
//! PostgreSQL (production). Queries are written once with `$N` placeholders, which both
//! engines read, and run through sqlx's `Any` driver; only the migrations differ per engine
//! (identity columns). Every write that matters happens in one transaction together with
//! its audit row and its outbox rows, so derived views (search index, graph, metrics) can
//! follow the store and a crash never leaves half a change behind.

pub mod accounts;
pub mod accreditations;
pub mod audit;
pub mod capacity;
pub mod certificates;
pub mod declarations;
pub mod demands;
pub mod departments;
pub mod engagements;
mod english;
mod error;
pub mod files;
pub mod gaps;
pub mod inbox;
pub mod invitations;
pub mod jobs;
pub mod labs;
pub mod memberships;
pub mod offers;
pub mod orgs;
pub mod outbox;
pub mod overview;
mod packed;
pub mod pools;
pub mod prices;
pub mod problems;
pub mod queries;
pub mod reports;
pub mod reputation;
pub mod responses;
mod sql;
pub mod standards;
pub mod targets;
pub mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
pub mod ties;
pub mod tokens;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use error::StoreError;
pub use sql::Sql;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The database file, on SQLite (locks beside it say which process does what).
    file: Option<std::path::PathBuf>,
    /// Young holes in the outbox sequence this process's readers met (PostgreSQL).
    holes: std::sync::Arc<std::sync::Mutex<outbox::Holes>>,
}

/// Milliseconds since the epoch, the one time format in the schema.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The engine behind a connection (inside a transaction the store handle is not at hand).
pub fn backend_of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") { Backend::Sqlite } else { Backend::Postgres }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `url` is `postgres://…`, `sqlite://path`, or a plain file path, which means SQLite.
    /// SQLite connections get WAL, foreign keys, a busy timeout and `synchronous=NORMAL`
    /// (safe with WAL: a power cut may lose the last commits, never corrupt the file).
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend, file) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (url.to_string(), Backend::Postgres, None)
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            if let Some(dir) = Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Open(format!("{}: {e}", dir.display())))?;
            }
            (format!("sqlite://{path}?mode=rwc"), Backend::Sqlite, Some(std::path::PathBuf::from(path)))
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Open(e.to_string()))?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                             PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let store = Store { pool, backend, file, holes: Default::default() };
        store.migrate().await?;
        store.seed_standards(&wujin_domain::standard::Library::seed()).await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(|e| StoreError::Open(format!("migration: {e}")))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing
    /// half-way when a read lock cannot be upgraded. On PostgreSQL it takes its transaction
    /// id at once, in the same round trip, so that it shows in every snapshot's list of
    /// running transactions before it takes an outbox number (see [`outbox::Holes`]).
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin_with("BEGIN; SELECT pg_current_xact_id()").await?,
        };
        Ok(tx)
    }

    /// Whether the database answers; `/healthz` reports this.
    pub async fn healthy(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Refreshes the planner's statistics after a bulk load, so list queries pick the
    /// selective index. On PostgreSQL it also vacuums, which marks the new pages all-visible:
    /// until then every index-only count visits the table too.
    pub async fn analyze(&self) -> Result<()> {
        let statement = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM ANALYZE",
        };
        sqlx::query(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// Statistics refreshed (as [`Store::analyze`]) and a bulk load's pages written out: a
    /// checkpoint on PostgreSQL, the write-ahead log folded back on SQLite. Benchmarks call it
    /// between loading and timing, so that reads are not timed against the engine still
    /// flushing the load in the background.
    pub async fn settle(&self) -> Result<()> {
        self.analyze().await?;
        let statement = match self.backend {
            Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
            Backend::Postgres => "CHECKPOINT",
        };
        sqlx::query(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// Writes a consistent copy of a live SQLite database to `dest` (which must not exist)
    /// with `VACUUM INTO`; the copy opens as an ordinary database. PostgreSQL has pg_dump.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Unsupported(
                "backup of PostgreSQL: use pg_dump (for example pg_dump -Fc -f wujin.dump DBNAME)".into(),
            ));
        }
        if dest.exists() {
            return Err(StoreError::Unsupported(format!("{} exists already; choose a new file", dest.display())));
        }
        let path = dest.to_str().ok_or_else(|| StoreError::Unsupported("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(path.to_string()).execute(&self.pool).await?;
        Ok(())
    }

    /// How many rows a table holds (reports, tests).
    pub async fn count_all(&self, table: Table) -> Result<i64> {
        let text = match table {
            Table::Orgs => "SELECT COUNT(*) FROM orgs",
            Table::Offers => "SELECT COUNT(*) FROM offers",
            Table::Outbox => "SELECT COUNT(*) FROM outbox",
            Table::Audit => "SELECT COUNT(*) FROM audit",
        };
        Ok(sqlx::query_scalar(text).fetch_one(self.pool()).await?)
    }

    /// Waits for running queries and closes every connection (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Appends an audit row inside the caller's transaction.
    pub async fn audit(
        tx: &mut Tx,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        Store::audit_for(tx, None, actor, action, entity, entity_id, detail).await
    }

    /// Appends an audit row that belongs to organisation `org` (which reads it on `GET /audit`).
    pub async fn audit_for(
        tx: &mut Tx,
        org: Option<i64>,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (at, actor, action, entity, entity_id, detail, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(now_ms())
            .bind(actor.to_string())
            .bind(action.to_string())
            .bind(entity.to_string())
            .bind(entity_id)
        .bind(detail.to_string())
        .bind(org)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// A fingerprint of a record's content. An upsert only rewrites (and bumps the revision of)
/// a row whose fingerprint changed, so re-importing the same file changes nothing. The
/// hasher is std's SipHash: should a Rust release change it, the only effect is that the
/// next import rewrites identical rows once.
pub fn content_hash<T: serde::Serialize>(value: &T) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(value).unwrap_or_default().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// How many rows one batched statement carries: enough to amortise the round trip, few
/// enough to stay under both engines' limits on bound values (SQLite 32,766; PostgreSQL
/// 65,535). PostgreSQL pays a network round trip per statement, so it takes larger batches.
pub(crate) fn batch(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 200,
        Backend::Postgres => 1000,
    }
}

/// What an upsert did: rows new, rows changed, rows identical to what was stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct UpsertStats {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertStats {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Tables whose size is worth reporting.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Orgs,
    Offers,
    Outbox,
    Audit,
}
