/// What can go wrong in the store. Callers turn `NotFound` and `Conflict` into 404 and
/// 409; everything else is the server's fault and is logged, never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("not found")]
    NotFound,
    #[error("revision conflict: the record is at revision {current}")]
    Conflict { current: i64 },
    #[error("{0}")]
    Unsupported(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}
