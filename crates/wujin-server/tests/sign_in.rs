//! Signing up, in and out as a person does, on both engines: the session cookie, the CSRF
//! token a cookie write must echo, the same answer for a wrong password and an unknown
//! login, and a lock after five failures that says nothing more.

mod common;

use axum::http::StatusCode;
use common::{jar, send};
use serde_json::json;
use wujin_store::both_backends;

both_backends! {
    async fn a_person_signs_up_works_and_signs_out(db) {
        let s = &db.store;
        let up = send(s, "POST", "/api/v1/accounts", Some(json!({"login": " Wang.Li@Example.cn", "name": "王丽", "password": "correct horse"})), &[]).await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
        let set = up.cookie.expect("a session cookie");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Max-Age"), "{set}");
        assert_eq!(up.body["account"]["login"], "wang.li@example.cn");
        let csrf = up.body["csrf_token"].as_str().unwrap().to_string();
        let cookie = jar(&set);

        let me = send(s, "GET", "/api/v1/accounts/me", None, &[("cookie", &cookie)]).await;
        assert_eq!((me.status, me.body["account"]["name"].as_str()), (StatusCode::OK, Some("王丽")));

        let no_csrf = send(s, "DELETE", "/api/v1/sessions/current", None, &[("cookie", &cookie)]).await;
        assert_eq!((no_csrf.status, no_csrf.body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));
        let wrong = send(s, "DELETE", "/api/v1/sessions/current", None, &[("cookie", &cookie), ("x-csrf-token", "guess")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let out = send(s, "DELETE", "/api/v1/sessions/current", None, &[("cookie", &cookie), ("x-csrf-token", &csrf)]).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert!(out.cookie.unwrap().contains("Max-Age=0"));
        let after = send(s, "GET", "/api/v1/accounts/me", None, &[("cookie", &cookie)]).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session is gone on the server, not just in the browser");

        let again = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "WANG.LI@example.cn", "password": "correct horse", "remember": true})), &[]).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert!(again.cookie.unwrap().contains("Max-Age=2592000"), "remember me lasts thirty days");

        let taken = send(s, "POST", "/api/v1/accounts", Some(json!({"login": "wang.li@example.cn", "name": "x", "password": "another one"})), &[]).await;
        assert_eq!((taken.status, taken.body["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("login")));
    }

    async fn sign_in_says_nothing_about_who_exists_and_locks_after_five_failures(db) {
        let s = &db.store;
        send(s, "POST", "/api/v1/accounts", Some(json!({"login": "13857912345", "name": "陈工", "password": "correct horse"})), &[]).await;
        let unknown = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "13957900000", "password": "correct horse"})), &[]).await;
        let wrong = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "13857912345", "password": "wrong horse"})), &[]).await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!((unknown.status, &unknown.body), (wrong.status, &wrong.body), "the same answer");
        for _ in 0..4 {
            send(s, "POST", "/api/v1/sessions", Some(json!({"login": "138 5791 2345", "password": "wrong horse"})), &[]).await;
        }
        let locked = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "13857912345", "password": "correct horse"})), &[]).await;
        assert_eq!((locked.status, &locked.body), (wrong.status, &wrong.body), "locked, and it looks like a wrong password");
        assert!(locked.cookie.is_none());
    }

    async fn bad_sign_ups_name_the_field(db) {
        let s = &db.store;
        for (body, status, field) in [
            (json!({"login": "nobody", "name": "x", "password": "correct horse"}), StatusCode::BAD_REQUEST, "login"),
            (json!({"login": "a@b.cn", "name": " ", "password": "correct horse"}), StatusCode::BAD_REQUEST, "name"),
            (json!({"login": "a@b.cn", "name": "x", "password": "short"}), StatusCode::BAD_REQUEST, "password"),
            (json!({"login": "a@b.cn", "name": "x", "password": "x".repeat(200)}), StatusCode::BAD_REQUEST, "password"),
            (json!({"login": "a@b.cn", "name": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "password"),
            (json!({"login": "a@b.cn", "name": "x", "password": "correct horse", "admin": true}), StatusCode::UNPROCESSABLE_ENTITY, "admin"),
        ] {
            let r = send(s, "POST", "/api/v1/accounts", Some(body.clone()), &[]).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (status, Some(field)), "{body}: {}", r.body);
        }
        // A body long because one field is too long names that field (not a bare 413).
        let huge = json!({"login": "a@b.cn", "name": "名".repeat(10_000), "password": "correct horse"});
        let r = send(s, "POST", "/api/v1/accounts", Some(huge), &[]).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("name")), "{}", r.body);
    }
}

/// A sign-in attempt from `ip`, through one server (whose limiter is shared across calls).
async fn attempt(app: &wujin_server::api::AppState, ip: [u8; 4], login: &str) -> (StatusCode, Option<String>, String) {
    attempt_via(app, ip, None, login).await
}

/// The same, with an `X-Forwarded-For` header.
async fn attempt_via(
    app: &wujin_server::api::AppState,
    ip: [u8; 4],
    forwarded_for: Option<&str>,
    login: &str,
) -> (StatusCode, Option<String>, String) {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;
    let body = json!({"login": login, "password": "not the password"}).to_string();
    let mut req = axum::http::Request::post("/api/v1/sessions").header("content-type", "application/json");
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req).await.unwrap();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    (status, retry, v["error"]["code"].as_str().unwrap_or("").to_string())
}

