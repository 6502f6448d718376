//! The pilot office's chain map through the API: every pillar industry against every stage of
//! the chain, in the taxonomy's order, each cell the supply ties in and out of that industry at
//! that stage ("no data" where there are none, figures hidden under the small-cell rule), with
//! the organisations the registry holds there beside them. Both engines.

mod common;

use axum::http::StatusCode;
use common::{owner, send};
use wujin_domain::Taxonomy;
use wujin_store::both_backends;

both_backends! {
    async fn the_chain_map_counts_the_registry_by_industry_and_stage(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let officer = owner(s, "officer@gov.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        let r = send(s, "GET", "/api/v1/overview/chain?lang=en", None, &officer.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let t = Taxonomy::get();

        let stages: Vec<&str> = r.body["stages"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap()).collect();
        assert_eq!(stages, t.chain.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), "upstream first");
        assert_eq!(r.body["stages"][0]["name"], "Materials", "names in the request's language");
        let rows = r.body["rows"].as_array().unwrap();
        assert_eq!(rows.len(), t.pillars.len(), "every pillar industry, empty or not");

        // The same map counted here from the registry's records.
        let mut expected = std::collections::HashMap::<(String, String), i64>::new();
        let mut after = None;
        loop {
            let (orgs, more) = s.list_orgs(&Default::default(), after, 100).await.unwrap();
            for o in &orgs {
                for sector in &o.record.sectors {
                    let Some(pillar) = t.sector(sector).map(|x| x.pillar.clone()) else { continue };
                    for stage in &o.record.chain {
                        *expected.entry((pillar.clone(), stage.clone())).or_default() += 1;
                    }
                }
            }
            after = orgs.last().map(|o| o.id);
            if !more {
                break;
            }
        }
        let threshold = r.body["thin_below"].as_i64().unwrap();

        // The flows counted here from the store's ties: a tie counts in for the industry of
        // the firm that buys (by its first sector) and out for the one that sells, at its
        // input's stage.
        let ties = s.ties_in_graph().await.unwrap();
        let mut pillar_of = std::collections::HashMap::<i64, String>::new();
        let mut ids: Vec<i64> = ties.iter().flat_map(|t| [Some(t.customer_org_id), t.supplier_org_id()]).flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        for o in s.orgs_by_ids(&ids).await.unwrap() {
            if let Some(p) = o.record.sectors.first().and_then(|x| t.sector(x)) {
                pillar_of.insert(o.id, p.pillar.clone());
            }
        }
        let mut ins = std::collections::HashMap::<(String, String), i64>::new();
        let mut outs = std::collections::HashMap::<(String, String), i64>::new();
        for tie in &ties {
            let stage = t.stage_of(&tie.input).unwrap().code.clone();
            if let Some(p) = pillar_of.get(&tie.customer_org_id) {
                *ins.entry((p.clone(), stage.clone())).or_default() += 1;
            }
            if let Some(p) = tie.supplier_org_id().and_then(|id| pillar_of.get(&id)) {
                *outs.entry((p.clone(), stage)).or_default() += 1;
            }
        }
        assert_eq!(r.body["ties"].as_u64().unwrap() as usize, ties.len());
        let (mut shown, mut no_data) = (0, 0);
        for row in rows {
            let pillar = row["pillar"]["code"].as_str().unwrap();
            for cell in row["cells"].as_array().unwrap() {
                let stage = cell["stage"].as_str().unwrap();
                let key = (pillar.to_string(), stage.to_string());
                let orgs = cell["registered"]["orgs"].as_i64().unwrap();
                assert_eq!(orgs, expected.get(&key).copied().unwrap_or(0), "{pillar} × {stage}");
                assert_eq!(cell["registered"]["thin"].as_bool().unwrap(), orgs > 0 && orgs < threshold, "{pillar} × {stage}");
                let (i, o) = (ins.get(&key).copied().unwrap_or(0), outs.get(&key).copied().unwrap_or(0));
                assert_eq!(cell["no_data"].as_bool().unwrap(), i + o == 0, "no data means no tie, {pillar} × {stage}: {cell}");
                if cell["suppressed"] == true {
                    assert!(cell["firms"].is_null() && cell["ties_in"].is_null(), "{cell}");
                    continue;
                }
                if i + o == 0 {
                    no_data += 1;
                    continue;
                }
                shown += 1;
                assert!(cell["firms"].as_i64().unwrap() >= 5, "the small-cell rule: {cell}");
                let sum = |v: &serde_json::Value| v["confirmed"].as_i64().unwrap() + v["declared"].as_i64().unwrap();
                assert_eq!(sum(&cell["ties_in"]), i, "{pillar} × {stage}");
                assert_eq!(sum(&cell["ties_out"]), o, "{pillar} × {stage}");
                let (slots, single) = (cell["slots"].as_i64().unwrap(), cell["single_source"].as_i64().unwrap());
                assert!(single <= slots, "{cell}");
                assert_eq!(cell["thin"].as_bool().unwrap(), slots > 0 && single * 2 >= slots, "{cell}");
            }
        }
        assert!(shown > 3 && no_data > 0, "the demo's flows fill some cells and leave others without data");
        let thin = rows.iter().flat_map(|r| r["cells"].as_array().unwrap()).filter(|c| c["registered"]["thin"] == true).count();
        assert!(expected.values().sum::<i64>() > 100 && thin > 0, "a small cluster fills some cells and leaves some thin");
    }
}

both_backends! {
    async fn a_firm_that_names_only_its_pillar_counts_and_filters_as_that_pillar(db) {
        let s = &db.store;
        let code = wujin_domain::Uscc::complete("91330784MA2K00017").unwrap();
        let csv = format!("统一社会信用代码,企业名称,行业,产业链环节\n{code},永康市某杯业有限公司,杯业,products\n");
        let table = wujin_server::transfer::read::read_csv(csv.as_bytes()).unwrap();
        let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
        let report = wujin_server::transfer::import::import(s, wujin_server::transfer::import::Kind::Orgs, &table, &opts).await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);

        let (_, cups) = common::get(s, "/api/v1/orgs?sector=%E6%9D%AF%E4%B8%9A").await;
        assert_eq!(cups["items"].as_array().unwrap().len(), 1, "杯业 finds it: {cups}");
        assert_eq!(cups["items"][0]["sectors"][0]["name"], "杯业");
        let (_, class) = common::get(s, "/api/v1/orgs?sector=C3382").await;
        assert_eq!(class["items"].as_array().unwrap().len(), 0, "no class is guessed for it: {class}");

        let officer = owner(s, "officer@gov.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        let r = send(s, "GET", "/api/v1/overview/chain", None, &officer.h()).await;
        let row = r.body["rows"].as_array().unwrap().iter().find(|row| row["pillar"]["code"] == "cups").unwrap().clone();
        let cell = row["cells"].as_array().unwrap().iter().find(|c| c["stage"] == "products").unwrap().clone();
        assert_eq!(cell["registered"]["orgs"], 1, "{row}");
        assert_eq!(cell["no_data"], true, "a firm without ties says nothing of flows: {row}");
    }
}
