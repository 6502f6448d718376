//! The standards library in the store: editions found by the numbers people write, their
//! chains, and what a replacement sets off: every firm whose offers cite the replaced
//! edition hears of it once, naming its offers, and no other firm does. Only platform admins
//! change the library. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

/// A firm registered by its owner, with offers citing `standards` (one offer per entry).
async fn firm(s: &Store, n: u32, standards: &[&str]) -> (i64, Person) {
    let code = wujin_domain::Uscc::complete(&format!("91330784MA70{n:05}")).unwrap();
    let up = json!({"login": format!("owner{n}@std.example.cn"), "name": "经理", "password": "correct horse",
        "uscc": code.as_str(), "firm": format!("永康市标准测试{n}号有限公司")});
    let r = send(s, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let org = r.body["org_id"].as_i64().unwrap();
    let owner =
        Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
    for (i, st) in standards.iter().enumerate() {
        let offer = json!({"title": format!("双层真空保温杯 {i}号"), "category": "保温杯", "standards": [st]});
        let r = send(s, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(offer), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    (org, owner)
}

/// The firm's inbox items about standards.
async fn notices(s: &Store, who: &Person) -> Vec<Value> {
    let r = send(s, "GET", "/api/v1/inbox?limit=100", None, &who.h()).await;
    r.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "standard").cloned().collect()
}

both_backends! {
    async fn an_edition_is_found_by_any_spelling_with_its_chain(db) {
        let s = &db.store;
        let r = send(s, "GET", "/api/v1/standards?status=withdrawn", None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let old: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap()).collect();
        assert!(old.contains(&"GB 17565-2007"), "the edition the 2022 door standard replaced: {old:?}");

        let r = send(s, "GET", "/api/v1/standards/GBT29606", None, &[]).await;
        assert_eq!((r.status, r.body["number"].as_str()), (StatusCode::OK, Some("GB/T 29606-2013")), "{}", r.body);
        assert_eq!(r.body["kind"]["code"], "gbt");
        let r = send(s, "GET", "/api/v1/standards/gb%2017565", None, &[]).await;
        let chain: Vec<&str> = r.body["chain"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap()).collect();
        assert_eq!((r.body["number"].as_str(), chain), (Some("GB 17565-2022"), vec!["GB 17565-2022", "GB 17565-2007"]));
        assert_eq!(r.body["implemented"], "2024-01-01");
        assert_eq!(send(s, "GET", "/api/v1/standards/GB%2F%54%207722", None, &[]).await.status, StatusCode::NOT_FOUND,
            "a number without a year the library does not hold");
        let r = send(s, "GET", "/api/v1/standards?q=%E7%9C%9F%E7%A9%BA%E6%9D%AF", None, &[]).await;
        assert_eq!(r.body["items"][0]["number"], "GB/T 29606-2013", "found by its title: {}", r.body);
    }

    async fn a_replacement_tells_every_firm_citing_the_old_edition_once_and_nobody_else(db) {
        let s = &db.store;
        let (_, two) = firm(s, 1, &["GB/T 29606-2013", "GBT29606"]).await;
        let (_, one) = firm(s, 2, &["GB/T 29606-2013"]).await;
        let (_, other) = firm(s, 3, &["GB 4806.9-2023"]).await;
        let admin = common::sign_up(s, "admin@std.example.cn").await;
        s.make_platform_admin(admin.id).await.unwrap();
        let edition = json!({"title_zh": "不锈钢真空杯", "title_en": "Stainless steel vacuum cups", "status": "upcoming",
            "published": "2026-06-01", "implemented": "2099-01-01", "categories": ["保温杯"],
            "replaces": ["GB/T 29606-2013"]});
        let path = "/api/v1/standards/GB%2FT%2029606-2026";
        let r = send(s, "PUT", path, Some(edition.clone()), &admin.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["firms_told"], 2, "{}", r.body);
        let chain: Vec<&str> = r.body["chain"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap()).collect();
        assert_eq!(chain, ["GB/T 29606-2026", "GB/T 29606-2013"]);

        let told = notices(s, &two).await;
        assert_eq!(told.len(), 1, "one notice for the firm, however many of its offers cite it");
        assert_eq!(told[0]["detail"]["offers_total"], 2);
        assert_eq!(told[0]["detail"]["replaced_by"], "GB/T 29606-2026");
        assert!(told[0]["text"].as_str().unwrap().contains("2099-01-01"), "{}", told[0]["text"]);
        assert_eq!(notices(s, &one).await.len(), 1);
        assert!(notices(s, &other).await.is_empty(), "a firm citing another standard hears nothing");

        // Until the new edition applies, the old one is still the one in force.
        let r = send(s, "GET", "/api/v1/standards/GB%2FT%2029606", None, &[]).await;
        assert_eq!(r.body["number"], "GB/T 29606-2013");
        assert_eq!(r.body["replaced_by"], "GB/T 29606-2026");
        // Written again, nothing is news.
        let r = send(s, "PUT", path, Some(edition.clone()), &admin.h()).await;
        assert_eq!((r.status, r.body["firms_told"].as_i64()), (StatusCode::OK, Some(0)), "{}", r.body);
        assert_eq!(notices(s, &two).await.len(), 1);

        // Only platform admins write, and only whole numbers of editions the library holds.
        assert_eq!(send(s, "PUT", path, Some(edition.clone()), &two.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "PUT", path, Some(edition.clone()), &[]).await.status, StatusCode::UNAUTHORIZED);
        for (path, change, field) in [
            ("/api/v1/standards/GB%2FT%2029606", json!({}), "number"),
            (path, json!({"replaces": ["GB/T 29606-1999"]}), "replaces"),
            (path, json!({"status": "obsolete"}), "status"),
            (path, json!({"implemented": "next year"}), "implemented"),
            (path, json!({"categories": ["不存在的类目"]}), "categories"),
            (path, json!({"title_zh": " "}), "title_zh"),
        ] {
            let mut body = edition.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let r = send(s, "PUT", path, Some(body), &admin.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{change}: {}", r.body);
        }
    }

    async fn an_offer_citing_a_bare_number_gets_the_edition_the_stored_library_has_in_force(db) {
        let s = &db.store;
        let admin = common::sign_up(s, "admin@pin.example.cn").await;
        s.make_platform_admin(admin.id).await.unwrap();
        // A standard the compiled seed never had, added by an admin and already in force.
        let edition = json!({"title_zh": "不锈钢真空杯（新版）", "title_en": "Stainless steel vacuum cups", "status": "current",
            "published": "2026-01-01", "implemented": "2026-06-01", "categories": ["保温杯"], "replaces": ["GB/T 29606-2013"]});
        let r = send(s, "PUT", "/api/v1/standards/GB%2FT%2029606-2026", Some(edition), &admin.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let (org, owner) = firm(s, 9, &[]).await;
        let offer = json!({"title": "双层真空保温杯", "category": "保温杯", "standards": ["GBT29606", "GB/T 29606-2013", "GB/T 7722"]});
        let r = send(s, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(offer), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let cited: Vec<&str> = r.body["standards"].as_array().unwrap().iter().map(|s| s["number"].as_str().unwrap()).collect();
        assert_eq!(
            cited,
            ["GB/T 29606-2026", "GB/T 29606-2013", "GB/T 7722"],
            "a bare number is the edition in force now; a year written is kept; an unknown number stays as cited"
        );
        // The edition the admin added has its title wherever the offer is shown.
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["standards"][0]["title"], "不锈钢真空杯（新版）", "{}", r.body);
        let got = send(s, "GET", &format!("/api/v1/offers/{id}"), None, &[("accept-language", "en")]).await;
        assert_eq!(got.body["standards"][0]["title"], "Stainless steel vacuum cups");
        assert_eq!(r.body["standards"][1]["title"], "不锈钢真空杯", "the old edition keeps its own title");
        let listed = send(s, "GET", &format!("/api/v1/offers?org_id={org}"), None, &[]).await;
        assert_eq!(listed.body["items"][0]["standards"][0]["title"], "不锈钢真空杯（新版）");
        let feed = send(s, "GET", "/api/v1/changes?limit=1000", None, &[]).await;
        let change = feed.body["items"].as_array().unwrap().iter().rev().find(|c| c["resource"]["id"] == id && c["type"] == "offer");
        assert_eq!(change.map(|c| c["resource"]["standards"][0]["title"].clone()), Some(json!("不锈钢真空杯（新版）")), "the feed shows what GET shows");

        // A search for the bare number means the same edition.
        let app = common::with_index(s).await;
        let r = common::send_to(&app, "GET", "/api/v1/search?standard=GBT29606&limit=100", None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let item = r.body["items"].as_array().unwrap().iter().find(|i| i["org"]["id"] == org).expect("the firm citing it is found");
        let filters = item["explanation"]["filters"].as_array().unwrap();
        assert!(filters.contains(&json!("standard=GB/T 29606-2026")), "{filters:?}");
    }

    async fn the_library_pages_show_status_chains_and_the_firms_citing_an_edition(db) {
        let s = &db.store;
        // Pages escape the slash.
        let page = |path: String| async move {
            let (status, _, html) = common::page(s, "GET", &path, None, None).await;
            (status, html.replace("&#x2f;", "/"))
        };
        let (org, _) = firm(s, 7, &["GB 17565-2022"]).await;
        let (status, html) = page("/standards".into()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("GB 17565-2007") && html.contains("废止"), "withdrawn editions are listed as such");
        let (_, found) = page("/standards?q=gbt29606".into()).await;
        assert!(found.contains("GB/T 29606-2013") && !found.contains("GB 17565"), "found by a number typed loosely: {found}");

        let (status, html) = page("/standards/GB17565".into()).await;
        assert_eq!(status, StatusCode::OK);
        let chain = html.split("id=\"standard-chain\"").nth(1).unwrap();
        let (new, old) = (chain.find("GB 17565-2022").unwrap(), chain.find("GB 17565-2007").unwrap());
        assert!(new < old, "the newest edition first");
        assert!(html.contains(&format!("/orgs/{org}")), "the firm citing it is listed");
        let (status, html) = page("/standards/GB-17565-2007".into()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("id=\"standard-successor\""), "an old edition links to the one that replaced it");
        assert!(html.contains("id=\"standard-no-firms\""));
        let (status, _) = page("/standards/GB%2099999-2020".into()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // An offer's page links each standard it cites to the library.
        let r = send(s, "GET", &format!("/api/v1/offers?org_id={org}"), None, &[]).await;
        let offer = r.body["items"][0]["id"].as_i64().unwrap();
        let (_, html) = page(format!("/offers/{offer}")).await;
        assert!(html.contains("href=\"/standards/GB17565-2022\""), "{html}");
    }
}
