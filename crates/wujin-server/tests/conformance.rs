//! Declarations of conformance: a firm declares which edition of a standard an offer meets,
//! with the test report to prove it. Everyone sees the declaration; the report's file only
//! the firm, and a buyer whose demand required that standard and that the firm answered,
//! after the deadline: not before it, not a rival, not a stranger, not the office. A file
//! is what its bytes are, within 10 MB. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, Reply, send, upload_to};
use serde_json::{Value, json};
use wujin_store::{Store, both_backends};

/// A whole PDF, as a lab's scanner writes one.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A PNG whose header claims 20,000 × 20,000 pixels over a few bytes: an image bomb.
fn image_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    out.extend(20_000u32.to_be_bytes());
    out.extend(20_000u32.to_be_bytes());
    out.extend([8, 6, 0, 0, 0]);
    let crc = crc32fast::hash(&out[12..29]);
    out.extend(crc.to_be_bytes());
    out.extend(b"\0\0\0\x0aIDAT\x78\x9c\x63\0\x01\0\0\x05\0\x01\x0d\x0a\x2d\xb4\0\0\0\0IEND\xae\x42\x60\x82");
    out
}

/// A refused declaration: the file's name and bytes, the fields, the status and the field named.
type Refused = (&'static str, Vec<u8>, Vec<(&'static str, &'static str)>, StatusCode, &'static str);

struct World {
    app: wujin_server::api::AppState,
    buyer: (i64, Person),
    maker: (i64, Person),
    rival: (i64, Person),
    other_buyer: (i64, Person),
    stranger: Person,
    officer: Person,
    offer: i64,
}

async fn world(s: &Store) -> World {
    common::with_demo(s).await;
    let (orgs, _) = s.list_orgs(&Default::default(), None, 4).await.unwrap();
    let buyer = (orgs[0].id, common::owner(s, "buy@a.example.cn", Some(orgs[0].id)).await);
    let maker = (orgs[1].id, common::owner(s, "qa@b.example.cn", Some(orgs[1].id)).await);
    let rival = (orgs[2].id, common::owner(s, "qa@c.example.cn", Some(orgs[2].id)).await);
    let other_buyer = (orgs[3].id, common::owner(s, "buy@d.example.cn", Some(orgs[3].id)).await);
    let stranger = common::sign_up(s, "13900000001").await;
    let officer = common::sign_up(s, "officer@gov.example.cn").await;
    s.make_officer(officer.id).await.unwrap();
    let body =
        json!({"title": "316 不锈钢真空保温杯 500ml", "category": "cups.vacuum_cup", "standards": ["GB/T 29606"]});
    let r = send(s, "POST", &format!("/api/v1/orgs/{}/offers", maker.0), Some(body), &maker.1.h()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["standards"][0]["number"], "GB/T 29606-2013", "a bare number pins the edition in force");
    let offer = r.body["id"].as_i64().unwrap();
    World {
        app: wujin_server::api::AppState::new(s.clone()),
        buyer,
        maker,
        rival,
        other_buyer,
        stranger,
        officer,
        offer,
    }
}

/// A report's fields, good for a year from today.
fn report() -> Vec<(&'static str, &'static str)> {
    let until = (wujin_store::ties::today() + time::Duration::days(365)).to_string();
    vec![
        ("standard", "GBT29606"),
        ("report_no", "YK2026-0815-03"),
        ("lab_name", "永康市五金产品质量检验所"),
        ("issued_on", "2026-08-15"),
        ("valid_until", String::leak(until)),
    ]
}

async fn declare(w: &World, name: &str, file: &[u8], fields: &[(&str, &str)], who: &Person) -> Reply {
    upload_to(&w.app, &format!("/api/v1/offers/{}/declarations", w.offer), name, file, fields, &who.h()).await
}

