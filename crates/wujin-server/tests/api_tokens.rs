//! An integrator's token: made from a browser session and shown once, it acts for its
//! account within its scopes without a CSRF token, and stops the moment it is revoked.
//! Both engines.

mod common;

use axum::http::StatusCode;
use common::{jar, send};
use serde_json::json;
use wujin_store::both_backends;

both_backends! {
    async fn a_token_acts_within_its_scopes_until_revoked(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let uscc = orgs[0].record.uscc.to_string();
        let up = send(s, "POST", "/api/v1/accounts", Some(json!({"login": "erp@cups.example.cn", "name": "ERP", "password": "correct horse"})), &[]).await;
        let cookie = jar(&up.cookie.unwrap());
        let csrf = up.body["csrf_token"].as_str().unwrap().to_string();
        let browser = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];

        let bad = send(s, "POST", "/api/v1/tokens", Some(json!({"name": "x", "scopes": ["root"]})), &browser).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("scopes")));
        let read = send(s, "POST", "/api/v1/tokens", Some(json!({"name": "报表", "scopes": ["read"]})), &browser).await;
        assert_eq!(read.status, StatusCode::CREATED, "{}", read.body);
        let write = send(s, "POST", "/api/v1/tokens", Some(json!({"name": "ERP 同步", "scopes": ["read", "write"]})), &browser).await;
        let read_token = format!("Bearer {}", read.body["token"].as_str().unwrap());
        let write_token = format!("Bearer {}", write.body["token"].as_str().unwrap());
        assert!(read_token.starts_with("Bearer wjt_"));

        let me = send(s, "GET", "/api/v1/accounts/me", None, &[("authorization", &read_token)]).await;
        assert_eq!((me.status, me.body["account"]["login"].as_str()), (StatusCode::OK, Some("erp@cups.example.cn")));
        let denied = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": uscc})), &[("authorization", &read_token)]).await;
        assert_eq!((denied.status, denied.body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("scope")));
        let claim = send(s, "POST", "/api/v1/claims", Some(json!({"uscc": uscc})), &[("authorization", &write_token)]).await;
        assert_eq!(claim.status, StatusCode::CREATED, "a write token needs no CSRF token: {}", claim.body);
        let minted = send(s, "POST", "/api/v1/tokens", Some(json!({"name": "y", "scopes": ["read"]})), &[("authorization", &write_token)]).await;
        assert_eq!(minted.status, StatusCode::FORBIDDEN, "a token cannot make tokens");

        let list = send(s, "GET", "/api/v1/tokens", None, &[("cookie", cookie.as_str())]).await;
        let items = list.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|t| t.get("token").is_none()), "secrets are shown once only");

        // Somebody else cannot revoke it, and cannot tell it exists.
        let other = send(s, "POST", "/api/v1/accounts", Some(json!({"login": "13857900001", "name": "别人", "password": "correct horse"})), &[]).await;
        let other_cookie = jar(&other.cookie.unwrap());
        let other_csrf = other.body["csrf_token"].as_str().unwrap().to_string();
        let id = read.body["id"].as_i64().unwrap();
        let theirs = send(s, "DELETE", &format!("/api/v1/tokens/{id}"), None, &[("cookie", other_cookie.as_str()), ("x-csrf-token", other_csrf.as_str())]).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);

        let revoked = send(s, "DELETE", &format!("/api/v1/tokens/{id}"), None, &browser).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        let after = send(s, "GET", "/api/v1/accounts/me", None, &[("authorization", &read_token)]).await;
        assert_eq!((after.status, after.body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
        let garbage = send(s, "GET", "/api/v1/accounts/me", None, &[("authorization", "Bearer wjt_nothing")]).await;
        assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    }
}
