//! Sealed quotes: a provider's response is visible to its own organisation, to the buyer
//! only after the deadline, and to nobody else, ever — not to a competitor, not to a
//! stranger, not before time. Revisions and withdrawals until the deadline, none after.
//! Both engines; the deadline passes by moving it in the database, not by waiting.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use wujin_domain::account::Role;
use wujin_store::{Store, both_backends};

/// Registers a person and, when `org` is given, makes them its owner.
async fn person(s: &Store, login: &str, org: Option<i64>) -> Person {
    let p = common::sign_up(s, login).await;
    if let Some(org) = org {
        s.set_member(org, p.id, Role::Owner, p.id).await.unwrap();
    }
    p
}

fn quote(org: i64, price: i64) -> Value {
    json!({"org_id": org, "price_fen": price, "basis": "unit", "lead_time_days": 20, "valid_days": 30, "notes": "含税含运"})
}

fn prices(list: &Value) -> Vec<(i64, i64)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["org_id"].as_i64().unwrap(), r["price_fen"].as_i64().unwrap()))
        .collect()
}

both_backends! {
    async fn a_quote_stays_sealed_until_the_deadline_and_from_rivals_for_ever(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let (a, b, c) = (orgs[0].id, orgs[1].id, orgs[2].id);
        let buyer = person(s, "buyer@a.example.cn", Some(a)).await;
        let maker = person(s, "sales@b.example.cn", Some(b)).await;
        let rival = person(s, "sales@c.example.cn", Some(c)).await;
        let stranger = person(s, "13900000000", None).await;

        let demand = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "铝合金压铸外壳", "category": "压铸件", "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = demand.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let responses = format!("/api/v1/demands/{id}/responses");

        let mine = send(s, "POST", &responses, Some(quote(b, 1850)), &maker.h()).await;
        assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
        assert_eq!(send(s, "POST", &responses, Some(quote(b, 1700)), &maker.h()).await.status, StatusCode::CONFLICT, "one response per firm; revise it");
        assert_eq!(send(s, "POST", &responses, Some(quote(c, 1700)), &maker.h()).await.status, StatusCode::FORBIDDEN, "not for another firm");
        assert_eq!(send(s, "POST", &responses, Some(quote(a, 1)), &buyer.h()).await.status, StatusCode::FORBIDDEN, "not to one's own demand");
        let bad = send(s, "POST", &responses, Some(json!({"org_id": c, "price_fen": -5, "basis": "unit", "lead_time_days": 1, "valid_days": 1})), &rival.h()).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("price_fen")));
        let theirs = send(s, "POST", &responses, Some(quote(c, 1790)), &rival.h()).await;
        assert_eq!(theirs.status, StatusCode::CREATED);
        let (mine_id, theirs_id) = (mine.body["id"].as_i64().unwrap(), theirs.body["id"].as_i64().unwrap());

        // Before the deadline: each firm sees its own, the buyer and strangers nothing.
        assert_eq!(prices(&send(s, "GET", &responses, None, &buyer.h()).await.body), vec![], "sealed for the buyer");
        assert_eq!(prices(&send(s, "GET", &responses, None, &maker.h()).await.body), vec![(b, 1850)]);
        assert_eq!(prices(&send(s, "GET", &responses, None, &rival.h()).await.body), vec![(c, 1790)]);
        assert_eq!(prices(&send(s, "GET", &responses, None, &stranger.h()).await.body), vec![]);

        // The rival can neither revise nor withdraw another firm's quote, nor learn it exists.
        let mut rewrite = quote(b, 1);
        rewrite["revision"] = json!(1);
        rewrite["org_id"] = Value::Null;
        assert_eq!(send(s, "PUT", &format!("{responses}/{mine_id}"), Some(rewrite.clone()), &rival.h()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(s, "DELETE", &format!("{responses}/{mine_id}"), Some(json!({"revision": 1})), &rival.h()).await.status, StatusCode::NOT_FOUND);

        rewrite["price_fen"] = json!(1760);
        let revised = send(s, "PUT", &format!("{responses}/{mine_id}"), Some(rewrite.clone()), &maker.h()).await;
        assert_eq!((revised.status, revised.body["revision"].as_i64()), (StatusCode::OK, Some(2)), "{}", revised.body);
        assert_eq!(send(s, "PUT", &format!("{responses}/{mine_id}"), Some(rewrite.clone()), &maker.h()).await.status, StatusCode::CONFLICT, "stale revision");
        assert_eq!(send(s, "DELETE", &format!("{responses}/{theirs_id}"), Some(json!({"revision": 1})), &rival.h()).await.status, StatusCode::NO_CONTENT);

        // The deadline passes.
        sqlx::query("UPDATE demands SET deadline = $1 WHERE id = $2").bind(wujin_store::now_ms() - 1000).bind(id).execute(s.pool()).await.unwrap();
        assert_eq!(prices(&send(s, "GET", &responses, None, &buyer.h()).await.body), vec![(b, 1760)], "unsealed: the latest revision, no withdrawn quote");
        assert_eq!(prices(&send(s, "GET", &responses, None, &rival.h()).await.body), vec![(c, 1790)], "a firm still sees its own, withdrawn, and nothing else");
        assert_eq!(prices(&send(s, "GET", &responses, None, &stranger.h()).await.body), vec![], "strangers never");
        rewrite["revision"] = json!(2);
        let late = send(s, "PUT", &format!("{responses}/{mine_id}"), Some(rewrite), &maker.h()).await;
        assert_eq!((late.status, late.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("deadline_passed")));
        assert_eq!(send(s, "POST", &responses, Some(quote(c, 1500)), &rival.h()).await.status, StatusCode::CONFLICT);
    }
}

