//! Fresh databases for tests, on both engines, so the same test body runs twice.
//!
//! PostgreSQL tests use the server named by `WUJIN_TEST_PG` (default
//! `postgres://wujin:wujin@127.0.0.1:5432/postgres`, what `.ci/run` sets up) and create a new
//! database per test. If no server answers, the test fails and says so: a PostgreSQL test
//! that quietly passes without PostgreSQL would prove nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;

use crate::{Backend, Store};

pub const DEFAULT_PG: &str = "postgres://wujin:wujin@127.0.0.1:5432/postgres";

/// A store on a database nobody else uses; the SQLite file lives as long as this value.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// The PostgreSQL server the tests use.
pub fn pg_admin_url() -> String {
    std::env::var("WUJIN_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

/// A new empty database URL on `backend` (the SQLite file is inside `dir`).
pub async fn fresh_url(backend: Backend, dir: &std::path::Path) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    match backend {
        Backend::Sqlite => dir.join("wujin.db").display().to_string(),
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!(
                "wujin_t_{}_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst),
                crate::now_ms() % 1_000_000
            );
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL tests need a server at {admin} (set WUJIN_TEST_PG; .ci/run starts one): {e}")
            });
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

pub async fn fresh(backend: Backend) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_url(backend, dir.path()).await;
    let store = Store::open(&url).await.expect("open test store");
    TestDb { store, url, dir }
}

/// Writes each test body twice: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = $crate::testing::fresh($crate::Backend::Sqlite).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $db = $crate::testing::fresh($crate::Backend::Postgres).await;
                $body
            }
        }
    )*};
}
