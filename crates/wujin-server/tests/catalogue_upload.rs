//! A firm lists its catalogue from its own spreadsheet through the API: the sheet is checked
//! and held, the row report names each bad row's row, column and value, and only a confirm
//! writes, all or nothing unless the valid rows are asked for alone. A sheet can never touch
//! another firm's offers, whatever credit code or external id its rows name. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, Reply, send_to, upload_to};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_store::both_backends;

/// A firm signed up by its owner: (org id, credit code, owner).
async fn firm(app: &AppState, login: &str, code: &str, name: &str) -> (i64, String, Person) {
    let code = wujin_domain::Uscc::complete(code).unwrap().to_string();
    let up = json!({"login": login, "name": "经理", "password": "correct horse", "uscc": code, "firm": name});
    let r = send_to(app, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let owner = Person {
        cookie: common::jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().into(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    };
    (r.body["org_id"].as_i64().unwrap(), code, owner)
}

/// A firm's offers as the API lists them: (external id, title), by external id.
async fn offers_of(app: &AppState, org: i64) -> Vec<(String, String)> {
    let r = send_to(app, "GET", &format!("/api/v1/offers?org_id={org}&limit=100"), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut out: Vec<(String, String)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["external_id"].as_str().unwrap().to_string(), o["title"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

async fn upload(app: &AppState, org: i64, sheet: &str, who: &Person) -> Reply {
    upload_to(app, &format!("/api/v1/orgs/{org}/offers/uploads"), "目录.csv", sheet.as_bytes(), &[], &who.h()).await
}

async fn confirm(app: &AppState, org: i64, upload: &Value, body: Option<Value>, who: &Person) -> Reply {
    let id = upload["id"].as_i64().expect("an upload id");
    send_to(app, "POST", &format!("/api/v1/orgs/{org}/offers/uploads/{id}/confirm"), body, &who.h()).await
}

const HEAD: &str = "外部编号,标题,类目,规格,执行标准,最低价(元),最高价(元),单位,起订量,交期(天)\n";

both_backends! {
    async fn a_sheet_with_bad_rows_is_reported_row_by_row_and_written_only_when_confirmed(db) {
        let app = common::with_index(&db.store).await;
        let (org, _, owner) = firm(&app, "hu@cups.example.cn", "91330784MA7100001", "永康市胡氏杯业有限公司").await;
        let sheet = format!(
            "{HEAD}BW-500,304不锈钢真空保温杯 500ml,保温杯,材质=304不锈钢；容量=500ml,GB/T 29606-2013,28.50,35,只,1000,15\n\
             BW-750,316不锈钢焖烧杯 750ml,不存在的类目,,,40,52,只,500,20\n\
             BW-900,钛真空杯 900ml,保温杯,,,90,60,只,200,25\n\
             BW-120,儿童吸管保温杯 350ml,保温杯,,,22,26,只,2000,12\n"
        );
        let r = upload(&app, org, &sheet, &owner).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!((r.body["rows"].as_u64(), r.body["valid"].as_u64(), r.body["bad_rows"].as_u64()), (Some(4), Some(2), Some(2)), "{}", r.body);
        let problems: Vec<(u64, &str, &str)> = r.body["problems"].as_array().unwrap().iter()
            .map(|p| (p["row"].as_u64().unwrap(), p["column"].as_str().unwrap(), p["value"].as_str().unwrap())).collect();
        assert_eq!(problems, vec![(3, "类目", "不存在的类目"), (4, "最高价(元)", "60")], "row as the spreadsheet shows it, column as the sheet names it");
        assert!(r.body["problems"].as_array().unwrap().iter().all(|p| !p["message"].as_str().unwrap().is_empty()));
        assert!(offers_of(&app, org).await.is_empty(), "a check writes nothing");

        // All or nothing: with bad rows the confirm needs the valid rows asked for alone.
        let refused = confirm(&app, org, &r.body, None, &owner).await;
        assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_rows")), "{}", refused.body);
        assert!(offers_of(&app, org).await.is_empty());
        let done = confirm(&app, org, &r.body, Some(json!({"skip_invalid": true})), &owner).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!((done.body["inserted"].as_u64(), done.body["skipped_rows"].as_u64()), (Some(2), Some(2)));
        let mine = offers_of(&app, org).await;
        assert_eq!(mine.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(), vec!["儿童吸管保温杯 350ml", "304不锈钢真空保温杯 500ml"]);
        assert!(mine.iter().all(|(e, _)| e.starts_with(&format!("firm-{org}/"))), "{mine:?}");
        let again = confirm(&app, org, &r.body, Some(json!({"skip_invalid": true})), &owner).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "an upload is written once");

        // The index follows: buyers find the new offers.
        wujin_match::follow::catch_up(&app.store, app.index.as_ref().unwrap()).await.unwrap();
        let found = send_to(&app, "GET", "/api/v1/search?q=%E5%84%BF%E7%AB%A5%E5%90%B8%E7%AE%A1%E4%BF%9D%E6%B8%A9%E6%9D%AF&limit=10", None, &[]).await;
        assert!(found.body["items"].as_array().unwrap().iter().any(|i| i["org"]["id"] == org), "{}", found.body);

        // The same sheet, fixed, updates by the firm's own numbers: nothing doubles.
        let fixed = sheet.replace("不存在的类目", "焖烧杯").replace(",90,60,", ",60,90,");
        let r = upload(&app, org, &fixed, &owner).await;
        assert_eq!(r.body["bad_rows"], 0, "{}", r.body);
        let done = confirm(&app, org, &r.body, None, &owner).await;
        assert_eq!((done.status, done.body["inserted"].as_u64(), done.body["unchanged"].as_u64()), (StatusCode::OK, Some(2), Some(2)), "{}", done.body);
        assert_eq!(offers_of(&app, org).await.len(), 4);
    }

    async fn no_row_of_a_sheet_can_touch_another_firms_offers(db) {
        let app = common::with_index(&db.store).await;
        let (a, _, owner_a) = firm(&app, "a@x.example.cn", "91330784MA7200001", "永康市甲五金有限公司").await;
        let (b, code_b, owner_b) = firm(&app, "b@x.example.cn", "91330784MA7200002", "永康市乙五金有限公司").await;
        let sheet_b = format!("{HEAD}LK-1,304不锈钢防盗门锁体,门锁,,,80,120,套,100,30\n");
        let r = upload(&app, b, &sheet_b, &owner_b).await;
        assert_eq!(confirm(&app, b, &r.body, None, &owner_b).await.status, StatusCode::OK);
        let before_b = offers_of(&app, b).await;
        assert_eq!(before_b.len(), 1);
        let b_id = before_b[0].0.clone();

        // A's sheet names B's credit code, B's own number, and B's stored external id.
        let sheet_a = format!(
            "外部编号,统一社会信用代码,标题,类目,最低价(元),最高价(元),单位\n\
             LK-1,{code_b},仿冒的锁体,门锁,1,2,套\n\
             {b_id},{code_b},仿冒的锁体二,门锁,1,2,套\n"
        );
        let r = upload(&app, a, &sheet_a, &owner_a).await;
        assert_eq!((r.status, r.body["bad_rows"].as_u64()), (StatusCode::CREATED, Some(0)), "{}", r.body);
        let done = confirm(&app, a, &r.body, None, &owner_a).await;
        assert_eq!((done.status, done.body["inserted"].as_u64()), (StatusCode::OK, Some(2)), "{}", done.body);
        assert_eq!(offers_of(&app, b).await, before_b, "B's catalogue is as it was");
        let mine = offers_of(&app, a).await;
        assert_eq!(mine.len(), 2, "both rows became A's own offers: {mine:?}");
        assert!(mine.iter().all(|(e, _)| e.starts_with(&format!("firm-{a}/"))));

        // Nobody but the firm's owners and admins uploads or confirms for it.
        let r = upload(&app, b, &sheet_a, &owner_a).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let held = upload(&app, a, &sheet_a, &owner_a).await;
        assert_eq!(confirm(&app, a, &held.body, None, &owner_b).await.status, StatusCode::FORBIDDEN);
        let visitor = upload_to(&app, &format!("/api/v1/orgs/{a}/offers/uploads"), "x.csv", sheet_a.as_bytes(), &[], &[]).await;
        assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);
        assert_eq!(offers_of(&app, b).await, before_b);
    }

    async fn a_file_that_is_not_a_catalogue_is_refused_naming_the_file(db) {
        let app = common::with_index(&db.store).await;
        let (org, _, owner) = firm(&app, "c@x.example.cn", "91330784MA7300001", "永康市丙工贸有限公司").await;
        let path = format!("/api/v1/orgs/{org}/offers/uploads");
        // No title column.
        let r = upload(&app, org, "外部编号,类目\nA1,保温杯\n", &owner).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("file")), "{}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("标题"), "{}", r.body);
        // Not text, not a workbook.
        let r = upload_to(&app, &path, "x.csv", &[0x81, 0x20, 0xff, 0xfe, 0x80], &[], &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("file")), "{}", r.body);
        // A zip that is no workbook.
        let r = upload_to(&app, &path, "x.xlsx", b"PK\x03\x04not really", &[], &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("file")), "{}", r.body);
        // JSON where a file belongs.
        let r = send_to(&app, "POST", &path, Some(json!({"file": "x"})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
        // A form without its file.
        let r = upload_to(&app, &path, "", b"", &[], &owner.h()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        // Over 10 MB.
        let big = vec![b'a'; 10 * 1024 * 1024 + 10];
        let r = upload_to(&app, &path, "big.csv", &big, &[], &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")), "{}", r.body);

        // An XLSX is read as well as a CSV.
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        for (i, h) in ["外部编号", "标题", "类目", "最低价(元)", "单位"].iter().enumerate() {
            s.write_string(0, i as u16, *h).unwrap();
        }
        s.write_string(1, 0, "S-1").unwrap();
        s.write_string(1, 1, "不锈钢炒锅 32cm").unwrap();
        s.write_string(1, 2, "炒锅").unwrap();
        s.write_number(1, 3, 45.0).unwrap();
        s.write_string(1, 4, "只").unwrap();
        let r = upload_to(&app, &path, "目录.xlsx", &book.save_to_buffer().unwrap(), &[], &owner.h()).await;
        assert_eq!((r.status, r.body["encoding"].as_str(), r.body["valid"].as_u64()), (StatusCode::CREATED, Some("XLSX"), Some(1)), "{}", r.body);
    }

    async fn the_template_is_for_the_firms_keepers_only(db) {
        let app = common::with_index(&db.store).await;
        let (org, _, owner) = firm(&app, "d@x.example.cn", "91330784MA7400001", "永康市丁电器有限公司").await;
        let other = common::sign_up(&db.store, "e@x.example.cn").await;
        let path = format!("/orgs/{org}/catalogue/template.xlsx");
        let (status, _, _) = common::page(&db.store, "GET", &path, Some(&owner), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = common::page(&db.store, "GET", &path, Some(&other), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, location, _) = common::page(&db.store, "GET", &path, None, None).await;
        assert_eq!((status, location.starts_with("/login")), (StatusCode::SEE_OTHER, true));
        let (status, _, html) = common::page(&db.store, "GET", &format!("/orgs/{org}/catalogue/upload/99"), Some(&owner), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an upload that is not held");
        assert!(html.contains("重新上传"), "says to upload again");
    }
}
