//! The platform in a real browser (headless Chromium through chromedriver): searching the
//! demo cluster for vacuum cups finds their makers with the reasons shown, the language
//! switch turns the chrome English and is remembered, a bad filter is explained on the page,
//! and the core pages fit a phone's width. Screenshots of each step are saved under the
//! test's output folder (the path is printed).

mod browser;
mod common;

use browser::Session;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_for_vacuum_cups_shows_their_makers_and_why_in_either_language() {
    let mut s = Session::start("search", 1280, 900).await;
    s.goto("/").await;
    assert_eq!(s.c.title().await.unwrap(), "永康五金产业服务平台 · 五金");
    s.shot("home").await;
    let q = s.c.find(Locator::Id("q")).await.unwrap();
    q.send_keys("保温杯").await.unwrap();
    s.c.find(Locator::Css("form.search button")).await.unwrap().click().await.unwrap();
    s.c.wait().for_element(Locator::Id("results")).await.unwrap();
    s.shot("results-zh").await;
    let first = s.text("#results li.result").await;
    assert!(first.contains("保温杯") || first.contains("杯"), "a vacuum-cup maker first: {first}");
    let why = s.text("#results li.result .why").await;
    assert!(why.contains("匹配理由") && why.contains("匹配："), "the reason in plain words: {why}");
    assert!(s.c.title().await.unwrap().contains("保温杯"));

    // English, on the same results, and remembered on the next page.
    s.c.find(Locator::Id("switch-lang")).await.unwrap().click().await.unwrap();
    s.c.wait().for_element(Locator::Id("results")).await.unwrap();
    s.shot("results-en").await;
    assert_eq!(s.text("form.search button").await, "Search");
    assert!(s.text("#results li.result .why").await.starts_with("Why"), "English reasons");
    assert!(s.text("#total").await.contains("matching offers"));
    s.goto("/").await;
    assert_eq!(s.text("h1").await, "The Yongkang hardware cluster's service platform", "the choice is remembered");
    s.shot("home-en").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_filter_is_explained_on_the_page_and_an_empty_search_suggests_where_to_go() {
    let mut s = Session::start("errors", 1280, 900).await;
    s.goto("/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&price_max=abc").await;
    let error = s.text("#error").await;
    assert!(error.contains("price_max"), "{error}");
    s.shot("bad-filter").await;
    s.goto("/search?q=zzzzqqqq%E7%81%AB%E7%AE%AD%E5%8F%91%E5%B0%84").await;
    assert!(s.text("#empty").await.contains("没有找到"));
    assert!(s.c.find(Locator::Css("a[href='/search?family=rd_design']")).await.is_ok(), "a way on");
    s.shot("empty").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_pages_fit_a_phone_without_scrolling_sideways() {
    let mut s = Session::start("phone", 390, 844).await;
    for (path, name) in [
        ("/", "home"),
        ("/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF", "results"),
        ("/search?q=%E7%84%96%E7%83%A7%E6%9D%AF%E5%A4%96%E8%A7%82%E8%AE%BE%E8%AE%A1", "design"),
    ] {
        s.goto(path).await;
        s.shot(name).await;
        assert!(!s.scrolls_sideways().await, "{path} scrolls sideways at 390 px");
    }
    s.finish().await;
}
