//! Revisions racing the deadline. Two people of the same provider revise one quote as fast
//! as they can while the deadline arrives, the server's sweep closes demands, and the buyer
//! keeps asking for the quotes. In the end: every revision accepted is in the history and
//! counted once by the revision number, none was accepted after the close, and what the
//! buyer first read once unsealed is the last accepted revision — no write lost, none
//! slipped in after the buyer looked. Both engines; the deadline is real (a few hundred
//! milliseconds ahead) and every loop ends on what it observes, not on a timer.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{owner, quote, send};
use serde_json::json;
use wujin_domain::account::Role;
use wujin_store::both_backends;

/// How far ahead the deadline is when the race starts.
const AHEAD_MS: i64 = 400;

both_backends! {
    async fn revisions_racing_the_deadline_end_in_one_consistent_quote(db) {
        common::with_demo(&db.store).await;
        let s = db.store.clone();
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (a, b) = (orgs[0].id, orgs[1].id);
        let buyer = owner(&s, "buyer@a.example.cn", Some(a)).await;
        let first = owner(&s, "sales1@b.example.cn", Some(b)).await;
        let second = common::sign_up(&s, "sales2@b.example.cn").await;
        s.set_member(b, second.id, Role::Admin, first.id).await.unwrap();

        let d = send(&s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "锁芯 10000 只", "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = d.body["id"].as_i64().unwrap();
        send(&s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let r = send(&s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b, 1000)), &first.h()).await;
        let rid = r.body["id"].as_i64().unwrap();
        s.backdate_deadline(id, wujin_store::now_ms() + AHEAD_MS).await.unwrap();

        let path = Arc::new(format!("/api/v1/demands/{id}/responses"));
        // Each reviser: read the current revision, send a price unique to it, until refused
        // for the deadline. Returns the prices accepted, with the revision each made.
        let reviser = |p: common::Person, tag: i64| {
            let (s, path) = (s.clone(), path.clone());
            tokio::spawn(async move {
                let mut accepted = vec![];
                for n in 0.. {
                    let mine = send(&s, "GET", &path, None, &p.h()).await.body;
                    let revision = mine["items"][0]["revision"].as_i64().unwrap();
                    let price = 2000 + tag * 100_000 + n;
                    let mut body = quote(b, price);
                    body["org_id"] = serde_json::Value::Null;
                    body["revision"] = json!(revision);
                    let r = send(&s, "PUT", &format!("{path}/{rid}"), Some(body), &p.h()).await;
                    match (r.status, r.body["error"]["code"].as_str()) {
                        (StatusCode::OK, _) => accepted.push((r.body["revision"].as_i64().unwrap(), price)),
                        (StatusCode::CONFLICT, Some("revision_conflict")) => {}
                        (StatusCode::CONFLICT, Some("deadline_passed")) => break,
                        other => panic!("unexpected answer to a revision: {other:?} {}", r.body),
                    }
                }
                accepted
            })
        };
        let one = reviser(first, 1);
        let two = reviser(second, 2);
        let sweep = {
            let s = s.clone();
            tokio::spawn(async move {
                while s.demand(id).await.unwrap().unwrap().state.code() == "open" {
                    s.close_due(wujin_store::now_ms(), 10).await.unwrap();
                }
            })
        };
        // The buyer asks until the quotes are unsealed, and keeps the first answer.
        let seen = loop {
            let list = send(&s, "GET", &path, None, &buyer.h()).await.body;
            if let Some(item) = list["items"].as_array().unwrap().first() {
                break (item["revision"].as_i64().unwrap(), item["price_fen"].as_i64().unwrap());
            }
        };
        let mut accepted = one.await.unwrap();
        accepted.extend(two.await.unwrap());
        sweep.await.unwrap();
        accepted.sort();

        assert!(!accepted.is_empty(), "some revisions landed before the deadline");
        let revisions: Vec<i64> = accepted.iter().map(|(r, _)| *r).collect();
        assert_eq!(revisions, (2..2 + accepted.len() as i64).collect::<Vec<_>>(), "each accepted revision counted once, none twice");
        let last = *accepted.last().unwrap();
        assert_eq!(seen, last, "the buyer's first unsealed read is the last accepted revision");
        let stored = s.response(rid).await.unwrap().unwrap();
        assert_eq!((stored.revision, stored.terms.price_fen), last, "nothing changed after the buyer looked");
        let history: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM response_history WHERE response_id = $1").bind(rid).fetch_one(s.pool()).await.unwrap();
        assert_eq!(history, 1 + accepted.len() as i64, "every version kept");
        let close: i64 = sqlx::query_scalar("SELECT id FROM audit WHERE action = 'close' AND entity_id = $1").bind(id).fetch_one(s.pool()).await.unwrap();
        let last_revise: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit WHERE action = 'revise' AND entity_id = $1").bind(rid).fetch_one(s.pool()).await.unwrap();
        assert!(last_revise < close, "no revision after the close");
    }
}
