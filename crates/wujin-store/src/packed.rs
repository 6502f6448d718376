//! Many rows read at once, in the way each engine hands them over fastest.
//!
//! On SQLite, sqlx runs each connection on a worker thread and sends every row to the async
//! side as a message, and its `Any` driver copies and converts every value: reading a page
//! of a thousand offers took about 15 ms, of which SQLite's own work was a fifth. So a large
//! read asks SQLite to render its rows as one JSON array of arrays (`json_group_array`): one
//! value crosses over, and serde reads each inner array into a struct whose fields are the
//! columns in order. A page of offers then takes about 5 ms.
//!
//! PostgreSQL is the other way round: building JSON costs it more (about 12 ms for a thousand
//! offers) than sending the plain rows (4 ms), so there the rows are read as they are, into
//! the same struct by column name.
//!
//! Only for columns of text and integers: a JSON number holds an `i64` exactly when serde
//! reads it back, and a text column that holds JSON (specs, standards) stays a string.

use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow};

use crate::{Backend, Result, Sql, StoreError};

/// A read of many rows. Push the inner query (its text and binds) into [`Packed::sql`],
/// whose select list outputs the struct's fields, then [`Packed::fetch`].
pub(crate) struct Packed {
    pub sql: Sql,
    backend: Backend,
}

impl Packed {
    /// `columns` is the comma list of names the inner query outputs, in the order of the
    /// struct's fields; `order` (one of them) orders the rows on SQLite, where the JSON
    /// array is built. On PostgreSQL the inner query's own order holds.
    pub(crate) fn open(backend: Backend, columns: &str, order: &str) -> Packed {
        let head = match backend {
            Backend::Sqlite => {
                format!("SELECT COALESCE(json_group_array(json_array({columns}) ORDER BY {order}), '[]') FROM (")
            }
            Backend::Postgres => String::new(),
        };
        Packed { sql: Sql::new(backend, &head), backend }
    }

    pub(crate) async fn fetch<'c, T, E>(self, e: E) -> Result<Vec<T>>
    where
        T: DeserializeOwned + for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        let mut sql = self.sql;
        match self.backend {
            Backend::Sqlite => {
                sql.push(") packed");
                let text = sql.fetch_one_text(e).await?;
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("packed rows: {e}")))
            }
            Backend::Postgres => Ok(sql.fetch_all_as(e).await?),
        }
    }
}
