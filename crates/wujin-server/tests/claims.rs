//! A person claims their firm from the registry and a platform admin approves it; only then
//! do they act for it. The admin comes from `wujin admin create`; both engines.

mod common;

use std::process::Command;

use axum::http::StatusCode;
use common::{jar, send};
use serde_json::json;
use wujin_store::{Store, both_backends};

const WUJIN: &str = env!("CARGO_BIN_EXE_wujin");

/// Signs up (or in) and returns the cookie and CSRF token.
async fn signed(store: &Store, login: &str, path: &str) -> (String, String) {
    let body = json!({"login": login, "name": "测试", "password": "correct horse"});
    let body = if path.ends_with("sessions") { json!({"login": login, "password": "correct horse"}) } else { body };
    let r = send(store, "POST", path, Some(body), &[]).await;
    assert!(r.status.is_success(), "{}", r.body);
    (jar(&r.cookie.unwrap()), r.body["csrf_token"].as_str().unwrap().to_string())
}

both_backends! {
    async fn a_claim_approved_by_an_admin_makes_the_claimant_owner(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (uscc, other) = (orgs[0].record.uscc.to_string(), orgs[1].record.uscc.to_string());

        let out = Command::new(WUJIN)
            .args(["--db", &db.url, "--lang", "en", "admin", "create", "--login", "admin@wujin.example.cn", "--name", "平台管理员"])
            .env("WUJIN_ADMIN_PASSWORD", "correct horse")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("is now a platform admin"));

        let (cookie, csrf) = signed(s, "boss@cups.example.cn", "/api/v1/accounts").await;
        let me = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
        let no_csrf = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": uscc})), &[("cookie", cookie.as_str())]).await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
        let bad = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": "91330784MA2HD00010"})), &me).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("uscc")));
        let claim = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": uscc.to_lowercase()})), &me).await;
        assert_eq!((claim.status, claim.body["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{}", claim.body);
        let again = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": uscc})), &me).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let second = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": other})), &me).await;
        assert_eq!(second.status, StatusCode::CREATED);
        assert_eq!(send(s, "GET", "/api/v1/claims", None, &me).await.status, StatusCode::FORBIDDEN, "claimants do not review claims");
        let before = send(s, "GET", "/api/v1/accounts/me", None, &me).await;
        assert_eq!(before.body["memberships"], json!([]), "a pending claim gives no role");

        let (admin_cookie, admin_csrf) = signed(s, "admin@wujin.example.cn", "/api/v1/sessions").await;
        let admin = [("cookie", admin_cookie.as_str()), ("x-csrf-token", admin_csrf.as_str())];
        let pending = send(s, "GET", "/api/v1/claims", None, &admin).await;
        assert_eq!(pending.body["items"].as_array().unwrap().len(), 2, "{}", pending.body);
        let id = claim.body["id"].as_i64().unwrap();
        let other_id = second.body["id"].as_i64().unwrap();
        let approve = send(s, "POST", &format!("/api/v1/claims/{id}/approve"), None, &admin).await;
        assert_eq!(approve.status, StatusCode::NO_CONTENT);
        assert_eq!(send(s, "POST", &format!("/api/v1/claims/{id}/approve"), None, &admin).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(s, "POST", &format!("/api/v1/claims/{other_id}/reject"), None, &admin).await.status, StatusCode::NO_CONTENT);
        let by_claimant = send(s, "POST", &format!("/api/v1/claims/{other_id}/approve"), None, &me).await;
        assert_eq!(by_claimant.status, StatusCode::FORBIDDEN);

        let after = send(s, "GET", "/api/v1/accounts/me", None, &me).await;
        let memberships = after.body["memberships"].as_array().unwrap();
        assert_eq!(memberships.len(), 1, "{}", after.body);
        assert_eq!((memberships[0]["org_id"].as_i64(), memberships[0]["role"].as_str()), (Some(orgs[0].id), Some("owner")));
        let admin_me = send(s, "GET", "/api/v1/accounts/me", None, &admin).await;
        assert_eq!(admin_me.body["platform_admin"], true);

        // The owner brings in a colleague, who acts for the firm but may not manage people.
        let org = orgs[0].id;
        let members = format!("/api/v1/orgs/{org}/members");
        let (c_cookie, c_csrf) = signed(s, "13857912345", "/api/v1/accounts").await;
        let colleague = [("cookie", c_cookie.as_str()), ("x-csrf-token", c_csrf.as_str())];
        assert_eq!(send(s, "GET", &members, None, &colleague).await.status, StatusCode::NOT_FOUND, "not a member yet");
        let unknown = send(s, "POST", &members, Some(json!({"login": "nobody@example.cn", "role": "admin"})), &me).await;
        assert_eq!((unknown.status, unknown.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("login")));
        let bad_role = send(s, "POST", &members, Some(json!({"login": "13857912345", "role": "king"})), &me).await;
        assert_eq!((bad_role.status, bad_role.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("role")));
        let added = send(s, "POST", &members, Some(json!({"login": "138 5791 2345", "role": "admin"})), &me).await;
        assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.body);
        let list = send(s, "GET", &members, None, &colleague).await;
        let roles: Vec<(String, String)> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["login"].as_str().unwrap().to_string(), m["role"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(roles, vec![("boss@cups.example.cn".to_string(), "owner".to_string()), ("13857912345".to_string(), "admin".to_string())]);
        let by_admin = send(s, "POST", &members, Some(json!({"login": "admin@wujin.example.cn", "role": "member"})), &colleague).await;
        assert_eq!(by_admin.status, StatusCode::FORBIDDEN, "an admin does not manage people");
        let boss_id = after.body["account"]["id"].as_i64().unwrap();
        let last = send(s, "DELETE", &format!("{members}/{boss_id}"), None, &me).await;
        assert_eq!(last.status, StatusCode::CONFLICT, "the last owner stays");
        let colleague_id = send(s, "GET", "/api/v1/accounts/me", None, &colleague).await.body["account"]["id"].as_i64().unwrap();
        assert_eq!(send(s, "DELETE", &format!("{members}/{colleague_id}"), None, &me).await.status, StatusCode::NO_CONTENT);
        assert_eq!(send(s, "GET", &members, None, &colleague).await.status, StatusCode::NOT_FOUND);
    }
}
