//! A long list on a page comes in pages: a firm with more demands than a page holds sees the
//! first page with a link to the next, the next page goes on where the first stopped (nothing
//! twice, nothing left out) and links back to the first. Both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{owner, send};
use serde_json::json;
use tower::ServiceExt;
use wujin_server::pages::PAGE_SIZE;
use wujin_store::both_backends;

/// The page at `path` as the person with this cookie sees it.
async fn page(s: &wujin_store::Store, path: &str, cookie: &str) -> String {
    let req = Request::get(path).header("cookie", cookie).body(Body::empty()).unwrap();
    let resp = wujin_server::api::router(s.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    String::from_utf8(axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap()
}

/// The titles listed in the `<ul id="{id}">` of a page.
fn titles(html: &str, id: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("id=\"{id}\"")) else { return vec![] };
    let list = &html[start..html[start..].find("</ul>").map(|e| start + e).unwrap()];
    list.split("<li class=\"result demand-line\"><a href=\"/demands/")
        .skip(1)
        .map(|li| li.split(['>', '<']).nth(1).unwrap().to_string())
        .collect()
}

/// The href of the element with this id, if the page has it.
fn href(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..at];
    Some(unescape(tag.split("href=\"").nth(1)?.split('"').next()?))
}

/// An attribute's text as the browser reads it (the templates escape `/` and `&`).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&#x3d;", "=").replace("&amp;", "&")
}

both_backends! {
    async fn a_long_list_of_demands_comes_in_pages(db) {
        let s = &db.store;
        common::with_demo(s).await;
        let (orgs, _) = s.list_orgs(&Default::default(), None, 1).await.unwrap();
        let buyer = owner(s, "buyer@a.example.cn", Some(orgs[0].id)).await;
        let n = PAGE_SIZE + 5;
        for i in 0..n {
            let body = json!({"org_id": orgs[0].id, "title": format!("需求 {i:03}"), "deadline": "2099-12-31"});
            assert_eq!(send(s, "POST", "/api/v1/demands", Some(body), &buyer.h()).await.status, StatusCode::CREATED);
        }

        let first = page(s, "/demands", &buyer.cookie).await;
        let mut seen = titles(&first, "my-demands");
        assert_eq!(seen.len(), PAGE_SIZE, "one page holds {PAGE_SIZE}");
        let next = href(&first, "my-demands-next").expect("a link to the next page");
        assert!(next.starts_with("/demands?after="), "{next}");

        let second = page(s, &next, &buyer.cookie).await;
        let rest = titles(&second, "my-demands");
        assert_eq!(rest.len(), 5, "{rest:?}");
        assert!(href(&second, "my-demands-next").is_none(), "the last page links no further");
        assert!(second.contains(">第一页</a>"), "and back to the first");
        seen.extend(rest);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n, "every demand once across the pages");

        // A made-up cursor is no error page: that list starts again from its first page.
        let made_up = page(s, "/demands?after=garbage", &buyer.cookie).await;
        assert_eq!(titles(&made_up, "my-demands").len(), PAGE_SIZE);
    }

    async fn a_seller_sees_demands_in_its_line_first_and_the_rest_apart(db) {
        let s = &db.store;
        // A cup maker (it offers vacuum cups) and a door maker who buys.
        let code = |n: u32| wujin_domain::Uscc::complete(&format!("91330784MA70001{n:02}")).unwrap().as_str().to_string();
        let firm = |login: &'static str, n: u32, name: &'static str| {
            let body = json!({"login": login, "name": "经理", "password": "correct horse", "uscc": code(n), "firm": name});
            async move {
                let r = send(s, "POST", "/api/v1/accounts", Some(body), &[]).await;
                let p = common::Person { cookie: common::jar(r.cookie.as_deref().unwrap()), csrf: r.body["csrf_token"].as_str().unwrap().into(), id: 0 };
                (r.body["org_id"].as_i64().unwrap(), p)
            }
        };
        let (cups, seller) = firm("cups@line.example.cn", 1, "永康市线上杯业有限公司").await;
        let (buyer_org, buyer) = firm("doors@line.example.cn", 2, "永康市线上门业有限公司").await;
        let offer = json!({"title": "真空保温杯 500ml", "category": "保温杯", "unit": "件"});
        assert_eq!(send(s, "POST", &format!("/api/v1/orgs/{cups}/offers"), Some(offer), &seller.h()).await.status, StatusCode::CREATED);
        let mut ids = vec![];
        for (title, category) in [("礼品保温杯 3000 只", "焖烧杯"), ("防盗门锁体 2 万套", "锁具")] {
            let body = json!({"org_id": buyer_org, "title": title, "category": category, "deadline": "2099-12-31"});
            let d = send(s, "POST", "/api/v1/demands", Some(body), &buyer.h()).await;
            let id = d.body["id"].as_i64().unwrap();
            send(s, "POST", &format!("/api/v1/demands/{id}/publish"), Some(json!({"revision": 1})), &buyer.h()).await;
            ids.push(id);
        }
        let listed = |v: &serde_json::Value| v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>();
        let mine = send(s, "GET", "/api/v1/demands?scope=open&match=mine", None, &seller.h()).await;
        assert_eq!(listed(&mine.body), vec![ids[0]], "a cup demand is in a cup maker's line: {}", mine.body);
        let other = send(s, "GET", "/api/v1/demands?scope=open&match=other", None, &seller.h()).await;
        assert_eq!(listed(&other.body), vec![ids[1]]);
        let bad = send(s, "GET", "/api/v1/demands?scope=open&match=everything", None, &seller.h()).await;
        assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("match")));

        let html = page(s, "/demands/open", &seller.cookie).await;
        assert!(html.contains("礼品保温杯") && !html.contains("防盗门锁体"), "{html}");
        assert_eq!(href(&html, "other-demands").as_deref(), Some("/demands/open?other=1"));
        let html = page(s, "/demands/open?other=1", &seller.cookie).await;
        assert!(html.contains("防盗门锁体") && !html.contains("礼品保温杯"));

        // The buyer: a cancelled demand does not count down; one with quotes past its deadline asks for a decision, first.
        let r = send(s, "POST", &format!("/api/v1/demands/{}/responses", ids[0]), Some(common::quote(cups, 1850)), &seller.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        common::pass_deadline(s, ids[0]).await;
        let cancel = json!({"revision": 2, "reason_code": "need_changed"});
        assert_eq!(send(s, "POST", &format!("/api/v1/demands/{}/cancel", ids[1]), Some(cancel), &buyer.h()).await.status, StatusCode::OK);
        let html = page(s, "/demands", &buyer.cookie).await;
        let first = html.find("礼品保温杯").unwrap();
        assert!(first < html.find("防盗门锁体").unwrap(), "the decision first");
        assert!(html[first..].starts_with("礼品保温杯 3000 只</a>\n  <span class=\"status s-closed\">已截止</span>\n  <strong class=\"todo\">待您定标</strong>"), "{}", &html[first..first + 300]);
        let cancelled = &html[html.find("防盗门锁体").unwrap()..];
        let line = &cancelled[..cancelled.find("</li>").unwrap()];
        assert!(line.contains("已取消") && !line.contains("距截止"), "{line}");
    }
}
