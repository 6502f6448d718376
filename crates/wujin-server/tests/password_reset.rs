//! A forgotten password is reset in one of two ways, each audited and each ending every
//! session of the person: a firm's owner gives a member a one-time password (shown once;
//! the member must choose their own at the next sign-in), or the operator runs
//! `wujin admin password` (the password read from the environment or standard input, never
//! the command line). And each role sees its own menu. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, page, send};
use serde_json::json;
use wujin_store::both_backends;

const WUJIN: &str = env!("CARGO_BIN_EXE_wujin");

async fn sign_in(s: &wujin_store::Store, login: &str, password: &str) -> common::Reply {
    send(s, "POST", "/api/v1/sessions", Some(json!({"login": login, "password": password})), &[]).await
}

fn person(r: &common::Reply) -> Person {
    Person {
        cookie: common::jar(r.cookie.as_deref().unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().to_string(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    }
}

/// The ids of the header's menu links on a page.
fn menu(html: &str) -> Vec<&str> {
    let nav = &html[html.find("<nav class=\"main\"").unwrap()..html.find("</nav>").unwrap()];
    nav.split("id=\"").skip(1).filter_map(|p| p.split('"').next()).collect()
}

both_backends! {
    async fn an_owner_gives_a_member_a_one_time_password_that_must_be_changed(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let org = orgs[0].id;
        let owner = common::owner(s, "boss@firm.example.cn", Some(org)).await;
        let member = common::sign_up(s, "clerk@firm.example.cn").await;
        let r = send(s, "POST", &format!("/api/v1/orgs/{org}/members"), Some(json!({"login": "clerk@firm.example.cn", "role": "member"})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

        // Only an owner, only for someone else in the firm.
        let path = format!("/api/v1/orgs/{org}/members/{}/password", member.id);
        assert_eq!(send(s, "POST", &path, None, &member.h()).await.status, StatusCode::FORBIDDEN);
        let own = send(s, "POST", &format!("/api/v1/orgs/{org}/members/{}/password", owner.id), None, &owner.h()).await;
        assert_eq!((own.status, own.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("account_id")));
        let stranger = common::sign_up(s, "nobody@else.example.cn").await;
        let r = send(s, "POST", &format!("/api/v1/orgs/{org}/members/{}/password", stranger.id), None, &owner.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "not a member of this firm");

        let r = send(s, "POST", &path, None, &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let once = r.body["one_time_password"].as_str().unwrap().to_string();
        assert_eq!(once.len(), 12);
        assert_eq!(send(s, "GET", "/api/v1/accounts/me", None, &member.h()).await.status, StatusCode::UNAUTHORIZED, "the member's sessions ended");
        assert_eq!(sign_in(s, "clerk@firm.example.cn", "correct horse").await.status, StatusCode::UNAUTHORIZED, "the old password is gone");

        // Signing in with it leads to choosing one's own first.
        let form = format!("login=clerk%40firm.example.cn&password={once}&next=%2Fdemands");
        let (status, location, _) = page(s, "POST", "/login", None, Some(&form)).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/account/password"));
        let r = sign_in(s, "clerk@firm.example.cn", &once).await;
        assert_eq!(r.body["account"]["must_change_password"], true);
        let clerk = person(&r);
        let (_, _, html) = page(s, "GET", "/account/password", Some(&clerk), None).await;
        assert!(html.contains("id=\"must-change\""), "the page says why");
        let differ = format!("csrf={}&current_password={once}&new_password=my+own+secret&repeat_password=my+own+secrex", clerk.csrf);
        let (status, _, html) = page(s, "POST", "/account/password", Some(&clerk), Some(&differ)).await;
        assert!(status == StatusCode::BAD_REQUEST && html.contains("id=\"repeat_password-error\""), "{html}");
        let good = format!("csrf={}&current_password={once}&new_password=my+own+secret&repeat_password=my+own+secret", clerk.csrf);
        let (status, _, html) = page(s, "POST", "/account/password", Some(&clerk), Some(&good)).await;
        assert!(status == StatusCode::OK && html.contains("id=\"password-changed\""), "{html}");
        let r = sign_in(s, "clerk@firm.example.cn", "my own secret").await;
        assert_eq!((r.status, r.body["account"]["must_change_password"].as_bool()), (StatusCode::OK, Some(false)));

        let audit = send(s, "GET", &format!("/api/v1/audit?org_id={org}"), None, &owner.h()).await;
        assert!(audit.body.to_string().contains("reset_password"), "audited: {}", audit.body);
    }

    async fn the_operator_sets_a_password_from_the_command_line(db) {
        let s = &db.store;
        let p = common::sign_up(s, "forgot@firm.example.cn").await;
        let out = std::process::Command::new(WUJIN)
            .args(["--db", &db.url, "admin", "password", "--login", "forgot@firm.example.cn"])
            .env("WUJIN_ADMIN_PASSWORD", "a fresh start")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(send(s, "GET", "/api/v1/accounts/me", None, &p.h()).await.status, StatusCode::UNAUTHORIZED, "every session ended");
        assert_eq!(sign_in(s, "forgot@firm.example.cn", "a fresh start").await.status, StatusCode::OK);
        let out = std::process::Command::new(WUJIN)
            .args(["--db", &db.url, "admin", "password", "--login", "nobody@firm.example.cn"])
            .env("WUJIN_ADMIN_PASSWORD", "a fresh start")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "an unknown login is refused");
    }

    async fn each_role_sees_its_own_menu(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let officer = common::sign_up(s, "office@pilot.example.cn").await;
        s.make_officer(officer.id).await.unwrap();
        let (_, _, html) = page(s, "GET", "/", Some(&officer), None).await;
        assert_eq!(menu(&html), vec!["nav-search", "nav-standards", "nav-overview", "nav-supervision"], "an officer sees the overview and supervision, not a firm's lists");

        // A firm that sells (the demo firm has offers) sees the demands it can quote for.
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let seller = common::owner(s, "sales@maker.example.cn", Some(orgs[0].id)).await;
        let (_, _, html) = page(s, "GET", "/", Some(&seller), None).await;
        assert_eq!(menu(&html), vec!["nav-search", "nav-standards", "nav-demands", "nav-open", "nav-quotes", "nav-pools", "nav-inbox", "nav-chain", "nav-reports", "nav-firm"]);
        assert!(html.contains("<summary id=\"account-name\">测试</summary>") && html.contains("id=\"sign-out\">退出</button>"), "the name apart from 退出");
        assert!(html.contains("id=\"nav-tokens\""), "API tokens in the account menu");

        // A firm that only buys does not.
        let code = wujin_domain::Uscc::complete("91330784MA7000009").unwrap();
        let up = json!({"login": "buy@only.example.cn", "name": "采购", "password": "correct horse", "uscc": code.as_str(), "firm": "永康市只买贸易有限公司"});
        let r = send(s, "POST", "/api/v1/accounts", Some(up), &[]).await;
        let buyer = person(&r);
        let (_, _, html) = page(s, "GET", "/", Some(&buyer), None).await;
        assert_eq!(menu(&html), vec!["nav-search", "nav-standards", "nav-demands", "nav-quotes", "nav-pools", "nav-inbox", "nav-chain", "nav-reports", "nav-firm"]);
    }
}
