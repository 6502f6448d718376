//! The "匹配理由" line says, in the page's language, the words of the need that matched, each
//! once (a synonym as the word typed, a part never beside its whole), then what sets the
//! firm apart. A part that changes the meaning (固件 inside 紧固件) is no match. Five needs
//! on the demo cluster.

mod common;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

/// The reason lines of a search page for `q`, in `lang`.
async fn reasons(app: &wujin_server::api::AppState, q: &str, lang: &str) -> Vec<String> {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let req = Request::get(format!("/search?q={q}&lang={lang}")).body(Body::empty()).unwrap();
    let resp = wujin_server::api::router_with(app.clone()).oneshot(req).await.unwrap();
    let html = String::from_utf8(axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap();
    html.split("<p class=\"why\">")
        .skip(1)
        .map(|p| {
            let line = p.split("</p>").next().unwrap();
            line.split("</strong>").nth(1).unwrap_or(line).replace("&#x2f;", "/")
        })
        .collect()
}

/// The matched words of a reason line.
fn matched(line: &str, sep: &str) -> Vec<String> {
    let first = line.split(" · ").next().unwrap_or("");
    let words = first.split_once(['：', ':']).map(|(_, w)| w.trim()).unwrap_or("");
    words.split(sep).map(str::to_string).filter(|w| !w.is_empty()).collect()
}

#[tokio::test]
async fn reasons_say_each_matched_word_once_in_the_page_language() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    common::with_demo(&db.store).await;
    let app = common::with_index(&db.store).await;

    for (need, expected) in [
        ("保温杯", vec!["保温杯"]),
        ("真空杯", vec!["真空杯"]),
        ("想找个做焖烧杯外观设计的工作室", vec!["外观设计"]),
        ("锂电角磨机", vec!["角磨机"]),
        ("不锈钢紧固件", vec!["紧固件"]),
    ] {
        let lines = reasons(&app, need, "zh").await;
        assert!(!lines.is_empty(), "{need} finds firms");
        for line in &lines {
            let words = matched(line, "、");
            let mut seen = std::collections::HashSet::new();
            assert!(words.iter().all(|w| seen.insert(w)), "{need}: a word said twice in {line}");
            assert!(
                !words.concat().chars().any(|c| c.is_ascii_alphabetic()),
                "{need}: no English synonym on a Chinese page: {line}"
            );
            assert!(
                !words.iter().any(|w| words.iter().any(|o| o != w && o.contains(w.as_str()))),
                "{need}: a part beside its whole: {line}"
            );
            assert!(!words.iter().any(|w| w == "固件"), "{need}: 固件 is not a part of 紧固件: {line}");
        }
        let first = matched(&lines[0], "、");
        for e in expected {
            assert!(first.iter().any(|w| w == e), "{need}: the best firm matched {e}: {}", lines[0]);
        }
    }

    // Typed in English, said in English.
    let lines = reasons(&app, "vacuum flask", "en").await;
    assert!(!lines.is_empty());
    assert!(lines[0].starts_with("Matched: "), "{}", lines[0]);
    assert!(
        !lines[0].split(" · ").next().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn a_size_in_the_need_ranks_the_fitting_offer_first_and_says_so() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    common::with_demo(&db.store).await;
    let app = common::with_index(&db.store).await;
    let q: String = form_urlencoded::byte_serialize("500毫升左右的保温杯".as_bytes()).collect();
    let r = common::send_to(&app, "GET", &format!("/api/v1/search?q={q}&limit=5"), None, &[]).await;
    let first = &r.body["items"][0];
    let size = first["explanation"]["signals"].as_array().unwrap().iter().find(|s| s["name"] == "size");
    assert_eq!(size.map(|s| s["value"].clone()), Some(serde_json::json!(100)), "the first firm's offer fits: {first}");
    let title = first["offers"][0]["title"].as_str().unwrap_or("");
    let stated = wujin_domain::quantity::read(title);
    assert!(stated.iter().any(|s| s.dimension == "volume" && (450.0..=550.0).contains(&s.value)), "{title}");
    // The detail names the sizes in both writers' units: the offer's, then the need's.
    let detail = size.unwrap()["detail"].as_str().unwrap_or("").to_string();
    assert!(detail.ends_with("500 毫升") && (detail.contains(" ≈ ") || detail.contains(" = ")), "{detail}");
    let reason = reasons(&app, "500毫升左右的保温杯", "zh").await.remove(0);
    assert!(reason.contains(&format!("规格尺寸符合需求（{detail}）")), "{reason}");
    let reason = reasons(&app, "500毫升左右的保温杯", "en").await.remove(0);
    assert!(reason.contains(&format!("Its stated size fits the need ({detail})")), "{reason}");
}
