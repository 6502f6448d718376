//! What the pages answer before any browser renders them: an unknown path is a page (the API
//! keeps its JSON errors), the language switch goes back only to this site and remembers the
//! choice, the stylesheet is served from the binary, and nothing asks another host for
//! anything.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

async fn get(store: &wujin_store::Store, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = wujin_server::api::router(store.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn unknown_paths_language_switch_and_assets() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let s = &db.store;
    let (status, headers, body) = get(s, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("页面不存在") && body.contains("<title>"), "{body}");
    let (status, _, body) = get(s, "/api/v1/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"code\":\"no_route\""), "the API keeps its JSON: {body}");

    for back in ["//evil.example.com", "https://evil.example.com", "/\\evil.example.com"] {
        let q: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
        let (status, headers, _) = get(s, &format!("/lang?to=en&back={q}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/", "{back} is not followed");
    }
    let (_, headers, _) = get(s, "/lang?to=en&back=%2Fsearch%3Fq%3Dx").await;
    assert_eq!(headers["location"], "/search?q=x");
    assert!(headers["set-cookie"].to_str().unwrap().starts_with("wujin_lang=en;"));

    let (status, headers, css) = get(s, "/static/wujin.css").await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "text/css; charset=utf-8"));
    assert!(css.contains("focus-visible"), "focus is visible");
    let (_, _, home) = get(s, "/").await;
    for page in [&home, &css] {
        assert!(!page.contains("http://") && !page.contains("https://"), "no other host is asked for anything");
    }
}
