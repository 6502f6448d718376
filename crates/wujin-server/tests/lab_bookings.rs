//! Labs' test items and bookings: a lab lists what it tests, to which edition, at what price
//! and turnaround; a firm books; the lab confirms with a date and never past an item's
//! weekly capacity, even when a hundred confirmations race; then the sample is received,
//! tested, and the report issued, which the two firms alone read. Both engines.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Person, send, upload_to};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

struct World {
    lab: (i64, Person),
    firm: (i64, Person),
    rival: (i64, Person),
    item: i64,
}

/// A lab with a testing service offer and one item of `weekly` a week; a firm to book it.
async fn world(s: &Store, weekly: i64) -> World {
    common::with_demo(s).await;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
    let lab = (orgs[0].id, common::owner(s, "lab@a.example.cn", Some(orgs[0].id)).await);
    let firm = (orgs[1].id, common::owner(s, "qa@b.example.cn", Some(orgs[1].id)).await);
    let rival = (orgs[2].id, common::owner(s, "qa@c.example.cn", Some(orgs[2].id)).await);
    let body = json!({"title": "保温杯产品检测", "category": "svc.product_testing", "standards": ["GB/T 29606-2013"]});
    let r = send(s, "POST", &format!("/api/v1/orgs/{}/offers", lab.0), Some(body), &lab.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let offer = r.body["id"].as_i64().unwrap();
    let item = json!({"standard": "GBT29606", "name": "保温效能", "method": "按标准方法", "sample": "3 只",
        "price_fen": 60000, "turnaround_days": 7, "in_scope": true, "weekly_capacity": weekly});
    let r = send(s, "POST", &format!("/api/v1/offers/{offer}/test-items"), Some(item), &lab.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["standard"], "GB/T 29606-2013");
    let item = r.body["id"].as_i64().unwrap();
    World { lab, firm, rival, item }
}

fn day(n: i64) -> String {
    (wujin_store::ties::today() + time::Duration::days(n)).to_string()
}

async fn book(s: &Store, w: &World) -> i64 {
    let body =
        json!({"org_id": w.firm.0, "item_ids": [w.item], "samples": 3, "desired_on": day(7), "notes": "500ml 样品"});
    let r = send(s, "POST", "/api/v1/test-bookings", Some(body), &w.firm.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// A step taken from the bookings page's form by `who`, with its token and `extra` fields.
async fn page_step(s: &Store, id: i64, who: &Person, action: &str, extra: &str) -> (StatusCode, String, String) {
    let form = format!("csrf={}{extra}", who.csrf);
    common::page(s, "POST", &format!("/test-bookings/{id}/{action}"), Some(who), Some(&form)).await
}

async fn step(s: &Store, id: i64, verb: &str, who: &Person, body: Option<Value>) -> common::Reply {
    send(s, "POST", &format!("/api/v1/test-bookings/{id}/{verb}"), body, &who.h()).await
}

both_backends! {
    async fn a_booking_goes_from_request_to_report_each_side_taking_its_own_steps(db) {
        let s = &db.store;
        let w = world(s, 5).await;
        let r = send(s, "GET", "/api/v1/offers/0/test-items", None, &[]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let id = book(s, &w).await;
        let url = format!("/api/v1/test-bookings/{id}");
        assert_eq!(send(s, "GET", &url, None, &w.rival.1.h()).await.status, StatusCode::NOT_FOUND, "not a rival's");
        assert_eq!(step(s, id, "confirm", &w.firm.1, Some(json!({"date": day(8)}))).await.status, StatusCode::FORBIDDEN);
        let r = step(s, id, "confirm", &w.lab.1, None).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("date")));
        let r = step(s, id, "confirm", &w.lab.1, Some(json!({"date": day(8)}))).await;
        assert_eq!((r.status, r.body["state"]["code"].as_str()), (StatusCode::OK, Some("confirmed")), "{}", r.body);
        let issue = format!("/api/v1/test-bookings/{id}/issue");
        let r = upload_to(&wujin_server::api::AppState::new(s.clone()), &issue, "report.pdf", PDF, &[("report_no", "R-1")], &w.lab.1.h()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "no report before testing: {}", r.body);
        assert_eq!(step(s, id, "receive", &w.lab.1, None).await.status, StatusCode::OK);
        assert_eq!(step(s, id, "start", &w.lab.1, None).await.status, StatusCode::OK);
        assert_eq!(step(s, id, "cancel", &w.firm.1, None).await.status, StatusCode::CONFLICT, "too late to cancel");
        let app = wujin_server::api::AppState::new(s.clone());
        let r = upload_to(&app, &issue, "report.pdf", b"<html></html>", &[("report_no", "R-1")], &w.lab.1.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
        let r = upload_to(&app, &issue, "report.pdf", PDF, &[("report_no", "YK-2026-TEST-9")], &w.lab.1.h()).await;
        assert_eq!((r.status, r.body["state"]["code"].as_str()), (StatusCode::OK, Some("reported")), "{}", r.body);
        assert_eq!(r.body["report_no"], "YK-2026-TEST-9");
        // The report is the two firms' alone.
        let report = r.body["report"].as_str().unwrap().to_string();
        let got = send(s, "GET", &report, None, &[("cookie", w.firm.1.cookie.as_str())]).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(send(s, "GET", &report, None, &[("cookie", w.rival.1.cookie.as_str())]).await.status, StatusCode::NOT_FOUND);
        // The report becomes a declaration of the firm's offer in one step.
        let body = json!({"title": "真空保温杯 500ml", "category": "cups.vacuum_cup", "standards": ["GB/T 29606-2013"]});
        let offer = send(s, "POST", &format!("/api/v1/orgs/{}/offers", w.firm.0), Some(body), &w.firm.1.h()).await;
        let offer = offer.body["id"].as_i64().unwrap();
        let declare = format!("/api/v1/test-bookings/{id}/declare");
        let r = send(s, "POST", &declare, Some(json!({"offer_id": offer})), &w.lab.1.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the lab does not declare for the firm");
        let r = send(s, "POST", &declare, Some(json!({"offer_id": offer, "valid_until": day(365)})), &w.firm.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!((r.body["standard"].as_str(), r.body["report_no"].as_str()), (Some("GB/T 29606-2013"), Some("YK-2026-TEST-9")));
        assert_eq!(r.body["lab_org_id"], w.lab.0);
        // Both firms heard of every step; the lists show it on each side.
        let mine = send(s, "GET", "/api/v1/test-bookings", None, &w.firm.1.h()).await;
        assert_eq!(mine.body["items"][0]["id"], id);
        let theirs = send(s, "GET", "/api/v1/test-bookings?side=lab", None, &w.lab.1.h()).await;
        assert_eq!(theirs.body["items"][0]["id"], id);
        assert_eq!(send(s, "GET", "/api/v1/test-bookings?side=lab", None, &w.rival.1.h()).await.body["items"], json!([]));
        let inbox = send(s, "GET", "/api/v1/inbox?limit=50", None, &w.firm.1.h()).await;
        let steps = inbox.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "test_booking").count();
        assert_eq!(steps, 5, "requested, confirmed, received, testing, reported: {}", inbox.body);

        // The firm rates the lab once; the rating counts in the lab's standing.
        let rate = |score: i64| json!({"score": score, "comment": "周期准时，报告清楚"});
        let r = step(s, id, "rate", &w.lab.1, Some(rate(5))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a lab does not rate itself");
        let r = step(s, id, "rate", &w.firm.1, Some(rate(6))).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("score")));
        let before = s.reputations(&[w.lab.0]).await.unwrap().get(&w.lab.0).map(|r| r.ratings).unwrap_or(0);
        let r = step(s, id, "rate", &w.firm.1, Some(rate(4))).await;
        assert_eq!((r.status, r.body["rating"].as_i64()), (StatusCode::OK, Some(4)), "{}", r.body);
        let r = step(s, id, "rate", &w.firm.1, Some(rate(1))).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_rated")));
        let after = s.reputations(&[w.lab.0]).await.unwrap()[&w.lab.0];
        assert_eq!(after.ratings, before + 1, "one rating more for the lab");
        let inbox = send(s, "GET", "/api/v1/inbox?limit=50", None, &w.lab.1.h()).await;
        let told = inbox.body["items"].as_array().unwrap().iter().any(|i| i["text"].as_str().unwrap_or("").contains("4 分"));
        assert!(told, "the lab hears of it: {}", inbox.body);
        // A booking without a report cannot be rated.
        let other = book(s, &w).await;
        let r = step(s, other, "rate", &w.firm.1, Some(rate(3))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }

    async fn a_hundred_racing_confirmations_never_take_an_item_past_its_week(db) {
        let s = db.store.clone();
        let w = Arc::new(world(&s, 7).await);
        let mut ids = vec![];
        for _ in 0..100 {
            ids.push(book(&s, &w).await);
        }
        let date = day(9);
        let mut tasks = vec![];
        for id in ids {
            let (s, w, date) = (s.clone(), w.clone(), date.clone());
            tasks.push(tokio::spawn(async move {
                step(&s, id, "confirm", &w.lab.1, Some(json!({"date": date}))).await
            }));
        }
        let (mut confirmed, mut full) = (0, 0);
        for t in tasks {
            let r = t.await.unwrap();
            match (r.status, r.body["error"]["code"].as_str()) {
                (StatusCode::OK, _) => confirmed += 1,
                (StatusCode::CONFLICT, Some("full")) => full += 1,
                other => panic!("neither confirmed nor full: {other:?} {}", r.body),
            }
        }
        assert_eq!((confirmed, full), (7, 93), "exactly the week's capacity");
        let date = wujin_domain::tie::parse_date(&day(9)).unwrap();
        assert_eq!(s.confirmed_in_week(w.item, date).await.unwrap(), 7);
    }

    async fn items_and_bookings_refuse_bad_input_naming_the_field(db) {
        let s = &db.store;
        let w = world(s, 3).await;
        let (offers, _) = s.list_offers(&wujin_store::offers::OfferFilter { org_id: Some(w.firm.0), ..Default::default() }, None, 1).await.unwrap();
        let not_testing = offers[0].id;
        let item = json!({"standard": "GB/T 29606", "name": "保温效能", "price_fen": 1, "turnaround_days": 1, "weekly_capacity": 1});
        let r = send(s, "POST", &format!("/api/v1/offers/{not_testing}/test-items"), Some(item.clone()), &w.firm.1.h()).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("not_testing")), "{}", r.body);
        for (change, field) in [
            (json!({"standard": "GB 17565-2007"}), "standard"),
            (json!({"standard": "GB/T 7722"}), "standard"),
            (json!({"price_fen": 0}), "price_fen"),
            (json!({"turnaround_days": 999}), "turnaround_days"),
            (json!({"clause": "5.3; DROP"}), "clause"),
        ] {
            let mut body = item.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let offer = s.test_item(w.item).await.unwrap().unwrap().offer_id;
            let r = send(s, "POST", &format!("/api/v1/offers/{offer}/test-items"), Some(body), &w.lab.1.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{}", r.body);
        }
        for (body, field) in [
            (json!({"org_id": w.firm.0, "item_ids": [], "samples": 1, "desired_on": day(1)}), "item_ids"),
            (json!({"org_id": w.firm.0, "item_ids": [999999], "samples": 1, "desired_on": day(1)}), "item_ids"),
            (json!({"org_id": w.firm.0, "item_ids": [w.item], "samples": 0, "desired_on": day(1)}), "samples"),
            (json!({"org_id": w.firm.0, "item_ids": [w.item], "samples": 1, "desired_on": "2020-01-01"}), "desired_on"),
            (json!({"org_id": w.lab.0, "item_ids": [w.item], "samples": 1, "desired_on": day(1)}), "org_id"),
        ] {
            let who = if body["org_id"] == w.lab.0 { &w.lab.1 } else { &w.firm.1 };
            let r = send(s, "POST", "/api/v1/test-bookings", Some(body), &who.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{}", r.body);
        }
        let body = json!({"org_id": w.firm.0, "item_ids": [w.item], "samples": 1, "desired_on": day(1)});
        assert_eq!(send(s, "POST", "/api/v1/test-bookings", Some(body), &w.rival.1.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "GET", "/api/v1/test-bookings", None, &[]).await.status, StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn a_firm_books_a_lab_s_items_from_the_offer_page(db) {
        let s = &db.store;
        let w = world(s, 5).await;
        let offer = s.test_item(w.item).await.unwrap().unwrap().offer_id;
        let path = format!("/offers/{offer}");
        let (_, _, page) = common::page(s, "GET", &path, Some(&w.firm.1), None).await;
        assert!(page.contains("保温效能") && page.contains(r#"id="book-form""#), "{page}");
        let (_, _, page) = common::page(s, "GET", &path, None, None).await;
        assert!(page.contains("保温效能") && !page.contains(r#"name="item""#), "a visitor sees the items, no booking form");
        let form = format!("csrf={}&item={}&samples=3&desired_on={}&notes=", w.firm.1.csrf, w.item, day(5));
        let (status, location, _) = common::page(s, "POST", &format!("/offers/{offer}/book"), Some(&w.firm.1), Some(&form)).await;
        assert_eq!((status, location.contains("booked=1")), (StatusCode::SEE_OTHER, true), "{location}");
        let mine = send(s, "GET", "/api/v1/test-bookings", None, &w.firm.1.h()).await;
        assert_eq!(mine.body["items"][0]["items"], json!([w.item]), "{}", mine.body);
        // Without a day, the page says what is wrong and books nothing.
        let form = format!("csrf={}&item={}&samples=3&desired_on=", w.firm.1.csrf, w.item);
        let (_, location, _) = common::page(s, "POST", &format!("/offers/{offer}/book"), Some(&w.firm.1), Some(&form)).await;
        assert!(location.contains("error="), "{location}");
        let mine = send(s, "GET", "/api/v1/test-bookings", None, &w.firm.1.h()).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    }

    async fn on_the_bookings_page_each_side_takes_only_its_own_steps(db) {
        let s = &db.store;
        let w = world(s, 5).await;
        let id = book(s, &w).await;
        let state = || async { send(s, "GET", &format!("/api/v1/test-bookings/{id}"), None, &w.lab.1.h()).await.body["state"]["code"].clone() };
        // Each firm sees it on its own list; a rival sees nothing of it.
        let (_, _, page) = common::page(s, "GET", "/test-bookings", Some(&w.firm.1), None).await;
        assert!(page.contains(&format!("test-booking-{id}")) && page.contains("500ml 样品"));
        assert!(!page.contains("confirm-form"), "the firm that booked gets no confirm form");
        let (_, _, page) = common::page(s, "GET", "/test-bookings", Some(&w.lab.1), None).await;
        assert!(page.contains("confirm-form") && page.contains("保温效能"));
        let (_, _, page) = common::page(s, "GET", "/test-bookings", Some(&w.rival.1), None).await;
        assert!(!page.contains(&format!("test-booking-{id}")));
        // The firm cannot confirm its own request, nor can a rival; the answer says why.
        let (_, location, _) = page_step(s, id, &w.firm.1, "confirm", &format!("&date={}", day(3))).await;
        assert!(location.contains("error="), "{location}");
        page_step(s, id, &w.rival.1, "cancel", "").await;
        assert_eq!(state().await, "requested");
        // A form without its token does nothing.
        let path = format!("/test-bookings/{id}/confirm");
        common::page(s, "POST", &path, Some(&w.lab.1), Some(&format!("csrf=wrong&date={}", day(3)))).await;
        assert_eq!(state().await, "requested");
        // The lab confirms for a day, then the sample comes; the firm may still cancel.
        let (_, location, _) = page_step(s, id, &w.lab.1, "confirm", &format!("&date={}", day(3))).await;
        assert!(location.contains("done=confirm"), "{location}");
        page_step(s, id, &w.lab.1, "receive", "").await;
        assert_eq!(state().await, "received");
        let (_, location, _) = page_step(s, id, &w.firm.1, "cancel", "&reason=%E6%A0%B7%E5%93%81%E6%9C%89%E8%AF%AF").await;
        assert!(location.contains("done=cancel"), "{location}");
        let r = send(s, "GET", &format!("/api/v1/test-bookings/{id}"), None, &w.lab.1.h()).await;
        assert_eq!((r.body["state"]["code"].as_str(), r.body["reason"].as_str()), (Some("cancelled"), Some("样品有误")));
    }

    async fn a_need_naming_a_test_item_finds_the_lab_that_tests_it_and_says_which(db) {
        let s = &db.store;
        let w = world(s, 5).await;
        let app = common::with_index(s).await;
        let index = app.index.clone().unwrap();
        let offer = s.test_item(w.item).await.unwrap().unwrap().offer_id;
        // A second item, in words the offer itself never uses, with its clause.
        let item = json!({"standard": "GB/T 29606-2013", "name": "杯盖密封性", "clause": "5.4", "method": "按标准方法",
            "sample": "3 只", "price_fen": 30000, "turnaround_days": 5, "in_scope": true, "weekly_capacity": 5});
        let r = send(s, "POST", &format!("/api/v1/offers/{offer}/test-items"), Some(item), &w.lab.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let before = common::send_to(&app, "GET", "/api/v1/search?q=%E6%9D%AF%E7%9B%96%E5%AF%86%E5%B0%81%E6%80%A7", None, &[]).await;
        let found = |body: &Value| body["items"].as_array().unwrap().iter().any(|i| i["org"]["id"] == w.lab.0);
        assert!(!found(&before.body), "the index has not followed the new item yet");
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        // "杯盖密封性 检测": the lab comes first, and the explanation names the item.
        let r = common::send_to(&app, "GET", "/api/v1/search?q=%E6%9D%AF%E7%9B%96%E5%AF%86%E5%B0%81%E6%80%A7%20%E6%A3%80%E6%B5%8B", None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let first = &r.body["items"][0];
        assert_eq!(first["org"]["id"], w.lab.0, "{}", r.body);
        assert_eq!(first["explanation"]["test_items"], json!(["杯盖密封性 GB/T 29606-2013 5.4"]), "{}", first["explanation"]);
        // Naming the standard instead finds it too, with the items of that edition.
        let r = common::send_to(&app, "GET", "/api/v1/search?q=%E6%A3%80%E6%B5%8B&standard=GBT29606", None, &[]).await;
        let lab = r.body["items"].as_array().unwrap().iter().find(|i| i["org"]["id"] == w.lab.0).cloned().unwrap_or_default();
        assert_eq!(lab["explanation"]["test_items"].as_array().map(Vec::len), Some(2), "{}", r.body);
    }
}
