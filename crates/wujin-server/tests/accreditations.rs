//! A lab's CMA/CNAS certificate: its owners submit it with the document; everyone sees it
//! and whether it was checked, the document only the lab and platform admins; a platform
//! admin verifies it or says why not, and only a verified certificate in force turns the
//! lab's in-scope items from "declared" to "verified". Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send, upload_to};
use serde_json::{Value, json};
use wujin_server::api::AppState;
use wujin_store::{Store, both_backends};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

struct World {
    lab: (i64, Person),
    rival: Person,
    admin: Person,
    offer: i64,
}

/// A lab with a testing offer and an in-scope item; a rival firm; a platform admin.
async fn world(s: &Store) -> World {
    common::with_demo(s).await;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
    let lab = (orgs[0].id, common::owner(s, "lab@a.example.cn", Some(orgs[0].id)).await);
    let rival = common::owner(s, "qa@b.example.cn", Some(orgs[1].id)).await;
    let admin = common::sign_up(s, "root@wujin.example.cn").await;
    s.make_platform_admin(admin.id).await.unwrap();
    let body = json!({"title": "保温杯产品检测", "category": "svc.product_testing", "standards": ["GB/T 29606-2013"]});
    let r = send(s, "POST", &format!("/api/v1/orgs/{}/offers", lab.0), Some(body), &lab.1.h()).await;
    let offer = r.body["id"].as_i64().unwrap();
    let item = json!({"standard": "GB/T 29606-2013", "name": "保温效能", "price_fen": 60000, "turnaround_days": 7,
        "in_scope": true, "weekly_capacity": 5});
    let r = send(s, "POST", &format!("/api/v1/offers/{offer}/test-items"), Some(item), &lab.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    World { lab, rival, admin, offer }
}

async fn submit(s: &Store, w: &World, who: &Person, fields: &[(&str, &str)], file: &[u8]) -> common::Reply {
    let path = format!("/api/v1/orgs/{}/accreditations", w.lab.0);
    upload_to(&AppState::new(s.clone()), &path, "证书.pdf", file, fields, &who.h()).await
}

async fn scope(s: &Store, w: &World) -> Value {
    send(s, "GET", &format!("/api/v1/offers/{}/test-items", w.offer), None, &[]).await.body["items"][0]["scope"].clone()
}

both_backends! {
    async fn a_checked_certificate_turns_a_labs_declared_scope_verified(db) {
        let s = &db.store;
        let w = world(s).await;
        assert_eq!(scope(s, &w).await, "declared", "the lab's word alone");
        let good = [("scheme", "CNAS"), ("number", "CNAS L0390"), ("valid_until", "2030-06-30")];
        // Only the lab's own people submit, with a real document and a number of the form.
        assert_eq!(submit(s, &w, &w.rival, &good, PDF).await.status, StatusCode::FORBIDDEN);
        let r = submit(s, &w, &w.lab.1, &[("scheme", "CMA"), ("number", "12345"), ("valid_until", "2020-01-01")], PDF).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("number")), "{}", r.body);
        let r = submit(s, &w, &w.lab.1, &good, b"MZ\x90\0 not a certificate").await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")), "{}", r.body);
        let r = submit(s, &w, &w.lab.1, &good, PDF).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!((r.body["number"].as_str(), r.body["state"]["code"].as_str()), (Some("L0390"), Some("submitted")));
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(scope(s, &w).await, "declared", "submitted is not checked");

        // Everyone sees it; the document is the lab's and the platform admins'.
        let listed = send(s, "GET", &format!("/api/v1/orgs/{}/accreditations", w.lab.0), None, &[]).await;
        assert_eq!(listed.body["items"][0]["number"], "L0390");
        assert_eq!(listed.body["items"][0]["file"], Value::Null, "no document link for a visitor");
        let file = format!("/api/v1/accreditations/{id}/file");
        assert_eq!(send(s, "GET", &file, None, &w.rival.h()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(s, "GET", &file, None, &w.lab.1.h()).await.status, StatusCode::OK);
        assert_eq!(send(s, "GET", &file, None, &w.admin.h()).await.status, StatusCode::OK);

        // The admin's queue; nobody else checks.
        assert_eq!(send(s, "GET", "/api/v1/accreditations", None, &w.lab.1.h()).await.status, StatusCode::FORBIDDEN);
        let queue = send(s, "GET", "/api/v1/accreditations", None, &w.admin.h()).await;
        assert_eq!(queue.body["items"][0]["id"], id);
        let verify = format!("/api/v1/accreditations/{id}/verify");
        assert_eq!(send(s, "POST", &verify, None, &w.lab.1.h()).await.status, StatusCode::FORBIDDEN, "a lab does not verify itself");
        let r = send(s, "POST", &format!("/api/v1/accreditations/{id}/reject"), None, &w.admin.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("reason")));
        let r = send(s, "POST", &verify, None, &w.admin.h()).await;
        assert_eq!((r.status, r.body["state"]["code"].as_str()), (StatusCode::OK, Some("verified")), "{}", r.body);
        assert_eq!(send(s, "POST", &verify, None, &w.admin.h()).await.status, StatusCode::CONFLICT, "checked once");
        assert_eq!(scope(s, &w).await, "verified");
        let inbox = send(s, "GET", "/api/v1/inbox", None, &w.lab.1.h()).await;
        assert!(inbox.body["items"].as_array().unwrap().iter().any(|i| i["kind"] == "accreditation"), "the lab is told");

        // A new submission of the same scheme replaces the checked one and waits again.
        let r = submit(s, &w, &w.lab.1, &[("scheme", "CNAS"), ("number", "L0391")], PDF).await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(scope(s, &w).await, "declared", "the new certificate is not checked yet");
        let again = r.body["id"].as_i64().unwrap();
        let r = send(s, "POST", &format!("/api/v1/accreditations/{again}/reject"), Some(json!({"reason": "证书文件模糊"})), &w.admin.h()).await;
        assert_eq!(r.body["state"]["code"], "rejected");
        let listed = send(s, "GET", &format!("/api/v1/orgs/{}/accreditations", w.lab.0), None, &w.lab.1.h()).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "the replaced one is history");
        assert_eq!(listed.body["items"][0]["reason"], "证书文件模糊");
        assert!(listed.body["items"][0]["file"].is_string(), "the lab gets its document's link");
    }

    async fn a_verified_certificate_past_its_last_day_no_longer_verifies(db) {
        let s = &db.store;
        let w = world(s).await;
        let r = submit(s, &w, &w.lab.1, &[("scheme", "CMA"), ("number", "161112050123")], PDF).await;
        let id = r.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/accreditations/{id}/verify"), None, &w.admin.h()).await;
        let today = wujin_store::ties::today();
        assert_eq!(s.verified_labs(&[w.lab.0], today).await.unwrap(), vec![w.lab.0]);
        // With a last day, it verifies up to that day and not after.
        let a = wujin_domain::accreditation::check_accreditation("CNAS", "L0390", Some(&today.to_string()), today).unwrap();
        let file = wujin_store::files::NewFile { name: "c.pdf", mime: "application/pdf", bytes: PDF };
        let b = s.submit_accreditation(w.lab.0, &a, file, w.lab.1.id).await.unwrap();
        assert!(s.check_accreditation(b.id, true, None, w.admin.id).await.unwrap());
        let tomorrow = today + time::Duration::days(1);
        assert_eq!(s.verified_labs(&[w.lab.0], tomorrow).await.unwrap(), vec![w.lab.0], "the CMA one still holds");
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let other = orgs[2].id;
        let c = s.submit_accreditation(other, &a, wujin_store::files::NewFile { name: "c.pdf", mime: "application/pdf", bytes: PDF }, w.lab.1.id).await.unwrap();
        assert!(s.check_accreditation(c.id, true, None, w.admin.id).await.unwrap());
        assert_eq!(s.verified_labs(&[other], today).await.unwrap(), vec![other]);
        assert!(s.verified_labs(&[other], tomorrow).await.unwrap().is_empty(), "lapsed the day after its last");
    }
}
