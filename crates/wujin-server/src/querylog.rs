//! Recording searches off the request path.
//!
//! A request hands its query to a bounded channel and returns; one task writes what arrives
//! in batches (every second, or at 500 queries), one transaction per batch. If the store
//! falls so far behind that the channel is full, queries are dropped and counted in the log
//! rather than slowing searches down: the query log is a statistic, not a record anyone
//! relies on. Text is normalised (full-width folded, lower-cased, spaces collapsed, cut at
//! 200 characters) and long digit runs (phone numbers, ids) are masked, so no personal data
//! is kept.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wujin_match::SearchQuery;
use wujin_store::Store;
use wujin_store::queries::QueryRecord;

const CHANNEL: usize = 10_000;
const BATCH: usize = 500;
const EVERY: Duration = Duration::from_secs(1);
const MAX_TEXT: usize = 200;

enum Msg {
    Query(QueryRecord),
    Flush(oneshot::Sender<()>),
}

/// The sending side, cheap to clone into every request.
#[derive(Clone)]
pub struct QueryLog {
    tx: mpsc::Sender<Msg>,
}

/// The text as recorded: what the user meant, without what identifies them.
pub fn normalise(text: &str) -> String {
    let folded = wujin_domain::text::fold(text).to_lowercase();
    let mut out = String::new();
    let mut digits = String::new();
    let flush_digits = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 7 {
            out.push('#');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in folded.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush_digits(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush_digits(&mut digits, &mut out);
    out.chars().take(MAX_TEXT).collect()
}

impl QueryLog {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> QueryLog {
        let (tx, rx) = mpsc::channel(CHANNEL);
        tokio::spawn(write_loop(store, rx));
        QueryLog { tx }
    }

    /// Queues one search; never waits.
    pub fn record(
        &self,
        source: &str,
        q: &SearchQuery,
        filters: &[String],
        hits: usize,
        took: Duration,
        town: Option<String>,
    ) {
        let record = QueryRecord {
            at: wujin_store::now_ms(),
            source: source.to_string(),
            text: normalise(&q.text),
            filters: filters.join("&"),
            hits: hits as i64,
            micros: took.as_micros() as i64,
            town,
        };
        if self.tx.try_send(Msg::Query(record)).is_err() {
            tracing::warn!("query log behind; a query was not recorded");
        }
    }

    /// Writes everything queued so far (tests, shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Msg>) {
    let mut pending: Vec<QueryRecord> = vec![];
    let mut tick = tokio::time::interval(EVERY);
    loop {
        let mut ack = None;
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Query(r)) => {
                    pending.push(r);
                    if pending.len() < BATCH {
                        continue;
                    }
                }
                Some(Msg::Flush(done)) => ack = Some(done),
                None => {
                    write(&store, &mut pending).await;
                    return;
                }
            },
            _ = tick.tick() => {}
        }
        write(&store, &mut pending).await;
        if let Some(done) = ack {
            let _ = done.send(());
        }
    }
}

async fn write(store: &Store, pending: &mut Vec<QueryRecord>) {
    if pending.is_empty() {
        return;
    }
    if let Err(e) = store.log_queries(pending).await {
        tracing::warn!(error = %e, n = pending.len(), "query log not written");
    }
    pending.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_and_phone_numbers_masked() {
        assert_eq!(normalise("  ３０４不锈钢   真空杯 "), "304不锈钢 真空杯");
        assert_eq!(normalise("GB/T 29606 检测 电话13957912345"), "gb/t 29606 检测 电话#");
        assert_eq!(normalise(&"杯".repeat(1000)).chars().count(), MAX_TEXT);
    }
}
