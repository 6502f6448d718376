//! The registry in the store, on both engines: upserts are idempotent, revisions move only
//! on change, lists filter and page, and every change leaves an outbox row.

use wujin_domain::sheet::{Cells, offer_from_cells, org_from_cells};
use wujin_domain::{OfferKind, OfferRecord, OrgKind, OrgRecord, Uscc};
use wujin_store::Table;
use wujin_store::offers::OfferFilter;
use wujin_store::orgs::OrgFilter;
use wujin_store::{Store, UpsertStats, both_backends, offers, orgs};

fn org(code17: &str, name: &str, town: &str, sectors: &str) -> OrgRecord {
    let uscc = Uscc::complete(code17).unwrap();
    let cells = Cells(
        [
            ("uscc", uscc.to_string()),
            ("name", name.into()),
            ("town", town.into()),
            ("sectors", sectors.into()),
            ("certificates", "ISO 9001".into()),
        ]
        .into_iter()
        .collect(),
    );
    org_from_cells(&cells).unwrap()
}

fn offer(ext: &str, org: &OrgRecord, title: &str, category: &str, standards: &str) -> OfferRecord {
    let cells = Cells(
        [
            ("external_id", ext.to_string()),
            ("org_uscc", org.uscc.to_string()),
            ("title", title.into()),
            ("category", category.into()),
            ("standards", standards.into()),
            ("price_min", "12.50".into()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect(),
    );
    offer_from_cells(&cells).unwrap()
}

async fn load(store: &Store, o: &[OrgRecord], f: &[OfferRecord]) -> (UpsertStats, UpsertStats) {
    let mut tx = store.begin().await.unwrap();
    let a = orgs::upsert(&mut tx, o).await.unwrap();
    let codes: Vec<String> = f.iter().map(|x| x.org_uscc.to_string()).collect();
    tx.commit().await.unwrap();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let b = offers::upsert(&mut tx, f, &ids).await.unwrap();
    tx.commit().await.unwrap();
    (a, b)
}

fn sample() -> (Vec<OrgRecord>, Vec<OfferRecord>) {
    let cup = org("91330784MA2HD0001", "永康市恒达杯业有限公司", "石柱镇", "C3382");
    let door = org("91330784MA2HD0002", "永康市盾安门业有限公司", "古山镇", "C3312");
    let offers = vec![
        offer("HD-1", &cup, "304不锈钢真空保温杯", "保温杯", "GB/T 29606"),
        offer("HD-2", &cup, "焖烧杯 750ml", "焖烧杯", ""),
        offer("DA-1", &door, "甲级防盗门", "防盗门", "GB 17565-2022"),
    ];
    (vec![cup, door], offers)
}

both_backends! {
    async fn reimport_changes_nothing(db) {
        let (o, f) = sample();
        let (a, b) = load(&db.store, &o, &f).await;
        assert_eq!((a.inserted, b.inserted), (2, 3));
        let outbox_after_first = db.store.count_all(Table::Outbox).await.unwrap();
        assert_eq!(outbox_after_first, 5, "one outbox row per new record");
        let (a, b) = load(&db.store, &o, &f).await;
        assert_eq!((a.unchanged, b.unchanged), (2, 3));
        assert_eq!(db.store.count_all(Table::Offers).await.unwrap(), 3);
        assert_eq!(db.store.count_all(Table::Outbox).await.unwrap(), outbox_after_first);
        let (list, _) = db.store.list_offers(&OfferFilter::default(), None, 10).await.unwrap();
        assert!(list.iter().all(|x| x.revision == 1));
    }

    async fn a_change_bumps_the_revision_and_moves_the_town(db) {
        let (mut o, f) = sample();
        load(&db.store, &o, &f).await;
        o[0].town = Some("330784109".into());
        let (a, _) = load(&db.store, &o, &[]).await;
        assert_eq!(a, UpsertStats { inserted: 0, updated: 1, unchanged: 1 });
        let (cups, _) = db.store.list_orgs(&OrgFilter { town: Some("330784109".into()), ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(cups.len(), 1);
        assert_eq!(cups[0].revision, 2);
        let (moved, _) = db.store.list_offers(&OfferFilter { town: Some("330784109".into()), ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(moved.len(), 2, "the org's offers follow its town");
        let with_standard = OfferFilter { town: Some("330784109".into()), standard: Some("GB/T 29606-2013".into()), ..Default::default() };
        let (moved, _) = db.store.list_offers(&with_standard, None, 10).await.unwrap();
        assert_eq!(moved.len(), 1, "so do the rows the standard filter reads");
        assert_eq!(db.store.count_offers(&with_standard, 100).await.unwrap(), Some(1));
    }

    async fn stored_records_read_back_equal(db) {
        let (o, f) = sample();
        load(&db.store, &o, &f).await;
        let (orgs, _) = db.store.list_orgs(&OrgFilter::default(), None, 10).await.unwrap();
        assert_eq!(orgs.iter().map(|x| x.record.clone()).collect::<Vec<_>>(), o);
        let (offers, _) = db.store.list_offers(&OfferFilter::default(), None, 10).await.unwrap();
        assert_eq!(offers.iter().map(|x| x.record.clone()).collect::<Vec<_>>(), f);
        let one = db.store.offer(offers[0].id).await.unwrap().unwrap();
        assert_eq!(one.org_name, "永康市恒达杯业有限公司");
        assert!(db.store.offer(999_999).await.unwrap().is_none());
    }

    async fn lists_filter_and_page(db) {
        let (o, f) = sample();
        load(&db.store, &o, &f).await;
        let filter = OrgFilter { sectors: Some(vec!["C3312".into()]), kind: Some(OrgKind::Manufacturer), ..Default::default() };
        let (doors, more) = db.store.list_orgs(&filter, None, 10).await.unwrap();
        assert_eq!((doors.len(), more), (1, false));
        assert_eq!(doors[0].record.name, "永康市盾安门业有限公司");
        assert_eq!(db.store.count_orgs(&filter).await.unwrap(), 1);

        let std = OfferFilter { standard: Some("GB/T 29606-2013".into()), kind: Some(OfferKind::Product), ..Default::default() };
        let (hits, _) = db.store.list_offers(&std, None, 10).await.unwrap();
        assert_eq!(hits.iter().map(|x| x.record.external_id.as_str()).collect::<Vec<_>>(), vec!["HD-1"]);

        let cups = OfferFilter { categories: Some(vec!["cups".into(), "cups.vacuum_cup".into(), "cups.food_jar".into()]), ..Default::default() };
        let (page1, more) = db.store.list_offers(&cups, None, 1).await.unwrap();
        assert!(more);
        let (page2, more) = db.store.list_offers(&cups, Some(page1[0].id), 1).await.unwrap();
        assert!(!more);
        assert_ne!(page1[0].id, page2[0].id);
        assert_eq!(db.store.count_offers(&cups, 1).await.unwrap(), None, "over the cap");
        assert_eq!(db.store.count_offers(&cups, 10).await.unwrap(), Some(2));
    }

    async fn a_rolled_back_write_leaves_nothing(db) {
        let (o, _) = sample();
        let mut tx = db.store.begin().await.unwrap();
        orgs::upsert(&mut tx, &o).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 0);
        assert_eq!(db.store.count_all(Table::Outbox).await.unwrap(), 0);
    }

    async fn outbox_is_read_in_sequence(db) {
        let (o, f) = sample();
        load(&db.store, &o, &f).await;
        let first = db.store.outbox_after(0, 2).await.unwrap();
        assert_eq!(first.len(), 2);
        let rest = db.store.outbox_after(first[1].seq, 100).await.unwrap();
        assert_eq!(rest.len(), 3);
        assert!(rest.iter().all(|e| e.topic == "offer" && e.seq > first[1].seq));
    }
}

/// On PostgreSQL outbox numbers are taken at insert, so a rolled-back write leaves a hole for
/// ever and one still running leaves a hole that will fill. Readers must wait at the second
/// and step over the first as soon as they can tell, not after the 30 s grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_write_holds_readers_back_only_while_it_runs() {
    use wujin_store::outbox::GAP_GRACE_MS;
    let db = wujin_store::testing::fresh(wujin_store::Backend::Postgres).await;
    let (o, _) = sample();
    let before = db.store.outbox_max_seq().await.unwrap();
    // A write in flight takes its numbers; a good one commits after it.
    let mut failing = db.store.begin().await.unwrap();
    orgs::upsert(&mut failing, &o[..1]).await.unwrap();
    let mut good = db.store.begin().await.unwrap();
    orgs::upsert(&mut good, &o[1..]).await.unwrap();
    good.commit().await.unwrap();

    let events = db.store.outbox_after(before, 100).await.unwrap();
    assert_eq!(events.len(), 1, "only the good write is visible");
    assert!(events[0].seq > before + 1, "the write in flight holds the number before it");
    assert_eq!(db.store.settled(before, &events).await.unwrap(), 0, "it may still commit: wait");
    assert_eq!(db.store.settled(before, &events).await.unwrap(), 0, "still running: still wait");

    failing.rollback().await.unwrap();
    // Each call looks at a new snapshot. Other tests' transactions on this server may have
    // been running when the hole was first seen; they end within moments, long before the
    // grace would let the hole go by age.
    loop {
        if db.store.settled(before, &events).await.unwrap() == 1 {
            break;
        }
        assert!(
            wujin_store::now_ms() - events[0].at < GAP_GRACE_MS,
            "the rolled-back hole was stepped over only once it had aged"
        );
        tokio::task::yield_now().await;
    }
    // The hole never fills.
    assert_eq!(db.store.outbox_after(before, 100).await.unwrap(), events);
}

#[tokio::test]
async fn backup_of_a_live_sqlite_database_opens() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let (o, f) = sample();
    load(&db.store, &o, &f).await;
    let dest = db.dir.path().join("copy.db");
    db.store.backup(&dest).await.unwrap();
    assert!(db.store.backup(&dest).await.is_err(), "an existing file is never overwritten");
    let copy = Store::open(dest.to_str().unwrap()).await.unwrap();
    assert_eq!(copy.count_all(Table::Offers).await.unwrap(), 3);
}