both_backends! {
    async fn one_address_trying_many_logins_is_slowed_and_told_when_to_retry(db) {
        let s = &db.store;
        common::sign_up(s, "real@example.cn").await;
        let app = wujin_server::api::AppState::new(s.clone());
        let burst = wujin_server::api::limits::SIGN_IN_BURST as usize;
        for i in 0..burst {
            // Real and made-up logins alike count, and are answered alike.
            let login = if i % 2 == 0 { "real@example.cn".to_string() } else { format!("nobody{i}@example.cn") };
            let (status, _, code) = attempt(&app, [10, 0, 0, 1], &login).await;
            assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "bad_credentials"), "attempt {i}");
        }
        for login in ["real@example.cn", "nobody@example.cn"] {
            let (status, retry, code) = attempt(&app, [10, 0, 0, 1], login).await;
            assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "{login}");
            assert!(retry.unwrap().parse::<u64>().unwrap() >= 1, "says when to retry");
        }
        let (status, _, _) = attempt(&app, [10, 0, 0, 2], "real@example.cn").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "another address is not slowed");

        // The sign-in page is no way around the limit.
        use tower::ServiceExt;
        let mut req = axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "wujin.example.cn")
            .header("origin", "https://wujin.example.cn")
            .body(axum::body::Body::from("login=real%40example.cn&password=guess"))
            .unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 0, 0, 1], 40000))));
        let page = wujin_server::api::router_with(app.clone()).oneshot(req).await.unwrap();
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

both_backends! {
    async fn behind_a_trusted_proxy_each_client_has_its_own_limit_and_nobody_else_picks_one(db) {
        let s = &db.store;
        let proxy = [10, 0, 0, 9];
        let limit = wujin_server::api::limits::SignInLimit::behind(vec![std::net::IpAddr::from(proxy)]);
        let app = wujin_server::api::AppState { sign_in_limit: std::sync::Arc::new(limit), ..wujin_server::api::AppState::new(s.clone()) };
        let burst = wujin_server::api::limits::SIGN_IN_BURST as usize;
        for i in 0..burst {
            // The proxy appends the address it saw; what the client wrote before it is not believed.
            let (status, _, _) = attempt_via(&app, proxy, Some(&format!("198.51.100.{i}, 203.0.113.5")), "a@example.cn").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        let (status, _, code) = attempt_via(&app, proxy, Some("203.0.113.5"), "a@example.cn").await;
        assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "that client is slowed");
        let (status, _, _) = attempt_via(&app, proxy, Some("203.0.113.6"), "a@example.cn").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "another client behind the same proxy is not");

        // A client that is not the proxy cannot pick a fresh address with the header.
        for i in 0..burst {
            attempt_via(&app, [10, 0, 0, 1], Some(&format!("192.0.2.{i}")), "a@example.cn").await;
        }
        let (status, _, _) = attempt_via(&app, [10, 0, 0, 1], Some("192.0.2.200"), "a@example.cn").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the header of an untrusted peer is ignored");
    }
}

both_backends! {
    async fn a_changed_password_signs_out_the_other_sessions(db) {
        let s = &db.store;
        let here = common::sign_up(s, "wang@example.cn").await;
        let body = json!({"login": "wang@example.cn", "password": "correct horse"});
        let there = send(s, "POST", "/api/v1/sessions", Some(body), &[]).await;
        let there = jar(&there.cookie.unwrap());
        let path = "/api/v1/accounts/me/password";
        let wrong = send(s, "POST", path, Some(json!({"current_password": "guess", "new_password": "battery staple"})), &here.h()).await;
        assert_eq!((wrong.status, wrong.body["error"]["field"].as_str()), (StatusCode::FORBIDDEN, Some("current_password")));
        let short = send(s, "POST", path, Some(json!({"current_password": "correct horse", "new_password": "short"})), &here.h()).await;
        assert_eq!((short.status, short.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("new_password")));
        let ok = send(s, "POST", path, Some(json!({"current_password": "correct horse", "new_password": "battery staple"})), &here.h()).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
        assert_eq!(send(s, "GET", "/api/v1/accounts/me", None, &here.h()).await.status, StatusCode::OK, "this session stays");
        assert_eq!(send(s, "GET", "/api/v1/accounts/me", None, &[("cookie", &there)]).await.status, StatusCode::UNAUTHORIZED, "the other ends");
        let old = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "wang@example.cn", "password": "correct horse"})), &[]).await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
        let new = send(s, "POST", "/api/v1/sessions", Some(json!({"login": "wang@example.cn", "password": "battery staple"})), &[]).await;
        assert_eq!(new.status, StatusCode::OK);
    }
}

both_backends! {
    async fn signing_out_on_the_page_ends_the_session_on_the_server(db) {
        use tower::ServiceExt;
        let s = &db.store;
        let me = common::sign_up(s, "li@example.cn").await;
        let out = |csrf: &str| {
            axum::http::Request::post("/logout")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", me.cookie.as_str())
                .body(axum::body::Body::from(format!("csrf={csrf}")))
                .unwrap()
        };
        let jar = [("cookie", me.cookie.as_str())];
        let who = || send(s, "GET", "/api/v1/accounts/me", None, &jar);
        // A forged form (no valid token) does not sign anybody out.
        let forged = wujin_server::api::router(s.clone()).oneshot(out("forged")).await.unwrap();
        assert_eq!(forged.status(), StatusCode::SEE_OTHER);
        assert_eq!(who().await.status, StatusCode::OK, "still signed in");
        let resp = wujin_server::api::router(s.clone()).oneshot(out(&me.csrf)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "the browser forgets the cookie");
        assert_eq!(who().await.status, StatusCode::UNAUTHORIZED, "and the server the session");
    }
}
