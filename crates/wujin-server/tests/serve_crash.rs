//! The server dies at the worst moments and loses nothing: killed with SIGKILL during its
//! first build of the search index, and killed while an import runs beside it. Each time the
//! restarted server catches up (as /healthz says) and its index holds exactly the store's
//! offers, at the store's last change. A real server process and a real importer on both
//! engines.

mod common;
mod process;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use process::{WUJIN, get, import, kill, start, stop, until_caught_up};
use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::Kind;
use wujin_store::{Backend, Store, Table, both_backends};

const OFFERS: usize = 20_000;

/// The index holds exactly the store's offers, at the store's last change.
async fn index_matches_store(store: &Store, index: &Path) {
    let opened = wujin_match::MatchIndex::open(index).unwrap();
    let (store_id, seq) = opened.position().unwrap().unwrap();
    assert_eq!(store_id, store.store_id().await.unwrap());
    assert_eq!(seq, store.outbox_max_seq().await.unwrap(), "the index stands at the store's last change");
    assert_eq!(opened.num_docs() as i64, store.count_all(Table::Offers).await.unwrap(), "one document per offer");
}

/// A cluster of about OFFERS offers exported to CSV; the organisations imported into `db`.
async fn files(db: &str, dir: &Path) -> std::path::PathBuf {
    let source = wujin_store::testing::fresh(Backend::Sqlite).await;
    let cluster = wujin_demo::generate(7, OFFERS / 9);
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = |c| wujin_server::transfer::import::whole(c, wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(&source.store, &whole(cluster.orgs.iter().cloned()), &opts)
        .await
        .unwrap();
    let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = source.store.org_ids_by_uscc(&codes).await.unwrap();
    let offers =
        wujin_server::transfer::import::whole(cluster.offers.iter().cloned(), wujin_domain::sheet::OFFER_COLUMNS);
    wujin_server::transfer::import::write_offers(&source.store, &offers, &ids, &opts).await.unwrap();
    let (orgs_csv, offers_csv) = (dir.join("orgs.csv"), dir.join("offers.csv"));
    export(&source.store, Kind::Orgs, ExportFormat::Csv, Some(&orgs_csv), true).await.unwrap();
    export(&source.store, Kind::Offers, ExportFormat::Csv, Some(&offers_csv), true).await.unwrap();
    import(db, "orgs", &orgs_csv);
    offers_csv
}

both_backends! {
    async fn a_server_killed_during_its_first_index_build_builds_it_again(db) {
        let offers = files(&db.url, db.dir.path()).await;
        import(&db.url, "offers", &offers);
        let index = db.dir.path().join("index");
        // On PostgreSQL the test holds the offers table, so the build is certainly under way
        // (and stuck) when the server dies; on SQLite it dies right after it starts listening,
        // with twenty thousand offers to index.
        let hold = match db.store.backend() {
            Backend::Postgres => {
                let mut tx = db.store.begin().await.unwrap();
                sqlx::query("LOCK TABLE offers IN ACCESS EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
                Some(tx)
            }
            Backend::Sqlite => None,
        };
        let server = start(&db.url, &index);
        let h = get(&server, "/healthz");
        assert_eq!(h["status"], "ok", "the server answers while its index is built: {h}");
        if hold.is_some() {
            assert_eq!(h["index"], "catching_up", "{h}");
        }
        kill(server);
        if let Some(tx) = hold {
            tx.rollback().await.unwrap();
        }

        let server = start(&db.url, &index);
        until_caught_up(&server, 60);
        stop(server);
        index_matches_store(&db.store, &index).await;
    }

    async fn a_server_killed_while_an_import_runs_loses_no_offer(db) {
        let offers = files(&db.url, db.dir.path()).await;
        let index = db.dir.path().join("index");
        let server = start(&db.url, &index);
        until_caught_up(&server, 60);

        let mut import = Command::new(WUJIN)
            .args(["--db", &db.url, "import", "offers"])
            .arg(&offers)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Kill the server once the importer is writing, halfway through its rows (it prints
        // "import: N/M" every thousand rows checked and written).
        let mut lines = BufReader::new(import.stderr.take().unwrap()).lines();
        let mut written = 0;
        for line in lines.by_ref() {
            if line.unwrap().starts_with("import: ") {
                written += 1;
                if written == OFFERS / 2000 {
                    break;
                }
            }
        }
        assert!(written > 0, "the importer reported its progress");
        kill(server);
        std::thread::spawn(move || for _ in lines {});
        assert!(import.wait().unwrap().success(), "the import completes without the server");
        assert!(db.store.count_all(Table::Offers).await.unwrap() as usize >= OFFERS - 10);

        let server = start(&db.url, &index);
        until_caught_up(&server, 60);
        stop(server);
        index_matches_store(&db.store, &index).await;
    }
}
