//! A machine that dies mid-import loses nothing and half-writes nothing: `wujin import` is
//! killed with SIGKILL at a random point of a large import, the store is exactly as it was
//! before, and running the import again completes it. On both engines, with a real child
//! process.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::Kind;
use wujin_store::Table;
use wujin_store::{Store, both_backends};

const WUJIN: &str = env!("CARGO_BIN_EXE_wujin");
const OFFERS: usize = 30_000;

/// A kill point from the clock's low bits: different every run, printed so a failure can be
/// reproduced by hand.
fn random_step(steps: usize) -> usize {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as usize;
    1 + nanos % steps
}

async fn prepare(db_url: &str, dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    // The source registry: a cluster of about OFFERS offers, exported to CSV.
    let source = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let cluster = wujin_demo::generate(5, OFFERS / 9);
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    wujin_server::transfer::import::write_orgs(
        &source.store,
        &wujin_server::transfer::import::whole(cluster.orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS),
        &opts,
    )
    .await
    .unwrap();
    let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = source.store.org_ids_by_uscc(&codes).await.unwrap();
    wujin_server::transfer::import::write_offers(
        &source.store,
        &wujin_server::transfer::import::whole(cluster.offers.iter().cloned(), wujin_domain::sheet::OFFER_COLUMNS),
        &ids,
        &opts,
    )
    .await
    .unwrap();
    let orgs = dir.join("orgs.csv");
    let offers = dir.join("offers.csv");
    export(&source.store, Kind::Orgs, ExportFormat::Csv, Some(&orgs), true).await.unwrap();
    export(&source.store, Kind::Offers, ExportFormat::Csv, Some(&offers), true).await.unwrap();
    // The target holds the organisations already, so the offers import is the big one.
    let status = Command::new(WUJIN)
        .args(["--db", db_url, "import", "orgs"])
        .arg(&orgs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (orgs, offers)
}

async fn counts(store: &Store) -> (i64, i64, i64) {
    (
        store.count_all(Table::Offers).await.unwrap(),
        store.count_all(Table::Outbox).await.unwrap(),
        store.count_all(Table::Audit).await.unwrap(),
    )
}

both_backends! {
    async fn an_import_killed_midway_leaves_the_store_as_it_was(db) {
        let (_, offers) = prepare(&db.url, db.dir.path()).await;
        let before = counts(&db.store).await;
        assert_eq!(before.0, 0);

        let mut child = Command::new(WUJIN)
            .args(["--db", &db.url, "import", "offers"])
            .arg(&offers)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The importer prints "import: N/M" every thousand rows checked and written inside
        // its one transaction; kill it after a random one of those lines.
        let steps = OFFERS / 1000 - 1;
        let kill_after = random_step(steps);
        eprintln!("killing after write step {kill_after} of {steps}");
        let mut seen = 0;
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            if line.unwrap().starts_with("import: ") {
                seen += 1;
                if seen == kill_after {
                    break;
                }
            }
        }
        assert_eq!(seen, kill_after, "the import reported its progress");
        child.kill().unwrap(); // SIGKILL: no chance to clean up.
        let status = child.wait().unwrap();
        assert!(!status.success());

        assert_eq!(counts(&db.store).await, before, "nothing of the killed import is visible");

        let status = Command::new(WUJIN).args(["--db", &db.url, "import", "offers"]).arg(&offers).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
        assert!(status.success(), "the re-run completes");
        let after = counts(&db.store).await;
        assert!(after.0 as usize >= OFFERS - 10, "{} offers", after.0);
        assert_eq!(after.1, before.1 + after.0, "one outbox row per offer");
        assert_eq!(after.2, before.2 + 1, "one audit row for the one import");
    }
}
