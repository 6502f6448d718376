//! The browser harness: a wujin server on the small demo cluster, Debian's Chromium driven
//! through chromedriver (both started here, on loopback, and stopped when the test ends),
//! and screenshots of every step under the test's output folder for a reviewer to look at.
//! Without chromium and chromedriver the tests fail and say so: `.ci/run` installs them.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use wujin_server::api::AppState;

/// A server, a browser, and where the screenshots go.
pub struct Session {
    pub c: Client,
    pub base: String,
    pub app: AppState,
    shots: PathBuf,
    step: usize,
    driver: Child,
    _db: wujin_store::testing::TestDb,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Session {
    /// Starts everything for the test `name`, the browser window `width` × `height`.
    pub async fn start(name: &str, width: u32, height: u32) -> Session {
        Session::start_with(name, width, height, |_| {}).await
    }

    /// Like [`Session::start`], with the server's settings changed by `configure` first (as
    /// `serve`'s flags would).
    pub async fn start_with(name: &str, width: u32, height: u32, configure: impl FnOnce(&mut AppState)) -> Session {
        let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
        super::common::with_demo(&db.store).await;
        let mut app = super::common::with_index(&db.store).await;
        configure(&mut app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = wujin_server::api::router_with(app.clone());
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });

        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("browser tests need chromedriver (apt-get install chromium chromium-driver; .ci/run does)");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"), "--lang=zh-CN",
                ]
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        // chromedriver takes a moment to listen; try until it answers, for at most 20 s.
        let started = Instant::now();
        let c = loop {
            match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let _ = e;
                }
                Err(e) => panic!("chromedriver did not start a Chromium session: {e}"),
            }
        };
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser").join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Session { c, base: format!("http://{addr}"), app, shots, step: 0, driver, _db: db, _profile: profile }
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// Saves a screenshot of the page as the next numbered step.
    pub async fn shot(&mut self, what: &str) {
        self.step += 1;
        let png = self.c.screenshot().await.unwrap();
        let path = self.shots.join(format!("{:02}-{what}.png", self.step));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    /// Screenshots at a phone's width (390 px) and a desktop's (1280 px), then back to the
    /// window's own size.
    pub async fn shots(&mut self, what: &str) {
        let (_, _, w, h) = self.c.get_window_rect().await.unwrap();
        for width in [390u32, 1280] {
            self.c.set_window_size(width, h as u32).await.unwrap();
            self.shot(&format!("{what}-{width}")).await;
        }
        self.c.set_window_size(w as u32, h as u32).await.unwrap();
    }

    /// Switches the page's language with the header's link (remembered in a cookie).
    pub async fn switch_lang(&self) {
        self.click("#switch-lang").await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
    }

    /// The page's width against the window's: a page wider than its window scrolls sideways.
    pub async fn scrolls_sideways(&self) -> bool {
        let v =
            self.c.execute("return document.documentElement.scrollWidth > window.innerWidth;", vec![]).await.unwrap();
        v.as_bool().unwrap()
    }

    pub async fn finish(mut self) {
        let _ = self.c.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Session {
    /// Types `value` into the field with this id (clearing it first).
    pub async fn fill(&self, id: &str, value: &str) {
        let e = self.c.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks the element with this CSS selector and waits until the browser has left the
    /// page (the old document's root goes stale), so the next step sees the answer.
    pub async fn click(&self, css: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        let e = self.c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        e.click().await.unwrap();
        self.left(old, css).await;
    }

    /// Waits until the document whose root is `old` is gone (a new page has replaced it).
    pub async fn left(&self, old: fantoccini::elements::Element, what: &str) {
        let started = Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(started.elapsed() < Duration::from_secs(15), "{what}: the page did not change");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.c.wait().for_element(Locator::Css("body")).await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    pub async fn has(&self, css: &str) -> bool {
        self.c.find(Locator::Css(css)).await.is_ok()
    }

    /// Signs out from the account menu (a `<details>` under the person's name).
    pub async fn sign_out(&self) {
        self.c.find(Locator::Id("account-name")).await.unwrap().click().await.unwrap();
        self.click("#sign-out").await;
    }

    pub async fn sign_in(&self, login: &str, password: &str) {
        self.goto("/login").await;
        self.fill("login", login).await;
        self.fill("password", password).await;
        self.click("form.form button[type=submit]").await;
    }
}
