//! The API's contract at the transport, as `shared/API.md` states it: a body must be JSON
//! (415 otherwise), another site can neither sign a visitor in nor write with their cookie
//! (403 `cross_site`, no cookie), and the error shape holds at the limits (a large body, a
//! long URL, JSON of the wrong type) with a catalogue message in the request's language,
//! never the parser's own words.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{jar, send};
use serde_json::{Value, json};
use tower::ServiceExt;
use wujin_store::{Store, both_backends};

/// Sends raw bytes with exactly the headers given (no content type added).
async fn raw(store: &Store, method: &str, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> common::Reply {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let app = wujin_server::api::router(store.clone());
    let resp = app.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let cookie = resp.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    common::Reply { status, cookie, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

fn shaped(r: &common::Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["error"]["code"], code, "{}", r.body);
    assert!(r.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
}

fn credentials() -> Vec<u8> {
    json!({"login": "buyer@cups.example.cn", "password": "correct horse"}).to_string().into_bytes()
}

both_backends! {
    async fn another_site_cannot_sign_a_visitor_in_or_up(db) {
        let s = &db.store;
        common::sign_up(s, "buyer@cups.example.cn").await;
        let signup = json!({"login": "victim@cups.example.cn", "name": "某", "password": "correct horse"}).to_string().into_bytes();
        for (path, body) in [("/api/v1/sessions", credentials()), ("/api/v1/accounts", signup)] {
            // A form on another site can only send "simple" types such as text/plain.
            let r = raw(s, "POST", path, body.clone(), &[("content-type", "text/plain"), ("origin", "http://evil.example")]).await;
            assert!(r.cookie.is_none(), "{path}: no cookie");
            assert!(r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE || r.status == StatusCode::FORBIDDEN, "{path}: {}", r.status);
            let r = raw(s, "POST", path, body.clone(), &[("content-type", "text/plain"), ("host", "wujin.example")]).await;
            shaped(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
            assert!(r.cookie.is_none(), "{path}: no cookie");
            // JSON from another site's page: refused as cross-site.
            for headers in [
                vec![("content-type", "application/json"), ("host", "wujin.example"), ("origin", "http://evil.example")],
                vec![("content-type", "application/json"), ("sec-fetch-site", "cross-site")],
                vec![("content-type", "application/json"), ("host", "wujin.example"), ("origin", "null")],
            ] {
                let r = raw(s, "POST", path, body.clone(), &headers).await;
                shaped(&r, StatusCode::FORBIDDEN, "cross_site");
                assert!(r.cookie.is_none(), "{path} {headers:?}: no cookie");
            }
        }
        // This site's own page, and a client that sends no Origin, sign in as before.
        let own = [("content-type", "application/json; charset=utf-8"), ("host", "wujin.example"), ("origin", "https://wujin.example"), ("sec-fetch-site", "same-origin")];
        let r = raw(s, "POST", "/api/v1/sessions", credentials(), &own).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.cookie.is_some());
    }

    async fn a_cookie_write_from_another_site_is_refused_and_a_token_write_is_not(db) {
        let s = &db.store;
        let p = common::sign_up(s, "buyer@cups.example.cn").await;
        let body = json!({"name": "ERP", "scopes": ["read", "write"]}).to_string().into_bytes();
        let evil = [("cookie", p.cookie.as_str()), ("x-csrf-token", p.csrf.as_str()), ("content-type", "application/json"), ("sec-fetch-site", "cross-site")];
        shaped(&raw(s, "POST", "/api/v1/tokens", body.clone(), &evil).await, StatusCode::FORBIDDEN, "cross_site");
        let own = [("cookie", p.cookie.as_str()), ("x-csrf-token", p.csrf.as_str()), ("content-type", "application/json")];
        let made = raw(s, "POST", "/api/v1/tokens", body, &own).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let bearer = format!("Bearer {}", made.body["token"].as_str().unwrap());
        let r = raw(s, "POST", "/api/v1/claims", b"{\"uscc\": \"91330784MA2K00017\"}".to_vec(), &[("authorization", &bearer), ("content-type", "application/json"), ("sec-fetch-site", "cross-site")]).await;
        assert_ne!(r.status, StatusCode::FORBIDDEN, "an integrator's token is not a browser's cookie: {}", r.body);
        // A POST without a body needs no content type (reading an inbox message).
        let r = raw(s, "POST", "/api/v1/inbox/999999/read", vec![], &[("cookie", p.cookie.as_str()), ("x-csrf-token", p.csrf.as_str())]).await;
        shaped(&r, StatusCode::NOT_FOUND, "not_found");
        let _ = jar;
    }

    async fn errors_keep_their_shape_at_the_transport_limits(db) {
        let s = &db.store;
        let big = format!("{{\"text\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let r = raw(s, "POST", "/api/v1/match", big.into_bytes(), &[("content-type", "application/json")]).await;
        shaped(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        let long = format!("/api/v1/orgs?town={}", "x".repeat(20_000));
        let r = raw(s, "GET", &long, vec![], &[("accept-language", "en")]).await;
        shaped(&r, StatusCode::URI_TOO_LONG, "uri_too_long");
        assert!(r.body["error"]["message"].as_str().unwrap().contains("8192"), "{}", r.body);

        // The parser's own words (Rust types, English) never reach a person.
        let r = send(s, "POST", "/api/v1/match", Some(json!({"text": "保温杯", "quantity": "15"})), &[]).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("quantity")), "{}", r.body);
        let m = r.body["error"]["message"].as_str().unwrap();
        assert!(m.contains("quantity") && !m.contains("i64") && !m.contains("invalid type"), "{m}");
        assert!(m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "said in Chinese by default: {m}");
        let r = send(s, "POST", "/api/v1/match", Some(json!({"text": "保温杯", "colour": "red"})), &[("accept-language", "en")]).await;
        assert_eq!(r.body["error"]["field"], "colour", "{}", r.body);
        assert!(!r.body["error"]["message"].as_str().unwrap().contains("expected one of"), "{}", r.body);
        // JSON's integers: 3.0 is 3; 3.5 and a number beyond 64 bits are refused, naming the field.
        let int = |body: &str| raw(s, "POST", "/api/v1/match", body.as_bytes().to_vec(), &[("content-type", "application/json")]);
        assert_ne!(int(r#"{"text": "保温杯", "limit": 3.0}"#).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        for body in [r#"{"text": "保温杯", "limit": 3.5}"#, r#"{"text": "保温杯", "quantity": 9223372036854775808}"#] {
            let r = int(body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        }
        let r = raw(s, "POST", "/api/v1/match", b"{\"text\": ".to_vec(), &[("content-type", "application/json")]).await;
        shaped(&r, StatusCode::BAD_REQUEST, "invalid_json");
        assert!(!r.body["error"]["message"].as_str().unwrap().contains("EOF"), "{}", r.body);
    }
}

/// The OpenAPI document says what the server does: every path parameter declared as an id
/// from 1, every error status an operation can answer listed with the error shape, `limit`
/// bounded to 1..=100.
#[tokio::test]
async fn the_document_declares_every_path_id_error_and_bound() {
    let doc = wujin_server::api::document();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        let names: Vec<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in &names {
                let p = params.iter().find(|p| p["in"] == "path" && p["name"] == *name);
                let p = p.unwrap_or_else(|| panic!("{method} {path}: {name} not declared"));
                assert_eq!(p["schema"]["minimum"], 1, "{method} {path}: {p}");
            }
            // Lists page by up to 100; the change feed by up to 1,000 (API.md's feed exception).
            let most = if path == "/api/v1/changes" { 1000 } else { 100 };
            for p in params.iter().filter(|p| p["name"] == "limit") {
                assert_eq!(
                    (p["schema"]["minimum"].as_i64(), p["schema"]["maximum"].as_i64()),
                    (Some(1), Some(most)),
                    "{method} {path}"
                );
            }
            let mut codes = vec!["400", "401", "403", "404"];
            if method != "get" {
                codes.extend(["409", "413", "415", "422"]);
            }
            for code in codes {
                assert_eq!(
                    op["responses"][code]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {code}"
                );
            }
        }
    }
    assert!(operations > 40, "{operations} operations");
}
