//! A demand's whole flow as its people see it: the buyer drafts, asks wujin for suggestions
//! and invites a provider; the invitation reaches the provider's inbox at publication; an
//! uninvited firm never sees the demand; the deadline closes it and tells the buyer; the
//! buyer opens the quote (and the provider's audit log shows it), awards it, the work starts
//! and ends, both sides rate, and the demand follows each step. Officers see numbers only.
//! Both engines; deadlines pass by moving them, not by waiting.

mod common;

use axum::http::StatusCode;
use common::{owner, pass_deadline, quote, send, send_to};
use serde_json::{Value, json};
use wujin_store::both_backends;

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap().to_string()).collect()
}

both_backends! {
    async fn an_invited_demand_runs_from_suggestion_to_rating(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let (a, b, c) = (orgs[0].id, orgs[1].id, orgs[2].id);
        let buyer = owner(s, "buyer@a.example.cn", Some(a)).await;
        let maker = owner(s, "sales@b.example.cn", Some(b)).await;
        let outsider = owner(s, "sales@c.example.cn", Some(c)).await;
        let officer = owner(s, "officer@gov.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();

        let body = json!({"org_id": a, "title": "铝合金压铸外壳 5000 件", "need": "ADC12 压铸，喷砂阳极氧化", "category": "压铸件",
            "quantity": 5000, "unit": "件", "deadline": "2099-12-31", "visibility": "invited"});
        let d = send(s, "POST", "/api/v1/demands", Some(body), &buyer.h()).await;
        let id = d.body["id"].as_i64().unwrap();

        // Suggestions: firms that make die-cast parts, with reasons, never the buyer itself.
        let app = common::with_index(s).await;
        let sug = send_to(&app, "GET", &format!("/api/v1/demands/{id}/suggestions"), None, &buyer.h()).await;
        assert_eq!(sug.status, StatusCode::OK, "{}", sug.body);
        let items = sug.body["items"].as_array().unwrap();
        assert!(!items.is_empty(), "the demo cluster has die-casters");
        assert!(items.iter().all(|i| i["org"]["id"].as_i64() != Some(a)), "not the buyer");
        assert!(items[0]["offers"].as_array().unwrap().iter().any(|o| o["category"]["code"].as_str().unwrap().starts_with("parts")),
            "the best suggestion offers parts: {}", items[0]);
        assert!(!items[0]["explanation"]["terms"].as_array().unwrap().is_empty(), "it says why");
        assert_eq!(send_to(&app, "GET", &format!("/api/v1/demands/{id}/suggestions"), None, &maker.h()).await.status, StatusCode::NOT_FOUND);

        // Invitations: made on the draft, checked, idempotent.
        let inv = format!("/api/v1/demands/{id}/invitations");
        let r = send(s, "POST", &inv, Some(json!({"org_ids": [b]})), &buyer.h()).await;
        assert_eq!((r.status, r.body["invited_now"].clone()), (StatusCode::CREATED, json!([b])), "{}", r.body);
        let again = send(s, "POST", &inv, Some(json!({"org_ids": [b]})), &buyer.h()).await;
        assert_eq!(again.body["invited_now"], json!([]), "invited once");
        let own = send(s, "POST", &inv, Some(json!({"org_ids": [a]})), &buyer.h()).await;
        assert_eq!((own.status, own.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("org_ids/0")));
        let ghost = send(s, "POST", &inv, Some(json!({"org_ids": [b, 99999999]})), &buyer.h()).await;
        assert_eq!((ghost.status, ghost.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("org_ids/1")));
        assert_eq!(send(s, "POST", &inv, Some(json!({"org_ids": [c]})), &maker.h()).await.status, StatusCode::NOT_FOUND, "a draft is the buyer's alone");
        assert_eq!(kinds(&send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body), Vec::<String>::new(), "delivered at publication");

        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let inbox = send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body;
        assert_eq!((kinds(&inbox), inbox["unread"].as_i64()), (vec!["invitation".to_string()], Some(1)));
        assert!(inbox["items"][0]["text"].as_str().unwrap().contains("铝合金压铸外壳"), "{inbox}");
        let item = inbox["items"][0]["id"].as_i64().unwrap();
        assert_eq!(send(s, "POST", &format!("/api/v1/inbox/{item}/read"), None, &outsider.h()).await.status, StatusCode::NOT_FOUND, "not theirs");
        assert_eq!(send(s, "POST", &format!("/api/v1/inbox/{item}/read"), None, &maker.h()).await.status, StatusCode::NO_CONTENT);
        assert_eq!(send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body["unread"], 0);

        // Invited only: the outsider sees nothing of it, anywhere.
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{id}"), None, &outsider.h()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(c, 1700)), &outsider.h()).await.status, StatusCode::NOT_FOUND);
        let ids = |v: &Value| v["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect::<Vec<_>>();
        assert!(ids(&send(s, "GET", "/api/v1/demands?scope=open", None, &maker.h()).await.body).contains(&id));
        assert!(!ids(&send(s, "GET", "/api/v1/demands?scope=open", None, &outsider.h()).await.body).contains(&id));
        let mine = send(s, "GET", "/api/v1/demands?scope=mine&state=open", None, &buyer.h()).await.body;
        assert_eq!((ids(&mine), mine["items"][0]["responses"].clone()), (vec![id], Value::Null), "no count before the deadline");

        let r = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b, 1850)), &maker.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rid = r.body["id"].as_i64().unwrap();

        // The deadline passes: the sweep closes the demand and tells the buyer how many came.
        pass_deadline(s, id).await;
        assert_eq!(s.close_due(wujin_store::now_ms(), 100).await.unwrap(), vec![id]);
        assert_eq!(s.close_due(wujin_store::now_ms(), 100).await.unwrap(), Vec::<i64>::new(), "once");
        let inbox = send(s, "GET", "/api/v1/inbox?lang=en", None, &buyer.h()).await.body;
        assert_eq!(kinds(&inbox), vec!["unsealed"]);
        assert_eq!(inbox["items"][0]["detail"]["responses"], 1);
        assert!(inbox["items"][0]["text"].as_str().unwrap().contains("1 responses"), "{inbox}");
        assert_eq!(send(s, "GET", "/api/v1/demands?state=closed", None, &buyer.h()).await.body["items"][0]["responses"], 1);

        // The buyer opens the quotes; the provider's audit log says who did and when.
        let list = send(s, "GET", &format!("/api/v1/demands/{id}/responses"), None, &buyer.h()).await.body;
        assert_eq!(list["items"][0]["price_fen"], 1850);
        let audit = send(s, "GET", &format!("/api/v1/audit?org_id={b}"), None, &maker.h()).await.body;
        let read = audit["items"].as_array().unwrap().iter().find(|r| r["action"] == "read").expect("the read is logged");
        assert_eq!((read["entity_id"].as_i64(), read["actor"].as_str()), (Some(rid), Some(format!("account:{}", buyer.id).as_str())));
        assert_eq!(send(s, "GET", &format!("/api/v1/audit?org_id={b}"), None, &buyer.h()).await.status, StatusCode::FORBIDDEN, "another firm's log");
        assert_eq!(send(s, "GET", "/api/v1/audit", None, &buyer.h()).await.body["error"]["field"], "org_id");

        // Award, start, complete, rate: the demand follows each step.
        let won = send(s, "POST", &format!("/api/v1/demands/{id}/awards"), Some(json!({"revision": 2, "awards": [{"response_id": rid, "quantity": 5000}]})), &buyer.h()).await;
        assert_eq!(won.status, StatusCode::CREATED, "{}", won.body);
        let e = won.body["engagements"][0].as_i64().unwrap();
        assert_eq!(kinds(&send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body)[0], "awarded");
        let state = || async { s.demand(id).await.unwrap().unwrap().state.code() };
        assert_eq!(send(s, "POST", &format!("/api/v1/engagements/{e}/start"), None, &buyer.h()).await.status, StatusCode::FORBIDDEN, "the provider starts");
        assert_eq!(send(s, "POST", &format!("/api/v1/engagements/{e}/start"), None, &maker.h()).await.body["started"], true);
        assert_eq!(state().await, "in_progress");
        send(s, "POST", &format!("/api/v1/engagements/{e}/complete"), None, &maker.h()).await;
        assert_eq!(state().await, "in_progress", "one side is not both");
        send(s, "POST", &format!("/api/v1/engagements/{e}/complete"), None, &buyer.h()).await;
        assert_eq!(state().await, "completed");
        send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 5, "comment": "准时"})), &buyer.h()).await;
        assert_eq!(state().await, "completed", "until both have rated");
        send(s, "POST", &format!("/api/v1/engagements/{e}/ratings"), Some(json!({"score": 4})), &maker.h()).await;
        assert_eq!(state().await, "rated");
        assert_eq!(kinds(&send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body)[0], "rated");
        assert_eq!(send(s, "GET", &format!("/api/v1/engagements/{e}"), None, &outsider.h()).await.status, StatusCode::NOT_FOUND);

        // The provider's history, and the buyer's audit trail of the whole life.
        let history = send(s, "GET", "/api/v1/responses", None, &maker.h()).await.body;
        assert_eq!((history["items"][0]["outcome"].as_str(), history["items"][0]["awarded_quantity"].as_i64()), (Some("won"), Some(5000)));
        let trail = send(s, "GET", &format!("/api/v1/audit?org_id={a}&limit=100"), None, &buyer.h()).await.body;
        let mut actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
        actions.reverse();
        // The demo cluster's own history (its ties, its visibility choices) comes first.
        let actions = &actions[actions.iter().position(|a| *a == "create").unwrap()..];
        // Completing the engagement also records the supply tie it shows.
        assert_eq!(actions, ["create", "invite", "publish", "close", "award", "follow", "complete", "record", "follow", "rate", "follow"]);

        // The pilot office: numbers, never content.
        let o = send(s, "GET", "/api/v1/overview/demands", None, &officer.h()).await;
        assert_eq!((o.status, o.body["published"].as_i64(), o.body["responses"].as_i64(), o.body["thin"].as_i64()), (StatusCode::OK, Some(1), Some(1), Some(1)));
        assert!(!o.body.to_string().contains("1850"), "no price");
        assert_eq!(send(s, "GET", "/api/v1/overview/demands", None, &buyer.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{id}/responses"), None, &officer.h()).await.status, StatusCode::NOT_FOUND, "an officer reads no quote");
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{id}"), None, &officer.h()).await.status, StatusCode::NOT_FOUND, "nor an invited-only demand");
    }
}