/// A demand of `buyer` requiring `standards`, published and answered by the maker.
async fn answered_demand(s: &Store, w: &World, buyer: &(i64, Person), standards: Value) -> i64 {
    let body = json!({"org_id": buyer.0, "title": "保温杯 OEM", "category": "cups.vacuum_cup", "standards": standards, "deadline": "2099-12-31"});
    let d = send(s, "POST", "/api/v1/demands", Some(body), &buyer.1.h()).await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
    let id = d.body["id"].as_i64().unwrap();
    let r = send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.1.h()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send(
        s,
        "POST",
        &format!("/api/v1/demands/{id}/responses"),
        Some(common::quote(w.maker.0, 2350)),
        &w.maker.1.h(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    id
}

const MINE: &str = "/standards/mine";

/// The standards news in a person's inbox.
async fn standard_notices(s: &Store, who: &Person) -> Vec<Value> {
    let r = send(s, "GET", "/api/v1/inbox?limit=100", None, &who.h()).await;
    r.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "standard").cloned().collect()
}

async fn status_of(s: &Store, url: &str, who: Option<&Person>) -> StatusCode {
    let h: Vec<(&str, &str)> = who.map(|p| vec![("cookie", p.cookie.as_str())]).unwrap_or_default();
    send(s, "GET", url, None, &h).await.status
}

both_backends! {
    async fn a_report_file_is_read_by_the_firm_and_by_a_buyer_it_answered_after_the_deadline_only(db) {
        let s = &db.store;
        let w = world(s).await;
        let r = declare(&w, "保温性能检测报告.pdf", PDF, &report(), &w.maker.1).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["standard"], "GB/T 29606-2013", "the edition, pinned");
        assert_eq!(r.body["in_force"], true);
        let id = r.body["id"].as_i64().unwrap();
        let file = format!("/api/v1/declarations/{id}/file");

        // Everyone sees the declaration itself.
        let list = send(s, "GET", &format!("/api/v1/offers/{}/declarations", w.offer), None, &[]).await;
        assert_eq!(list.body["items"][0]["report_no"], "YK2026-0815-03", "{}", list.body);
        assert_eq!(list.body["items"][0]["lab_name"], "永康市五金产品质量检验所");

        // The file: the firm yes; anyone else no, and not told it exists.
        let mine = send(s, "GET", &file, None, &[("cookie", w.maker.1.cookie.as_str())]).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert_eq!(status_of(s, &file, None).await, StatusCode::UNAUTHORIZED);
        for who in [&w.rival.1, &w.stranger, &w.officer, &w.buyer.1] {
            assert_eq!(status_of(s, &file, Some(who)).await, StatusCode::NOT_FOUND);
        }

        // A buyer whose demand required GB/T 29606 and that the maker answered: after the
        // deadline, not before. A buyer whose demand required nothing: never.
        let wanted = answered_demand(s, &w, &w.buyer, json!(["GB/T 29606-2013"])).await;
        let unrelated = answered_demand(s, &w, &w.other_buyer, json!([])).await;
        assert_eq!(status_of(s, &file, Some(&w.buyer.1)).await, StatusCode::NOT_FOUND, "sealed until the deadline");
        common::pass_deadline(s, wanted).await;
        common::pass_deadline(s, unrelated).await;
        assert_eq!(status_of(s, &file, Some(&w.buyer.1)).await, StatusCode::OK, "the buyer reads the evidence of an answer");
        assert_eq!(status_of(s, &file, Some(&w.other_buyer.1)).await, StatusCode::NOT_FOUND, "their demand required no standard");
        assert_eq!(status_of(s, &file, Some(&w.rival.1)).await, StatusCode::NOT_FOUND);

        // The responses table names the edition each answer has declared.
        let met = |page: &str| page.replace("&#x2f;", "/").contains(r#"<td data-label="满足的标准"><span class="chip">GB/T 29606-2013</span>"#);
        let (_, _, page) = common::page(s, "GET", &format!("/demands/{wanted}"), Some(&w.buyer.1), None).await;
        assert!(met(&page), "standards met: {page}");

        // Only the firm withdraws; then it is gone for everyone, the buyer too.
        let url = format!("/api/v1/declarations/{id}");
        assert_eq!(send(s, "DELETE", &url, None, &w.rival.1.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "DELETE", &url, None, &w.maker.1.h()).await.status, StatusCode::NO_CONTENT);
        assert_eq!(status_of(s, &url, None).await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(s, &file, Some(&w.buyer.1)).await, StatusCode::NOT_FOUND);
        let (_, _, page) = common::page(s, "GET", &format!("/demands/{wanted}"), Some(&w.buyer.1), None).await;
        assert!(!met(&page), "a withdrawn declaration meets nothing");
        let list = send(s, "GET", &format!("/api/v1/offers/{}/declarations", w.offer), None, &[]).await;
        assert_eq!(list.body["items"], json!([]));
    }

    async fn a_declaration_is_refused_with_its_field_named_and_leaves_nothing(db) {
        let s = &db.store;
        let w = world(s).await;
        let cases: Vec<Refused> = vec![
            ("报告.pdf", b"MZ\x90\0\x03\0\0\0\x04\0 this program cannot be run in DOS mode".to_vec(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.png", image_bomb(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.zip", b"PK\x03\x04\x14\0\0\0\x08\0report.pdf".to_vec(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.jpg", PDF.to_vec(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.pdf", PDF[..30].to_vec(), report(), StatusCode::UNPROCESSABLE_ENTITY, "file"),
            ("报告.pdf", PDF.to_vec(), vec![("standard", "GB/T 7722"), ("report_no", "A-1"), ("lab_name", "某所"), ("issued_on", "2026-01-02")], StatusCode::BAD_REQUEST, "standard"),
            ("报告.pdf", PDF.to_vec(), vec![("standard", "GB 17565-2022"), ("report_no", "A-1"), ("lab_name", "某所"), ("issued_on", "2026-01-02")], StatusCode::BAD_REQUEST, "standard"),
            ("报告.pdf", PDF.to_vec(), vec![("standard", "GB/T 29606-2013"), ("lab_name", "某所"), ("issued_on", "2026-01-02")], StatusCode::BAD_REQUEST, "report_no"),
            ("报告.pdf", PDF.to_vec(), vec![("standard", "GB/T 29606-2013"), ("report_no", "A-1"), ("lab_org_id", "999999"), ("issued_on", "2026-01-02")], StatusCode::BAD_REQUEST, "lab_org_id"),
            ("报告.pdf", PDF.to_vec(), vec![("standard", "GB/T 29606-2013"), ("report_no", "A-1"), ("lab_name", "某所"), ("issued_on", "2026-01-02"), ("valid_until", "2025-12-31")], StatusCode::BAD_REQUEST, "valid_until"),
        ];
        for (name, bytes, fields, status, field) in cases {
            let r = declare(&w, name, &bytes, &fields, &w.maker.1).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (status, Some(field)), "{name}: {}", r.body);
        }
        // Larger than 10 MB: refused before it is read whole.
        let mut big = PDF.to_vec();
        big.resize(10 * 1024 * 1024 + 1, b' ');
        let r = declare(&w, "报告.pdf", &big, &report(), &w.maker.1).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        // Only the firm's owners and admins declare for its offers.
        for who in [&w.rival.1, &w.stranger] {
            assert_eq!(declare(&w, "报告.pdf", PDF, &report(), who).await.status, StatusCode::FORBIDDEN);
        }
        let list = send(s, "GET", &format!("/api/v1/offers/{}/declarations", w.offer), None, &[]).await;
        assert_eq!(list.body["items"], json!([]), "nothing half-written");

        // A second declaration of the same edition replaces the first.
        assert_eq!(declare(&w, "a.pdf", PDF, &report(), &w.maker.1).await.status, StatusCode::CREATED);
        let mut again = report();
        again[1] = ("report_no", "YK2026-1120-07");
        assert_eq!(declare(&w, "b.pdf", PDF, &again, &w.maker.1).await.status, StatusCode::CREATED);
        let list = send(s, "GET", &format!("/api/v1/offers/{}/declarations", w.offer), None, &[]).await;
        let numbers: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|d| d["report_no"].as_str().unwrap()).collect();
        assert_eq!(numbers, ["YK2026-1120-07"]);
    }
}

/// The organisations a search finds, by id.
async fn found(app: &wujin_server::api::AppState, query: &str) -> (Vec<i64>, Value) {
    let r = common::send_to(app, "GET", &format!("/api/v1/search?{query}"), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids = r.body["items"].as_array().unwrap().iter().map(|i| i["org"]["id"].as_i64().unwrap()).collect();
    (ids, r.body)
}

both_backends! {
    async fn a_search_can_require_a_report_and_follows_declarations_until_they_lapse(db) {
        let s = &db.store;
        let mut w = world(s).await;
        w.app = common::with_index(s).await;
        let index = w.app.index.clone().unwrap();
        let query = "q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&standard=GBT29606&report=1&limit=100";
        let (orgs, _) = found(&w.app, query).await;
        assert!(!orgs.contains(&w.maker.0), "no report yet");
        let (orgs, _) = found(&w.app, "q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&standard=GBT29606&limit=100").await;
        assert!(orgs.contains(&w.maker.0), "it cites the standard");

        let r = declare(&w, "report.pdf", PDF, &report(), &w.maker.1).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        let (orgs, body) = found(&w.app, query).await;
        assert!(orgs.contains(&w.maker.0), "declared with a report: {body}");
        let item = body["items"].as_array().unwrap().iter().find(|i| i["org"]["id"] == w.maker.0).unwrap();
        assert!(item["explanation"]["filters"].as_array().unwrap().contains(&json!("report=GB/T 29606-2013")), "{item}");
        let offer = item["offers"].as_array().unwrap().iter().find(|o| o["id"] == w.offer).unwrap();
        assert_eq!(offer["declared"], json!(["GB/T 29606-2013"]));
        let (orgs, _) = found(&w.app, "report=1&limit=100").await;
        assert_eq!(orgs, [w.maker.0], "with a report of any standard: only the firm that declared one");

        // A day after its last day the sweep lapses it; the index follows the outbox.
        let last = wujin_store::ties::today() + time::Duration::days(365);
        assert_eq!(s.lapse_declarations(last).await.unwrap(), 0, "it holds through its last day");
        assert_eq!(s.lapse_declarations(last + time::Duration::days(1)).await.unwrap(), 1);
        assert_eq!(s.lapse_declarations(last + time::Duration::days(1)).await.unwrap(), 0, "once");
        wujin_match::follow::catch_up(s, &index).await.unwrap();
        let (orgs, _) = found(&w.app, query).await;
        assert!(!orgs.contains(&w.maker.0), "a lapsed report does not count");
        let r = common::send_to(&w.app, "GET", "/api/v1/search?report=maybe", None, &[]).await;
        common::assert_error(&(r.status, r.body), StatusCode::BAD_REQUEST, Some("report"));
    }

    async fn owners_are_reminded_sixty_thirty_and_seven_days_before_a_report_lapses(db) {
        let s = &db.store;
        let w = world(s).await;
        let r = declare(&w, "report.pdf", PDF, &report(), &w.maker.1).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let last = wujin_store::ties::today() + time::Duration::days(365);
        let day = |before: i64| last - time::Duration::days(before);
        let mut sent = vec![];
        for before in [365, 61, 60, 60, 45, 31, 30, 8, 7, 1, 0] {
            sent.push(s.remind_declarations(day(before)).await.unwrap());
        }
        assert_eq!(sent, [0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0], "each reminder once, on its day");
        assert_eq!(s.lapse_declarations(last + time::Duration::days(1)).await.unwrap(), 1);
        let inbox = send(s, "GET", "/api/v1/inbox?limit=100", None, &w.maker.1.h()).await;
        let texts: Vec<&str> = inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "declaration")
            .map(|i| i["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[0].contains("已于") && texts[0].contains("GB/T 29606-2013"), "newest first: {texts:?}");
        assert!(texts[1].contains("还有 7 天") && texts[3].contains("还有 60 天"), "{texts:?}");
        let rival = send(s, "GET", "/api/v1/inbox?limit=100", None, &w.rival.1.h()).await;
        assert!(!rival.body["items"].as_array().unwrap().iter().any(|i| i["kind"] == "declaration"));

        // A sweep that missed days sends only the nearest reminder due.
        let mut late = report();
        late[4] = ("valid_until", String::leak((wujin_store::ties::today() + time::Duration::days(20)).to_string()));
        late[0] = ("standard", "GB/T 29606-2013");
        late[1] = ("report_no", "LATE-1");
        // (The edition's declaration above lapsed; this one replaces it.)
        assert_eq!(declare(&w, "r.pdf", PDF, &late, &w.maker.1).await.status, StatusCode::CREATED);
        let today = wujin_store::ties::today();
        assert_eq!(s.remind_declarations(today + time::Duration::days(15)).await.unwrap(), 1);
        assert_eq!(s.remind_declarations(today + time::Duration::days(16)).await.unwrap(), 0);
    }
}

both_backends! {
    async fn a_replacement_tells_each_firm_citing_or_declaring_the_old_edition_once_and_names_the_labs_for_the_new(db) {
        let s = &db.store;
        let w = world(s).await;
        assert_eq!(declare(&w, "r.pdf", PDF, &report(), &w.maker.1).await.status, StatusCode::CREATED);
        // The maker's offer now cites another standard; its declaration on 2013 stands.
        let patch = json!({"revision": 1, "standards": ["GB 4806.9"]});
        let r = send(s, "PATCH", &format!("/api/v1/offers/{}", w.offer), Some(patch), &w.maker.1.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let body = json!({"title": "双层真空保温杯", "category": "cups.vacuum_cup", "standards": ["GB/T 29606-2013"]});
        let r = send(s, "POST", &format!("/api/v1/orgs/{}/offers", w.rival.0), Some(body), &w.rival.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // A lab whose testing service already cites the coming edition.
        let (orgs, _) = s.list_orgs(&Default::default(), None, 5).await.unwrap();
        let lab = common::owner(s, "lab@e.example.cn", Some(orgs[4].id)).await;
        let body = json!({"title": "保温杯保温效能检测", "category": "svc.product_testing", "standards": ["GB/T 29606-2026"]});
        let r = send(s, "POST", &format!("/api/v1/orgs/{}/offers", orgs[4].id), Some(body), &lab.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let admin = common::sign_up(s, "admin@std.example.cn").await;
        s.make_platform_admin(admin.id).await.unwrap();
        let edition = json!({"title_zh": "不锈钢真空杯", "status": "upcoming", "implemented": "2099-01-01",
            "categories": ["保温杯"], "replaces": ["GB/T 29606-2013"]});
        // Every firm citing it (the demo's cup makers and the rival) and the declaring maker.
        let (_, citing) = s.firms_citing("GB/T 29606-2013", 1).await.unwrap();
        let r = send(s, "PUT", "/api/v1/standards/GB%2FT%2029606-2026", Some(edition), &admin.h()).await;
        assert_eq!((r.status, r.body["firms_told"].as_i64()), (StatusCode::CREATED, Some(citing + 1)), "{}", r.body);

        let told = standard_notices(s, &w.maker.1).await;
        assert_eq!(told.len(), 1, "the declaring firm, once");
        assert_eq!(told[0]["detail"]["offers"][0]["id"], w.offer, "its declared offer is named");
        assert_eq!(told[0]["detail"]["labs"][0]["id"], orgs[4].id);
        let text = told[0]["text"].as_str().unwrap();
        assert!(text.contains("2099-01-01") && text.contains(&orgs[4].record.name), "{text}");
        assert_eq!(standard_notices(s, &w.rival.1).await.len(), 1, "the citing firm, once");
        assert!(standard_notices(s, &w.other_buyer.1).await.is_empty(), "a firm with neither hears nothing");
        assert!(standard_notices(s, &lab).await.is_empty(), "the lab cites the new edition");
        // The office sees who the change reaches, by industry, and who has re-declared.
        let impact = "/api/v1/standards/GBT29606-2013/impact";
        let r = send(s, "GET", impact, None, &w.officer.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((r.body["total"]["firms"].as_i64(), r.body["total"]["redeclared"].as_i64()), (Some(citing + 1), Some(0)));
        let rows: i64 = r.body["rows"].as_array().unwrap().iter().map(|x| x["firms"].as_i64().unwrap()).sum();
        assert!(rows > citing, "each firm in its industry: {}", r.body);
        let rival_offer = {
            let (offers, _) = s.list_offers(&wujin_store::offers::OfferFilter { org_id: Some(w.rival.0), ..Default::default() }, None, 10).await.unwrap();
            offers.iter().find(|o| o.record.standards.iter().any(|n| n == "GB/T 29606-2013")).unwrap().id
        };
        let mut newer = report();
        newer[0] = ("standard", "GB/T 29606-2026");
        let path = format!("/api/v1/offers/{rival_offer}/declarations");
        let r = upload_to(&w.app, &path, "r.pdf", PDF, &newer, &w.rival.1.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "an edition still to come may be declared: {}", r.body);
        let r = send(s, "GET", impact, None, &w.officer.h()).await;
        assert_eq!(r.body["total"]["redeclared"], 1, "{}", r.body);
        assert_eq!(send(s, "GET", impact, None, &w.maker.1.h()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(s, "GET", impact, None, &[]).await.status, StatusCode::UNAUTHORIZED);
        let (_, _, page) = common::page(s, "GET", "/standards/GB-T29606-2013", Some(&w.officer), None).await;
        assert!(page.contains(r#"id="standard-impact""#), "the office's table on the edition's page");
        let (_, _, page) = common::page(s, "GET", "/standards/GB-T29606-2013", Some(&w.maker.1), None).await;
        assert!(!page.contains(r#"id="standard-impact""#), "not for firms");

        // The notice leads to the labs for the new edition.
        let (_, _, page) = common::page(s, "GET", "/inbox", Some(&w.maker.1), None).await;
        assert!(page.contains("/search?standard=GB%2FT+29606-2026&amp;family=testing")
            || page.contains("&#x2f;search?standard=GB%2FT+29606-2026&amp;family=testing"), "{page}");
    }
}

both_backends! {
    async fn my_standards_shows_each_offer_s_editions_with_their_reports_to_the_firm_only(db) {
        let s = &db.store;
        let w = world(s).await;
        let (_, _, page) = common::page(s, "GET", MINE, Some(&w.maker.1), None).await;
        assert!(page.contains("316 不锈钢真空保温杯 500ml") && page.contains("未声明"), "{page}");
        assert_eq!(declare(&w, "r.pdf", PDF, &report(), &w.maker.1).await.status, StatusCode::CREATED);
        let (_, _, page) = common::page(s, "GET", MINE, Some(&w.maker.1), None).await;
        assert!(page.contains("YK2026-0815-03") && page.contains("已声明"), "{page}");
        let (_, _, page) = common::page(s, "GET", MINE, Some(&w.rival.1), None).await;
        assert!(!page.contains("YK2026-0815-03"), "another firm's page");
        let (_, _, page) = common::page(s, "GET", MINE, Some(&w.stranger), None).await;
        assert!(page.contains(r#"id="mine-no-firm""#), "{page}");
        let (status, location, _) = common::page(s, "GET", MINE, None, None).await;
        assert_eq!((status, location.starts_with("/login")), (StatusCode::SEE_OTHER, true));
    }
}
