//! The chain's questions through the API, on small chains drawn by hand: who a firm reaches
//! up and down (tier 1 named, beyond it counts and the firms that chose to be named), what an
//! outage does tier by tier (and where stock lasts it), which inputs hang on one supplier as
//! the pilot office sees them (counts under the small-cell rule), stale ties counted and
//! flagged, and bad questions refused with the parameter named. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send, send_to};
use serde_json::Value;
use wujin_domain::tie::TieSource;
use wujin_store::ties::{NewTie, SupplierRef, today};
use wujin_store::{Store, both_backends};

/// `n` firms of a generated cluster, with sectors and towns, and no ties; their ids.
async fn firms(store: &Store, n: usize) -> Vec<i64> {
    let cluster = wujin_demo::generate(5, n.max(20));
    let orgs: Vec<_> = cluster.orgs.into_iter().take(n).collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    codes.iter().map(|c| ids[c].0).collect()
}

/// A confirmed tie (an operator's survey) whose last evidence was `days_ago`.
async fn tie(store: &Store, supplier: i64, customer: i64, input: &str, buffer_weeks: Option<u16>, days_ago: i64) {
    let day = today() - time::Duration::days(days_ago);
    let new = NewTie {
        supplier: SupplierRef::Org(supplier),
        customer_org_id: customer,
        input: input.into(),
        share: None,
        buffer_weeks: buffer_weeks.map(|w| wujin_domain::tie::BufferWeeks::from_tenths(w * 10).unwrap()),
        since: Some(day),
        until: None,
        source: TieSource::Operator,
        declared_by: None,
    };
    store.write_dated_ties(&[(new, day)], "test").await.unwrap();
}

