//! The index follows the store: a committed change is searchable after the follower's next
//! round, the applied position survives a restart, and a rebuild gives the same index.

use wujin_domain::sheet::{Cells, offer_from_cells, org_from_cells};
use wujin_domain::{OfferKind, OfferRecord, OrgRecord, Uscc};
use wujin_match::follow::{catch_up, rebuild};
use wujin_match::{MatchIndex, SearchQuery};
use wujin_store::offers::OfferFilter;
use wujin_store::{Store, both_backends, offers, orgs};

fn org(town: &str) -> OrgRecord {
    let uscc = Uscc::complete("91330784MA2HD0009").unwrap().to_string();
    let cells = Cells(
        [("uscc", uscc), ("name", "永康市恒达杯业有限公司".to_string()), ("town", town.to_string())]
            .into_iter()
            .collect(),
    );
    org_from_cells(&cells).unwrap()
}

fn offer(ext: &str, title: &str, category: &str) -> OfferRecord {
    let uscc = Uscc::complete("91330784MA2HD0009").unwrap().to_string();
    let cells = Cells(
        [("external_id", ext.to_string()), ("org_uscc", uscc), ("title", title.into()), ("category", category.into())]
            .into_iter()
            .collect(),
    );
    offer_from_cells(&cells).unwrap()
}

async fn write(store: &Store, o: &OrgRecord, f: &[OfferRecord]) {
    let mut tx = store.begin().await.unwrap();
    orgs::upsert(&mut tx, std::slice::from_ref(o)).await.unwrap();
    tx.commit().await.unwrap();
    let ids = store.org_ids_by_uscc(&[o.uscc.to_string()]).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    offers::upsert(&mut tx, f, &ids).await.unwrap();
    tx.commit().await.unwrap();
}

fn found(index: &MatchIndex, text: &str, town: Option<&str>) -> usize {
    index
        .search(&SearchQuery { text: text.into(), town: town.map(String::from), limit: 10, ..Default::default() })
        .unwrap()
        .total
}

both_backends! {
    async fn committed_changes_become_searchable(db) {
        let index = MatchIndex::in_memory().unwrap();
        write(&db.store, &org("330784112"), &[offer("A", "304不锈钢真空保温杯", "保温杯"), offer("B", "甲级防盗门", "防盗门")]).await;
        assert_eq!(found(&index, "保温杯", None), 0);
        let applied = catch_up(&db.store, &index).await.unwrap();
        assert_eq!(applied, 3, "one org and two offers");
        assert_eq!(index.applied_seq().unwrap(), db.store.outbox_max_seq().await.unwrap());
        assert_eq!(found(&index, "保温杯", None), 1);

        write(&db.store, &org("330784112"), &[offer("A", "316不锈钢焖烧杯", "焖烧杯")]).await;
        assert_eq!(catch_up(&db.store, &index).await.unwrap(), 1);
        assert_eq!(found(&index, "保温杯", None), 0, "the old title is gone");
        assert_eq!(found(&index, "焖烧杯", None), 1);
        assert_eq!(catch_up(&db.store, &index).await.unwrap(), 0, "nothing new, nothing applied");
    }

    async fn a_moved_organisation_moves_its_offers_in_the_index(db) {
        let index = MatchIndex::in_memory().unwrap();
        write(&db.store, &org("330784112"), &[offer("A", "保温杯", "保温杯")]).await;
        catch_up(&db.store, &index).await.unwrap();
        assert_eq!(found(&index, "保温杯", Some("330784112")), 1);
        write(&db.store, &org("330784001"), &[]).await;
        catch_up(&db.store, &index).await.unwrap();
        assert_eq!(found(&index, "保温杯", Some("330784112")), 0);
        assert_eq!(found(&index, "保温杯", Some("330784001")), 1);
    }

    async fn filters_and_facets_agree_with_the_store(db) {
        let cluster = wujin_demo::generate(7, 80);
        let mut tx = db.store.begin().await.unwrap();
        orgs::upsert(&mut tx, &cluster.orgs).await.unwrap();
        tx.commit().await.unwrap();
        let codes: Vec<String> = cluster.orgs.iter().map(|o| o.uscc.to_string()).collect();
        let ids = db.store.org_ids_by_uscc(&codes).await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        offers::upsert(&mut tx, &cluster.offers, &ids).await.unwrap();
        tx.commit().await.unwrap();
        let index = MatchIndex::in_memory().unwrap();
        catch_up(&db.store, &index).await.unwrap();

        let towns: std::collections::BTreeSet<String> = cluster.orgs.iter().filter_map(|o| o.town.clone()).collect();
        let mut compared = 0;
        for town in towns {
            let q = SearchQuery { town: Some(town.clone()), facets: true, limit: 10, ..Default::default() };
            let r = index.search(&q).unwrap();
            let facets = r.facets.unwrap();
            let all = OfferFilter { town: Some(town.clone()), ..Default::default() };
            assert_eq!(Some(r.total as i64), db.store.count_offers(&all, 1_000_000).await.unwrap(), "{town}");
            for kind in [OfferKind::Product, OfferKind::Service, OfferKind::Capacity] {
                let f = OfferFilter { kind: Some(kind), ..all.clone() };
                let stored = db.store.count_offers(&f, 1_000_000).await.unwrap().unwrap();
                assert_eq!(facets.count("kind", kind.code()) as i64, stored, "{town} {kind:?}");
                compared += 1;
            }
            for (standard, n) in facets.get("standard") {
                let f = OfferFilter { standard: Some(standard.clone()), ..all.clone() };
                assert_eq!(Some(*n as i64), db.store.count_offers(&f, 1_000_000).await.unwrap(), "{town} {standard}");
                compared += 1;
            }
        }
        assert!(compared > 20, "{compared} counts compared");
    }

    async fn the_applied_position_survives_a_restart_and_a_rebuild_matches(db) {
        let dir = tempfile::tempdir().unwrap();
        write(&db.store, &org("330784112"), &[offer("A", "保温杯", "保温杯"), offer("B", "角磨机", "角磨机")]).await;
        {
            let index = MatchIndex::open(dir.path()).unwrap();
            catch_up(&db.store, &index).await.unwrap();
        }
        write(&db.store, &org("330784112"), &[offer("C", "绿篱机", "修枝机")]).await;
        let index = MatchIndex::open(dir.path()).unwrap();
        assert_eq!(found(&index, "角磨机", None), 1, "the index on disk kept its documents");
        assert_eq!(catch_up(&db.store, &index).await.unwrap(), 1, "only the new event is applied");
        assert_eq!(found(&index, "绿篱机", None), 1);

        let mut seen = vec![];
        let n = rebuild(&db.store, &index, |done, total| seen.push((done, total))).await.unwrap();
        assert_eq!(n, 3);
        assert_eq!(seen.last(), Some(&(3, 3)));
        assert_eq!(index.num_docs(), 3);
        assert_eq!(index.applied_seq().unwrap(), db.store.outbox_max_seq().await.unwrap());
        assert_eq!(found(&index, "绿篱机", None), 1);
    }
}

