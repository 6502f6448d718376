//! A firm keeps its own catalogue and profile through the API: its owner adds an offer
//! (checked by the same rules as an imported row), finds it in search once the index has
//! followed, changes it against the revision seen, and takes it off; the profile is changed
//! the same way and the firm's offers follow its town; nobody else may touch either. Both
//! engines.

mod common;

use axum::http::StatusCode;
use common::{send_to, sign_up};
use serde_json::{Value, json};
use wujin_store::both_backends;

/// The organisations a search for `text` finds, after the index has caught up.
async fn found(app: &wujin_server::api::AppState, text: &str) -> Vec<i64> {
    wujin_match::follow::catch_up(&app.store, app.index.as_ref().unwrap()).await.unwrap();
    let q: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let r = send_to(app, "GET", &format!("/api/v1/search?q={q}&limit=100"), None, &[]).await;
    r.body["items"].as_array().unwrap().iter().map(|i| i["org"]["id"].as_i64().unwrap()).collect()
}

fn flask() -> Value {
    json!({
        "title": "双层真空焖烧罐 1000ml 食品级", "category": "焖烧杯",
        "specs": [{"key": "材质", "value": "316不锈钢"}, {"key": "容量", "value": "1000ml"}],
        "standards": ["GB/T29606"], "price_min_fen": 4500, "price_max_fen": 6800,
        "unit": "只", "moq": 300, "lead_time_days": 20
    })
}