both_backends! {
    async fn awards_come_after_the_deadline_and_two_racing_end_in_one(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let (a, b, c) = (orgs[0].id, orgs[1].id, orgs[2].id);
        let buyer = person(s, "buyer@a.example.cn", Some(a)).await;
        let maker = person(s, "sales@b.example.cn", Some(b)).await;
        let rival = person(s, "sales@c.example.cn", Some(c)).await;
        let demand = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "锁芯 10000 只", "category": "锁芯", "quantity": 10000, "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = demand.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let responses = format!("/api/v1/demands/{id}/responses");
        let rb = send(s, "POST", &responses, Some(quote(b, 420)), &maker.h()).await.body["id"].as_i64().unwrap();
        let rc = send(s, "POST", &responses, Some(quote(c, 410)), &rival.h()).await.body["id"].as_i64().unwrap();
        let awards = format!("/api/v1/demands/{id}/awards");
        let split = json!({"revision": 2, "awards": [{"response_id": rb, "quantity": 6000}, {"response_id": rc, "quantity": 4000}]});

        let early = send(s, "POST", &awards, Some(split.clone()), &buyer.h()).await;
        assert_eq!((early.status, early.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("before_deadline")));
        sqlx::query("UPDATE demands SET deadline = $1 WHERE id = $2").bind(wujin_store::now_ms() - 1000).bind(id).execute(s.pool()).await.unwrap();
        assert_eq!(send(s, "POST", &awards, Some(split.clone()), &maker.h()).await.status, StatusCode::NOT_FOUND, "providers do not award");
        let wrong = send(s, "POST", &awards, Some(json!({"revision": 2, "awards": [{"response_id": rb}, {"response_id": 999999}]})), &buyer.h()).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
        let after = s.demand(id).await.unwrap().unwrap();
        assert_eq!((after.state.code(), after.revision), ("closed", 2), "the deadline closed it; the refused award changed nothing");
        let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM engagements WHERE demand_id = $1").bind(id).fetch_one(s.pool()).await.unwrap();
        assert_eq!(none, 0, "no engagement from a refused award");

        let h = buyer.h();
        let (x, y) = tokio::join!(send(s, "POST", &awards, Some(split.clone()), &h), send(s, "POST", &awards, Some(split.clone()), &h));
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{} / {}", x.body, y.body);
        let won = if x.status == StatusCode::CREATED { x.body } else { y.body };
        assert_eq!(won["demand"]["state"], "awarded");
        assert_eq!(won["engagements"].as_array().unwrap().len(), 2);
        let engagements: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM engagements WHERE demand_id = $1").bind(id).fetch_one(s.pool()).await.unwrap();
        assert_eq!(engagements, 2, "one award, not two");

        // The work is done and both sides rate each other.
        let e = won["engagements"][0].as_i64().unwrap();
        let stranger = person(s, "13900000001", None).await;
        assert_eq!(send(s, "POST", &format!("/api/v1/engagements/{e}/complete"), None, &stranger.h()).await.status, StatusCode::NOT_FOUND);
        let too_soon = send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 5})), &buyer.h()).await;
        assert_eq!((too_soon.status, too_soon.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("not_completed")));
        let half = send(s, "POST", &format!("/api/v1/engagements/{e}/complete"), None, &buyer.h()).await;
        assert_eq!((half.body["state"].as_str(), half.body["buyer_done"].as_bool()), (Some("active"), Some(true)));
        let done = send(s, "POST", &format!("/api/v1/engagements/{e}/complete"), None, &maker.h()).await;
        assert_eq!(done.body["state"], "completed", "{}", done.body);
        let bad = send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 6})), &buyer.h()).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("score")));
        let rated = send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 4, "comment": "交期准时"})), &buyer.h()).await;
        assert_eq!(rated.status, StatusCode::CREATED);
        assert_eq!(send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 1})), &buyer.h()).await.status, StatusCode::CONFLICT, "once per side");
        send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 5})), &maker.h()).await;
        assert_eq!(s.rating_of(b).await.unwrap(), (1, Some(4.0)), "the maker's rating");
        assert_eq!(s.rating_of(a).await.unwrap(), (1, Some(5.0)), "the buyer's rating");
    }
}

both_backends! {
    async fn an_officer_counts_no_quote_before_the_deadline(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (a, b) = (orgs[0].id, orgs[1].id);
        let buyer = person(s, "buyer@a.example.cn", Some(a)).await;
        let maker = person(s, "sales@b.example.cn", Some(b)).await;
        let officer = common::sign_up(s, "officer@gov.example.cn").await;
        s.make_officer(officer.id).await.unwrap();
        let total = |r: &common::Reply| r.body["responses"].as_i64().unwrap_or_else(|| panic!("{}", r.body));
        let seen = send(s, "GET", "/api/v1/overview/demands", None, &officer.h()).await;
        let before = total(&seen);

        let demand = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "铝合金压铸外壳", "category": "压铸件", "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = demand.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let quoted = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b, 1850)), &maker.h()).await;
        assert_eq!(quoted.status, StatusCode::CREATED, "{}", quoted.body);

        let during = send(s, "GET", "/api/v1/overview/demands", None, &officer.h()).await;
        assert_eq!(total(&during), before, "a sealed quote does not move the officer's count");
        common::pass_deadline(s, id).await;
        let after = send(s, "GET", "/api/v1/overview/demands", None, &officer.h()).await;
        assert_eq!(total(&after), before + 1, "counted once the deadline has passed");
    }
}