async fn get(store: &Store, path: &str, who: &Person) -> Value {
    let r = send(store, "GET", path, None, &who.h()).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

fn named_ids(tier: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> =
        tier["named"].as_array().unwrap().iter().map(|n| n.get("firm").unwrap_or(n)["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

both_backends! {
    async fn reach_names_tier_one_and_beyond_it_only_firms_that_chose_to_be_named(db) {
        let s = &db.store;
        let f = firms(s, 5).await;
        let (a, b, c, d) = (f[0], f[1], f[2], f[3]);
        tie(s, a, b, "parts.casting", None, 10).await;
        tie(s, b, c, "cap.polishing", None, 10).await;
        tie(s, c, d, "parts.gear", None, 10).await;
        // A second tie of the same pair counts the pair once.
        tie(s, c, d, "parts.bearing", None, 10).await;
        s.set_chain_settings(c, true, false, "test").await.unwrap();
        let pa = common::owner(s, "a@chain.example.cn", Some(a)).await;
        let pd = common::owner(s, "d@chain.example.cn", Some(d)).await;

        let down = get(s, &format!("/api/v1/orgs/{a}/chain/reach?direction=down&depth=6"), &pa).await;
        let tiers = down["tiers"].as_array().unwrap();
        assert_eq!(tiers.len(), 3, "three steps down: {down}");
        assert_eq!(down["total"], 3);
        for (t, firm) in tiers.iter().zip([b, c, d]) {
            assert_eq!(t["firms"], 1, "{t}");
            let sectors: i64 = t["by_sector"].as_array().unwrap().iter().map(|g| g["firms"].as_i64().unwrap()).sum();
            assert_eq!(sectors, 1, "every tier is counted by sector: {t}");
            let _ = firm;
        }
        assert_eq!(named_ids(&tiers[0]), vec![b], "its own customer, named");
        assert_eq!(named_ids(&tiers[1]), vec![c], "beyond tier 1, only a firm that made its relations public");
        assert_eq!(named_ids(&tiers[2]), Vec::<i64>::new(), "the rest only counted");
        let inputs: Vec<&str> =
            tiers[2]["by_input"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
        assert_eq!(inputs, ["parts.bearing", "parts.gear"], "the inputs on the way to tier 3");

        let up = get(s, &format!("/api/v1/orgs/{d}/chain/reach?direction=up&depth=2"), &pd).await;
        let tiers = up["tiers"].as_array().unwrap();
        assert_eq!(tiers.len(), 2, "depth 2 stops at tier 2: {up}");
        assert_eq!(named_ids(&tiers[0]), vec![c]);
        assert_eq!(named_ids(&tiers[1]), Vec::<i64>::new(), "b did not choose to be named");
        assert_eq!(tiers[1]["firms"], 1);

        // Another firm may not ask about a's chain.
        let r = send(s, "GET", &format!("/api/v1/orgs/{a}/chain/reach"), None, &pd.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    async fn an_outage_fails_firms_tier_by_tier_unless_stock_or_another_supplier_lasts(db) {
        let s = &db.store;
        let f = firms(s, 6).await;
        let (a, b, c, d, e) = (f[0], f[1], f[2], f[3], f[4]);
        // a → b (b holds 6 weeks of castings) → c; d buys polishing from b and from e.
        tie(s, a, b, "parts.casting", Some(6), 10).await;
        tie(s, b, c, "cap.polishing", None, 10).await;
        tie(s, b, d, "cap.polishing", None, 10).await;
        tie(s, e, d, "cap.polishing", None, 10).await;
        let pc = common::owner(s, "c@chain.example.cn", Some(c)).await;

        let short = get(s, &format!("/api/v1/orgs/{c}/chain/outage?stopped={a}&weeks=4&alternatives=false"), &pc).await;
        assert_eq!(short["hit"], 0, "b's stock lasts four weeks: {short}");
        let lost = &short["inputs"][0];
        assert_eq!((lost["input"]["code"].as_str(), lost["failed"].as_i64(), lost["covered"].as_i64()),
            (Some("parts.casting"), Some(0), Some(1)));
        assert_eq!(short["mine"]["failed"], false);

        let long = get(s, &format!("/api/v1/orgs/{c}/chain/outage?stopped={a}&weeks=8&alternatives=false"), &pc).await;
        assert_eq!(long["hit"], 2, "b, then c; d keeps e: {long}");
        let tiers = long["tiers"].as_array().unwrap();
        assert_eq!(tiers.iter().map(|t| t["firms"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 1, 1]);
        assert_eq!(named_ids(&tiers[0]), vec![a], "the firms that stopped are named");
        assert_eq!(named_ids(&tiers[1]), vec![b], "c's own supplier is named to c");
        assert_eq!(named_ids(&tiers[2]), vec![c]);
        assert_eq!(long["mine"]["failed"], true);
        assert_eq!(long["mine"]["tier"], 2);
        assert_eq!(long["mine"]["inputs"][0]["input"]["code"], "cap.polishing");

        let for_good = get(s, &format!("/api/v1/orgs/{c}/chain/outage?stopped={a}&alternatives=false"), &pc).await;
        assert_eq!(for_good["hit"], 2, "left out, weeks means for good");
        assert_eq!(for_good["weeks"], Value::Null);
    }

    async fn the_office_sees_single_sourced_inputs_as_counts_under_the_small_cell_rule(db) {
        let s = &db.store;
        let f = firms(s, 16).await;
        let (motor, bearing, gear) = (f[0], f[1], f[2]);
        // Six firms hang on one motor supplier, five on one bearing supplier, two on one gear
        // supplier; one firm has two gear suppliers.
        for &c in &f[3..9] {
            tie(s, motor, c, "parts.motor", None, 10).await;
        }
        for &c in &f[9..14] {
            tie(s, bearing, c, "parts.bearing", None, 10).await;
        }
        for &c in &f[14..16] {
            tie(s, gear, c, "parts.gear", None, 10).await;
        }
        tie(s, gear, f[3], "parts.gear", None, 10).await;
        tie(s, bearing, f[3], "parts.gear", None, 10).await;
        s.set_chain_settings(f[15], false, true, "test").await.unwrap();
        let officer = common::owner(s, "officer@chain.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();

        let v = get(s, "/api/v1/chain/single-source?by=input", &officer).await;
        assert_eq!(v["single"], 13, "{v}");
        assert_eq!(v["slots"], 14);
        let group = |code: &str| v["groups"].as_array().unwrap().iter().find(|g| g["code"] == code).unwrap().clone();
        assert_eq!(group("parts.motor")["slots"], 6, "six firms: shown");
        assert_eq!(group("parts.gear")["slots"], Value::Null, "two firms: hidden");
        assert_eq!(group("parts.bearing")["slots"], Value::Null,
            "hidden too, or the gear cell would be the total less the shown ones");
        let named: Vec<i64> = v["named"].as_array().unwrap().iter().map(|n| n["firm"]["id"].as_i64().unwrap()).collect();
        assert_eq!(named, vec![f[15]], "only the firm that asked the office to help is named");
        assert_eq!(v["named"][0]["supplier"], Value::Null, "its supplier did not ask: not named");

        // The office's outage: counts, and names only of firms that asked for help.
        let o = get(s, &format!("/api/v1/chain/outage?stopped={motor}&alternatives=false"), &officer).await;
        assert_eq!(o["hit"], 6, "{o}");
        assert_eq!(o["tiers"][1]["firms"], 6);
        assert_eq!(named_ids(&o["tiers"][1]), Vec::<i64>::new());
        let o = get(s, &format!("/api/v1/chain/outage?stopped={gear}&alternatives=false"), &officer).await;
        assert_eq!(o["hit"], Value::Null, "two firms hit: too few to show: {o}");
        assert_eq!(named_ids(&o["tiers"][1]), vec![f[15]]);

        // A firm's person is not the office.
        let r = send(s, "GET", "/api/v1/chain/single-source", None, &common::owner(s, "x@chain.example.cn", Some(f[4])).await.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    async fn a_stale_tie_still_counts_is_flagged_and_fresh_only_leaves_it_out(db) {
        let s = &db.store;
        let f = firms(s, 3).await;
        let (a, b, c) = (f[0], f[1], f[2]);
        tie(s, a, c, "parts.motor", None, 500).await;
        tie(s, b, c, "parts.gear", None, 30).await;
        let pc = common::owner(s, "c@chain.example.cn", Some(c)).await;

        let up = get(s, &format!("/api/v1/orgs/{c}/chain/reach?direction=up"), &pc).await;
        let named = up["tiers"][0]["named"].as_array().unwrap();
        let stale: Vec<(i64, bool)> = named.iter().map(|n| (n["firm"]["id"].as_i64().unwrap(), n["stale"].as_bool().unwrap())).collect();
        assert!(stale.contains(&(a, true)) && stale.contains(&(b, false)), "{up}");
        assert_eq!(up["tiers"][0]["stale"], 1);
        let fresh = get(s, &format!("/api/v1/orgs/{c}/chain/reach?direction=up&fresh_only=true"), &pc).await;
        assert_eq!(named_ids(&fresh["tiers"][0]), vec![b]);

        let mine = get(s, &format!("/api/v1/orgs/{c}/chain?alternatives=false"), &pc).await;
        let inputs = mine["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 2);
        assert!(inputs.iter().all(|i| i["single_source"] == true), "{mine}");
        let motor = inputs.iter().find(|i| i["input"]["code"] == "parts.motor").unwrap();
        assert_eq!(motor["stale"], true);
        assert_eq!(motor["ties"][0]["stale"], true);
    }

    async fn a_firms_single_sourced_inputs_come_first_with_local_alternatives_ranked(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let app = common::with_index(s).await;
        // The demo's firm with the most single-sourced inputs that other firms offer.
        let ties = s.ties_in_graph().await.unwrap();
        let mut customers: Vec<i64> = ties.iter().map(|t| t.customer_org_id).collect();
        customers.sort_unstable();
        customers.dedup();
        let mut checked = 0;
        for org in customers.into_iter().take(12) {
            let p = common::owner(s, &format!("o{org}@chain.example.cn"), Some(org)).await;
            let r = send_to(&app, "GET", &format!("/api/v1/orgs/{org}/chain"), None, &p.h()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let inputs = r.body["inputs"].as_array().unwrap();
            let singles: Vec<bool> = inputs.iter().map(|i| i["single_source"].as_bool().unwrap()).collect();
            assert!(singles.windows(2).all(|w| w[0] >= w[1]), "single-sourced first: {singles:?}");
            for i in inputs {
                let code = i["input"]["code"].as_str().unwrap();
                let suppliers: Vec<i64> = i["ties"].as_array().unwrap().iter().filter_map(|t| t["supplier"]["org_id"].as_i64()).collect();
                match i["alternatives"].as_array() {
                    Some(alts) => {
                        assert!(i["single_source"] == true, "alternatives only for a single-sourced input");
                        for a in alts {
                            let id = a["org"]["id"].as_i64().unwrap();
                            assert!(id != org && !suppliers.contains(&id), "neither itself nor its supplier");
                            assert!(a["offers"].as_array().unwrap().iter().any(|o| o["category"]["code"].as_str().unwrap().starts_with(code)),
                                "an alternative offers the input {code}: {a}");
                        }
                        let scores: Vec<f64> = alts.iter().map(|a| a["score"].as_f64().unwrap()).collect();
                        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by the matching engine: {scores:?}");
                        checked += alts.len();
                    }
                    None => assert!(i["single_source"] == false, "a single-sourced input gets alternatives when the index answers"),
                }
            }
        }
        assert!(checked > 0, "some alternatives were ranked");
    }

    async fn bad_chain_questions_are_refused_with_the_parameter_named(db) {
        let s = &db.store;
        let f = firms(s, 2).await;
        let p = common::owner(s, "a@chain.example.cn", Some(f[0])).await;
        let a = f[0];
        for (path, field) in [
            (format!("/api/v1/orgs/{a}/chain/reach?depth=7"), "depth"),
            (format!("/api/v1/orgs/{a}/chain/reach?depth=0"), "depth"),
            (format!("/api/v1/orgs/{a}/chain/reach?direction=sideways"), "direction"),
            (format!("/api/v1/orgs/{a}/chain/reach?fresh_only=maybe"), "fresh_only"),
            (format!("/api/v1/orgs/{a}/chain/outage"), "stopped"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped=x"), "stopped"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped=999999"), "stopped"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped={a}&weeks=-1"), "weeks"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped={a}&weeks=NaN"), "weeks"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped={a}&weeks=9999"), "weeks"),
            (format!("/api/v1/orgs/{a}/chain/outage?stopped={}", (1..=51).map(|i| i.to_string()).collect::<Vec<_>>().join(",")), "stopped"),
        ] {
            let r = send(s, "GET", &path, None, &p.h()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
            assert_eq!(r.body["error"]["field"], field, "{path}: {}", r.body);
        }
        let r = send(s, "GET", "/api/v1/orgs/999999/chain", None, &p.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A firm without ties has an empty chain, not an error.
        let v = get(s, &format!("/api/v1/orgs/{}/chain", f[0]), &p).await;
        assert_eq!(v["inputs"].as_array().unwrap().len(), 0);
        assert_eq!(v["up"].as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn alternatives_follow_the_search_index_as_offers_come_and_go(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let app = common::with_index(s).await;
        let index = app.index.clone().unwrap();
        // A firm with a single-sourced input that others offer.
        let ties = s.ties_in_graph().await.unwrap();
        let mut found = None;
        for t in &ties {
            let p = common::owner(s, &format!("alt{}@chain.example.cn", t.id), Some(t.customer_org_id)).await;
            let r = send_to(&app, "GET", &format!("/api/v1/orgs/{}/chain", t.customer_org_id), None, &p.h()).await;
            let hit = r.body["inputs"].as_array().unwrap().iter().find(|i| {
                i["alternatives"].as_array().is_some_and(|a| !a.is_empty())
            }).cloned();
            if let Some(i) = hit {
                found = Some((t.customer_org_id, p, i));
                break;
            }
        }
        let (org, p, input) = found.expect("the demo has a single-sourced input with alternatives");
        let code = input["input"]["code"].as_str().unwrap().to_string();
        let first = input["alternatives"][0]["org"]["id"].as_i64().unwrap();
        // The first alternative withdraws every offer of that input; the index follows.
        let filter = wujin_store::offers::OfferFilter { org_id: Some(first), ..Default::default() };
        let (offers, _) = s.list_offers(&filter, None, 500).await.unwrap();
        let owner = common::owner(s, "first-alt@chain.example.cn", Some(first)).await;
        for o in offers.iter().filter(|o| o.record.category.starts_with(&code)) {
            s.delete_offer(o.id, first, o.revision, owner.id).await.unwrap();
        }
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        let r = send_to(&app, "GET", &format!("/api/v1/orgs/{org}/chain"), None, &p.h()).await;
        let again = r.body["inputs"].as_array().unwrap().iter().find(|i| i["input"]["code"] == code.as_str()).unwrap().clone();
        let ids: Vec<i64> = again["alternatives"].as_array().unwrap().iter().map(|a| a["org"]["id"].as_i64().unwrap()).collect();
        assert!(!ids.contains(&first), "a firm that no longer offers {code} is no alternative: {ids:?}");
    }
}
