//! An English reader reads firms by the English names they gave themselves: on a demand's
//! page (the quotes, the firms invited), in the quote history and in the inbox; a Chinese
//! reader keeps the registered names. Both engines.

mod common;

use axum::http::StatusCode;
use common::{owner, pass_deadline, quote, send};
use serde_json::json;
use wujin_store::both_backends;

both_backends! {
    async fn english_pages_and_messages_name_firms_in_english(db) {
        common::with_demo(&db.store).await;
        let s = &db.store;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 2).await.unwrap();
        let (a, b) = (&orgs[0], &orgs[1]);
        let buyer = owner(s, "buyer@a.example.cn", Some(a.id)).await;
        let maker = owner(s, "sales@b.example.cn", Some(b.id)).await;
        for (org, who, en) in [(a, &buyer, "Yongkang Test Buyer Co., Ltd."), (b, &maker, "Yongkang Test Maker Co., Ltd.")] {
            let rev = send(s, "GET", &format!("/api/v1/orgs/{}", org.id), None, &[]).await.body["revision"].clone();
            let r = send(s, "PATCH", &format!("/api/v1/orgs/{}", org.id), Some(json!({"name_en": en, "revision": rev})), &who.h()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let body = json!({"org_id": a.id, "title": "不锈钢真空保温杯 5000 只", "category": "保温杯", "quantity": 5000, "unit": "只",
            "deadline": "2099-12-31", "visibility": "invited", "invite_org_ids": [b.id]});
        let d = send(s, "POST", "/api/v1/demands", Some(body), &buyer.h()).await;
        assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
        let id = d.body["id"].as_i64().unwrap();

        // Invited: the draft's page lists the firm invited.
        let (_, _, en) = common::page(s, "GET", &format!("/demands/{id}?lang=en"), Some(&buyer), None).await;
        assert!(en.contains("Invited: Yongkang Test Maker Co., Ltd."), "English list, English name");
        let (_, _, zh) = common::page(s, "GET", &format!("/demands/{id}?lang=zh"), Some(&buyer), None).await;
        assert!(zh.contains(&format!("已邀请：{}", b.record.name)));

        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
        let inbox = send(s, "GET", "/api/v1/inbox?lang=en", None, &maker.h()).await.body;
        let text = inbox["items"][0]["text"].as_str().unwrap();
        assert!(text.contains("Yongkang Test Buyer Co., Ltd.") && !text.contains(&a.record.name), "{text}");
        let inbox = send(s, "GET", "/api/v1/inbox?lang=zh", None, &maker.h()).await.body;
        assert!(inbox["items"][0]["text"].as_str().unwrap().contains(&a.record.name));

        let r = send(s, "POST", &format!("/api/v1/demands/{id}/responses"), Some(quote(b.id, 1850)), &maker.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        pass_deadline(s, id).await;
        let (_, _, en) = common::page(s, "GET", &format!("/demands/{id}?lang=en"), Some(&buyer), None).await;
        let quotes = en.split("id=\"responses\"").nth(1).expect("the quotes table");
        assert!(quotes.contains("Yongkang Test Maker Co., Ltd.") && !quotes.contains(&b.record.name), "the quote by the English name");
        let (_, _, history) = common::page(s, "GET", "/quotes?lang=en", Some(&maker), None).await;
        assert!(history.contains("Yongkang Test Maker Co., Ltd."), "the quote history too");
    }
}
