//! Two firms keep their supply tie through the API: the cup maker declares its lid
//! supplier, the lid maker confirms, either can say it is still true or end it, and nobody
//! else learns the tie exists. Bad rows are refused with the field named, as on import.
//! Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, jar, send};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

/// Signs a person up with a new firm; they own it.
async fn firm(store: &Store, login: &str, code17: &str, name: &str) -> (i64, String, Person) {
    let code = wujin_domain::Uscc::complete(code17).unwrap();
    let up = json!({"login": login, "name": "经理", "password": "correct horse", "uscc": code.as_str(), "firm": name});
    let r = send(store, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let person = Person {
        cookie: jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().into(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    };
    (r.body["org_id"].as_i64().unwrap(), code.to_string(), person)
}

fn error_field(body: &Value) -> Option<&str> {
    body["error"]["field"].as_str()
}

both_backends! {
    async fn a_declared_tie_is_confirmed_by_the_other_side_and_seen_by_nobody_else(db) {
        let s = &db.store;
        let (cup, _, cup_owner) = firm(s, "cup@ties.example.cn", "91330784MA7100001", "永康市恒达杯业有限公司").await;
        let (lid, lid_code, lid_owner) = firm(s, "lid@ties.example.cn", "91330784MA7100002", "永康市精工杯盖厂").await;
        let (_, _, stranger) = firm(s, "other@ties.example.cn", "91330784MA7100003", "永康市别家门业有限公司").await;

        let body = json!({"supplier_uscc": lid_code, "input": "杯盖", "share": 70, "buffer_weeks": 2.5, "since": "2024-01-01"});
        let r = send(s, "POST", &format!("/api/v1/orgs/{cup}/ties"), Some(body.clone()), &cup_owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let tie = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["state"], "declared");
        assert_eq!(r.body["declared_by"], "customer");
        assert_eq!(r.body["input"]["code"], "parts.flask_lid");
        assert_eq!(r.body["stage"]["code"], "parts");
        assert_eq!((r.body["share"].as_i64(), r.body["buffer_weeks"].as_f64()), (Some(70), Some(2.5)));
        assert_eq!(r.body["supplier"]["org_id"].as_i64(), Some(lid));
        assert_eq!(r.body["stale"], false);

        // Saying it again renews the same tie.
        let r = send(s, "POST", &format!("/api/v1/orgs/{cup}/ties"), Some(body), &cup_owner.h()).await;
        assert_eq!((r.status, r.body["id"].as_i64()), (StatusCode::OK, Some(tie)), "{}", r.body);

        // The declaring side cannot confirm its own word; a stranger cannot see the tie.
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/confirm"), None, &cup_owner.h()).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("own_declaration")));
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/confirm"), None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = send(s, "GET", &format!("/api/v1/orgs/{cup}/ties"), None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

        // The lid maker sees it from its side and confirms against the revision it saw.
        let r = send(s, "GET", &format!("/api/v1/orgs/{lid}/ties"), None, &lid_owner.h()).await;
        assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1), "{}", r.body);
        let seen = r.body["items"][0]["revision"].as_i64().unwrap();
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/confirm"), Some(json!({"revision": seen + 5})), &lid_owner.h()).await;
        assert_eq!((r.status, error_field(&r.body)), (StatusCode::CONFLICT, Some("revision")));
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/confirm"), Some(json!({"revision": seen})), &lid_owner.h()).await;
        assert_eq!((r.status, r.body["state"].as_str()), (StatusCode::OK, Some("confirmed")), "{}", r.body);

        // Either side ends it; it stays in history only.
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/end"), None, &cup_owner.h()).await;
        assert_eq!(r.body["state"], "ended", "{}", r.body);
        let r = send(s, "GET", &format!("/api/v1/orgs/{cup}/ties"), None, &cup_owner.h()).await;
        assert_eq!(r.body["items"].as_array().map(Vec::len), Some(0));
        let r = send(s, "GET", &format!("/api/v1/orgs/{cup}/ties?history=true"), None, &cup_owner.h()).await;
        assert_eq!(r.body["items"][0]["state"], "ended");
        let r = send(s, "POST", &format!("/api/v1/ties/{tie}/reaffirm"), None, &lid_owner.h()).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("tie_closed")));
    }

    async fn a_bad_tie_is_refused_with_the_field_named(db) {
        let s = &db.store;
        let (cup, cup_code, owner) = firm(s, "cup@bad.example.cn", "91330784MA7200001", "永康市恒达杯业有限公司").await;
        let other = wujin_domain::Uscc::complete("91330784MA7200009").unwrap().to_string();
        let path = format!("/api/v1/orgs/{cup}/ties");
        for (body, field) in [
            (json!({"input": "杯盖"}), "supplier_uscc"),
            (json!({"supplier_name": "宁波某不锈钢厂", "input": "304不锈钢"}), "region"),
            (json!({"supplier_uscc": cup_code, "input": "杯盖"}), "supplier_uscc"),
            (json!({"supplier_uscc": other, "input": "杯盖"}), "supplier_uscc"),
            (json!({"supplier_name": "某厂", "region": "浙江 宁波", "input": "没有这个品类"}), "input"),
            (json!({"supplier_name": "某厂", "region": "浙江 宁波", "input": "杯盖", "share": 0}), "share"),
            (json!({"supplier_name": "某厂", "region": "浙江 宁波", "input": "杯盖", "buffer_weeks": 1.25}), "buffer_weeks"),
            (json!({"supplier_name": "某厂", "region": "浙江 宁波", "input": "杯盖", "since": "2024-02-30"}), "since"),
            (json!({"supplier_name": "某厂", "region": "浙江 宁波", "input": "杯盖", "customer_uscc": other}), "customer_uscc"),
        ] {
            let r = send(s, "POST", &path, Some(body.clone()), &owner.h()).await;
            assert_eq!((r.status, error_field(&r.body)), (StatusCode::BAD_REQUEST, Some(field)), "{body}: {}", r.body);
        }
        let r = send(s, "GET", &path, None, &owner.h()).await;
        assert_eq!(r.body["items"].as_array().map(Vec::len), Some(0), "nothing half-written");

        // An outside supplier is recorded by name and region.
        let steel = json!({"supplier_name": "宁波某不锈钢厂", "region": "浙江 宁波", "input": "304不锈钢"});
        let r = send(s, "POST", &path, Some(steel), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!((r.body["supplier"]["org_id"].as_i64(), r.body["supplier"]["region"].as_str()), (None, Some("浙江 宁波")));
    }

    async fn a_firm_turns_on_who_may_see_its_ties_named(db) {
        let s = &db.store;
        let (cup, _, owner) = firm(s, "cup@settings.example.cn", "91330784MA7300001", "永康市恒达杯业有限公司").await;
        let (_, _, stranger) = firm(s, "x@settings.example.cn", "91330784MA7300002", "永康市别家门业有限公司").await;
        let path = format!("/api/v1/orgs/{cup}/chain-settings");
        let r = send(s, "GET", &path, None, &owner.h()).await;
        assert_eq!(r.body, json!({"public": false, "helps": false}), "off until the firm says so");
        let r = send(s, "PUT", &path, Some(json!({"public": true, "helps": true})), &stranger.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(s, "PUT", &path, Some(json!({"public": false, "helps": true})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(s, "GET", &path, None, &owner.h()).await;
        assert_eq!(r.body, json!({"public": false, "helps": true}));
        let r = send(s, "PUT", &path, Some(json!({"public": "yes", "helps": false})), &owner.h()).await;
        assert_eq!((r.status, error_field(&r.body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("public")), "{}", r.body);
    }
}
