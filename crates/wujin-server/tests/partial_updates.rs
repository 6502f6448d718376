//! A partial update never wipes what it does not name, through import and through PATCH:
//! a column or key left out keeps the stored field; a named empty cell (or `null`) clears an
//! optional field; a required field can never be cleared, and the refusal names it; an
//! update that changes nothing leaves the revision as it was. Both engines.

mod common;

use axum::http::StatusCode;
use common::{send, sign_up};
use serde_json::json;
use wujin_domain::Uscc;
use wujin_server::transfer::import::{Kind, Options, import};
use wujin_server::transfer::read::read_csv;
use wujin_store::{Store, both_backends};

fn opts() -> Options {
    Options { skip_invalid: false, quiet: true, actor: "test".into() }
}

async fn import_csv(store: &Store, kind: Kind, text: &str) -> wujin_server::transfer::import::Report {
    let table = read_csv(text.as_bytes()).unwrap();
    import(store, kind, &table, &opts()).await.unwrap()
}

fn code() -> String {
    Uscc::complete("91330784MA2K00017").unwrap().to_string()
}

const FULL: &str = "统一社会信用代码,企业名称,类型,镇街,行业,规模,员工人数,电话,地址\n";

/// A service firm in 石柱镇 with its size, staff, phone and address; answers its id.
async fn full_firm(store: &Store) -> i64 {
    let row = format!(
        "{FULL}{},永康市恒达设计有限公司,服务机构,石柱镇,C3382,小型,35,0579-87123456,石柱镇工业区 8 号\n",
        code()
    );
    let r = import_csv(store, Kind::Orgs, &row).await;
    assert_eq!(r.written.unwrap().inserted, 1, "{:?}", r.problems);
    let (_, list) = common::get(store, "/api/v1/orgs?limit=100").await;
    list["items"].as_array().unwrap().iter().find(|o| o["uscc"] == code().as_str()).unwrap()["id"].as_i64().unwrap()
}

