//! The search index follows the store across a crash: the server is killed with SIGKILL,
//! offers are committed while it is down, and the restarted server listens at once, says on
//! /healthz that its index is catching up (and by how much), then that it has caught up, and
//! from then on finds both what it had indexed and what it missed. The position it resumes
//! from is the one committed with the index. Searches made before a graceful stop are in
//! the query log. A real server process on both engines.

mod common;
mod process;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use process::{Server, WUJIN, get, import, kill, start, stop, until_caught_up};
use wujin_store::both_backends;

fn search(server: &Server, q: &str) -> u64 {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    get(server, &format!("/api/v1/search?q={q}"))["offers_total"].as_u64().unwrap()
}

/// Waits for the follower (it applies the outbox four times a second), failing after ten seconds.
fn until_found(server: &Server, q: &str, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while search(server, q) != n {
        assert!(Instant::now() < deadline, "{q}: not {n} hits within ten seconds");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn offers_csv(path: &Path, uscc: &str, word: &str, n: usize) {
    let mut csv = String::from("外部编号,统一社会信用代码,类型,标题,类目,描述\n");
    for i in 0..n {
        csv.push_str(&format!("{word}-{i},{uscc},产品,{word}牌真空保温杯 {i}号,保温杯,{word}系列\n"));
    }
    std::fs::write(path, csv).unwrap();
}

both_backends! {
    async fn a_killed_server_resumes_indexing_where_its_index_stands(db) {
        common::with_demo(&db.store).await;
        let (orgs, _) = db.store.list_orgs(&Default::default(), None, 1).await.unwrap();
        let uscc = orgs[0].record.uscc.to_string();
        let dir = db.dir.path();
        let index = dir.join("index");
        offers_csv(&dir.join("a.csv"), &uscc, "火星", 3);
        offers_csv(&dir.join("b.csv"), &uscc, "金星", 2);

        let server = start(&db.url, &index);
        import(&db.url, "offers", &dir.join("a.csv"));
        until_found(&server, "火星", 3);
        kill(server);

        // Committed while nobody indexes.
        import(&db.url, "offers", &dir.join("b.csv"));

        // On PostgreSQL the test holds the offers table, so the restarted index cannot read
        // the offers it missed: /healthz must say so, and the server must answer meanwhile.
        let hold = match db.store.backend() {
            wujin_store::Backend::Postgres => {
                let mut tx = db.store.begin().await.unwrap();
                sqlx::query("LOCK TABLE offers IN ACCESS EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
                Some(tx)
            }
            wujin_store::Backend::Sqlite => None,
        };
        let server = start(&db.url, &index);
        if let Some(tx) = hold {
            let h = get(&server, "/healthz");
            assert_eq!((h["status"].as_str(), h["index"].as_str()), (Some("ok"), Some("catching_up")), "{h}");
            assert!(h["behind"].as_i64().unwrap() >= 2, "two offers' changes to apply: {h}");
            tx.rollback().await.unwrap();
        }
        until_caught_up(&server, 20);
        assert_eq!(search(&server, "金星"), 2, "found once caught up");
        assert_eq!(search(&server, "火星"), 3, "what was indexed before the crash is still there");
        assert_eq!(search(&server, "木星"), 0);
        stop(server);

        let opened = wujin_match::MatchIndex::open(&index).unwrap();
        let (store_id, seq) = opened.position().unwrap().unwrap();
        assert_eq!(store_id, db.store.store_id().await.unwrap());
        assert_eq!(seq, db.store.outbox_max_seq().await.unwrap(), "the committed position is the store's last event");

        let out = Command::new(WUJIN).args(["--db", &db.url, "--lang", "en", "stats", "queries", "--zero-hits"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(text.lines().any(|l| l.contains("木星")), "{text}");
        assert!(!text.contains("金星"), "{text}");
    }
}
