//! A firm's page and an offer's page are where a buyer decides to call: they show who to
//! call and how, what the firm is (industries, chain stages, size, certificates by their
//! names), how it has dealt on the platform, a unit on every figure, and a way to ask it for
//! a quote. Asking from an offer starts a draft addressed to that firm, filled from the
//! offer, and saving it invites the firm in the same write. Both engines.

mod common;

use axum::http::StatusCode;
use common::{page, send};
use serde_json::json;
use wujin_store::both_backends;

/// Registers a firm through the API with what a buyer looks for; answers its id and owner.
async fn firm(s: &wujin_store::Store, login: &str, code: &str, name: &str) -> (i64, common::Person) {
    let code = wujin_domain::Uscc::complete(code).unwrap();
    let up =
        json!({"login": login, "name": "负责人", "password": "correct horse", "uscc": code.as_str(), "firm": name});
    let r = send(s, "POST", "/api/v1/accounts", Some(up), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let org = r.body["org_id"].as_i64().unwrap();
    let p = common::Person {
        cookie: common::jar(&r.cookie.unwrap()),
        csrf: r.body["csrf_token"].as_str().unwrap().into(),
        id: r.body["account"]["id"].as_i64().unwrap(),
    };
    (org, p)
}

/// A page as read: minijinja escapes `/` and `&` in text.
fn read(html: String) -> String {
    html.replace("&#x2f;", "/").replace("&amp;", "&")
}

both_backends! {
    async fn a_buyer_sees_whom_to_call_and_asks_for_a_quote_from_an_offer(db) {
        let s = &db.store;
        let (maker, owner) = firm(s, "wu@cups.example.cn", "91330784MA7000002", "永康市保真杯业有限公司").await;
        let profile = json!({
            "revision": 1, "name_en": "Yongkang Baozhen Cups Co., Ltd.", "sectors": ["杯业"], "chain": ["products"],
            "size_class": "small", "founded_year": 2009, "employees": 1280, "certificates": ["HNTE", "专精特新"],
            "contact": {"name": "吴海峰", "phone": "0579-87001234", "email": "sales@baozhen.example.cn", "address": "永康市象珠镇工业区8号"}
        });
        let r = send(s, "PATCH", &format!("/api/v1/orgs/{maker}"), Some(profile), &owner.h()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let offer = json!({"title": "316不锈钢真空保温杯 500ml", "title_en": "316 stainless vacuum flask 500 ml", "category": "保温杯",
                           "price_min_fen": 1200, "price_max_fen": 1500, "unit": "件", "moq": 2000, "lead_time_days": 25,
                           "standards": ["GB/T 29606"]});
        let r = send(s, "POST", &format!("/api/v1/orgs/{maker}/offers"), Some(offer), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let offer = r.body["id"].as_i64().unwrap();

        // What a visitor reads before calling.
        let (status, _, html) = page(s, "GET", &format!("/orgs/{maker}"), None, None).await;
        assert_eq!(status, StatusCode::OK);
        let html = read(html);
        for shown in ["吴海峰", "tel:0579-87001234", "sales@baozhen.example.cn", "永康市象珠镇工业区8号", "杯业", "产品",
                      "小型", "2009 年", "1,280 人", "高新技术企业", "专精特新企业", "暂无评价",
                      "12–15 元/件", "起订量 2,000 件", "交期 25 天"] {
            assert!(html.contains(shown), "the firm's page shows {shown}");
        }
        assert!(!html.contains(">HNTE<") && !html.contains(">SRDI<"), "certificates by their names, not codes");
        let en = read(page(s, "GET", &format!("/orgs/{maker}?lang=en"), None, None).await.2);
        for shown in ["<h1>Yongkang Baozhen Cups Co., Ltd.", "High and new technology enterprise", "1,280 people",
                      "316 stainless vacuum flask 500 ml", "¥12–15 per piece", "min. order 2,000 pieces"] {
            assert!(en.contains(shown), "the English page shows {shown}");
        }
        let html = read(page(s, "GET", &format!("/offers/{offer}"), None, None).await.2);
        assert!(html.contains("12–15 元/件") && html.contains("2,000 件") && html.contains("<a class=\"chip\" href=\"/standards/GB-T29606-2013\">GB/T 29606-2013</a>"), "the standard links to its edition: {html}");
        let ask = format!("/demands/new?to={maker}&offer={offer}");
        assert!(html.contains(&format!("href=\"{ask}\" id=\"ask-quote\"")), "the offer's page asks for a quote: {html}");

        // A visitor is sent to sign in and brought back to the same form.
        let (status, location, _) = page(s, "GET", &ask, None, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let next: String = form_urlencoded::byte_serialize(ask.as_bytes()).collect();
        assert_eq!(location, format!("/login?next={next}"));

        // A buyer's form comes filled from the offer, addressed to the firm.
        let (buyer_org, buyer) = firm(s, "li@doors.example.cn", "91330784MA7000003", "永康市安居门业有限公司").await;
        let (status, _, form) = page(s, "GET", &ask, Some(&buyer), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("永康市保真杯业有限公司") && form.contains(&format!("name=\"to\" value=\"{maker}\"")), "says whom it asks");
        assert!(form.contains("value=\"316不锈钢真空保温杯 500ml\"") && form.contains("value=\"2000\""), "title and quantity from the offer");
        assert!(form.contains("id=\"vis-invited\" name=\"visibility\" value=\"invited\" checked"), "only the invited see it");

        let post = format!("csrf={}&org_id={buyer_org}&to={maker}&title=%E4%BF%9D%E6%B8%A9%E6%9D%AF&category=%E4%BF%9D%E6%B8%A9%E6%9D%AF&quantity=2000&deadline=2099-12-31&visibility=invited", buyer.csrf);
        let (status, location, body) = page(s, "POST", "/demands/new", Some(&buyer), Some(&post)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let id: i64 = location.trim_start_matches("/demands/").parse().unwrap();
        let invited = send(s, "GET", &format!("/api/v1/demands/{id}/invitations"), None, &buyer.h()).await;
        let orgs: Vec<i64> = invited.body["items"].as_array().unwrap().iter().map(|i| i["org_id"].as_i64().unwrap()).collect();
        assert_eq!(orgs, vec![maker], "the firm asked is invited with the draft");

        // The firm's own people are not offered to ask themselves.
        let (_, _, own) = page(s, "GET", &format!("/orgs/{maker}"), Some(&owner), None).await;
        assert!(!own.contains("id=\"ask-quote\""));
    }

    async fn a_draft_made_with_an_unknown_firm_to_invite_is_not_saved(db) {
        let s = &db.store;
        let (org, p) = firm(s, "he@locks.example.cn", "91330784MA7000004", "永康市固安锁业有限公司").await;
        let body = json!({"org_id": org, "title": "挂锁锁芯 1 万只", "deadline": "2099-12-31", "invite_org_ids": [999_999]});
        let r = send(s, "POST", "/api/v1/demands", Some(body), &p.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invite_org_ids/0")), "{}", r.body);
        let body = json!({"org_id": org, "title": "挂锁锁芯 1 万只", "deadline": "2099-12-31", "invite_org_ids": [org]});
        let r = send(s, "POST", "/api/v1/demands", Some(body), &p.h()).await;
        assert_eq!(r.body["error"]["field"].as_str(), Some("invite_org_ids/0"), "{}", r.body);
        let mine = send(s, "GET", "/api/v1/demands?scope=mine", None, &p.h()).await;
        assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(0), "nothing half-written: {}", mine.body);
    }
}
