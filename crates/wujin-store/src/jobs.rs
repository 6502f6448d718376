//! Jobs that must run once per deployment, however many processes serve the database:
//! webhook delivery, and the sweep that closes demands and pools at their deadline, sends
//! reminders and lapses certificates. Each runs in the one process that holds its lock.

use crate::{Result, Store, StoreError};

/// A job that one process runs for the whole deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Delivering webhooks (one sender, so a change is delivered once).
    Webhooks,
    /// The deadline and reminder sweep (one sweeper, so a deadline is acted on once and a
    /// notice never sent twice in a race).
    Sweep,
}

impl Job {
    /// The advisory lock's key: the job's name in ASCII.
    fn key(self) -> i64 {
        match self {
            Job::Webhooks => 0x7775_6a69_6e2d_7768, // "wujin-wh"
            Job::Sweep => 0x7775_6a69_6e2d_7377,    // "wujin-sw"
        }
    }

    /// The lock file's suffix beside a SQLite database.
    fn file_suffix(self) -> &'static str {
        match self {
            Job::Webhooks => ".webhooks.lock",
            Job::Sweep => ".sweep.lock",
        }
    }
}

/// The right to run a [`Job`] for the whole deployment. On PostgreSQL it is a session
/// advisory lock held on a connection of its own (taken out of the pool, so it goes when the
/// connection or the process goes); several nodes on one database then run the job through
/// one of them. On SQLite it is an exclusive lock on a file beside the database
/// (`<db>.webhooks.lock`, `<db>.sweep.lock`), which the operating system lets go when the
/// process ends: a second `serve` on the same file waits, and takes over when the first
/// stops.
pub struct WorkerLock {
    job: Job,
    hold: Hold,
}

enum Hold {
    Advisory(sqlx::AnyConnection),
    File(std::fs::File),
}

impl WorkerLock {
    /// Whether the lock is still held (its connection still answers).
    pub async fn alive(&mut self) -> bool {
        match &mut self.hold {
            Hold::File(_) => true,
            Hold::Advisory(c) => sqlx::query("SELECT 1").execute(&mut *c).await.is_ok(),
        }
    }

    /// Lets the lock go now (a process that dies lets it go with its connection or file).
    pub async fn release(self) {
        match self.hold {
            Hold::File(f) => drop(f),
            Hold::Advisory(mut c) => {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(self.job.key()).execute(&mut c).await;
                let _ = sqlx::Connection::close(c).await;
            }
        }
    }
}

impl Store {
    /// Takes the lock of `job` if nobody holds it.
    pub async fn try_job_lock(&self, job: Job) -> Result<Option<WorkerLock>> {
        if let Some(db) = &self.file {
            let mut path = db.clone().into_os_string();
            path.push(job.file_suffix());
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| StoreError::Open(format!("{}: {e}", std::path::Path::new(&path).display())))?;
            return match file.try_lock() {
                Ok(()) => Ok(Some(WorkerLock { job, hold: Hold::File(file) })),
                Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                Err(std::fs::TryLockError::Error(e)) => {
                    Err(StoreError::Open(format!("{}: {e}", std::path::Path::new(&path).display())))
                }
            };
        }
        let mut conn = self.pool().acquire().await?.detach();
        let got: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(job.key()).fetch_one(&mut conn).await?;
        Ok(got.then_some(WorkerLock { job, hold: Hold::Advisory(conn) }))
    }
}