both_backends! {
    async fn a_firm_adds_finds_changes_and_removes_its_offer(db) {
        let s = &db.store;
        let app = common::with_index(s).await;
        let code = wujin_domain::Uscc::complete("91330784MA7000001").unwrap();
        let up = json!({"login": "chen@jar.example.cn", "name": "陈经理", "password": "correct horse",
                        "uscc": code.as_str(), "firm": "永康市焖香日用品有限公司"});
        let r = send_to(&app, "POST", "/api/v1/accounts", Some(up), &[]).await;
        let org = r.body["org_id"].as_i64().unwrap();
        let owner = common::Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
        assert!(!found(&app, "焖烧罐").await.contains(&org), "a new firm has nothing to find yet");

        let add = format!("/api/v1/orgs/{org}/offers");
        let r = send_to(&app, "POST", &add, Some(flask()), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!((r.body["kind"]["code"].as_str(), r.body["category"]["code"].as_str()), (Some("product"), Some("cups.food_jar")), "{}", r.body);
        assert_eq!(r.body["standards"][0]["number"], "GB/T 29606-2013", "standards normalised as on import");
        assert!(r.body["external_id"].as_str().unwrap().starts_with(&format!("web-{org}-")), "the server names it");
        assert_eq!(r.body["revision"], 1);
        assert!(found(&app, "焖烧罐").await.contains(&org), "the index follows the new offer");

        // The row rules, with the API's field names.
        for (change, field) in [
            (json!({"price_min_fen": 9000}), "price_max_fen"),
            (json!({"category": "不存在的类目"}), "category"),
            (json!({"specs": [{"key": "材质；容量", "value": "x"}]}), "specs/0"),
            (json!({"hours_per_week": 40}), "hours_per_week"),
            (json!({"price_min_fen": -5}), "price_min_fen"),
        ] {
            let mut body = flask();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let r = send_to(&app, "POST", &add, Some(body), &owner.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{change}: {}", r.body);
        }

        // Nobody else keeps this catalogue.
        let other = sign_up(s, "rival@x.example.cn").await;
        assert_eq!(send_to(&app, "POST", &add, Some(flask()), &other.h()).await.status, StatusCode::FORBIDDEN);
        let path = format!("/api/v1/offers/{id}");
        assert_eq!(send_to(&app, "PATCH", &path, Some(flask()), &other.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send_to(&app, "DELETE", &path, Some(json!({"revision": 1})), &other.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send_to(&app, "POST", "/api/v1/orgs/999999/offers", Some(flask()), &owner.h()).await.status, StatusCode::NOT_FOUND);

        let mut changed = flask();
        changed["title"] = json!("双层真空焖烧罐 1500ml 食品级");
        changed["revision"] = json!(7);
        let stale = send_to(&app, "PATCH", &path, Some(changed.clone()), &owner.h()).await;
        assert_eq!((stale.status, stale.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("revision_conflict")));
        changed["revision"] = json!(1);
        let r = send_to(&app, "PATCH", &path, Some(changed), &owner.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64(), r.body["title"].as_str()), (StatusCode::OK, Some(2), Some("双层真空焖烧罐 1500ml 食品级")), "{}", r.body);

        let mut h = owner.h().to_vec();
        h.push(("if-match", "1"));
        assert_eq!(send_to(&app, "DELETE", &path, None, &h).await.status, StatusCode::CONFLICT, "an old revision deletes nothing");
        h.pop();
        h.push(("if-match", "2"));
        assert_eq!(send_to(&app, "DELETE", &path, None, &h).await.status, StatusCode::NO_CONTENT);
        assert_eq!(send_to(&app, "GET", &path, None, &[]).await.status, StatusCode::NOT_FOUND);
        assert!(!found(&app, "焖烧罐").await.contains(&org), "the index lets it go");
        let audit = send_to(&app, "GET", &format!("/api/v1/audit?org_id={org}"), None, &owner.h()).await;
        let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
        for a in ["offer_create", "offer_edit", "offer_delete"] {
            assert!(actions.contains(&a), "{a} in the firm's audit: {actions:?}");
        }
    }
}

both_backends! {
    async fn a_firm_keeps_its_profile_and_its_offers_follow_its_town(db) {
        let s = &db.store;
        let app = common::with_index(s).await;
        let code = wujin_domain::Uscc::complete("91330784MA7000002").unwrap();
        let up = json!({"login": "sun@door.example.cn", "name": "孙经理", "password": "correct horse",
                        "uscc": code.as_str(), "firm": "永康市安居门业有限公司"});
        let r = send_to(&app, "POST", "/api/v1/accounts", Some(up), &[]).await;
        let org = r.body["org_id"].as_i64().unwrap();
        let owner = common::Person { cookie: common::jar(&r.cookie.unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
        let door = json!({"title": "甲级防盗门 钢质", "category": "防盗门", "standards": ["GB 17565-2022"]});
        let r = send_to(&app, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(door), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let path = format!("/api/v1/orgs/{org}");
        let profile = json!({
            "revision": 1, "name": "永康市安居门业有限公司", "name_en": "Yongkang Anju Door Co., Ltd.",
            "town": "古山镇", "sectors": ["C3312"], "chain": ["products", "channels"], "size_class": "小型",
            "founded_year": 2012, "employees": 85, "certificates": ["ISO 9001"],
            "contact": {"name": "孙经理", "phone": "0579-87123456", "email": "sales@anju.example.cn"}
        });
        let mut bad_phone = profile.clone();
        bad_phone["contact"]["phone"] = json!("12345");
        let r = send_to(&app, "PATCH", &path, Some(bad_phone), &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("contact/phone")), "{}", r.body);
        let mut bad_town = profile.clone();
        bad_town["town"] = json!("杭州");
        let r = send_to(&app, "PATCH", &path, Some(bad_town), &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("town")), "{}", r.body);
        let other = sign_up(s, "rival@door.example.cn").await;
        assert_eq!(send_to(&app, "PATCH", &path, Some(profile.clone()), &other.h()).await.status, StatusCode::FORBIDDEN);

        let r = send_to(&app, "PATCH", &path, Some(profile.clone()), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((r.body["revision"].as_i64(), r.body["town"]["code"].as_str()), (Some(2), Some("330784108")), "{}", r.body);
        assert_eq!(r.body["uscc"], code.as_str(), "the credit code stays");
        let again = send_to(&app, "PATCH", &path, Some(profile), &owner.h()).await;
        assert_eq!((again.status, again.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("revision_conflict")));

        let moved = send_to(&app, "GET", &format!("/api/v1/offers?org_id={org}&town=330784108"), None, &[]).await;
        assert_eq!(moved.body["items"].as_array().unwrap().len(), 1, "the firm's offer moved to its town: {}", moved.body);
    }
}
