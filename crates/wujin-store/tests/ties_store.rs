//! Supply ties in the store, on both engines: a declaration waits for the other side, a
//! re-declaration renews instead of duplicating, rejected and ended ties leave the graph but
//! stay in history, every change is audited for both firms and followed through the outbox.

use time::macros::date;
use wujin_domain::sheet::{Cells, org_from_cells};
use wujin_domain::tie::{BufferWeeks, Side, TieAction, TieSource, TieState};
use wujin_domain::{OrgRecord, Uscc};
use wujin_store::ties::{NewTie, SupplierEnd, SupplierRef, TieError};
use wujin_store::{Store, both_backends, orgs};

fn org(code17: &str, name: &str) -> OrgRecord {
    let uscc = Uscc::complete(code17).unwrap();
    let cells = Cells([("uscc", uscc.to_string()), ("name", name.to_string())].into_iter().collect());
    org_from_cells(&cells).unwrap()
}

/// A cup maker and its lid supplier; their ids.
async fn two_firms(store: &Store) -> (i64, i64) {
    let cup = org("91330784MA2TY0001", "永康市恒达杯业有限公司");
    let lid = org("91330784MA2TY0002", "永康市精工杯盖厂");
    let mut tx = store.begin().await.unwrap();
    orgs::upsert(&mut tx, &[cup.clone(), lid.clone()]).await.unwrap();
    tx.commit().await.unwrap();
    let ids = store.org_ids_by_uscc(&[cup.uscc.to_string(), lid.uscc.to_string()]).await.unwrap();
    (ids[&cup.uscc.to_string()].0, ids[&lid.uscc.to_string()].0)
}

fn lids(supplier: i64, customer: i64) -> NewTie {
    NewTie {
        supplier: SupplierRef::Org(supplier),
        customer_org_id: customer,
        input: "parts.flask_lid".into(),
        share: Some(70),
        buffer_weeks: BufferWeeks::from_tenths(25),
        since: Some(date!(2024 - 01 - 01)),
        until: None,
        source: TieSource::Declared,
        declared_by: Some(Side::Customer),
    }
}

async fn tie_events(store: &Store) -> Vec<(i64, String)> {
    store
        .outbox_after(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.topic == "tie")
        .map(|e| (e.entity_id, e.op))
        .collect()
}

