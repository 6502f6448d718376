//! The demo's people: each demo login signs in with the one demo password and finds its
//! part of the story — the flask maker's demands in every state, the lab's invitation, the
//! die-caster's quotes won, pending and withdrawn, the officer's numbers — and the console
//! text says how to sign in as each. Both engines.

mod common;

use axum::http::StatusCode;
use common::send;
use serde_json::{Value, json};
use wujin_domain::Lang;
use wujin_server::demo_people::{PASSWORD, how_to_sign_in, load, people, present};
use wujin_store::both_backends;

async fn sign_in(s: &wujin_store::Store, login: &str) -> common::Person {
    let r = send(s, "POST", "/api/v1/sessions", Some(json!({"login": login, "password": PASSWORD})), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.body);
    common::Person {
        cookie: common::jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().to_string(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    }
}

fn field<'a>(v: &'a Value, name: &str) -> Vec<&'a str> {
    v["items"].as_array().unwrap().iter().map(|i| i[name].as_str().unwrap()).collect()
}

both_backends! {
    async fn every_demo_login_signs_in_and_finds_its_part(db) {
        let s = &db.store;
        common::with_demo(s).await;
        assert!(!present(s).await.unwrap(), "a demo cluster alone has no people");
        load(s).await.unwrap();
        let who = people(s).await.unwrap();
        assert_eq!(who.len(), 6);
        let text = how_to_sign_in(&who, Lang::Zh);
        assert!(text.contains("保温杯厂") && !text.contains("demo_role"), "every role in words: {text}");
        assert!(how_to_sign_in(&who, Lang::En).contains("pilot-office officer"));
        for p in &who {
            assert!(text.contains(p.login) && text.contains(PASSWORD), "{text}");
            sign_in(s, p.login).await;
        }
        assert!(who[0].org.is_some() && who[4].org.is_none(), "the maker acts for a firm, the officer for none");

        // The demo's change of standard: the firms whose offers cited GB 17761-2018 when
        // the 2024 edition was recorded were told once each; one has moved to 2024.
        let officer = sign_in(s, "officer@demo.wujin.cn").await;
        let impact = send(s, "GET", "/api/v1/standards/GB17761-2018/impact", None, &officer.h()).await;
        assert_eq!((impact.status, impact.body["replaced_by"].as_str()), (StatusCode::OK, Some("GB 17761-2024")), "{}", impact.body);
        let pending = impact.body["total"]["firms"].as_i64().unwrap();
        assert!(pending >= 1, "firms still citing the old edition: {}", impact.body);
        let (orgs, _) = s.list_orgs(&Default::default(), None, 10_000).await.unwrap();
        let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
        let told: Vec<_> = s.inbox(&ids, None, 10_000).await.unwrap().into_iter()
            .filter(|i| i.kind == "standard" && i.detail["standard"] == "GB 17761-2018").collect();
        let mut firms: Vec<i64> = told.iter().map(|i| i.org_id).collect();
        firms.sort_unstable();
        firms.dedup();
        assert_eq!((told.len() as i64, firms.len() as i64), (pending + 1, pending + 1), "each firm once, the one that moved among them");

        let maker = sign_in(s, "flask@demo.wujin.cn").await;
        let mine = send(s, "GET", "/api/v1/demands?limit=100", None, &maker.h()).await.body;
        let mut states = field(&mine, "state");
        states.sort();
        states.dedup();
        assert_eq!(states, ["awarded", "cancelled", "closed", "completed", "draft", "in_progress", "open", "rated"]);

        let lab = sign_in(s, "lab@demo.wujin.cn").await;
        let open = send(s, "GET", "/api/v1/demands?scope=open", None, &lab.h()).await.body;
        let invited = open["items"].as_array().unwrap().iter().find(|d| d["visibility"] == "invited").expect("the lab's invitation");
        let design = sign_in(s, "design@demo.wujin.cn").await;
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{}", invited["id"]), None, &design.h()).await.status, StatusCode::NOT_FOUND, "invited only");
        let inbox = send(s, "GET", "/api/v1/inbox?limit=100", None, &lab.h()).await.body;
        let mut kinds = field(&inbox, "kind");
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds, ["invitation", "test_booking"], "its invitation and its test bookings' steps");
        let booked = send(s, "GET", "/api/v1/test-bookings?side=lab", None, &lab.h()).await.body;
        let mut states: Vec<&str> =
            booked["items"].as_array().unwrap().iter().map(|b| b["state"]["code"].as_str().unwrap()).collect();
        states.sort();
        assert_eq!(states, ["confirmed", "reported", "requested", "testing"], "the cup maker's bookings in every state");

        let caster = sign_in(s, "casting@demo.wujin.cn").await;
        let mut outcomes = field(&send(s, "GET", "/api/v1/responses?limit=100", None, &caster.h()).await.body, "outcome").into_iter().map(String::from).collect::<Vec<_>>();
        outcomes.sort();
        outcomes.dedup();
        assert_eq!(outcomes, ["pending", "withdrawn", "won"]);

        let officer = sign_in(s, "officer@demo.wujin.cn").await;
        let o = send(s, "GET", "/api/v1/overview/demands", None, &officer.h()).await;
        assert_eq!((o.status, o.body["published"].as_i64()), (StatusCode::OK, Some(9)), "{}", o.body);
        assert_eq!(o.body["thin"], 5, "the closed and the four awarded drew fewer than three quotes");
    }
}
