//! The buyer's comparison of responses as a spreadsheet: after the deadline it holds every
//! standing quote with its total; before the deadline, and for anybody but the buyer, it
//! holds no price. Both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calamine::Reader;
use common::{owner, pass_deadline, quote, send};
use serde_json::json;
use tower::ServiceExt;
use wujin_store::both_backends;
use wujin_store::offers::OfferFilter;

/// The sheet's rows as text, or the status when there is no spreadsheet.
async fn download(s: &wujin_store::Store, id: i64, cookie: &str) -> Result<Vec<Vec<String>>, StatusCode> {
    let req =
        Request::get(format!("/demands/{id}/responses.xlsx")).header("cookie", cookie).body(Body::empty()).unwrap();
    let resp = wujin_server::api::router(s.clone()).oneshot(req).await.unwrap();
    if resp.status() != StatusCode::OK {
        return Err(resp.status());
    }
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    Ok(sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect())
}

both_backends! {
    async fn the_comparison_downloads_after_the_deadline_with_totals(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        // The demand requires the vacuum-cup standard; one responder has declared an offer meets
        // it, with a report; the other has declared nothing.
        let std = "GB/T 29606-2013".to_string();
        let (cups, _) = s.list_offers(&OfferFilter { standard: Some(std.clone()), ..Default::default() }, None, 1).await.unwrap();
        let b = cups[0].org_id;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 3).await.unwrap();
        let mut others = orgs.iter().map(|o| o.id).filter(|&id| id != b);
        let (a, c) = (others.next().unwrap(), others.next().unwrap());
        let buyer = owner(s, "buyer@a.example.cn", Some(a)).await;
        let maker = owner(s, "sales@b.example.cn", Some(b)).await;
        let rival = owner(s, "sales@c.example.cn", Some(c)).await;
        let declared = wujin_domain::declaration::Declared {
            standard: std.clone(),
            report_no: "YK-2026-0815".into(),
            lab: wujin_domain::declaration::Lab::Named("永康市五金产品质量检验所".into()),
            issued_on: wujin_store::ties::today(),
            valid_until: None,
        };
        let file = wujin_store::files::NewFile { name: "r.pdf", mime: "application/pdf", bytes: b"%PDF-1.4\n%%EOF\n" };
        s.declare(b, cups[0].id, &declared, file, maker.id).await.unwrap();
        let d = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": a, "title": "锁芯 10000 只", "quantity": 10000, "deadline": "2099-12-31", "standards": [std]})), &buyer.h()).await;
        let id = d.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b, 420)), &maker.h()).await;
        send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(c, 410)), &rival.h()).await;

        let before = download(s, id, &buyer.cookie).await.unwrap();
        assert_eq!(before.len(), 1, "only the header before the deadline: {before:?}");
        pass_deadline(s, id).await;
        let rows = download(s, id, &buyer.cookie).await.unwrap();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!((rows[1][1].as_str(), rows[1][3].as_str()), ("4.1", "41000"), "cheapest first, with its total: {rows:?}");
        assert_eq!((rows[2][1].as_str(), rows[2][3].as_str()), ("4.2", "42000"));
        assert_eq!(rows[2][8], std, "the edition the maker declared with a report: {rows:?}");
        assert_eq!(rows[1][8], "", "the rival declared nothing, whatever its offers cite: {rows:?}");
        let theirs = download(s, id, &rival.cookie).await.unwrap();
        assert_eq!(theirs.len(), 2, "a provider gets its own quote only: {theirs:?}");
        assert!(theirs.iter().all(|r| !r.contains(&"4.2".to_string())), "never a rival's price");
        assert_eq!(download(s, id, "wujin_session=nobody").await.unwrap_err(), StatusCode::SEE_OTHER, "sign in first");
    }
}