#[tokio::test]
async fn an_index_ahead_of_a_restored_backup_or_from_another_store_is_rebuilt() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    write(&db.store, &org("330784112"), &[offer("A", "保温杯", "保温杯")]).await;
    let backup = db.dir.path().join("backup.db");
    db.store.backup(&backup).await.unwrap();
    write(&db.store, &org("330784112"), &[offer("B", "角磨机", "角磨机")]).await;

    let index = MatchIndex::in_memory().unwrap();
    assert!(wujin_match::follow::prepare(&db.store, &index).await.unwrap(), "a new index is built");
    assert!(!wujin_match::follow::prepare(&db.store, &index).await.unwrap(), "a current one is kept");
    assert_eq!(found(&index, "角磨机", None), 1);

    // The database is restored from the backup: the index is ahead of it.
    let restored = Store::open(backup.to_str().unwrap()).await.unwrap();
    assert!(wujin_match::follow::prepare(&restored, &index).await.unwrap());
    assert_eq!(found(&index, "角磨机", None), 0, "what the restored store lacks is gone from the index");
    assert_eq!(found(&index, "保温杯", None), 1);

    // Another database altogether.
    let other = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    assert!(wujin_match::follow::prepare(&other.store, &index).await.unwrap());
    assert_eq!(index.num_docs(), 0);
}

#[tokio::test]
async fn an_index_written_by_another_version_is_rebuilt() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    write(&db.store, &org("330784112"), &[offer("A", "304不锈钢真空保温杯", "保温杯")]).await;
    let dir = db.dir.path().join("index");
    {
        let index = MatchIndex::open(&dir).unwrap();
        assert!(wujin_match::follow::prepare(&db.store, &index).await.unwrap());
    }
    // An older wujin wrote this folder (other fields, other cutting).
    std::fs::write(dir.join("wujin-index-format"), "wujin-index 1").unwrap();
    let index = MatchIndex::open(&dir).unwrap();
    assert_eq!((index.num_docs(), index.position().unwrap()), (0, None), "the old index is dropped");
    assert!(wujin_match::follow::prepare(&db.store, &index).await.unwrap(), "and rebuilt from the store");
    assert_eq!(found(&index, "保温杯", None), 1);
}