both_backends! {
    async fn a_declared_tie_waits_for_the_other_side_to_confirm(db) {
        let (cup, lid) = two_firms(&db.store).await;
        let tie = db.store.declare_tie(&lids(lid, cup), "account:1", date!(2026 - 11 - 01)).await.unwrap();
        assert_eq!(tie.state, TieState::Declared);
        assert_eq!(tie.supplier, SupplierEnd::Org { id: lid, uscc: Uscc::complete("91330784MA2TY0002").unwrap().to_string(), name: "永康市精工杯盖厂".into() });
        assert_eq!((tie.share, tie.buffer_weeks.map(|b| b.to_string())), (Some(70), Some("2.5".into())));
        assert_eq!(tie.since, date!(2024 - 01 - 01));

        // The side that declared cannot confirm its own word.
        let own = db.store.act_on_tie(tie.id, cup, TieAction::Confirm, None, "account:1", date!(2026 - 11 - 02)).await;
        assert!(matches!(own, Err(TieError::Refused(r)) if r.code == "own_declaration"));
        // A stale revision is a conflict, not a silent overwrite.
        let stale = db.store.act_on_tie(tie.id, lid, TieAction::Confirm, Some(9), "account:2", date!(2026 - 11 - 02)).await;
        assert!(matches!(stale, Err(TieError::Conflict { current: 1 })));
        // A firm on neither side cannot touch it.
        let outsider = db.store.act_on_tie(tie.id, 999_999, TieAction::End, None, "account:3", date!(2026 - 11 - 02)).await;
        assert!(matches!(outsider, Err(TieError::NotAParty)));

        let confirmed =
            db.store.act_on_tie(tie.id, lid, TieAction::Confirm, Some(1), "account:2", date!(2026 - 11 - 02)).await.unwrap();
        assert_eq!((confirmed.state, confirmed.revision), (TieState::Confirmed, 2));
        assert_eq!(confirmed.last_evidence, date!(2026 - 11 - 02), "confirming is fresh evidence");
        assert_eq!(db.store.ties_in_graph().await.unwrap().len(), 1);

        // Both firms find the tie and its history in their audit logs.
        for org in [cup, lid] {
            let actions: Vec<String> =
                db.store.audit_of(org, None, 10).await.unwrap().into_iter().filter(|a| a.entity == "tie").map(|a| a.action).collect();
            assert_eq!(actions, ["confirm", "declare"], "org {org}");
        }
        assert_eq!(tie_events(&db.store).await, [(tie.id, "create".into()), (tie.id, "update".into())]);
    }

    async fn saying_a_tie_again_renews_it_instead_of_adding_a_second(db) {
        let (cup, lid) = two_firms(&db.store).await;
        let first = db.store.declare_tie(&lids(lid, cup), "account:1", date!(2025 - 01 - 10)).await.unwrap();
        let again = NewTie { share: Some(80), ..lids(lid, cup) };
        let second = db.store.declare_tie(&again, "account:1", date!(2026 - 11 - 01)).await.unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!((second.share, second.revision), (Some(80), 2));
        assert_eq!(second.last_evidence, date!(2026 - 11 - 01));
        assert!(first.is_stale(date!(2026 - 11 - 01)), "22 months without evidence");
        assert!(!second.is_stale(date!(2026 - 11 - 01)));
        assert_eq!(db.store.ties_of(cup, true, None, 10).await.unwrap().len(), 1);
    }

    async fn rejected_and_ended_ties_leave_the_graph_and_stay_in_history(db) {
        let (cup, lid) = two_firms(&db.store).await;
        let a = db.store.declare_tie(&lids(lid, cup), "account:1", date!(2026 - 11 - 01)).await.unwrap();
        let outside = NewTie {
            supplier: SupplierRef::Outside { name: "宁波某不锈钢厂".into(), region: "浙江 宁波".into() },
            input: "materials.stainless_coil".into(),
            share: None,
            buffer_weeks: None,
            ..lids(lid, cup)
        };
        let b = db.store.declare_tie(&outside, "account:1", date!(2026 - 11 - 01)).await.unwrap();
        assert_eq!(b.supplier, SupplierEnd::Outside { name: "宁波某不锈钢厂".into(), region: "浙江 宁波".into() });
        assert_eq!(b.side_of(cup), Some(Side::Customer));
        assert_eq!(b.side_of(lid), None, "the lid maker is not on the steel tie");

        let rejected = db.store.act_on_tie(a.id, lid, TieAction::Reject, None, "account:2", date!(2026 - 11 - 03)).await.unwrap();
        assert_eq!(rejected.state, TieState::Rejected);
        let ended = db.store.act_on_tie(b.id, cup, TieAction::End, None, "account:1", date!(2026 - 11 - 04)).await.unwrap();
        assert_eq!((ended.state, ended.until), (TieState::Ended, Some(date!(2026 - 11 - 04))));
        let again = db.store.act_on_tie(b.id, cup, TieAction::Reaffirm, None, "account:1", date!(2026 - 11 - 05)).await;
        assert!(matches!(again, Err(TieError::Refused(r)) if r.code == "tie_closed"));

        assert!(db.store.ties_in_graph().await.unwrap().is_empty());
        assert!(db.store.ties_of(cup, false, None, 10).await.unwrap().is_empty());
        let history = db.store.ties_of(cup, true, None, 10).await.unwrap();
        assert_eq!(history.iter().map(|t| t.state).collect::<Vec<_>>(), [TieState::Ended, TieState::Rejected]);
        // A new declaration after a rejection is a new tie, not the old one revived.
        let fresh = db.store.declare_tie(&lids(lid, cup), "account:1", date!(2026 - 11 - 06)).await.unwrap();
        assert_ne!(fresh.id, a.id);
    }

    async fn a_firm_chooses_who_may_see_its_ties(db) {
        let (cup, _) = two_firms(&db.store).await;
        assert_eq!(db.store.chain_settings(cup).await.unwrap(), (false, false), "off by default");
        db.store.set_chain_settings(cup, true, false, "account:1").await.unwrap();
        db.store.set_chain_settings(cup, true, true, "account:1").await.unwrap();
        assert_eq!(db.store.chain_settings(cup).await.unwrap(), (true, true));
        assert_eq!(db.store.chain_settings_all().await.unwrap(), [(cup, true, true)]);
    }
}
