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
    // From the keyboard: type the need and press Enter.
    let q = s.c.find(Locator::Id("q")).await.unwrap();
    let old = s.c.find(Locator::Css("html")).await.unwrap();
    q.send_keys("保温杯\u{E007}").await.unwrap();
    s.left(old, "Enter in the search box").await;
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
    assert!(s.text("#total").await.contains("firms found"), "the count is of firms, as the list is");
    s.goto("/").await;
    assert_eq!(s.text("h1").await, "The Yongkang hardware cluster's service platform", "the choice is remembered");
    s.shot("home-en").await;

    // A firm's page from a result, and an offer's page from the firm's.
    s.goto("/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF").await;
    let firm = s.text("#results li.result h2").await;
    s.click("#results li.result h2 a").await;
    assert_eq!(s.text("h1").await, firm);
    s.shot("org").await;
    let offer = s.text("ul.results li.result a").await;
    s.click("ul.results li.result a").await;
    assert_eq!(s.text("h1").await, offer);
    assert!(s.text("main").await.contains(&firm), "the offer names its firm");
    s.shot("offer").await;
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

/// "找供应商" with no words browses the cluster's firms with their facets, on a desktop and on
/// a phone, in Chinese and in English; it is not a search that found nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_suppliers_without_words_lists_the_firms() {
    let mut s = Session::start("browse", 1280, 900).await;
    for (lang, width) in [("zh", 1280), ("en", 1280), ("zh", 390), ("en", 390)] {
        s.c.set_window_size(width, 900).await.unwrap();
        s.goto(&format!("/search?lang={lang}")).await;
        let results = s.c.find_all(Locator::Css("#results li.result")).await.unwrap();
        assert!(!results.is_empty(), "{lang} {width}: firms listed");
        assert!(s.c.find(Locator::Css("#results")).await.is_ok());
        assert!(!s.c.source().await.unwrap().contains("没有找到匹配的企业"), "not the empty state");
        assert!(!s.scrolls_sideways().await, "{lang} at {width} px");
        s.shot(&format!("browse-{width}-{lang}")).await;
    }
    s.finish().await;
}

/// A credit code the demo registry does not hold, with a right check character.
fn new_code(n: u32) -> String {
    wujin_domain::Uscc::complete(&format!("91330784MA9{n:06}")).unwrap().as_str().to_string()
}