both_backends! {
    async fn an_import_of_two_columns_keeps_everything_else(db) {
        let s = &db.store;
        let id = full_firm(s).await;
        let (_, before) = common::get(s, &format!("/api/v1/orgs/{id}")).await;
        let r = import_csv(s, Kind::Orgs, &format!("统一社会信用代码,企业名称\n{},永康市恒达设计股份有限公司\n", code())).await;
        assert_eq!(r.written.unwrap().updated, 1, "{:?}", r.problems);
        let (_, after) = common::get(s, &format!("/api/v1/orgs/{id}")).await;
        assert_eq!(after["name"], "永康市恒达设计股份有限公司");
        for key in ["kind", "town", "size_class", "employees", "contact", "sectors"] {
            assert_eq!(after[key], before[key], "{key} is kept: {after}");
        }
        assert_eq!(after["kind"]["code"], "service_provider", "the kind does not fall back to manufacturer");

        // The same file again changes nothing: the revision stays.
        let rev = after["revision"].clone();
        let again = import_csv(s, Kind::Orgs, &format!("统一社会信用代码,企业名称\n{},永康市恒达设计股份有限公司\n", code())).await;
        assert_eq!(again.written.unwrap().unchanged, 1);
        assert_eq!(common::get(s, &format!("/api/v1/orgs/{id}")).await.1["revision"], rev);
    }

    async fn an_empty_cell_in_a_named_column_clears_an_optional_field_but_not_a_required_one(db) {
        let s = &db.store;
        let id = full_firm(s).await;
        let r = import_csv(s, Kind::Orgs, &format!("统一社会信用代码,企业名称,员工人数,电话,类型\n{},永康市恒达设计有限公司,,,\n", code())).await;
        assert_eq!(r.written.unwrap().updated, 1, "{:?}", r.problems);
        let (_, after) = common::get(s, &format!("/api/v1/orgs/{id}")).await;
        assert!(after["employees"].is_null(), "{after}");
        assert!(after["contact"]["phone"].is_null(), "{after}");
        assert_eq!(after["contact"]["address"], "石柱镇工业区 8 号", "an unnamed column stays");
        assert_eq!(after["kind"]["code"], "service_provider", "an empty kind cell keeps the kind");

        let r = import_csv(s, Kind::Orgs, &format!("统一社会信用代码,企业名称\n{},\n", code())).await;
        assert!(r.written.is_none(), "a row that clears the name is refused");
        assert_eq!((r.problems[0].field, r.problems[0].code), ("name", "required"));
        assert_eq!(common::get(s, &format!("/api/v1/orgs/{id}")).await.1["name"], "永康市恒达设计有限公司");
    }

    async fn a_patch_with_a_name_only_keeps_the_profile(db) {
        let s = &db.store;
        let id = full_firm(s).await;
        let owner = sign_up(s, "owner@hengda.example.cn").await;
        s.set_member(id, owner.id, wujin_domain::account::Role::Owner, owner.id).await.unwrap();
        let path = format!("/api/v1/orgs/{id}");
        let (_, before) = common::get(s, &path).await;

        let r = send(s, "PATCH", &path, Some(json!({"name": "永康市恒达工业设计有限公司", "revision": before["revision"]})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for key in ["kind", "town", "size_class", "employees", "contact", "sectors"] {
            assert_eq!(r.body[key], before[key], "{key} is kept: {}", r.body);
        }
        let rev = r.body["revision"].as_i64().unwrap();
        assert_eq!(rev, before["revision"].as_i64().unwrap() + 1);

        // The same body again changes nothing and keeps the revision.
        let r = send(s, "PATCH", &path, Some(json!({"name": "永康市恒达工业设计有限公司", "revision": rev})), &owner.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64()), (StatusCode::OK, Some(rev)), "{}", r.body);

        // null clears an optional field, and only that one.
        let r = send(s, "PATCH", &path, Some(json!({"employees": null, "contact": {"phone": null}, "revision": rev})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body["employees"].is_null() && r.body["contact"]["phone"].is_null(), "{}", r.body);
        assert_eq!(r.body["contact"]["address"], "石柱镇工业区 8 号");
        assert_eq!(r.body["town"], before["town"]);

        // The name cannot be cleared; the refusal names it and nothing is written.
        let rev = r.body["revision"].clone();
        let r = send(s, "PATCH", &path, Some(json!({"name": null, "revision": rev})), &owner.h()).await;
        common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some("name"));
        assert_eq!(common::get(s, &path).await.1["revision"], rev);
    }

    async fn an_offer_patch_keeps_what_it_does_not_name(db) {
        let s = &db.store;
        let id = full_firm(s).await;
        let owner = sign_up(s, "owner@hengda.example.cn").await;
        s.set_member(id, owner.id, wujin_domain::account::Role::Owner, owner.id).await.unwrap();
        let offer = json!({
            "title": "焖烧杯外观设计", "category": "svc.industrial_design", "description": "三周出稿",
            "price_min_fen": 800000, "price_max_fen": 1500000, "lead_time_days": 21,
        });
        let r = send(s, "POST", &format!("/api/v1/orgs/{id}/offers"), Some(offer), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let before = r.body;
        let path = format!("/api/v1/offers/{}", before["id"]);

        let r = send(s, "PATCH", &path, Some(json!({"title": "焖烧杯与保温杯外观设计", "revision": 1})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["title"], "焖烧杯与保温杯外观设计");
        for key in ["category", "description", "price", "lead_time_days", "kind"] {
            assert_eq!(r.body[key], before[key], "{key} is kept: {}", r.body);
        }
        let r = send(s, "PATCH", &path, Some(json!({"description": null, "lead_time_days": null, "revision": 2})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body["lead_time_days"].is_null() && r.body["description"] == "", "{}", r.body);
        assert_eq!(r.body["price"], before["price"]);

        for key in ["title", "category"] {
            let r = send(s, "PATCH", &path, Some(json!({key: null, "revision": 3})), &owner.h()).await;
            common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some(key));
        }
        let r = send(s, "PATCH", &path, Some(json!({"revision": 3})), &owner.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64()), (StatusCode::OK, Some(3)), "an empty patch changes nothing");
    }
}
