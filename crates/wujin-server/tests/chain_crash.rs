//! The supply graph follows the store and survives a crash: ties imported by another process
//! while the server runs reach its answers through the outbox; the server is killed with
//! SIGKILL right after one more tie is committed, another is committed while it is down, and
//! the restarted server answers with all of them as soon as /healthz says its graph is built.
//! A real server process and a real importer, on both engines.

mod common;
mod process;

use std::time::{Duration, Instant};

use process::{Server, get_as, import, kill, start, stop, until_chain_built};
use wujin_domain::tie::TieSource;
use wujin_store::ties::{NewTie, SupplierRef, today};
use wujin_store::{Store, both_backends};

/// Five firms with sectors and towns; their ids and credit codes.
async fn firms(store: &Store) -> Vec<(i64, String)> {
    let orgs: Vec<_> = wujin_demo::generate(5, 20).orgs.into_iter().take(5).collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    codes.into_iter().map(|c| (ids[&c].0, c)).collect()
}

async fn declare(store: &Store, supplier: i64, customer: i64) {
    let new = NewTie {
        supplier: SupplierRef::Org(supplier),
        customer_org_id: customer,
        input: "parts.casting".into(),
        share: None,
        buffer_weeks: None,
        since: None,
        until: None,
        source: TieSource::Operator,
        declared_by: None,
    };
    store.declare_tie(&new, "test", today()).await.unwrap();
}

/// How many firms the first firm reaches down the chain.
fn reached(server: &Server, org: i64, cookie: &str) -> i64 {
    let v = get_as(server, &format!("/api/v1/orgs/{org}/chain/reach?depth=6"), cookie);
    v["total"].as_i64().unwrap_or_else(|| panic!("{v}"))
}

both_backends! {
    async fn the_graph_follows_imports_and_a_killed_server_rebuilds_it_whole(db) {
        let f = firms(&db.store).await;
        let owner = common::owner(&db.store, "a@chain.example.cn", Some(f[0].0)).await;
        let index = db.dir.path().join("index");
        let server = start(&db.url, &index);
        until_chain_built(&server, 60);
        assert_eq!(reached(&server, f[0].0, &owner.cookie), 0, "no ties yet");

        // Another process imports two ties: a → b → c.
        let csv = db.dir.path().join("ties.csv");
        std::fs::write(&csv, format!(
            "supplier_uscc,customer_uscc,input\n{},{},压铸件\n{},{},压铸件\n", f[0].1, f[1].1, f[1].1, f[2].1
        )).unwrap();
        import(&db.url, "ties", &csv);
        let deadline = Instant::now() + Duration::from_secs(10);
        while reached(&server, f[0].0, &owner.cookie) != 2 {
            assert!(Instant::now() < deadline, "the graph did not follow the import within ten seconds");
            std::thread::sleep(Duration::from_millis(50));
        }

        // c → d is committed and the server dies at once; d → e is committed while it is down.
        declare(&db.store, f[2].0, f[3].0).await;
        kill(server);
        declare(&db.store, f[3].0, f[4].0).await;

        let server = start(&db.url, &index);
        until_chain_built(&server, 60);
        assert_eq!(reached(&server, f[0].0, &owner.cookie), 4, "every committed tie, at once");
        stop(server);
    }
}
