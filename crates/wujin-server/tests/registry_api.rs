//! What an integrator sees of the registry API: lists that filter and page, codes with
//! display names in their language, and a clear 400 or 404 for every bad request.

mod common;

use axum::http::StatusCode;
use common::{assert_error, get, with_demo};
use wujin_store::both_backends;

both_backends! {
    async fn lists_page_through_everything_once(db) {
        with_demo(&db.store).await;
        let (s, first) = get(&db.store, "/api/v1/orgs?limit=50").await;
        assert_eq!(s, StatusCode::OK);
        let total = first["total"].as_i64().unwrap();
        assert_eq!(total, common::FIRMS as i64);
        let mut seen = vec![];
        let mut page = first;
        loop {
            seen.extend(page["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()));
            let Some(cursor) = page["next_cursor"].as_str() else { break };
            page = get(&db.store, &format!("/api/v1/orgs?limit=50&cursor={cursor}")).await.1;
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no organisation shown twice");
        assert_eq!(seen.len() as i64, total, "every organisation shown once");
    }

    async fn filters_narrow_and_accept_names(db) {
        with_demo(&db.store).await;
        let (_, by_code) = get(&db.store, "/api/v1/orgs?town=330784108&kind=manufacturer&limit=100").await;
        let (_, by_name) = get(&db.store, "/api/v1/orgs?town=%E5%8F%A4%E5%B1%B1%E9%95%87&kind=%E5%88%B6%E9%80%A0%E4%BC%81%E4%B8%9A&limit=100").await;
        assert_eq!(by_code, by_name, "古山镇 and 330784108 are the same town");
        let items = by_code["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for o in items {
            assert_eq!(o["town"]["code"], "330784108");
            assert_eq!(o["town"]["name"], "古山镇");
            assert_eq!(o["kind"]["code"], "manufacturer");
        }

        let (s, cups) = get(&db.store, "/api/v1/offers?category=cups&standard=GB%2FT29606&limit=100").await;
        assert_eq!(s, StatusCode::OK);
        let items = cups["items"].as_array().unwrap();
        assert!(!items.is_empty(), "the demo has vacuum cups made to GB/T 29606");
        for o in items {
            assert!(o["category"]["code"].as_str().unwrap().starts_with("cups"), "subcategories are included");
            assert!(o["standards"].as_array().unwrap().iter().any(|s| s["number"] == "GB/T 29606-2013"));
        }

        // Organisations by what they offer: the makers of the cups above are among them.
        let (_, makers) = get(&db.store, "/api/v1/orgs?category=%E4%BF%9D%E6%B8%A9%E6%9D%AF&standard=GB%2FT%2029606&limit=100").await;
        let maker_ids: Vec<_> = makers["items"].as_array().unwrap().iter().map(|o| o["id"].clone()).collect();
        for o in items.iter().filter(|o| o["category"]["code"] == "cups.vacuum_cup") {
            assert!(maker_ids.contains(&o["org_id"]), "the maker of offer {} is listed", o["id"]);
        }
        assert_eq!(makers["total"].as_u64().unwrap() as usize, maker_ids.len());

        // A sector is the set of categories made in that industry class.
        let (_, vessels) = get(&db.store, "/api/v1/offers?sector=C3382&limit=100").await;
        let t = wujin_domain::Taxonomy::get();
        let items = vessels["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for o in items {
            let cat = t.category(o["category"]["code"].as_str().unwrap()).unwrap();
            assert_eq!(cat.sector.as_deref(), Some("C3382"));
        }

        let (_, testing) = get(&db.store, "/api/v1/offers?family=testing&kind=service&lang=en").await;
        let items = testing["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(items.iter().all(|o| o["family"]["code"] == "testing" && o["family"]["name"] == "Testing and inspection"));
    }

    async fn valid_filters_that_match_nothing_give_an_empty_page(db) {
        with_demo(&db.store).await;
        let (s, body) = get(&db.store, "/api/v1/offers?kind=capacity&category=cups.vacuum_cup").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body["items"].as_array().unwrap().len(), 0);
        assert_eq!(body["total"], 0);
        assert!(body["next_cursor"].is_null());
    }

    async fn bad_requests_name_the_parameter(db) {
        with_demo(&db.store).await;
        for (path, field) in [
            ("/api/v1/orgs?limit=0", "limit"),
            ("/api/v1/orgs?limit=101", "limit"),
            ("/api/v1/offers?limit=abc", "limit"),
            ("/api/v1/orgs?cursor=%E2%98%83not-a-cursor", "cursor"),
            ("/api/v1/orgs?town=330784999", "town"),
            ("/api/v1/orgs?sector=C9999", "sector"),
            ("/api/v1/orgs?kind=bakery", "kind"),
            ("/api/v1/orgs?category=bakery", "category"),
            ("/api/v1/offers?category=nothing", "category"),
            ("/api/v1/offers?standard=%3B%3B%3B", "standard"),
            ("/api/v1/offers?org_id=-4", "org_id"),
            ("/api/v1/orgs/abc", "id"),
            ("/api/v1/offers/'%3B%20drop%20table%20x%3B--", "id"),
        ] {
            assert_error(&get(&db.store, path).await, StatusCode::BAD_REQUEST, Some(field));
        }
    }

    async fn unknown_ids_and_routes_are_404(db) {
        with_demo(&db.store).await;
        assert_error(&get(&db.store, "/api/v1/orgs/999999999").await, StatusCode::NOT_FOUND, None);
        assert_error(&get(&db.store, "/api/v1/offers/999999999").await, StatusCode::NOT_FOUND, None);
        assert_error(&get(&db.store, "/api/v1/nothing-here").await, StatusCode::NOT_FOUND, None);
    }

    async fn one_record_reads_back_with_money_in_fen(db) {
        with_demo(&db.store).await;
        let (_, list) = get(&db.store, "/api/v1/offers?kind=product&limit=1").await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        let (s, offer) = get(&db.store, &format!("/api/v1/offers/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(offer, list["items"][0]);
        let price = &offer["price"];
        assert!(price["min"]["amount_fen"].is_i64());
        assert_eq!(price["min"]["currency"], "CNY");
        assert!(offer["revision"].as_i64().unwrap() >= 1);
        assert!(offer["created_at"].as_str().unwrap().ends_with('Z'));
        let org_id = offer["org_id"].as_i64().unwrap();
        let (s, org) = get(&db.store, &format!("/api/v1/orgs/{org_id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(org["uscc"], offer["org"]["uscc"]);
    }
}

#[tokio::test]
async fn health_openapi_and_taxonomy_answer() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let (s, body) = get(&db.store, "/healthz").await;
    assert_eq!((s, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, doc) = get(&db.store, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (method, path) in [
        ("get", "/api/v1/orgs"),
        ("get", "/api/v1/orgs/{id}"),
        ("get", "/api/v1/offers"),
        ("get", "/api/v1/offers/{id}"),
        ("get", "/api/v1/taxonomy"),
        ("get", "/api/v1/search"),
        ("post", "/api/v1/match"),
        ("post", "/api/v1/accounts"),
        ("get", "/api/v1/accounts/me"),
        ("post", "/api/v1/sessions"),
        ("delete", "/api/v1/sessions/current"),
        ("get", "/api/v1/claims"),
        ("post", "/api/v1/claims"),
        ("post", "/api/v1/claims/{id}/approve"),
        ("post", "/api/v1/claims/{id}/reject"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("delete", "/api/v1/tokens/{id}"),
        ("get", "/api/v1/orgs/{id}/members"),
        ("post", "/api/v1/orgs/{id}/members"),
        ("delete", "/api/v1/orgs/{id}/members/{account_id}"),
        ("post", "/api/v1/demands"),
        ("get", "/api/v1/demands/{id}"),
        ("patch", "/api/v1/demands/{id}"),
        ("post", "/api/v1/demands/{id}/publish"),
        ("post", "/api/v1/demands/{id}/cancel"),
        ("post", "/api/v1/demands/{id}/awards"),
        ("post", "/api/v1/engagements/{id}/complete"),
        ("post", "/api/v1/engagements/{id}/ratings"),
        ("get", "/api/v1/demands/{id}/responses"),
        ("post", "/api/v1/demands/{id}/responses"),
        ("put", "/api/v1/demands/{id}/responses/{rid}"),
        ("delete", "/api/v1/demands/{id}/responses/{rid}"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
    }
    let (_, tax) = get(&db.store, "/api/v1/taxonomy").await;
    assert_eq!(tax["towns"].as_array().unwrap().len(), 14);
    db.store.close().await;
    let (s, body) = get(&db.store, "/healthz").await;
    assert_eq!((s, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")));
}
