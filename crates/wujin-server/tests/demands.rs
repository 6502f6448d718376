//! A firm drafts a demand, edits it, publishes it, cancels it: who may do what, what the
//! state machine refuses and why, a stale revision told so, two publishes racing ending in
//! one. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use wujin_domain::account::Role;
use wujin_store::{Store, both_backends};

async fn person(s: &Store, login: &str) -> Person {
    common::sign_up(s, login).await
}

fn need(org: i64, deadline: &str) -> Value {
    json!({
        "org_id": org,
        "title": "5000件铝合金压铸电动工具外壳",
        "need": "ADC12，800吨压铸，表面喷涂",
        "category": "压铸件",
        "quantity": 5000,
        "unit": "件",
        "budget_fen": 1800,
        "standards": ["gb/t 3883.1"],
        "certificates": ["ISO9001"],
        "deadline": deadline,
        "town": "芝英镇"
    })
}

both_backends! {
    async fn a_demand_goes_from_draft_to_open_by_the_rules(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let org = orgs[0].id;
        let (owner, member, outsider) = (person(s, "boss@a.example.cn").await, person(s, "clerk@a.example.cn").await, person(s, "rival@b.example.cn").await);
        s.set_member(org, owner.id, Role::Owner, owner.id).await.unwrap();
        s.set_member(org, member.id, Role::Member, owner.id).await.unwrap();

        let denied = send(s, "POST", "/api/v1/demands", Some(need(org, "2099-12-31")), &outsider.h()).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "only its people draft for a firm");
        let draft = send(s, "POST", "/api/v1/demands", Some(need(org, "2099-12-31")), &member.h()).await;
        assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
        assert_eq!((draft.body["state"].as_str(), draft.body["revision"].as_i64()), (Some("draft"), Some(1)));
        assert_eq!(draft.body["category"], "parts.casting");
        assert_eq!(draft.body["standards"], json!(["GB/T 3883.1-2014"]));
        assert_eq!(draft.body["deadline"], "2099-12-31T15:59:59Z", "the end of the day in China");
        let id = draft.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/demands/{id}");

        assert_eq!(send(s, "GET", &path, None, &outsider.h()).await.status, StatusCode::NOT_FOUND, "a draft does not exist outside the firm");
        assert_eq!(send(s, "GET", &path, None, &owner.h()).await.status, StatusCode::OK);

        let mut changed = need(org, "2099-12-31");
        changed["title"] = json!("6000件铝合金压铸电动工具外壳");
        changed["revision"] = json!(7);
        let stale = send(s, "PATCH", &path, Some(changed.clone()), &member.h()).await;
        assert_eq!((stale.status, stale.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("revision_conflict")));
        changed["revision"] = json!(1);
        let edited = send(s, "PATCH", &path, Some(changed.clone()), &member.h()).await;
        assert_eq!((edited.status, edited.body["revision"].as_i64()), (StatusCode::OK, Some(2)), "{}", edited.body);

        let by_member = send(s, "POST", &format!("{path}/publish"), Some(json!({"revision": 2})), &member.h()).await;
        assert_eq!(by_member.status, StatusCode::FORBIDDEN, "a member drafts, an owner or admin publishes");
        // The revision may come as If-Match instead of in the body (API.md), with no body at all.
        let if_match = |rev: &'static str| {
            let mut h = owner.h().to_vec();
            h.push(("if-match", rev));
            h
        };
        let publish = format!("{path}/publish");
        let old = send(s, "POST", &publish, None, &if_match("\"1\"")).await;
        assert_eq!((old.status, old.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("revision_conflict")));
        let garbled = send(s, "POST", &publish, None, &if_match("latest")).await;
        assert_eq!((garbled.status, garbled.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("revision")));
        let disagree = send(s, "POST", &publish, Some(json!({"revision": 2})), &if_match("3")).await;
        assert_eq!((disagree.status, disagree.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("revision")));
        let published = send(s, "POST", &publish, None, &if_match("W/\"2\"")).await;
        assert_eq!((published.status, published.body["state"].as_str()), (StatusCode::OK, Some("open")), "{}", published.body);
        let again = send(s, "POST", &format!("{path}/publish"), Some(json!({"revision": 3})), &owner.h()).await;
        assert_eq!((again.status, again.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("wrong_state")));
        changed["revision"] = json!(3);
        let late_edit = send(s, "PATCH", &path, Some(changed), &owner.h()).await;
        assert_eq!(late_edit.status, StatusCode::CONFLICT, "a published demand is not edited");
        assert_eq!(send(s, "GET", &path, None, &outsider.h()).await.status, StatusCode::OK, "published to all");

        let cancelled = send(s, "POST", &format!("{path}/cancel"), Some(json!({"revision": 3, "reason_code": "need_changed"})), &owner.h()).await;
        assert_eq!((cancelled.status, cancelled.body["state"].as_str()), (StatusCode::OK, Some("cancelled")));

        let past = send(s, "POST", "/api/v1/demands", Some(need(org, "2001-01-01")), &owner.h()).await;
        let past_id = past.body["id"].as_i64().unwrap();
        let refused = send(s, "POST", &format!("/api/v1/demands/{past_id}/publish"), Some(json!({"revision": 1})), &owner.h()).await;
        assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("deadline_passed")));
        assert!(refused.body["error"]["message"].as_str().unwrap().contains("截止时间"));
    }

    async fn bad_demands_name_the_field_and_racing_publishes_end_in_one(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let org = orgs[0].id;
        let owner = person(s, "boss@c.example.cn").await;
        s.set_member(org, owner.id, Role::Owner, owner.id).await.unwrap();
        for (key, value, field) in [
            ("category", json!("月球车"), "category"),
            ("town", json!("火星镇"), "town"),
            ("deadline", json!("next week"), "deadline"),
            ("quantity", json!(0), "quantity"),
            ("title", json!(""), "title"),
            ("standards", json!(["不是标准"]), "standards"),
            ("visibility", json!("secret"), "visibility"),
        ] {
            let mut body = need(org, "2099-12-31");
            body[key] = value;
            let r = send(s, "POST", "/api/v1/demands", Some(body), &owner.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{key}: {}", r.body);
        }
        // A deadline as people write it, and a refusal that says how to write it.
        let r = send(s, "POST", "/api/v1/demands", Some(need(org, "2099-12-20 18:00")), &owner.h()).await;
        assert_eq!((r.status, r.body["deadline"].as_str()), (StatusCode::CREATED, Some("2099-12-20T10:00:00Z")), "{}", r.body);
        let r = send(s, "POST", "/api/v1/demands", Some(need(org, "20/12/2099")), &owner.h()).await;
        assert_eq!(r.body["error"]["message"], "截止时间请写成 2026-12-20 或 2026-12-20 18:00", "{}", r.body);
        let draft = send(s, "POST", "/api/v1/demands", Some(need(org, "2099-12-31")), &owner.h()).await;
        let id = draft.body["id"].as_i64().unwrap();
        let stale = send(s, "PATCH", &format!("/api/v1/demands/{id}"), Some({ let mut b = need(org, "2099-12-31"); b["revision"] = json!(7); b.as_object_mut().unwrap().remove("org_id"); b }), &owner.h()).await;
        assert_eq!((stale.status, stale.body["error"]["message"].as_str()), (StatusCode::CONFLICT, Some("这份需求已被别人修改，请刷新后再试")), "{}", stale.body);
        let publish = format!("/api/v1/demands/{id}/publish");
        let h = owner.h();
        let (a, b) = tokio::join!(
            send(s, "POST", &publish, Some(json!({"revision": 1})), &h),
            send(s, "POST", &publish, Some(json!({"revision": 1})), &h)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{} / {}", a.body, b.body);
        let d = s.demand(id).await.unwrap().unwrap();
        assert_eq!((d.state.code(), d.revision), ("open", 2), "one publish, one revision step");
    }
}

both_backends! {
    async fn a_buyer_says_why_a_demand_is_cancelled_and_the_providers_read_it(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (a, b) = (orgs[0].id, orgs[1].id);
        let buyer = common::owner(s, "buyer@a.example.cn", Some(a)).await;
        let maker = common::owner(s, "sales@b.example.cn", Some(b)).await;
        let d = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "压铸外壳 5000 件", "category": "压铸件", "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = d.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let q = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(common::quote(b, 1850)), &maker.h()).await;
        assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
        let path = format!("/api/v1/demands/{id}/cancel");

        for (body, field) in [
            (json!({"revision": 2}), "reason_code"),
            (json!({"revision": 2, "reason_code": "bored"}), "reason_code"),
            (json!({"revision": 2, "reason_code": "other", "reason_text": "长".repeat(201)}), "reason_text"),
            // Far too long, in characters outside the BMP: the field is named, not a bare 413.
            (json!({"revision": 2, "reason_code": "other", "reason_text": "𠀀".repeat(2000)}), "reason_text"),
        ] {
            let r = send(s, "POST", &path, Some(body.clone()), &buyer.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{body}: {}", r.body);
        }
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{id}"), None, &buyer.h()).await.body["state"], "open", "nothing cancelled yet");

        let body = json!({"revision": 2, "reason_code": "no_suitable_provider", "reason_text": "报价均超出预算"});
        let r = send(s, "POST", &path, Some(body), &[buyer.h()[0], buyer.h()[1], ("accept-language", "en")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["state"], "cancelled");
        assert_eq!(r.body["cancellation"]["reason_code"], "no_suitable_provider");
        assert_eq!(r.body["cancellation"]["reason"], "no suitable provider");
        assert_eq!(r.body["cancellation"]["reason_text"], "报价均超出预算");

        let inbox = send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body;
        let item = &inbox["items"][0];
        assert_eq!((item["kind"].as_str(), item["demand_id"].as_i64()), (Some("cancelled"), Some(id)));
        let text = item["text"].as_str().unwrap();
        assert!(text.contains("压铸外壳 5000 件") && text.contains("没有合适的服务商") && text.contains("报价均超出预算"), "{text}");
    }
}
