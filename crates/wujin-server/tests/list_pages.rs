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
    list.split("<li class=\"result\"><a href=\"/demands/")
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
        assert!(href(&first, "open-demands-next").is_none(), "the other list has no second page");
        let next = href(&first, "my-demands-next").expect("a link to the next page");
        assert!(next.starts_with("/demands?mine_after="), "{next}");

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
        let made_up = page(s, "/demands?mine_after=garbage", &buyer.cookie).await;
        assert_eq!(titles(&made_up, "my-demands").len(), PAGE_SIZE);
    }
}
