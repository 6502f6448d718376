//! Registering through the API with one's firm, as API.md has it: a credit code the registry
//! does not know registers the firm with the person as its owner, in one go; a known one
//! becomes a claim for a platform admin; a bad code, a missing firm name or an unknown kind
//! is refused on its field and leaves nothing behind. Both engines.

mod common;

use axum::http::StatusCode;
use common::send;
use serde_json::json;
use wujin_store::both_backends;

fn code(n: u32) -> String {
    wujin_domain::Uscc::complete(&format!("91330784MA8{n:06}")).unwrap().as_str().to_string()
}

both_backends! {
    async fn a_person_registers_with_a_new_firm_or_claims_a_known_one(db) {
        let s = &db.store;
        let new = json!({"login": "li@new.example.cn", "name": "李厂长", "password": "correct horse",
                         "uscc": code(1), "firm": "永康市新创五金有限公司", "kind": "service_provider"});
        let r = send(s, "POST", "/api/v1/accounts", Some(new), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let org = r.body["org_id"].as_i64().expect("the new firm's id");
        assert!(r.body["claim_id"].is_null());
        let me = common::Person { cookie: common::jar(&r.cookie.unwrap()), csrf: String::new(), id: 0 };
        let mine = send(s, "GET", "/api/v1/accounts/me", None, &[("cookie", me.cookie.as_str())]).await;
        assert_eq!(mine.body["memberships"][0]["org_id"], org);
        assert_eq!(mine.body["memberships"][0]["role"], "owner", "{}", mine.body);
        let firm = send(s, "GET", &format!("/api/v1/orgs/{org}"), None, &[]).await;
        assert_eq!((firm.body["name"].as_str(), firm.body["kind"]["code"].as_str()), (Some("永康市新创五金有限公司"), Some("service_provider")), "{}", firm.body);

        // The same code again: the firm is known now, so the next person claims it.
        let known = json!({"login": "wang@new.example.cn", "name": "王会计", "password": "correct horse", "uscc": code(1)});
        let r = send(s, "POST", "/api/v1/accounts", Some(known), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert!(r.body["claim_id"].as_i64().is_some() && r.body["org_id"].is_null(), "{}", r.body);
    }

    async fn a_registration_refused_on_one_field_leaves_nothing_behind(db) {
        let s = &db.store;
        let base = json!({"login": "zhao@x.example.cn", "name": "赵", "password": "correct horse"});
        let with = |k: &str, v: serde_json::Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        // A valid code with its check character changed.
        let good = code(2);
        let (body17, check) = good.split_at(17);
        let bad_check = format!("{body17}{}", if check == "0" { "1" } else { "0" });
        let mut unknown_kind = with("uscc", json!(code(3)));
        unknown_kind["firm"] = json!("永康市某某工贸有限公司");
        unknown_kind["kind"] = json!("bank");
        for (body, status, field) in [
            (with("uscc", json!(bad_check)), StatusCode::BAD_REQUEST, "uscc"),
            (with("uscc", json!(code(3))), StatusCode::UNPROCESSABLE_ENTITY, "firm"),
            (unknown_kind, StatusCode::BAD_REQUEST, "kind"),
        ] {
            let r = send(s, "POST", "/api/v1/accounts", Some(body.clone()), &[]).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (status, Some(field)), "{body}: {}", r.body);
        }
        // Nothing was written: the login is still free and the code still unknown.
        let again = send(s, "POST", "/api/v1/accounts", Some(base.clone()), &[]).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        let orgs = send(s, "GET", "/api/v1/orgs", None, &[]).await;
        assert_eq!(orgs.body["items"].as_array().unwrap().len(), 0, "no firm was registered");
    }
}
