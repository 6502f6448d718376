//! The office's service gaps: demands past their deadline that nobody answered, from enough
//! firms, make a gap of their family with the public ones as examples; two firms' demands do
//! not show; a search that found little is placed in the family its words ask for; open
//! demands do not count. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

/// A firm with an owner who publishes a demand for `category` (public or invited).
async fn demand(store: &Store, n: usize, category: &str, public: bool) -> (Person, i64) {
    let code = wujin_domain::Uscc::complete(&format!("91330784MA5{n:06}")).unwrap();
    let up = json!({"login": format!("buyer{n}@gaps.example.cn"), "name": "经理", "password": "correct horse",
        "uscc": code.as_str(), "firm": format!("永康市第{n}五金厂")});
    let r = send(store, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let person = Person {
        cookie: common::jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().into(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    };
    let org = r.body["org_id"].as_i64().unwrap();
    let body = json!({"org_id": org, "title": format!("保温杯检测 第{n}批"), "need": "按 GB/T 29606 做保温效能检测",
        "category": category, "deadline": "2099-12-31", "visibility": if public { "public" } else { "invited" }});
    let d = send(store, "POST", "/api/v1/demands", Some(body), &person.h()).await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
    let id = d.body["id"].as_i64().unwrap();
    let p =
        send(store, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &person.h()).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    (person, id)
}

fn family<'a>(gaps: &'a Value, code: &str) -> Option<&'a Value> {
    gaps["items"].as_array().unwrap().iter().find(|g| g["family"] == code)
}

both_backends! {
    async fn unanswered_demands_of_enough_firms_make_a_gap_and_searches_are_placed_by_their_words(db) {
        let s = &db.store;
        let officer = common::owner(s, "officer@gaps.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        // Six firms' testing demands pass their deadline unanswered; one more is still open.
        for n in 1..=6 {
            let (_, id) = demand(s, n, "产品检测", n % 2 == 0).await;
            common::pass_deadline(s, id).await;
            s.close_due(wujin_store::now_ms(), 100).await.unwrap();
        }
        demand(s, 7, "产品检测", true).await;
        // Two firms' design demands: too few to show.
        for n in 8..=9 {
            let (_, id) = demand(s, n, "外观设计", true).await;
            common::pass_deadline(s, id).await;
        }
        s.log_queries(&[wujin_store::queries::QueryRecord {
            at: wujin_store::now_ms(), source: "search".into(), text: "保温效能 检测".into(), filters: String::new(), hits: 0, micros: 900, town: None,
        }]).await.unwrap();

        let r = send(s, "GET", "/api/v1/overview/gaps", None, &officer.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let testing = family(&r.body, "testing").expect("a testing gap");
        assert_eq!(testing["counts"]["no_response"], 6, "the open demand does not count: {testing}");
        assert_eq!(testing["counts"]["empty_search"], 1, "the search is placed in testing");
        assert_eq!(testing["score"], 6 * 3 + 1);
        assert_eq!(testing["in_plan"], true);
        let examples = testing["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{testing}");
        for e in examples {
            let e = e.as_str().unwrap();
            // Only public demands (even-numbered) and searches are examples.
            assert!(e.contains("保温效能") || ["2", "4", "6"].iter().any(|n| e.contains(&format!("第{n}批"))), "{e}");
        }
        assert_eq!(r.body["items"][0]["family"], "testing", "the largest gap first");
        match family(&r.body, "rd_design") {
            None => {}
            Some(d) => assert!(d["counts"].get("no_response").is_none() && d["demands_shown"] == false, "{d}"),
        }
        let text = r.body.to_string();
        assert!(!text.contains("第8批") && !text.contains("第9批"), "two firms' demands are not shown: {text}");

        let firm = common::owner(s, "firm@gaps.example.cn", None).await;
        assert_eq!(send(s, "GET", "/api/v1/overview/gaps", None, &firm.h()).await.status, StatusCode::FORBIDDEN);
        let bad = send(s, "GET", "/api/v1/overview/gaps?months=0", None, &officer.h()).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("months")));
    }
}