async fn register(s: &Session, login: &str, firm: &str, uscc: &str) {
    s.goto("/register").await;
    s.fill("login", login).await;
    s.fill("name", "测试经理").await;
    s.fill("password", "correct horse").await;
    s.fill("uscc", uscc).await;
    s.fill("firm", firm).await;
    s.click("form.form button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_credit_code_is_named_on_its_field() {
    let mut s = Session::start("bad-code", 1280, 900).await;
    let good = new_code(1);
    let wrong_check = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
    register(&s, "maker@example.cn", "永康测试杯业有限公司", &wrong_check).await;
    s.shot("bad-code").await;
    let error = s.text("#uscc-error").await;
    assert!(error.contains("校验"), "the field says what is wrong: {error}");
    assert_eq!(
        s.c.find(Locator::Id("uscc")).await.unwrap().attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        s.c.find(Locator::Id("firm")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("永康测试杯业有限公司"),
        "what was typed stays"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_firms_post_answer_award_complete_and_rate_with_the_quote_sealed_until_the_deadline() {
    let mut s = Session::start("demand-flow", 1280, 1000).await;
    // The buyer registers and posts a demand.
    register(&s, "buyer@example.cn", "永康测试杯业有限公司", &new_code(2)).await;
    s.goto("/demands/new").await;
    s.fill("title", "铝合金压铸杯盖外壳 5000 件").await;
    s.fill("need", "ADC12 铝合金，喷砂阳极氧化").await;
    s.fill("category", "压铸件").await;
    s.fill("quantity", "5000").await;
    s.c.execute("document.getElementById('deadline').value = '2099-12-31';", vec![]).await.unwrap();
    s.shot("post-demand").await;
    s.click("#save-draft").await;
    let demand_path = s.path().await;
    let id: i64 =
        demand_path.rsplit('/').next().unwrap().parse().unwrap_or_else(|_| panic!("a demand page: {demand_path}"));
    // The draft is corrected before it goes out: a bad quantity is named on its field.
    s.click("#edit").await;
    s.fill("quantity", "五千").await;
    s.click("#save-draft").await;
    assert!(s.text(".has-error").await.contains("整数"), "the quantity field says what is wrong");
    s.fill("quantity", "5000").await;
    s.fill("title", "铝合金压铸杯盖外壳 5000 件（ADC12）").await;
    s.click("#save-draft").await;
    assert_eq!(s.text("h1").await, "铝合金压铸杯盖外壳 5000 件（ADC12）");
    // wujin suggests die-casters with reasons; the buyer invites the first.
    let suggested = s.text("#invite-form").await;
    assert!(suggested.contains("匹配理由") && suggested.contains("压铸"), "{suggested}");
    s.c.find(Locator::Css("#invite-form input[type=checkbox]")).await.unwrap().click().await.unwrap();
    s.click("#invite").await;
    assert!(s.has("#invited").await, "the invited firm is listed");
    s.shot("invited").await;
    assert!(s.has("#publish").await);
    s.click("#publish").await;
    assert_eq!(s.text("#state").await, "征集中");
    s.shot("published").await;
    s.sign_out().await;

    // The maker registers, finds it and answers.
    register(&s, "sales@example.cn", "永康测试压铸有限公司", &new_code(3)).await;
    // A new firm offers nothing yet: every demand is outside its line, under 其他需求.
    s.goto("/demands/open").await;
    assert!(s.has("#no-open").await);
    s.click("#other-demands").await;
    assert!(s.text("#open-demands").await.contains("铝合金压铸杯盖外壳 5000 件（ADC12）"));
    s.goto(&demand_path).await;
    s.fill("price", "18.50").await;
    s.fill("lead_time_days", "20").await;
    s.click("#send-response").await;
    assert!(s.text("#my-response").await.contains("18.50"), "the maker sees its own quote");
    s.shot("responded").await;
    s.sign_out().await;

    // Before the deadline the buyer sees that quotes are sealed, and no price.
    s.sign_in("buyer@example.cn", "correct horse").await;
    s.goto(&demand_path).await;
    assert!(s.has("#sealed").await && !s.has("#responses").await);
    assert!(!s.c.source().await.unwrap().contains("18.50"), "no price anywhere on the page");
    s.shot("sealed").await;

    // The deadline passes; the buyer compares, awards and marks the work done.
    s.app.store.backdate_deadline(id, wujin_store::now_ms() - 1000).await.unwrap();
    s.goto(&demand_path).await;
    let table = s.text("#responses").await;
    assert!(
        table.contains("永康测试压铸有限公司") && table.contains("18.50") && table.contains("92,500.00"),
        "price and total: {table}"
    );
    // On a phone the quotes become one card per firm, its name first, every value labelled.
    s.c.set_window_size(390, 1000).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the quotes fit a phone");
    let card = s.text("#responses tbody tr").await;
    assert!(
        card.starts_with("永康测试压铸有限公司\n18.50 元"),
        "a card, the firm's name on its own line first: {card}"
    );
    let shown = "return [getComputedStyle(document.querySelector('#responses thead')).display, \
                 getComputedStyle(document.querySelector('#responses tbody td'), '::before').content];";
    let shown = s.c.execute(shown, vec![]).await.unwrap();
    assert_eq!(shown, serde_json::json!(["none", "\"单价（元）：\""]), "no column heads; each value labelled");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.shots("compare").await;
    s.switch_lang().await;
    s.shots("compare-en").await;
    s.switch_lang().await;
    assert!(s.has("#download").await);
    s.shot("unsealed").await;
    s.c.find(Locator::Css("#responses input[type=checkbox]")).await.unwrap().click().await.unwrap();
    s.click("#award").await;
    assert_eq!(s.text("#state").await, "已定标");
    s.click("#engagements button[id^=complete-]").await;
    s.shot("awarded").await;
    s.sign_out().await;

    // The maker starts, completes and rates.
    s.sign_in("sales@example.cn", "correct horse").await;
    s.goto(&demand_path).await;
    s.click("#engagements button[id^=start-]").await;
    s.click("#engagements button[id^=complete-]").await;
    assert_eq!(s.text("#state").await, "已完成");
    s.click("#engagements button[id^=rate-button-]").await;
    s.shot("provider-rated").await;
    s.sign_out().await;

    s.sign_in("buyer@example.cn", "correct horse").await;
    s.goto(&demand_path).await;
    s.fill(
        &format!(
            "comment-{}",
            s.c.find(Locator::Css("#engagements form[id^=rate-]"))
                .await
                .unwrap()
                .attr("id")
                .await
                .unwrap()
                .unwrap()
                .trim_start_matches("rate-")
        ),
        "交期准时",
    )
    .await;
    s.click("#engagements button[id^=rate-button-]").await;
    assert_eq!(s.text("#state").await, "已评价");
    assert!(s.text("#responses tr.won").await.starts_with("永康测试压铸有限公司 中标"), "the winning quote is marked");
    let work = s.text("#engagements").await;
    assert!(work.contains("与永康测试压铸有限公司的合作") && !work.contains('#'), "no internal numbers: {work}");
    s.shot("rated").await;

    // The same flow's pages at a phone's width: the responses table scrolls inside itself,
    // the page never sideways.
    s.c.set_window_size(390, 844).await.unwrap();
    for path in [demand_path.as_str(), "/demands", "/demands/new", "/quotes", "/inbox"] {
        s.goto(path).await;
        assert!(!s.scrolls_sideways().await, "{path} scrolls sideways at 390 px");
    }
    s.goto(&demand_path).await;
    s.shot("rated-phone").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_people_find_their_pages_and_the_pilot_office_its_charts() {
    let mut s = Session::start("demo-people", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let password = wujin_server::demo_people::PASSWORD;

    s.sign_in("officer@demo.wujin.cn", password).await;
    s.goto("/overview").await;
    let charts = s.c.find_all(Locator::Css("svg.chart.wide title")).await.unwrap();
    assert_eq!(charts.len(), 5, "sector, town and service-family charts");
    // Each chart's labels are drawn at 12 px or more, its numbers are in a table behind a
    // toggle, and it downloads as XLSX.
    let px = "return [...document.querySelectorAll('svg.chart')].filter(g => g.getBoundingClientRect().width > 0)\
              .map(g => g.getBoundingClientRect().width / g.viewBox.baseVal.width * 14);";
    let sizes: Vec<f64> = serde_json::from_value(s.c.execute(px, vec![]).await.unwrap()).unwrap();
    assert!(sizes.len() == 5 && sizes.iter().all(|p| *p >= 12.0), "label sizes on a desktop: {sizes:?}");
    s.c.find(Locator::Css("#chart-orgs_by_town details.data summary")).await.unwrap().click().await.unwrap();
    let table = s.text("#chart-orgs_by_town details.data table").await;
    assert!(table.starts_with("镇街 企业数"), "{table}");
    let fetch = "const done = arguments[arguments.length - 1]; \
                 fetch(document.querySelector('#chart-orgs_by_town a[download]').getAttribute('href'))\
                 .then(r => done([r.status, r.headers.get('content-type')]));";
    let got = s.c.execute_async(fetch, vec![]).await.unwrap();
    assert_eq!(got, serde_json::json!([200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]));
    assert_eq!(s.text("#thin").await, "5", "demands that drew fewer than three quotes");
    assert!(!s.c.source().await.unwrap().contains("1850"), "no quote on the officer's page");
    // The chain map says, per pillar industry and chain stage, how many firms take part in
    // supply ties there: the same cells as the API's map, "无数据" where there is no tie and
    // no figure where the small-cell rule hides it.
    let shown =
        s.c.execute(
            "return [...document.querySelectorAll('#chain-table tbody tr')].map(tr => \
             [...tr.children].map(c => c.firstChild ? c.firstChild.textContent.trim() : ''));",
            vec![],
        )
        .await
        .unwrap();
    let snap = wujin_server::chain::Snapshot::build(&s.app.store, wujin_store::ties::today()).await.unwrap();
    let counts = s.app.store.registry_counts().await.unwrap();
    let map = wujin_server::api::overview::chain_map(&counts, &snap, wujin_domain::Lang::Zh);
    let t = wujin_domain::Taxonomy::get();
    let expected: Vec<Vec<String>> = t
        .pillars
        .iter()
        .zip(&map.rows)
        .map(|(p, row)| {
            std::iter::once(p.zh.clone())
                .chain(row.cells.iter().map(|c| match (c.no_data, c.suppressed, c.firms) {
                    (true, _, _) => "无数据".to_string(),
                    (_, true, _) => "企业过少，不显示".to_string(),
                    (_, _, Some(n)) => format!("{n} 家"),
                    other => panic!("a cell with neither data nor a reason: {other:?}"),
                }))
                .collect()
        })
        .collect();
    let shown: Vec<Vec<String>> = serde_json::from_value(shown).unwrap();
    assert_eq!(shown, expected, "the chain map shows the flows");
    assert!(expected.iter().flatten().any(|c| c.ends_with(" 家")), "the demo's flows fill some cells");
    let thin = s.c.find_all(Locator::Css("#chain-table td.thin")).await.unwrap().len();
    let thin_expected = map.rows.iter().flat_map(|r| &r.cells).filter(|c| c.thin).count();
    assert_eq!(thin, thin_expected, "stages where half the inputs hang on one supplier are marked thin");
    assert!(thin > 0, "the demo's chain has thin stages");
    let map = s.text("#chain-table").await;
    assert!(!map.contains("0 薄弱"), "a stage nobody declared is not called thin: {map}");
    for cell in s.c.find_all(Locator::Css("#chain-table td.nodata")).await.unwrap() {
        let text = cell.text().await.unwrap();
        assert!(text.starts_with("无数据") || text == "企业过少，不显示", "{text}");
    }
    s.shot("overview").await;
    s.c.set_window_size(390, 844).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the overview fits a phone");
    let sizes: Vec<f64> = serde_json::from_value(s.c.execute(px, vec![]).await.unwrap()).unwrap();
    assert!(sizes.len() == 5 && sizes.iter().all(|p| *p >= 12.0), "on a phone, labels above the bars: {sizes:?}");
    s.shot("overview-phone").await;
    s.switch_lang().await;
    s.shots("overview-en").await;
    s.switch_lang().await;
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.sign_out().await;

    s.sign_in("lab@demo.wujin.cn", password).await;
    s.goto("/demands/open").await;
    let first = s.text("#open-demands li").await;
    assert!(first.contains("GB/T 29606") && first.contains("受邀"), "the lab's invitation comes first: {first}");
    s.sign_out().await;

    s.sign_in("casting@demo.wujin.cn", password).await;
    s.goto("/quotes").await;
    let quotes = s.text("#quotes").await;
    assert!(quotes.contains("中标") && quotes.contains("已撤回") && quotes.contains("待定"), "{quotes}");
    s.shot("quotes").await;
    s.goto("/inbox").await;
    let inbox = s.text("#inbox").await;
    assert!(
        inbox.lines().any(|l| l.contains("选中了您对「") && l.contains("有限公司")),
        "who chose it and for what: {inbox}"
    );
    assert!(!inbox.contains('{') && !inbox.contains("：\n"), "no empty place: {inbox}");
    let times = s.c.find_all(Locator::Css("#inbox time")).await.unwrap();
    assert!(!times.is_empty(), "every message shows its time");
    s.shot("inbox").await;
    s.c.set_window_size(390, 844).await.unwrap();
    s.goto("/inbox").await;
    assert!(!s.scrolls_sideways().await, "the inbox fits a phone");
    s.shot("inbox-390").await;
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.sign_out().await;

    // The buyer's officer page is closed to it; its people and tokens are its own.
    s.sign_in("flask@demo.wujin.cn", password).await;
    s.goto("/overview").await;
    assert!(s.text("main").await.contains("仅供试点办"), "not for a firm");
    s.goto("/tokens").await;
    s.fill("token-name", "ERP 同步").await;
    s.click("form.form button[type=submit]").await;
    assert!(s.text("#new-token").await.contains("wjt_"), "the token is shown once");
    s.shot("token").await;
    // Its people, from its own page.
    s.click("#nav-firm").await;
    s.click("#members").await;
    assert!(s.text("#members").await.contains("flask@demo.wujin.cn"));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_firm_lists_changes_and_takes_off_its_offer() {
    let mut s = Session::start("firm-offers", 1280, 1000).await;
    register(&s, "owner@jar.example.cn", "永康市焖香日用品有限公司", &new_code(7)).await;
    // The firm is one click away from anywhere: "我的企业" in the header.
    let org = s.c.execute("return document.getElementById('nav-firm').getAttribute('href');", vec![]).await.unwrap();
    s.click("#nav-firm").await;
    assert_eq!(s.path().await, org.as_str().unwrap());
    assert!(s.text("main").await.contains("还没有发布"), "a new firm offers nothing yet");
    // Its profile first: a town and a phone, the phone refused on its field until it is one.
    s.click("#edit-profile").await;
    s.c.execute("document.getElementById('town').value = '330784108';", vec![]).await.unwrap();
    s.c.execute("document.getElementById('chain-products').checked = true;", vec![]).await.unwrap();
    s.fill("phone", "12345").await;
    // A certificate with its number, issuer and last day, in the first blank row.
    let until = (wujin_store::ties::today() + time::Duration::days(500)).to_string();
    let row = format!(
        "const q = n => document.querySelectorAll('[name=' + n + ']')[0]; q('cert_code').value = 'ISO 9001'; \
         q('cert_number').value = '00126Q30001R0M'; q('cert_issuer').value = '中国质量认证中心'; q('cert_until').value = '{until}';"
    );
    s.c.execute(&row, vec![]).await.unwrap();
    s.click("#save-profile").await;
    assert!(s.text("#phone-error").await.contains("0579"), "the phone's rule on its field");
    let kept = s.c.execute("return document.querySelectorAll('[name=cert_number]')[0].value;", vec![]).await.unwrap();
    assert_eq!(kept.as_str(), Some("00126Q30001R0M"), "the certificate typed stays");
    s.c.execute("document.getElementById('chain-products').scrollIntoView();", vec![]).await.unwrap();
    s.shot("profile-refused").await;
    s.fill("phone", "0579-87123456").await;
    s.click("#save-profile").await;
    assert_eq!(s.path().await, org.as_str().unwrap(), "back on the firm's page");
    assert!(s.text("main").await.contains("古山镇"), "the firm's new town shows");
    let certs = s.text("#org-certificates").await;
    assert!(
        certs.contains("00126Q30001R0M") && certs.contains(&until),
        "the certificate with its number and day: {certs}"
    );
    s.click("#add-offer").await;
    s.fill("title", "双层真空焖烧罐 1000ml").await;
    s.fill("category", "焖烧杯").await;
    s.fill("specs", "材质=316不锈钢\n容量=1000ml").await;
    s.fill("standards", "GB/T 29606").await;
    s.fill("price_min", "四十五").await;
    s.fill("price_max", "68").await;
    s.click("#save-offer").await;
    assert!(s.text("#price_min-error").await.contains("元"), "a price that is no amount is named on its field");
    assert_eq!(
        s.c.find(Locator::Id("specs")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("材质=316不锈钢\n容量=1000ml"),
        "what was typed stays"
    );
    s.shot("offer-refused").await;
    s.fill("price_min", "45").await;
    s.click("#save-offer").await;
    assert!(s.path().await.starts_with("/offers/"), "the new offer's page");
    assert_eq!(s.text("h1").await, "双层真空焖烧罐 1000ml");
    assert!(s.text("main").await.contains("GB/T 29606-2013") && s.text("main").await.contains("316不锈钢"));
    s.shot("offer-page").await;

    s.click("#edit-offer").await;
    s.fill("title", "双层真空焖烧罐 1500ml").await;
    s.click("#save-offer").await;
    assert_eq!(s.text("h1").await, "双层真空焖烧罐 1500ml", "the change shows");
    s.click("#edit-offer").await;
    s.shot("offer-edit").await;
    s.click("#delete-offer").await;
    assert_eq!(s.path().await, org.as_str().unwrap(), "back on the firm's page");
    assert!(s.text("main").await.contains("还没有发布"), "the offer is off the catalogue");
    s.finish().await;
}

/// Cancelling asks first, on a phone and on a desktop, in Chinese and in English: the demand
/// page links to a page that says what cancelling does and wants a reason; without one
/// nothing happens and the reason is asked for on its field; with one the demand is cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_demand_asks_first_and_wants_a_reason() {
    let mut s = Session::start("demand-cancel", 390, 844).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    // The first of the buyer's demands that may still be cancelled.
    s.goto("/demands").await;
    let links =
        s.c.execute(
            "return [...new Set([...document.querySelectorAll('a')].map(a => a.getAttribute('href'))\
             .filter(h => h && /^\\/demands\\/\\d+$/.test(h)))];",
            vec![],
        )
        .await
        .unwrap();
    let mut demand = None;
    for link in links.as_array().unwrap() {
        let link = link.as_str().unwrap();
        s.goto(link).await;
        if s.c.find(Locator::Css("a#cancel")).await.is_ok() {
            demand = Some(link.to_string());
            break;
        }
    }
    let demand = demand.expect("the demo buyer has a demand it may cancel");
    s.click("a#cancel").await;
    assert_eq!(s.path().await, format!("{demand}/cancel"), "a page of its own, nothing cancelled yet");
    assert!(s.text("#cancel-effects").await.contains("报价随之失效"), "it says what cancelling does");
    assert!(!s.scrolls_sideways().await, "fits a phone");
    s.shot("confirm-390-zh").await;

    s.click("#confirm-cancel").await;
    assert_eq!(s.text("#reason_code-error").await, "请选择取消的原因", "no reason, no cancellation");
    s.shot("no-reason-390-zh").await;

    s.c.set_window_size(1280, 900).await.unwrap();
    s.goto(&format!("{demand}/cancel?lang=en")).await;
    assert_eq!(s.text("h1").await, "Cancel the demand");
    s.shot("confirm-1280-en").await;
    s.goto(&format!("{demand}/cancel?lang=zh")).await;
    s.shot("confirm-1280-zh").await;
    s.c.set_window_size(390, 844).await.unwrap();
    s.goto(&format!("{demand}/cancel?lang=en")).await;
    s.shot("confirm-390-en").await;

    s.c.find(Locator::Css("label[for=reason-need_changed]")).await.unwrap().click().await.unwrap();
    s.fill("reason_text", "We make it in house now.").await;
    s.click("#confirm-cancel").await;
    assert_eq!(s.path().await, demand, "back on the demand");
    assert_eq!(s.text("#state").await, "已取消");
    let why = s.text("#cancellation").await;
    assert!(why.contains("需求有变") && why.contains("We make it in house now."), "the reason on the demand: {why}");
    assert!(!s.text("main").await.contains("距截止还有"), "a cancelled demand does not count down");
    s.shot("cancelled-390-en").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_asks_a_firm_for_a_quote_from_its_offer_and_signs_in_on_the_way() {
    let mut s = Session::start("ask-quote", 1280, 1000).await;
    register(&s, "door@example.cn", "永康测试门业有限公司", &new_code(7)).await;
    s.sign_out().await;
    let (offers, _) = s.app.store.list_offers(&Default::default(), None, 1).await.unwrap();
    let (offer, maker) = (offers[0].id, offers[0].org_name.clone());
    s.goto(&format!("/offers/{offer}")).await;
    s.shots("offer").await;
    s.click("#ask-quote").await;
    assert_eq!(s.path().await, "/login", "a visitor signs in first");
    s.fill("login", "door@example.cn").await;
    s.fill("password", "correct horse").await;
    s.click("form.form button[type=submit]").await;
    assert_eq!(s.path().await, "/demands/new", "and is brought back to the question");
    assert!(s.text("#asking").await.contains(&maker), "the form says whom it asks");
    let title = s.c.find(Locator::Id("title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(title.as_deref(), Some(offers[0].record.title.as_str()), "filled from the offer");
    s.shots("ask-form").await;
    s.switch_lang().await;
    s.shots("ask-form-en").await;
    s.switch_lang().await;
    s.c.execute("document.getElementById('deadline').value = '2099-12-31';", vec![]).await.unwrap();
    s.click("#save-draft").await;
    assert!(s.text("#invited").await.contains(&maker), "the firm asked is invited with the draft");
    s.shots("asked").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_filters_are_one_tap_away() {
    let mut s = Session::start("phone-filters", 390, 844).await;
    s.goto("/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF").await;
    let c = s.c.clone();
    let top = |id: &'static str| {
        let script = format!("return document.getElementById('{id}').getBoundingClientRect().top;");
        let c = c.clone();
        async move { c.execute(&script, vec![]).await.unwrap().as_f64().unwrap() }
    };
    assert!(top("to-filters").await < 400.0, "the 筛选 link is on the first screen");
    assert!(top("filters").await > 844.0, "the filters themselves are below the results");
    s.shots("search-phone").await;
    s.c.find(Locator::Id("to-filters")).await.unwrap().click().await.unwrap();
    let at = top("filters").await;
    assert!((-2.0..100.0).contains(&at), "one tap brings the filters into view: {at}");
    s.shot("filters-390").await;
    s.switch_lang().await;
    assert_eq!(s.text("#to-filters").await, "Filters");
    s.shots("search-phone-en").await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_uploads_its_catalogue_sees_two_bad_rows_then_writes_the_fixed_sheet() {
    let mut s = Session::start("catalogue-upload", 1280, 1000).await;
    let code = new_code(21);
    register(&s, "sheet@example.cn", "永康测试炊具有限公司", &code).await;
    let org = s.app.store.org_ids_by_uscc(std::slice::from_ref(&code)).await.unwrap()[code.as_str()].0;
    s.goto(&format!("/orgs/{org}")).await;
    s.click("#upload-catalogue").await;
    assert_eq!(s.path().await, format!("/orgs/{org}/catalogue/upload"));
    assert!(s.has("#template-xlsx").await, "the template sits beside the upload");
    s.shots("upload-form").await;

    let dir = tempfile::tempdir().unwrap();
    let head = "外部编号,标题,类目,规格,最低价(元),最高价(元),单位,起订量,交期(天)\n";
    let good_rows = "CW-32,不锈钢炒锅 32cm,炒锅,材质=304不锈钢；直径=32cm,45,60,只,500,15\n";
    let bad = format!("{head}{good_rows}CW-28,不锈钢汤锅 28cm,汤锅,,80,50,只,500,15\nCW-26,,炒锅,,30,40,只,abc,15\n");
    let sheet = dir.path().join("目录.csv");
    std::fs::write(&sheet, &bad).unwrap();
    s.c.find(Locator::Id("file")).await.unwrap().send_keys(sheet.to_str().unwrap()).await.unwrap();
    s.click("#check-upload").await;
    let rows = s.c.find_all(Locator::Css("#upload-problems tbody tr")).await.unwrap();
    let mut cited = vec![];
    for r in rows {
        cited.push(r.find(Locator::Css("th")).await.unwrap().text().await.unwrap());
    }
    cited.dedup();
    assert_eq!(cited, vec!["第 3 行", "第 4 行"], "each bad row by the number the spreadsheet shows");
    let summary = s.text("#upload-summary").await;
    assert!(summary.contains("有效 1 行") && summary.contains("有问题 2 行"), "{summary}");
    assert!(s.text("#upload-problems").await.contains("最高价(元)"), "the column as the sheet names it");
    s.shots("upload-report").await;
    s.switch_lang().await;
    assert!(s.text("#upload-problems").await.contains("Row 3"));
    s.shots("upload-report-en").await;
    s.switch_lang().await;

    // Fixed, uploaded again from the same page, and confirmed.
    let fixed = bad
        .replace(",80,50,", ",50,80,")
        .replace("CW-26,,炒锅,,30,40,只,abc,", "CW-26,不锈钢炒锅 26cm,炒锅,,30,40,只,300,");
    std::fs::write(&sheet, &fixed).unwrap();
    s.c.find(Locator::Id("file")).await.unwrap().send_keys(sheet.to_str().unwrap()).await.unwrap();
    s.click("#check-upload").await;
    assert!(!s.has("#upload-problems").await, "{}", s.text("main").await);
    s.click("#confirm-upload").await;
    let done = s.text("#upload-done").await;
    assert!(done.contains("新增 3 条"), "{done}");
    s.shots("upload-done").await;
    s.click("#see-catalogue").await;
    let listed = s.text("#offers").await;
    for title in ["不锈钢炒锅 32cm", "不锈钢汤锅 28cm", "不锈钢炒锅 26cm"] {
        assert!(listed.contains(title), "{title} on the firm's page: {listed}");
    }
    s.finish().await;
}

/// "我的供应链": the cup maker of the demo sees its inputs (single-sourced ones first, each
/// with local alternatives), its chain two tiers up and down drawn without script, and runs
/// "what if this supplier stops for four weeks" from the page; on a phone and a desktop, in
/// both languages. The pilot office's chain map is shot at both widths too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_sees_its_supply_chain_and_what_a_suppliers_outage_would_do() {
    let mut s = Session::start("supply-chain", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let password = wujin_server::demo_people::PASSWORD;
    s.sign_in("flask@demo.wujin.cn", password).await;
    s.click("#nav-chain").await;
    assert!(s.path().await.ends_with("/chain"), "{}", s.path().await);
    assert!(s.text("h1").await.starts_with("我的供应链"), "{}", s.text("h1").await);
    let title = s.text("#chain-diagram-title").await;
    assert!(title.is_empty() || title.contains("供应链"), "the diagram has a title");
    assert!(s.has("#chain-diagram rect.node").await, "the diagram is drawn");
    // Single-sourced inputs come first; each single-sourced input lists alternatives or says
    // there is none in the cluster.
    let rows: Vec<bool> = serde_json::from_value(
        s.c.execute(
            "return [...document.querySelectorAll('#chain-inputs tbody tr')].map(r => r.classList.contains('single'));",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(!rows.is_empty() && rows[0], "single-sourced first: {rows:?}");
    assert!(rows.windows(2).all(|w| w[0] >= w[1]), "{rows:?}");
    let alternatives = s.c.find_all(Locator::Css("#chain-inputs tr.single ol.alternatives li a")).await.unwrap();
    assert!(!alternatives.is_empty(), "a single-sourced input has local alternatives");
    // Declaring a supplier outside the cluster on the page puts it among the inputs.
    s.fill("tie-outside", "宁波某不锈钢厂").await;
    s.fill("tie-region", "浙江 宁波").await;
    s.fill("tie-input", "304不锈钢").await;
    s.click("#declare-form button[type=submit]").await;
    assert!(s.text("#chain-inputs").await.contains("宁波某不锈钢厂"), "the declared supplier is listed");
    s.shots("chain").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "my chain fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert!(s.text("h1").await.starts_with("My supply chain"), "{}", s.text("h1").await);
    assert!(s.text("#chain-diagram").await.contains("Tier-1 suppliers"), "the diagram speaks English too");
    s.shots("chain-en").await;

    // What if the first supplier stops for four weeks?
    s.click("#chain-inputs form.whatif button").await;
    assert!(s.path().await.contains("/chain/outage"), "{}", s.path().await);
    let summary = s.text("#outage-summary").await;
    assert!(summary.contains("4 weeks"), "{summary}");
    assert!(s.has("#outage-tiers tbody tr").await, "tier 0 at least");
    assert!(s.has("#outage-mine").await, "the page says what happens to this firm");
    s.shots("outage-en").await;
    s.switch_lang().await;
    assert!(s.text("#outage-summary").await.contains("停产 4 周"), "{}", s.text("#outage-summary").await);
    s.shots("outage").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the outage fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    // A weeks figure the API refuses is said on the page, not a crash.
    let here = s.path().await;
    let stopped =
        s.c.execute("return document.querySelector('#outage-form input[name=stopped]').value;", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
    assert!(stopped.parse::<i64>().is_ok(), "the what-if keeps the firm that stops: {stopped:?}");
    let org = here.split("/orgs/").nth(1).unwrap().split('/').next().unwrap().to_string();
    s.goto(&format!("/orgs/{org}/chain/outage?stopped={stopped}&weeks=-3")).await;
    assert!(s.text("#outage-error").await.contains("weeks"), "{}", s.text("#outage-error").await);

    // Another firm's chain is not shown to this person.
    s.goto("/orgs/1/chain").await;
    if org != "1" {
        assert!(!s.has("#chain-diagram").await, "another firm's chain stays hidden");
    }

    s.goto("/search").await;
    s.sign_out().await;
    s.sign_in("officer@demo.wujin.cn", password).await;
    s.goto("/overview#chain-map").await;
    assert!(s.has("#chain-table td b").await, "the chain map shows flows");
    // The single-sourced inputs by input: the shown figures never let a hidden one be worked
    // out from the total.
    let rows: Vec<Option<i64>> = serde_json::from_value(
        s.c.execute("return [...document.querySelectorAll('#single-table tbody tr td:nth-child(2)')].map(td => { const n = parseInt(td.textContent.replace(/,/g, '')); return isNaN(n) ? null : n; });", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    let hidden = rows.iter().filter(|r| r.is_none()).count();
    assert!(!rows.is_empty() && hidden != 1, "no single hidden row beside a total: {rows:?}");
    s.shots("chain-map").await;
    // The office's what-if: the same supplier stopping, as counts.
    s.click("#office-outage-link").await;
    s.goto(&format!("/overview/outage?stopped={stopped}&weeks=4")).await;
    assert!(
        s.has("#outage-summary").await && s.has("#outage-tiers").await,
        "the office's what-if answers: {}",
        s.text("main").await
    );
    s.shots("office-outage").await;
    s.switch_lang().await;
    s.goto("/overview#chain-map").await;
    s.shots("chain-map-en").await;
    s.finish().await;
}

/// Monthly reports: the cup maker of the demo sees its two years of reports against the
/// sector's median, files last month's figures (a bad one is refused on the page with the
/// reason), and the pilot office reads the cluster's structure by sector and by town, with
/// small cells hidden; on a phone and a desktop, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_files_its_monthly_report_and_the_office_reads_the_structure() {
    let mut s = Session::start("monthly-reports", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let password = wujin_server::demo_people::PASSWORD;
    s.sign_in("flask@demo.wujin.cn", password).await;
    s.click("#nav-reports").await;
    assert!(s.path().await.ends_with("/reports"), "{}", s.path().await);
    assert!(s.text("h1").await.contains("月度报表"), "{}", s.text("h1").await);
    assert!(s.has("#chart-revenue svg.chart.wide polyline").await, "the history is drawn");
    let before = s.c.find_all(Locator::Css("#reports-table tbody tr")).await.unwrap().len();
    assert!(before >= 12, "the demo holds a year or more of reports: {before}");
    // Export over revenue is refused with the reason, and nothing is written.
    let month = s.c.execute("return document.querySelector('#month').value;", vec![]).await.unwrap();
    let month = month.as_str().unwrap().to_string();
    s.fill("revenue", "1000").await;
    s.fill("export_revenue", "2000").await;
    s.fill("employees", "40").await;
    s.click("#report-form button[type=submit]").await;
    assert!(s.text("#reports-error").await.contains("出口收入"), "{}", s.text("#reports-error").await);
    // Good figures are filed (or correct the month) and head the table.
    s.fill("revenue", "1,234,567.89").await;
    s.fill("export_revenue", "200000").await;
    s.fill("employees", "40").await;
    s.fill("services_testing", "5000").await;
    s.click("#report-form button[type=submit]").await;
    assert!(s.text("#reports-filed").await.contains(&month), "{}", s.text("#reports-filed").await);
    let first = s.text("#reports-table tbody tr").await;
    assert!(first.contains("123") && s.text("#reports-table").await.contains(&month), "{first}");
    s.shots("reports").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the reports page fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("monthly reports"), "{}", s.text("h1").await);
    s.shots("reports-en").await;
    s.switch_lang().await;
    s.sign_out().await;

    s.sign_in("officer@demo.wujin.cn", password).await;
    s.goto("/overview").await;
    s.click("#structure-link").await;
    assert_eq!(s.text("h1").await, "集群结构");
    assert!(s.has("#chart-structure svg.chart.wide").await, "the trend is drawn");
    let total = s.text("#structure-latest tbody tr:last-child").await;
    assert!(total.contains("全部企业"), "{total}");
    assert!(s.has("#size-mix tbody tr").await, "the registry's size mix");
    assert!(s.text("#density").await.contains("检验检测"), "providers per 100 manufacturers by family");
    s.shots("structure").await;
    // By town the small demo's cells are thin: hidden ones say so, and no figure shows.
    s.c.execute("document.querySelector('#by').value = 'town';", vec![]).await.unwrap();
    s.click("#structure-form button[type=submit]").await;
    assert!(s.path().await.ends_with("/overview/structure"), "{}", s.path().await);
    let table = s.text("#structure-latest").await;
    assert!(table.contains("镇街") || table.contains("石柱"), "{table}");
    s.shots("structure-town").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the structure fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert_eq!(s.text("h1").await, "Cluster structure");
    s.shots("structure-en").await;
    s.finish().await;
}

/// The pilot office's targets: the landing page puts targets behind their path on top, a
/// target's page draws its line against the path with the sectors on and off track, and a new
/// target is set from the page (a bad one says why); on a phone and a desktop, in both
/// languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_sees_its_targets_on_and_off_track_and_sets_one() {
    let mut s = Session::start("office-targets", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    s.sign_in("officer@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/overview").await;
    assert!(s.has("#overview-targets li.result").await, "the demo's targets are on the landing page");
    s.shots("landing").await;
    s.click("#targets-link").await;
    assert_eq!(s.text("h1").await, "试点目标");
    let rows = s.c.find_all(Locator::Css("#targets-table tbody tr")).await.unwrap().len();
    assert!(rows >= 4, "the demo sets five targets: {rows}");
    s.shots("targets").await;
    s.click("#targets-table tbody tr a").await;
    assert!(s.path().await.starts_with("/overview/targets/"), "{}", s.path().await);
    assert!(s.has("#chart-target svg.chart.wide").await);
    let status = s.text("#target-status").await;
    assert!(status.contains("按计划") || status.contains("落后") || status.contains("暂无"), "{status}");
    s.shots("target").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "a target fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert!(s.has("#target-terms").await);
    s.shots("target-en").await;
    s.switch_lang().await;

    // A new target: a family metric without its family is refused, then set.
    s.goto("/overview/targets").await;
    s.fill("title", "物流服务使用率").await;
    s.c.execute("document.querySelector('#metric').value = 'service_uptake';", vec![]).await.unwrap();
    s.c.execute("document.querySelector('#baseline_month').value = '2026-01';", vec![]).await.unwrap();
    s.fill("baseline", "40").await;
    s.c.execute("document.querySelector('#due').value = '2027-12';", vec![]).await.unwrap();
    s.fill("target", "55").await;
    s.click("#target-form button[type=submit]").await;
    assert!(s.text("#targets-error").await.contains("服务门类"), "{}", s.text("#targets-error").await);
    s.fill("title", "物流服务使用率").await;
    s.c.execute("document.querySelector('#metric').value = 'service_uptake'; document.querySelector('#scope').value = 'logistics';", vec![]).await.unwrap();
    s.c.execute("document.querySelector('#baseline_month').value = '2026-01'; document.querySelector('#due').value = '2027-12';", vec![]).await.unwrap();
    s.fill("baseline", "40").await;
    s.fill("target", "55").await;
    s.click("#target-form button[type=submit]").await;
    assert_eq!(s.text("h1").await, "物流服务使用率");
    s.shots("new-target").await;
    s.click("#target-delete button").await;
    assert_eq!(s.path().await, "/overview/targets");

    // The service gaps: the demo's searches that found little, placed by family.
    s.goto("/overview").await;
    s.click("#gaps-link").await;
    assert_eq!(s.text("h1").await, "服务短板");
    assert!(s.has("#gaps-table tbody tr").await, "the demo's searches make gaps");
    assert!(s.text("#gaps-table").await.contains("检验检测"), "{}", s.text("#gaps-table").await);
    s.shots("gaps").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the gaps fit a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert_eq!(s.text("h1").await, "Service gaps");
    s.shots("gaps-en").await;
    s.finish().await;
}

#[tokio::test]
async fn the_office_closes_a_rectified_problem_and_a_firm_sends_its_evidence() {
    let mut s = Session::start("supervision", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    s.sign_in("officer@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/overview").await;
    let overdue = s.text("#overview-overdue").await;
    assert!(overdue.contains("危废暂存间"), "the overdue problem is on the landing page: {overdue}");
    assert!(s.has("#overview-month li").await, "what changed this month");
    s.shots("landing").await;

    // The ledger: overdue first, then by deadline.
    s.click("#ledger-link").await;
    assert_eq!(s.path().await, "/supervision/problems");
    let first = s.text("#ledger tbody tr:first-child").await;
    assert!(first.contains("危废暂存间") && first.contains("超期6天"), "{first}");
    assert!(s.has("#ledger-download").await, "the ledger downloads");
    s.shots("ledger").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the ledger fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();

    // Two problems await verification; the die-caster's is verified and closed, with a note.
    s.goto("/supervision/problems?state=submitted").await;
    let rows = s.c.find_all(Locator::Css("#ledger tbody tr")).await.unwrap().len();
    assert_eq!(rows, 2, "two problems await verification");
    let theirs = s.c.find(Locator::XPath("//table[@id='ledger']//a[contains(., '除尘')]")).await.unwrap();
    theirs.click().await.unwrap();
    assert!(s.text("#problem-entries").await.contains("除尘设施检测报告.pdf"), "the evidence is listed");
    s.shots("problem-to-verify").await;
    s.fill("verify-note", "现场复查，设施运行正常").await;
    s.click("#close-button").await;
    assert_eq!(s.text("#problem-state").await, "已销号");
    assert!(s.text("#problem-entries").await.contains("现场复查，设施运行正常"));
    s.switch_lang().await;
    assert_eq!(s.text("#problem-state").await, "Closed");
    s.shots("problem-closed-en").await;
    s.switch_lang().await;

    // The task board, and a gap made into a task in one step.
    s.goto("/supervision/tasks").await;
    assert!(s.text("#tasks-in_progress").await.contains("集采平台"), "{}", s.text("#tasks-in_progress").await);
    s.shots("tasks").await;
    s.goto("/overview/gaps").await;
    s.click("#gaps-table a.gap-task").await;
    assert!(s.has("#task-from-gap").await, "the form is filled from the gap");
    assert!(!s.c.find(Locator::Id("title")).await.unwrap().prop("value").await.unwrap().unwrap_or_default().is_empty());
    s.c.execute("document.querySelector('#department').selectedIndex = 1;", vec![]).await.unwrap();
    s.fill("owner", "赵科长").await;
    s.click("#task-form button[type=submit]").await;
    assert!(s.path().await.starts_with("/supervision/tasks/"), "{}", s.path().await);
    assert!(s.text("#task-facts").await.contains("永康市市场监督管理局"), "the first department");
    // The task's unit is told in its inbox, and the task is on the board.
    s.goto("/supervision/tasks").await;
    assert!(s.text("#tasks-not_started").await.contains("补齐"), "{}", s.text("#tasks-not_started").await);
    s.shots("task-from-gap").await;
    s.sign_out().await;

    // The cup maker sees its own problems, sends evidence, and reports one rectified.
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/supervision/problems").await;
    let rows = s.c.find_all(Locator::Css("#ledger tbody tr")).await.unwrap().len();
    assert_eq!(rows, 2, "its own two problems, nobody else's");
    s.click("#ledger tbody tr:first-child a").await;
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("台账照片.pdf");
    std::fs::write(&renamed, b"GIF89a not a pdf").unwrap();
    s.c.find(Locator::Id("file")).await.unwrap().send_keys(renamed.to_str().unwrap()).await.unwrap();
    s.click("#evidence-form button[type=submit]").await;
    assert!(s.text("#problem-error").await.contains("PDF"), "a file is judged by its content");
    let pdf = dir.path().join("危废台账.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    s.c.find(Locator::Id("file")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    s.fill("evidence-note", "近三个月出入库记录").await;
    s.click("#evidence-form button[type=submit]").await;
    assert!(s.text("#problem-entries").await.contains("危废台账.pdf"));
    s.click("#submit-form button[type=submit]").await;
    assert_eq!(s.text("#problem-state").await, "待核查");
    s.shots("problem-submitted").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "a problem fits a phone");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_joins_a_pool_and_its_organiser_reads_the_allocation_after_the_close() {
    let mut s = Session::start("pools", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    s.sign_in("casting@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.click("#nav-pools").await;
    assert_eq!(s.path().await, "/pools");
    let list = s.text("#pool-list").await;
    assert!(list.contains("ADC12 铝锭 国标") && list.contains("已成团") && list.contains("未成团"), "{list}");
    s.shots("pools").await;

    // The open pool: the running total against its tiers, an indicative price, and the form.
    s.click("#pool-list li:first-child a").await;
    assert!(s.text("#pool-price").await.contains("参考"), "an open pool's price is indicative");
    let before = s.text(".pool-progress").await;
    assert!(before.contains("已认购 125"), "{before}");
    let quantity = s.c.find(Locator::Css("form[id^=commit-] input[name=quantity]")).await.unwrap();
    quantity.clear().await.unwrap();
    quantity.send_keys("83").await.unwrap();
    s.click("form[id^=commit-] button[type=submit]").await;
    assert!(s.text("#pool-error").await.contains("每批5"), "not whole lots is explained");
    let quantity = s.c.find(Locator::Css("form[id^=commit-] input[name=quantity]")).await.unwrap();
    quantity.clear().await.unwrap();
    quantity.send_keys("80").await.unwrap();
    s.click("form[id^=commit-] button[type=submit]").await;
    assert!(s.text("#pool-mine").await.contains("认购 80"), "the revision is its own");
    assert!(s.text(".pool-progress").await.contains("已认购 145"));
    assert!(!s.has("#allocation-table").await, "the organiser sees no firm's quantity before the close");
    s.shots("pool-open").await;

    // A price series: its line and its latest values.
    s.goto("/prices").await;
    s.click("#series-table a").await;
    assert!(s.has("#chart-series svg").await, "the series is drawn");
    s.shots("price-series").await;
    s.sign_out().await;

    // The cup maker organised the 304 coil pool: after the close it reads every firm's share.
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/pools?state=allocated").await;
    s.click("#pool-list li:first-child a").await;
    assert!(s.text("#pool-price").await.contains("成交单价"));
    assert!(s.text("#pool-formula").await.contains("= "), "the formula is shown with its numbers");
    let rows = s.c.find_all(Locator::Css("#allocation-table tbody tr")).await.unwrap().len();
    assert!(rows >= 2, "every firm's allocation, {rows}");
    assert!(s.has("#allocations-download").await);
    s.shots("pool-allocated").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "a pool fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    assert!(s.text("#pool-price").await.contains("Unit price"));
    s.shots("pool-allocated-en").await;
    s.switch_lang().await;

    // Opening a pool at a fixed price.
    s.goto("/pools").await;
    s.click("#pool-new-link").await;
    s.fill("spec", "锌合金锭 3# 集采").await;
    s.c.execute("document.querySelector('#category').value = 'materials.zinc_alloy';", vec![]).await.unwrap();
    s.fill("fixed_price", "23,500").await;
    s.fill("tier_0_quantity", "30").await;
    s.fill("tier_0_percent", "1.5").await;
    s.shots("pool-new").await;
    s.click("#pool-form button[type=submit]").await;
    assert!(s.path().await.starts_with("/pools/"), "{}", s.path().await);
    assert_eq!(s.text("#pool-state").await, "征集中");
    assert!(s.text("#pool-facts").await.contains("−1.5%"));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_books_time_on_a_machine_and_its_owner_confirms_it() {
    let mut s = Session::start("capacity", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    // The demo's bookings are next week (from the next Monday on).
    let mut monday = wujin_store::ties::today() + time::Duration::days(1);
    while monday.weekday() != time::Weekday::Monday {
        monday += time::Duration::days(1);
    }
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/machines").await;
    assert!(s.text("#machine-table").await.contains("压铸 800 T"));
    s.shots("machines").await;
    s.click("#machine-table tbody tr:first-child a").await;
    s.goto(&format!("{}?from={monday}", s.path().await)).await;
    assert!(s.has("#machine-week .seg.booked").await, "the confirmed Monday booking is drawn");
    assert!(s.has("#machine-week .seg.maintenance").await, "Friday's maintenance is drawn");
    s.shots("machine-week").await;
    // The machine is offered under the die-caster's capacity offer, whose page lists it.
    let here = s.c.current_url().await.unwrap().to_string();
    s.click("#machine-offer").await;
    assert!(s.text("#offer-machines").await.contains("压铸岛"), "{}", s.text("#offer-machines").await);
    s.c.goto(&here).await.unwrap();
    // Monday 09:00 is taken: the refusal names the window in the way.
    let set = |id: &str, v: String| format!("document.getElementById('{id}').value = '{v}';");
    s.c.execute(&set("day", monday.to_string()), vec![]).await.unwrap();
    s.c.execute(&set("time", "09:00".into()), vec![]).await.unwrap();
    s.fill("hours", "1").await;
    s.click("#booking-form button[type=submit]").await;
    let error = s.text("#machine-error").await;
    assert!(error.contains("08:00") && error.contains("14:00"), "{error}");
    // Wednesday afternoon is free.
    s.c.execute(&set("day", (monday + time::Duration::days(2)).to_string()), vec![]).await.unwrap();
    s.c.execute(&set("time", "14:00".into()), vec![]).await.unwrap();
    s.fill("hours", "2.5").await;
    s.fill("material", "ADC12").await;
    s.click("#booking-form button[type=submit]").await;
    assert_eq!(s.path().await, "/bookings");
    assert!(s.has("#booking-sent").await);
    assert!(s.text("#bookings-requested").await.contains("14:00"), "{}", s.text("#bookings-requested").await);
    s.shots("bookings-mine").await;
    s.sign_out().await;

    // The die-caster confirms it from the bookings of its machines.
    s.sign_in("casting@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/bookings").await;
    let before = s.c.find_all(Locator::Css("#bookings-provided form[action$='/confirm']")).await.unwrap().len();
    assert!(before >= 2, "the demo's open request and the new one, {before}");
    s.click("#bookings-provided form[action$='/confirm'] button").await;
    let after = s.c.find_all(Locator::Css("#bookings-provided form[action$='/confirm']")).await.unwrap().len();
    assert_eq!(after, before - 1, "one request fewer to answer");
    s.shots("bookings-provided").await;
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("Bookings"));
    s.shots("bookings-provided-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the bookings fit a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    s.sign_out().await;

    // A firm looks for die-casting time free for a whole twelve-hour shift next week: the
    // index has followed the machines and their bookings.
    wujin_match::follow::catch_up(&s.app.store, s.app.index.as_ref().unwrap()).await.unwrap();
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/search?q=%E5%8E%8B%E9%93%B8&kind=capacity").await;
    assert!(s.has("#free-form").await, "a capacity search offers the free-time form");
    s.c.execute(&set("free_from", monday.to_string()), vec![]).await.unwrap();
    s.c.execute(&set("free_to", (monday + time::Duration::days(6)).to_string()), vec![]).await.unwrap();
    s.fill("free_hours", "12").await;
    s.click("#free-form button[type=submit]").await;
    assert!(s.text("#results").await.contains("压铸"), "die-casting machines free for a shift are found");
    let url = s.c.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").contains("free_hours=12"), "{url}");
    s.shots("search-free-time").await;
    // More than two weeks in one window: nobody's machine runs that long free.
    s.fill("free_hours", "336").await;
    s.click("#free-form button[type=submit]").await;
    assert!(s.has("#empty").await, "no machine is free for two weeks on end");
    s.sign_out().await;

    // The office sees the cluster's idle hours by process and town.
    s.sign_in("officer@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/overview").await;
    s.click("#idle-link").await;
    assert!(s.has("#chart-idle").await, "the weeks are charted");
    assert!(s.text("#idle-towns").await.contains("压铸"), "{}", s.text("#idle-towns").await);
    assert!(s.text("#idle-towns").await.contains("不显示"), "figures of too few firms are hidden");
    s.shots("idle-capacity").await;
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("Idle capacity"));
    s.shots("idle-capacity-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the idle capacity fits a phone");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_reads_the_standards_library_and_an_editions_chain() {
    let mut s = Session::start("standards", 1280, 1000).await;
    s.goto("/").await;
    s.click("#nav-standards").await;
    assert!(s.text("#standards-table").await.contains("GB 17565-2007"), "withdrawn editions are listed");
    s.shots("standards").await;
    s.fill("q", "gb 17565").await;
    s.click("#standards-form button[type=submit]").await;
    s.click("#standards-table tbody tr:first-child a").await;
    assert_eq!(s.text("#standard-status").await, "现行");
    let chain = s.text("#standard-chain").await;
    assert!(chain.find("GB 17565-2022") < chain.find("GB 17565-2007"), "newest first: {chain}");
    assert!(s.has("#standard-firms").await, "the demo's door makers cite it");
    s.shots("standard").await;
    s.click("#standard-chain a").await;
    assert_eq!(s.text("#standard-status").await, "废止");
    assert!(s.has("#standard-successor").await, "the old edition names its successor");
    s.switch_lang().await;
    assert_eq!(s.text("#standard-status").await, "Withdrawn");
    s.shots("standard-old-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "an edition's page fits a phone");
    s.finish().await;
}

/// A firm's owner declares that an offer meets an edition, from the offer's page, with the
/// report's file: a file that is not what its name says is refused on the form; a PDF is
/// kept and the declaration listed. A visitor then finds the firm by "with a test report"
/// and on the edition's page, and sees no link to the report itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_declares_conformance_with_its_report_and_a_buyer_finds_it() {
    let mut s = Session::start("declarations", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let store = s.app.store.clone();
    let flask = store.account_by_login("flask@demo.wujin.cn").await.unwrap().unwrap().id;
    let org = store.memberships(flask).await.unwrap()[0].org_id;
    let filter = wujin_store::offers::OfferFilter { org_id: Some(org), ..Default::default() };
    let (offers, _) = store.list_offers(&filter, None, 200).await.unwrap();
    let offer = offers.iter().find(|o| o.record.standards.iter().any(|n| n == "GB/T 29606-2013")).unwrap();
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto(&format!("/offers/{}", offer.id)).await;
    s.c.find(Locator::Css("#declare summary")).await.unwrap().click().await.unwrap();
    s.c.execute(
        "const s = document.getElementById('d-standard'); s.value = 'GB/T 29606-2013';\
         document.getElementById('d-issued').value = '2026-10-12';",
        vec![],
    )
    .await
    .unwrap();
    s.fill("d-report", "ZJ-TEST-20261012").await;
    s.fill("d-lab", "浙江省轻工业品质量检验研究院").await;
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("检测报告.pdf");
    std::fs::write(&renamed, b"MZ\x90\0\x03\0\0\0 this program cannot be run in DOS mode").unwrap();
    s.c.find(Locator::Id("d-file")).await.unwrap().send_keys(renamed.to_str().unwrap()).await.unwrap();
    s.click("#declare-form button[type=submit]").await;
    assert!(s.text("#offer-error").await.contains("PDF"), "a file is judged by its content");
    assert!(!s.text("body").await.contains("ZJ-TEST-20261012"), "nothing kept");
    s.c.execute(
        "document.getElementById('d-standard').value = 'GB/T 29606-2013';\
         document.getElementById('d-issued').value = '2026-10-12';",
        vec![],
    )
    .await
    .unwrap();
    s.fill("d-report", "ZJ-TEST-20261012").await;
    s.fill("d-lab", "浙江省轻工业品质量检验研究院").await;
    let pdf = dir.path().join("保温性能检测报告.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    s.c.find(Locator::Id("d-file")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    s.click("#declare-form button[type=submit]").await;
    let listed = s.text("#offer-declarations").await;
    assert!(listed.contains("ZJ-TEST-20261012") && listed.contains("GB/T 29606-2013"), "{listed}");
    assert!(s.has(".declaration-file").await, "the firm reads its own report");
    s.shots("offer-declared").await;
    // 我的标准: every offer's editions, the new report among them, a lapsing one flagged.
    s.goto("/standards").await;
    s.click("#my-standards").await;
    let mine = s.text(&format!("#mine-{org}")).await;
    assert!(mine.contains("ZJ-TEST-20261012") && mine.contains("报告将到期"), "{mine}");
    s.shots("my-standards").await;

    // A visitor: the firm is found with "only with a test report", its edition marked.
    s.sign_out().await;
    wujin_match::follow::catch_up(&store, s.app.index.as_ref().unwrap()).await.unwrap();
    s.goto("/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF&standard=GBT29606").await;
    s.click("#report-toggle").await;
    let results = s.text("#results").await;
    assert!(results.contains(&offer.org_name), "{results}");
    assert!(s.has(".chip.reported").await, "the declared edition is marked");
    s.shots("search-with-report").await;
    s.goto(&format!("/offers/{}", offer.id)).await;
    assert!(s.text("#offer-declarations").await.contains("ZJ-TEST-20261012"));
    assert!(!s.has(".declaration-file").await, "a visitor gets no link to the report");
    s.goto("/standards/GB-T29606-2013").await;
    assert!(s.text("#standard-declaring").await.contains(&offer.org_name));
    s.switch_lang().await;
    s.shots("standard-declaring-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "an edition's page fits a phone");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integrator_subscribes_a_url_sees_its_deliveries_and_sends_a_failed_one_again() {
    use std::sync::atomic::Ordering;
    // The receiver runs on loopback, so the server allows internal addresses here, as
    // `--webhook-allow-private` does.
    let mut s = Session::start_with("webhooks", 1280, 1000, |app| app.webhook_allow_private = true).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let rx = common::Receiver::start().await;
    let worker = wujin_server::webhooks::Worker::new(s.app.clone(), wujin_server::webhooks::Sender::new(true));
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    // The account menu leads to the webhooks; there are none yet.
    s.c.find(Locator::Id("account-name")).await.unwrap().click().await.unwrap();
    s.click("#nav-webhooks").await;
    assert_eq!(s.path().await, "/webhooks");
    assert!(s.has("#hooks-empty").await, "an empty list says how to begin");
    s.shots("webhooks-empty").await;

    // Only http and https: the refusal is shown and the form keeps what was typed.
    s.fill("hook-url", "ftp://erp.example.com/hook").await;
    s.click("#hook-form button[type=submit]").await;
    assert!(s.has("#hook-error").await, "a bad URL is refused on the page");
    let kept = s.c.find(Locator::Id("hook-url")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("ftp://erp.example.com/hook"));

    // Offers and firms only: the secret is shown once, and the list shows the subscription.
    s.fill("hook-url", &rx.url).await;
    s.c.find(Locator::Id("type-demand")).await.unwrap().click().await.unwrap();
    s.click("#hook-form button[type=submit]").await;
    let secret = s.text("#hook-secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let row = s.text("#hook-table tbody tr").await;
    assert!(row.contains(&rx.url) && row.contains("推送中") && !row.contains("需求"), "{row}");
    s.shots("webhook-created").await;
    s.goto("/webhooks").await;
    assert!(!s.has("#hook-secret").await, "the secret is not shown again");

    // A test event reaches the receiver signed with the secret the page showed.
    s.click("#hook-table tbody a").await;
    let page = s.path().await;
    assert!(s.has("#deliveries-empty").await);
    s.click("#hook-test").await;
    assert!(s.has("#hook-done").await);
    common::drain(&worker, wujin_store::now_ms()).await;
    let got = rx.got().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(
        wujin_server::webhooks::signature::verify(
            &secret,
            &got[0].signature,
            &got[0].id,
            got[0].timestamp,
            got[0].body.as_bytes()
        ),
        "the delivery verifies with the secret shown on the page"
    );
    s.goto(&page).await;
    let log = s.text("#delivery-table tbody tr").await;
    assert!(log.contains("已送达") && log.contains("HTTP 200"), "{log}");

    // The receiver breaks: the next one fails, the log says how, and it goes again by hand.
    rx.answer.store(500, Ordering::SeqCst);
    s.click("#hook-test").await;
    common::drain(&worker, wujin_store::now_ms()).await;
    s.goto(&page).await;
    let log = s.text("#delivery-table tbody tr:first-child").await;
    assert!(log.contains("HTTP 500"), "{log}");
    s.shots("webhook-log").await;
    s.click("#delivery-table tbody tr:first-child th a").await;
    assert!(s.text("#attempt-table").await.contains("HTTP 500"));
    assert!(s.text("#delivery-body").await.contains("webhook.test"), "the body as sent is shown");
    s.shots("webhook-delivery").await;
    rx.answer.store(200, Ordering::SeqCst);
    let before = rx.got().await.len();
    s.click("#delivery-redeliver").await;
    assert!(s.has("#hook-done").await);
    common::drain(&worker, wujin_store::now_ms()).await;
    let again = rx.got().await;
    assert!(again.len() > before, "the failed delivery went again");
    assert_eq!(again.last().unwrap().json()["type"], "webhook.test");

    // Paused, then resumed; a rotation shows the new secret once and keeps the old one signing.
    s.click("#hook-pause").await;
    assert!(s.text("#hook-state").await.contains("已暂停"));
    s.click("#hook-resume").await;
    assert!(s.text("#hook-state").await.contains("推送中"));
    s.click("#hook-rotate").await;
    let rotated = s.text("#hook-secret").await;
    assert!(rotated.starts_with("whsec_") && rotated != secret, "{rotated}");
    assert!(s.has("#hook-facts").await && s.text("#hook-facts").await.contains("仍同时签名"));
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("Webhook"));
    assert!(s.text("#hook-state").await.contains("Active"));
    s.shots("webhook-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "a webhook's page fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;

    // Deleting asks for the tick first.
    s.click("#hook-delete button[type=submit]").await;
    assert!(s.has("#hook-error").await, "not deleted without the tick");
    s.c.find(Locator::Id("hook-sure")).await.unwrap().click().await.unwrap();
    s.click("#hook-delete button[type=submit]").await;
    assert_eq!(s.path().await, "/webhooks");
    assert!(s.has("#hooks-empty").await);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_books_a_test_the_lab_takes_it_to_a_report_and_the_firm_declares_with_it() {
    let mut s = Session::start("test-bookings", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let store = s.app.store.clone();
    let member = |login: &'static str| {
        let store = store.clone();
        async move {
            let id = store.account_by_login(login).await.unwrap().unwrap().id;
            (store.memberships(id).await.unwrap()[0].org_id, id)
        }
    };
    let (lab, tester) = member("lab@demo.wujin.cn").await;
    let (maker, _) = member("flask@demo.wujin.cn").await;
    // The demo lab also tests vacuum cups' insulation, under one of its testing offers.
    let under = store.test_items(Some(lab), None, 1).await.unwrap()[0].offer_id;
    let item = wujin_domain::testing::TestItem {
        standard: "GB/T 29606-2013".into(),
        name: "保温效能".into(),
        clause: None,
        method: "按标准规定的试验方法".into(),
        sample: "3 只".into(),
        price_fen: 60_000,
        turnaround_days: 7,
        in_scope: true,
        weekly_capacity: 5,
    };
    let item = store.add_test_item(lab, under, &item, tester).await.unwrap().id;
    let filter = wujin_store::offers::OfferFilter { org_id: Some(maker), ..Default::default() };
    let (offers, _) = store.list_offers(&filter, None, 200).await.unwrap();
    let cup = offers.iter().find(|o| o.record.standards.iter().any(|n| n == "GB/T 29606-2013")).unwrap();

    // The cup maker books the item from the lab's offer and follows it on 检测预约.
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto(&format!("/offers/{under}")).await;
    s.c.find(Locator::Id(&format!("item-{item}"))).await.unwrap().click().await.unwrap();
    let day = wujin_store::ties::today() + time::Duration::days(5);
    s.c.execute(&format!("document.getElementById('b-date').value = '{day}';"), vec![]).await.unwrap();
    s.fill("b-notes", "新款 500ml 杯").await;
    s.click("#book-form button[type=submit]").await;
    s.click("#test-progress").await;
    assert_eq!(s.path().await, "/test-bookings");
    let mine = s.text("#tests-requested li.result:first-child").await;
    assert!(mine.contains("保温效能") && mine.contains("待确认") && mine.contains("新款 500ml 杯"), "{mine}");
    let card =
        s.c.execute("return document.querySelector('#tests-requested li.result').id;", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
    s.shots("tests-requested").await;
    s.sign_out().await;

    // The lab confirms it for a day, records the sample, starts, and issues the report.
    s.sign_in("lab@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/test-bookings").await;
    let ours = format!("#tests-lab #{card}");
    assert!(s.text(&ours).await.contains("新款 500ml 杯"));
    s.shots("tests-lab").await;
    s.click(&format!("{ours} .confirm-form button")).await;
    assert!(s.text("#tests-done").await.contains("已确认"));
    assert!(s.text(&ours).await.contains(&day.to_string()), "the day confirmed is shown");
    s.click(&format!("{ours} .step-form button")).await;
    assert!(s.text(&ours).await.contains("已收样"));
    s.click(&format!("{ours} .step-form button")).await;
    assert!(s.text(&ours).await.contains("检测中"));
    assert!(!s.has(&format!("{ours} .cancel-form")).await, "too late to cancel once testing");
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("报告.pdf");
    std::fs::write(&html, b"<html><body>not a report</body></html>").unwrap();
    let id = card.trim_start_matches("test-booking-");
    s.fill(&format!("report-no-{id}"), "WJ-LAB-2026-0042").await;
    s.c.find(Locator::Id(&format!("report-file-{id}"))).await.unwrap().send_keys(html.to_str().unwrap()).await.unwrap();
    s.click(&format!("{ours} .issue-form button")).await;
    assert!(s.text("#tests-error").await.contains("PDF"), "a report is judged by its content");
    assert!(s.text(&ours).await.contains("检测中"), "and nothing changed");
    let pdf = dir.path().join("保温效能检测报告.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    s.fill(&format!("report-no-{id}"), "WJ-LAB-2026-0042").await;
    s.c.find(Locator::Id(&format!("report-file-{id}"))).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    s.click(&format!("{ours} .issue-form button")).await;
    let issued = s.text(&ours).await;
    assert!(issued.contains("已出报告") && issued.contains("WJ-LAB-2026-0042"), "{issued}");
    s.shots("tests-lab-reported").await;
    s.sign_out().await;

    // The cup maker reads the report and declares its cup meets the edition with it.
    s.sign_in("flask@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto("/inbox").await;
    assert!(s.has("a[href^='/test-bookings#']").await, "the inbox leads to the booking");
    s.goto("/test-bookings").await;
    let mine = format!("#tests-requested #{card}");
    assert!(s.has(&format!("{mine} .report-link")).await, "the firm that booked reads the report");
    let choices = s.text(&format!("#offer-{id}")).await;
    assert!(choices.contains(&cup.record.title), "offers citing the standard are offered: {choices}");
    s.c.execute(&format!("document.getElementById('offer-{id}').value = '{}';", cup.id), vec![]).await.unwrap();
    s.click(&format!("{mine} .declare-form button")).await;
    assert!(s.text("#tests-done").await.contains("符合性声明"), "{}", s.text("body").await);
    assert!(
        s.text(&format!("{mine} .declared-with")).await.contains(&cup.record.title),
        "the card says what it proved"
    );
    // And rates the lab, which counts in its standing.
    s.c.find(Locator::Id(&format!("score-{id}-4"))).await.unwrap().click().await.unwrap();
    s.fill(&format!("comment-{id}"), "周期准时").await;
    s.click(&format!("{mine} .rate-form button")).await;
    assert!(s.text(&format!("{mine} .rated")).await.contains("4 分"), "{}", s.text(&mine).await);
    assert!(!s.has(&format!("{mine} .rate-form")).await, "rated once");
    s.goto(&format!("/offers/{}", cup.id)).await;
    let declared = s.text("#offer-declarations").await;
    assert!(declared.contains("WJ-LAB-2026-0042") && declared.contains("GB/T 29606-2013"), "{declared}");
    s.goto("/test-bookings").await;
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("Test bookings"));
    s.shots("tests-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the bookings fit a phone");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_submits_its_certificate_and_once_checked_its_items_read_verified() {
    let mut s = Session::start("accreditation", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let store = s.app.store.clone();
    let tester = store.account_by_login("lab@demo.wujin.cn").await.unwrap().unwrap().id;
    let lab = store.memberships(tester).await.unwrap()[0].org_id;
    let under = store.test_items(Some(lab), None, 1).await.unwrap()[0].offer_id;
    s.goto(&format!("/offers/{under}")).await;
    assert!(s.text("#test-items + form").await.contains("未核验"), "the lab's word alone at first");

    // The lab submits its CNAS certificate from its own page; a bad number is named.
    s.sign_in("lab@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.goto(&format!("/orgs/{lab}")).await;
    s.c.find(Locator::Css("#acc-submit summary")).await.unwrap().click().await.unwrap();
    s.c.execute("document.getElementById('acc-scheme').value = 'CNAS';", vec![]).await.unwrap();
    s.fill("acc-number", "CNAS 0390").await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("CNAS认可证书.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    s.c.find(Locator::Id("acc-file")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    s.click("#acc-form button[type=submit]").await;
    assert!(s.text("#org-error").await.contains("L0390"), "the form of the number is explained");
    s.c.find(Locator::Css("#acc-submit summary")).await.unwrap().click().await.unwrap();
    s.c.execute("document.getElementById('acc-scheme').value = 'CNAS';", vec![]).await.unwrap();
    s.fill("acc-number", "CNAS L0390").await;
    s.c.find(Locator::Id("acc-file")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    s.click("#acc-form button[type=submit]").await;
    let listed = s.text("#accreditations").await;
    assert!(listed.contains("L0390") && listed.contains("待核验"), "{listed}");
    s.shots("lab-certificate").await;
    s.sign_out().await;

    // A platform admin checks it from the queue in the account menu.
    s.sign_in("admin@demo.wujin.cn", wujin_server::demo_people::PASSWORD).await;
    s.c.find(Locator::Id("account-name")).await.unwrap().click().await.unwrap();
    s.click("#nav-accreditations").await;
    assert!(s.text("#acc-queue").await.contains("L0390"));
    assert!(s.has("#acc-queue .acc-file").await, "the document is there to open");
    s.shots("certificates-to-check").await;
    s.click("#acc-queue .verify-form button").await;
    assert!(s.has("#acc-done").await && s.has("#acc-empty").await, "checked, and the queue is empty");
    s.switch_lang().await;
    assert!(s.text("h1").await.contains("Certificates to check"));
    s.shots("certificates-checked-en").await;
    s.c.set_window_size(390, 900).await.unwrap();
    assert!(!s.scrolls_sideways().await, "the queue fits a phone");
    s.c.set_window_size(1280, 1000).await.unwrap();
    s.switch_lang().await;
    s.sign_out().await;

    // Anyone now reads the lab's in-scope items as checked.
    s.goto(&format!("/offers/{under}")).await;
    assert!(s.text("#test-items + form").await.contains("平台已核验"));
    s.shots("items-verified").await;
    s.finish().await;
}
