//! The query log: every search and match, normalised, with its filters, how many offers it
//! found and how long it took. Written in batches off the request path; read by the pilot
//! office to see what people look for and do not find.

use sqlx::Row;

use crate::{Result, Sql, Store, batch};

/// One search as recorded. `text` is already normalised and free of personal data (see
/// the server's query log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRecord {
    pub at: i64,
    /// search or match
    pub source: String,
    pub text: String,
    /// The filters as `name=value`, `&`-joined, in a fixed order.
    pub filters: String,
    pub hits: i64,
    pub micros: i64,
    /// The town of the signed-in searcher's firm; none for a visitor.
    pub town: Option<String>,
}

/// A need searched for that found nothing, with how often and when last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroHits {
    pub text: String,
    pub filters: String,
    pub times: i64,
    pub last_at: i64,
}

impl Store {
    /// Writes a batch of queries in one transaction.
    pub async fn log_queries(&self, records: &[QueryRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for chunk in records.chunks(batch(self.backend)) {
            let mut sql =
                Sql::new(self.backend, "INSERT INTO query_log (at, source, text, filters, hits, micros, town) VALUES ");
            for (i, r) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(r.at).push(", ").bind(r.source.clone()).push(", ").bind(r.text.clone()).push(", ");
                sql.bind(r.filters.clone()).push(", ").bind(r.hits).push(", ").bind(r.micros).push(", ");
                sql.bind(r.town.clone()).push(")");
            }
            sql.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The needs that found nothing, most often asked first.
    pub async fn zero_hit_queries(&self, limit: i64) -> Result<Vec<ZeroHits>> {
        let rows = sqlx::query(
            "SELECT text, filters, COUNT(*) AS times, MAX(at) AS last_at FROM query_log WHERE hits = 0 AND TRIM(text) <> '' \
             GROUP BY text, filters ORDER BY times DESC, last_at DESC, text LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ZeroHits {
                    text: r.try_get("text")?,
                    filters: r.try_get("filters")?,
                    times: r.try_get("times")?,
                    last_at: r.try_get("last_at")?,
                })
            })
            .collect()
    }

    /// How many queries are recorded.
    pub async fn count_queries(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM query_log").fetch_one(self.pool()).await?)
    }
}
