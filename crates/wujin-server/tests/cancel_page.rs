//! Cancelling a demand from its page asks first, on a page of its own: what cancelling does
//! (no more quotes, the providers told with the reason, their quotes released and still
//! sealed), a reason from the list and an optional note; nothing happens until the buyer
//! confirms with a reason. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::json;
use wujin_store::{Store, both_backends};

async fn page(
    store: &Store,
    method: &str,
    path: &str,
    who: &Person,
    form: Option<&str>,
) -> (StatusCode, String, String) {
    common::page(store, method, path, Some(who), form).await
}

both_backends! {
    async fn cancelling_asks_first_and_needs_a_reason(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let buyer = common::owner(s, "buyer@a.example.cn", Some(orgs[0].id)).await;
        let d = send(s, "POST", "/api/v1/demands", Some(json!({"org_id": orgs[0].id, "title": "压铸外壳 5000 件", "category": "压铸件", "deadline": "2099-12-31"})), &buyer.h()).await;
        let id = d.body["id"].as_i64().unwrap();
        send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;

        let (status, _, html) = page(s, "GET", &format!("/demands/{id}"), &buyer, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("href=\"/demands/{id}/cancel\"")), "the demand page links to the question");
        assert!(!html.contains(&format!("action=\"/demands/{id}/cancel\"")), "no one-click cancel on the demand page");

        let (status, _, html) = page(s, "GET", &format!("/demands/{id}/cancel"), &buyer, None).await;
        assert_eq!(status, StatusCode::OK);
        for code in ["no_suitable_provider", "need_changed", "price_too_high", "duplicate", "other"] {
            assert!(html.contains(&format!("value=\"{code}\"")), "{code} offered");
        }
        assert!(html.contains("已报价的服务商会在消息中收到通知") && html.contains("报价随之失效"), "says what cancelling does");

        let csrf = &buyer.csrf;
        let (status, _, html) = page(s, "POST", &format!("/demands/{id}/cancel"), &buyer, Some(&format!("csrf={csrf}&revision=2&reason_text="))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"reason_code-error\""), "the missing reason is named on its field");
        assert_eq!(send(s, "GET", &format!("/api/v1/demands/{id}"), None, &buyer.h()).await.body["state"], "open");

        let form = format!("csrf={csrf}&revision=2&reason_code=need_changed&reason_text=%E6%94%B9%E7%94%A8%E5%BA%93%E5%AD%98");
        let (status, location, _) = page(s, "POST", &format!("/demands/{id}/cancel"), &buyer, Some(&form)).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, format!("/demands/{id}").as_str()));
        let after = send(s, "GET", &format!("/api/v1/demands/{id}"), None, &buyer.h()).await.body;
        assert_eq!((after["state"].as_str(), after["cancellation"]["reason_text"].as_str()), (Some("cancelled"), Some("改用库存")));
    }
}
