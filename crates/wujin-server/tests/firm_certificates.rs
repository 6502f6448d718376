//! A firm's certificates (ISO 9001, CCC …) are records: a number, an issuer and a last day.
//! The API takes them as objects or as a sheet writes them (`ISO9001@2027-05-01`), the
//! owners are reminded 60, 30 and 7 days ahead, and a lapsed certificate stops counting in
//! search: the daily sweep's outbox row carries the lapse to the index. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use time::Duration;
use wujin_store::{Store, both_backends};

fn day(from_today: i64) -> String {
    (wujin_store::ties::today() + Duration::days(from_today)).to_string()
}

/// A firm from the demo registry with an owner, and the state of a server with an index.
async fn firm(s: &Store) -> (i64, Person, wujin_server::api::AppState) {
    common::with_demo(s).await;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
    let owner = common::owner(s, "qa@certs.example.cn", Some(orgs[0].id)).await;
    (orgs[0].id, owner, common::with_index(s).await)
}

async fn certificates(s: &Store, org: i64) -> Vec<Value> {
    let r = send(s, "GET", &format!("/api/v1/orgs/{org}"), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["certificates"].as_array().unwrap().clone()
}

async fn patch(s: &Store, org: i64, owner: &Person, certs: Value) -> common::Reply {
    let r = send(s, "GET", &format!("/api/v1/orgs/{org}"), None, &[]).await;
    let body = json!({"revision": r.body["revision"], "certificates": certs});
    send(s, "PATCH", &format!("/api/v1/orgs/{org}"), Some(body), &owner.h()).await
}

/// The organisations a search for firms holding `code` finds.
async fn holders(app: &wujin_server::api::AppState, code: &str) -> Vec<i64> {
    let q: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    let r = common::send_to(app, "GET", &format!("/api/v1/search?certificate={q}&limit=100"), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().iter().map(|i| i["org"]["id"].as_i64().unwrap()).collect()
}

fn certificate_notices(items: &Value) -> Vec<String> {
    items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "certificate")
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect()
}

both_backends! {
    async fn a_firm_records_its_certificates_with_number_issuer_and_last_day(db) {
        let s = &db.store;
        let (org, owner, _) = firm(s).await;
        let certs = json!([
            {"code": "ISO9001", "number": "00126Q30001R0M", "issuer": "中国质量认证中心", "valid_until": day(400)},
            format!("CCC@{}", day(200)),
            "高新技术企业",
        ]);
        let r = patch(s, org, &owner, certs).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let held = certificates(s, org).await;
        assert_eq!(held.len(), 3, "{held:?}");
        assert_eq!(held[0]["code"], "ISO 9001", "the taxonomy's spelling");
        assert_eq!((held[0]["number"].as_str(), held[0]["issuer"].as_str()), (Some("00126Q30001R0M"), Some("中国质量认证中心")));
        assert_eq!(held[0]["valid_until"], day(400));
        assert_eq!((held[1]["code"].as_str(), held[1]["valid_until"].as_str()), (Some("CCC"), Some(day(200).as_str())));
        assert_eq!((held[2]["code"].as_str(), held[2]["valid_until"].clone()), (Some("HNTE"), Value::Null));
        assert!(held.iter().all(|c| c["in_force"] == true));

        // A renewal written as a sheet writes it keeps the number and issuer on record.
        let r = patch(s, org, &owner, json!([format!("ISO 9001@{}", day(1500)), "CCC", "HNTE"])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let held = certificates(s, org).await;
        assert_eq!((held[0]["number"].as_str(), held[0]["valid_until"].as_str()), (Some("00126Q30001R0M"), Some(day(1500).as_str())));
        assert_eq!(held[1]["valid_until"], Value::Null, "CCC given without a day has none");

        // One that lapsed yesterday is listed as such and does not count for the registry.
        let r = patch(s, org, &owner, json!([format!("CCC@{}", day(-1))])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let held = certificates(s, org).await;
        assert_eq!((held.len(), &held[0]["in_force"]), (1, &json!(false)));
        let r = send(s, "GET", "/api/v1/orgs?certificate=CCC&limit=100", None, &[]).await;
        assert!(!r.body["items"].as_array().unwrap().iter().any(|o| o["id"] == org), "a lapsed CCC is not held");
        let (_, _, html) = common::page(s, "GET", &format!("/orgs/{org}"), None, None).await;
        assert!(html.contains("不计入匹配") && html.contains(&day(-1)), "the firm's page says it lapsed");
    }

    async fn bad_certificates_are_refused_with_the_field_named_and_nothing_written(db) {
        let s = &db.store;
        let (org, owner, _) = firm(s).await;
        let before = certificates(s, org).await;
        for (certs, why) in [
            (json!(["CCC@2027-13-01"]), "not a day"),
            (json!([{"code": "CCC", "valid_until": "next year"}]), "an object's day"),
            (json!(["ISO 9999"]), "not a certificate the taxonomy knows"),
            (json!([{"code": "CCC", "number": "9".repeat(65)}]), "a number too long"),
            (json!([{"code": "CCC", "issuer": "认证\u{7}中心"}]), "a control character"),
        ] {
            let r = patch(s, org, &owner, certs).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.body);
            common::assert_error(&(r.status, r.body.clone()), StatusCode::BAD_REQUEST, Some("certificates"));
        }
        // A body of the wrong shape is refused before any rule, naming the item.
        for (certs, why) in [
            (json!([{"code": "CCC", "expires": "2027-01-01"}]), "an unknown key"),
            (json!(["CCC", 42]), "neither text nor an object"),
        ] {
            let r = patch(s, org, &owner, certs).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {}", r.body);
            assert_eq!(r.body["error"]["field"].as_str(), Some(if why == "an unknown key" { "certificates/0" } else { "certificates/1" }));
        }
        assert_eq!(certificates(s, org).await, before, "nothing was written");
    }

    async fn owners_are_reminded_sixty_thirty_and_seven_days_ahead_and_a_lapse_leaves_search(db) {
        let s = &db.store;
        let (org, owner, app) = firm(s).await;
        let index = app.index.clone().unwrap();
        let last = wujin_store::ties::today() + Duration::days(365);
        let r = patch(s, org, &owner, json!([{"code": "CNAS", "number": "L12345", "valid_until": last.to_string()}, "CMA"])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        assert!(holders(&app, "CNAS").await.contains(&org), "in force: search counts it");

        let on = |before: i64| last - Duration::days(before);
        let mut sent = vec![];
        for before in [365, 61, 60, 60, 45, 31, 30, 8, 7, 1, 0] {
            sent.push(s.remind_certificates(on(before)).await.unwrap());
        }
        assert_eq!(sent, [0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0], "each reminder once, on its day");
        assert_eq!(s.lapse_certificates(last).await.unwrap(), 0, "it holds through its last day");
        assert_eq!(s.lapse_certificates(last + Duration::days(1)).await.unwrap(), 1);
        assert_eq!(s.lapse_certificates(last + Duration::days(1)).await.unwrap(), 0, "once");

        // 我的标准 lists the certificate with its number and day, and the news of it.
        let (status, _, html) = common::page(s, "GET", "/standards/mine", Some(&owner), None).await;
        assert_eq!(status, StatusCode::OK);
        let table = &html[html.find(&format!("id=\"mine-certs-{org}\"")).expect("the firm's certificates")..];
        assert!(table.contains("L12345") && table.contains(&last.to_string()), "number and last day shown");
        assert!(html.contains("还有 7 天"), "the reminders are among the news");

        let inbox = send(s, "GET", "/api/v1/inbox?limit=100", None, &owner.h()).await;
        let texts = certificate_notices(&inbox.body);
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[0].contains("已于") && texts[0].contains(&last.to_string()), "newest first: {texts:?}");
        assert!(texts[1].contains("还有 7 天") && texts[2].contains("还有 30 天") && texts[3].contains("还有 60 天"), "{texts:?}");

        // The sweep's outbox row makes the index drop the lapsed CNAS; CMA, without a day, stays.
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        assert!(!holders(&app, "CNAS").await.contains(&org), "a lapsed certificate does not count");
        assert!(holders(&app, "CMA").await.contains(&org));

        // A renewal (a new day) starts the reminders afresh; the rebuilt index agrees.
        let renewed = last + Duration::days(1095);
        let r = patch(s, org, &owner, json!([{"code": "CNAS", "number": "L12345", "valid_until": renewed.to_string()}, "CMA"])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        assert!(holders(&app, "CNAS").await.contains(&org), "renewed: it counts again");
        assert_eq!(s.remind_certificates(renewed - Duration::days(60)).await.unwrap(), 1);
        let rebuilt = common::with_index(s).await;
        assert!(holders(&rebuilt, "CNAS").await.contains(&org));
    }

    async fn a_sweep_tells_only_the_firm_whose_certificate_lapses(db) {
        let s = &db.store;
        let (org, owner, _) = firm(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let other = common::owner(s, "qa@other.example.cn", Some(orgs[1].id)).await;
        let r = patch(s, orgs[1].id, &other, json!([format!("ISO 9001@{}", day(3000))])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = patch(s, org, &owner, json!([format!("ISO 9001@{}", day(10))])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Two servers sweeping the same day send one reminder between them.
        let today = wujin_store::ties::today();
        let (a, b) = tokio::join!(s.remind_certificates(today), s.remind_certificates(today));
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        let mine = send(s, "GET", "/api/v1/inbox?limit=100", None, &owner.h()).await;
        assert_eq!(certificate_notices(&mine.body).len(), 1);
        let theirs = send(s, "GET", "/api/v1/inbox?limit=100", None, &other.h()).await;
        assert!(certificate_notices(&theirs.body).is_empty(), "a certificate far from its day is left alone");
    }
}