both_backends! {
    async fn a_providers_history_says_how_each_quote_fared(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let (a, b, c) = (orgs[0].id, orgs[1].id, orgs[2].id);
        let buyer = owner(s, "buyer@a.example.cn", Some(a)).await;
        let maker = owner(s, "sales@b.example.cn", Some(b)).await;
        let rival = owner(s, "sales@c.example.cn", Some(c)).await;
        let mut demands = vec![];
        for title in ["锁芯 10000 只", "门把手 2000 套", "合页 5000 副", "滑轮 800 只"] {
            let d = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": title, "deadline": "2099-12-31"})), &buyer.h()).await;
            let id = d.body["id"].as_i64().unwrap();
            send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
            let r = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b, 420)), &maker.h()).await;
            let theirs = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(c, 400)), &rival.h()).await;
            demands.push((id, r.body["id"].as_i64().unwrap(), theirs.body["id"].as_i64().unwrap()));
        }
        // Lost to the rival; withdrawn; cancelled; still pending.
        let (lost, _, rival_r) = demands[0];
        pass_deadline(s, lost).await;
        send(s, "POST", &format!("/api/v1/demands/{lost}/awards"), Some(json!({"revision": 2, "awards": [{"response_id": rival_r}]})), &buyer.h()).await;
        let (w, wr, _) = demands[1];
        assert_eq!(send(s, "DELETE", &format!("/api/v1/demands/{w}/responses/{wr}"), Some(json!({"revision": 1})), &maker.h()).await.status, StatusCode::NO_CONTENT);
        let (cancelled, _, _) = demands[2];
        send(s, "POST", &format!("/api/v1/demands/{cancelled}/cancel"), Some(json!({"revision": 2, "reason_code": "price_too_high", "reason_text": "预算调整"})), &buyer.h()).await;

        let history = send(s, "GET", "/api/v1/responses?limit=3", None, &maker.h()).await.body;
        let outcomes = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| (i["demand_id"].as_i64().unwrap(), i["outcome"].as_str().unwrap().to_string())).collect::<Vec<_>>();
        let mut seen = outcomes(&history);
        let next = history["next_cursor"].as_str().expect("a second page");
        seen.extend(outcomes(&send(s, "GET", &format!("/api/v1/responses?limit=3&cursor={next}"), None, &maker.h()).await.body));
        seen.sort();
        let expected: Vec<(i64, String)> = vec![
            (demands[0].0, "lost".into()),
            (demands[1].0, "withdrawn".into()),
            (demands[2].0, "cancelled".into()),
            (demands[3].0, "pending".into()),
        ];
        assert_eq!(seen, expected);
        assert_eq!(kinds(&send(s, "GET", "/api/v1/inbox", None, &maker.h()).await.body), vec!["cancelled", "not_awarded"], "told of both, nothing of the withdrawn");
        assert_eq!(send(s, "GET", &format!("/api/v1/responses?org_id={a}"), None, &maker.h()).await.status, StatusCode::FORBIDDEN, "another firm's history");
        let bad = send(s, "GET", "/api/v1/demands?state=finished", None, &buyer.h()).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("state")));
    }
}
