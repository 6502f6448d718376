//! The pilot office's chain map through the API: every pillar industry against every stage of
//! the chain, in the taxonomy's order, each cell the organisations the registry holds there
//! (an organisation counts in every industry and stage it is registered in), cells under the
//! threshold marked thin. Both engines.

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
        let mut thin = 0;
        for row in rows {
            let pillar = row["pillar"]["code"].as_str().unwrap();
            for cell in row["cells"].as_array().unwrap() {
                let stage = cell["stage"].as_str().unwrap();
                let orgs = cell["orgs"].as_i64().unwrap();
                assert_eq!(orgs, expected.get(&(pillar.to_string(), stage.to_string())).copied().unwrap_or(0), "{pillar} × {stage}");
                assert_eq!(cell["thin"].as_bool().unwrap(), orgs < threshold, "{pillar} × {stage}");
                thin += usize::from(orgs < threshold);
            }
        }
        assert!(expected.values().sum::<i64>() > 100 && thin > 0, "a small cluster fills some cells and leaves some thin");
    }
}
