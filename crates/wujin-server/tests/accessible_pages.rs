//! Accessible by habit, checked in a real browser on every page a person of the demo cluster
//! reaches: each form field has a label, each button says what it does, each page has its own
//! title, one main heading and a language, and every piece of text stands out from its
//! background by the WCAG AA contrast ratio (4.5:1, 3:1 for large text).

mod browser;
mod common;

use browser::Session;
use serde_json::Value;

/// What the browser finds wrong on the page it shows, computed from the live DOM and styles.
const AUDIT: &str = r#"
const unlabelled = [];
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button'].includes(el.type)) continue;
  if (el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
    unlabelled.push(el.outerHTML.slice(0, 80));
  }
}
for (const b of document.querySelectorAll('button, a')) {
  if (!b.textContent.trim() && !b.getAttribute('aria-label') && !b.getAttribute('title')) {
    unlabelled.push(b.outerHTML.slice(0, 80));
  }
}
const rgb = c => (c.match(/[\d.]+/g) || ['0', '0', '0', '0']).map(Number);
const lum = c => {
  const [r, g, b] = rgb(c).slice(0, 3).map(v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const background = el => {
  for (; el; el = el.parentElement) {
    const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return getComputedStyle(el).backgroundColor;
  }
  return 'rgb(255, 255, 255)';
};
const low = [];
let texts = 0;
for (const el of document.querySelectorAll('body, body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.closest('svg') || el.getClientRects().length === 0) continue;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden') continue;
  texts += 1;
  const [a, b] = [lum(s.color), lum(background(el))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) {
    low.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
}
return {
  unlabelled,
  low,
  texts,
  fields: document.querySelectorAll('input, select, textarea').length,
  title: document.title,
  h1: document.querySelectorAll('h1').length,
  lang: document.documentElement.lang,
};
"#;

/// The first link on the current page whose path starts with `prefix` and goes on with digits.
async fn first_link(s: &Session, prefix: &str) -> String {
    let script = "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))\
                  .find(h => h && h.startsWith(arguments[0]) && /^\\d+$/.test(h.slice(arguments[0].length))) || null;";
    let v = s.c.execute(script, vec![Value::from(prefix)]).await.unwrap();
    let here = s.path().await;
    v.as_str().unwrap_or_else(|| panic!("no {prefix}N link on {here}")).to_string()
}

/// Audits the page at `path` and returns its title; every finding fails the test with the page named.
async fn audit(s: &Session, path: &str, problems: &mut Vec<String>) -> String {
    s.goto(path).await;
    let r = s.c.execute(AUDIT, vec![]).await.unwrap();
    for field in r["unlabelled"].as_array().unwrap() {
        problems.push(format!("{path}: no label: {field}"));
    }
    for text in r["low"].as_array().unwrap() {
        problems.push(format!("{path}: low contrast: {text}"));
    }
    if r["h1"] != 1 {
        problems.push(format!("{path}: {} main headings", r["h1"]));
    }
    if !matches!(r["lang"].as_str(), Some("zh-CN" | "en")) {
        problems.push(format!("{path}: no language on <html>"));
    }
    if r["texts"].as_u64().unwrap_or(0) < 3 {
        problems.push(format!("{path}: the audit found almost no text to judge"));
    }
    let title = r["title"].as_str().unwrap_or("").to_string();
    if title.trim().is_empty() {
        problems.push(format!("{path}: no title"));
    }
    title
}

/// The audit itself finds what it looks for: grey text on white and a field with no label,
/// slipped into a real page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_catches_faint_text_and_a_field_without_a_label() {
    let s = Session::start("accessible-audit", 1280, 1000).await;
    s.goto("/").await;
    let slip = "document.querySelector('main').insertAdjacentHTML('beforeend', \
                '<p style=\"color:#aaa;background:#fff\">浅灰色的说明文字</p><input name=\"nolabel\">');";
    s.c.execute(slip, vec![]).await.unwrap();
    let r = s.c.execute(AUDIT, vec![]).await.unwrap();
    let low: Vec<&str> = r["low"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(low.iter().any(|l| l.contains("浅灰色") && l.contains("2.32:1")), "{low:?}");
    let unlabelled = r["unlabelled"].to_string();
    assert!(unlabelled.contains("nolabel"), "{unlabelled}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_labels_its_fields_names_itself_and_keeps_its_text_readable() {
    let s = Session::start("accessible", 1280, 1000).await;
    wujin_server::demo_people::load(&s.app.store).await.unwrap();
    let password = wujin_server::demo_people::PASSWORD;
    let mut problems = vec![];
    let mut titles = vec![];

    for path in ["/", "/search?q=保温杯", "/search?q=没有这种东西xyz", "/login", "/register", "/no-such-page"]
    {
        titles.push((path.to_string(), audit(&s, path, &mut problems).await));
    }
    s.goto("/search?q=保温杯").await;
    let org = first_link(&s, "/orgs/").await;
    s.goto(&org).await;
    let offer = first_link(&s, "/offers/").await;
    for path in [org.as_str(), offer.as_str(), "/?lang=en", "/login?lang=en"] {
        titles.push((path.to_string(), audit(&s, path, &mut problems).await));
    }
    // Back to Chinese for the signed-in pages.
    s.goto("/?lang=zh").await;

    // The standards library and an edition with its chain.
    for path in ["/standards", "/standards/GB17565-2022"] {
        titles.push((path.to_string(), audit(&s, path, &mut problems).await));
    }

    // The buyer: its demands in every state, one with the responses side by side.
    s.sign_in("flask@demo.wujin.cn", password).await;
    s.goto("/demands").await;
    let demand = first_link(&s, "/demands/").await;
    for path in [
        "/demands",
        "/demands/new",
        demand.as_str(),
        "/inbox",
        "/tokens",
        "/webhooks",
        "/quotes",
        "/account/password",
        "/standards/mine",
        "/test-bookings",
    ] {
        titles.push((path.to_string(), audit(&s, path, &mut problems).await));
    }
    // The question before a cancellation, on the first demand that may still be cancelled.
    s.goto("/demands").await;
    let all: Vec<String> = {
        let script = "return [...new Set([...document.querySelectorAll('a')].map(a => a.getAttribute('href'))\
                      .filter(h => h && /^\\/demands\\/\\d+$/.test(h)))];";
        let v = s.c.execute(script, vec![]).await.unwrap();
        v.as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string()).collect()
    };
    let mut cancel = None;
    for d in &all {
        s.goto(d).await;
        let v = s.c.execute("return document.querySelector('a#cancel') ? document.querySelector('a#cancel').getAttribute('href') : null;", vec![]).await.unwrap();
        if let Some(h) = v.as_str() {
            cancel = Some(h.to_string());
            break;
        }
    }
    let cancel = cancel.expect("the demo buyer has a demand it may cancel");
    titles.push((cancel.clone(), audit(&s, &cancel, &mut problems).await));
    let members = {
        let v = s.c.execute("return document.getElementById('nav-firm').getAttribute('href');", vec![]);
        format!("{}/members", v.await.unwrap().as_str().unwrap())
    };
    titles.push((members.clone(), audit(&s, &members, &mut problems).await));
    // The firm's catalogue forms, which its owner sees.
    let org = members.trim_end_matches("/members").to_string();
    s.goto(&org).await;
    let offer = first_link(&s, "/offers/").await;
    for path in [format!("{org}/offers/new"), format!("{offer}/edit"), format!("{org}/edit"), format!("{org}/chain")] {
        titles.push((path.clone(), audit(&s, &path, &mut problems).await));
    }
    // What if its first supplier stops: the what-if page, reached from the chain page's form.
    s.goto(&format!("{org}/chain")).await;
    let whatif = s
        .c
        .execute("const f = document.querySelector('form.whatif'); return f ? f.querySelector('input[name=stopped]').value : null;", vec![])
        .await
        .unwrap();
    let stopped = whatif.as_str().expect("the demo buyer has a supplier in the registry");
    let path = format!("{org}/chain/outage?stopped={stopped}&weeks=4");
    titles.push((path.clone(), audit(&s, &path, &mut problems).await));
    // Its problems to rectify, and one with the measure, evidence and submit forms.
    titles.push(("/supervision/problems (unit)".into(), audit(&s, "/supervision/problems", &mut problems).await));
    s.goto("/supervision/problems").await;
    let problem = first_link(&s, "/supervision/problems/").await;
    titles.push((format!("{problem} (unit)"), audit(&s, &problem, &mut problems).await));
    // Group purchase: the pools, an open one with the commitment form, an allocated one it
    // organised with the allocation table, the form to open one, and the price series.
    for path in ["/pools", "/pools/new", "/prices"] {
        titles.push((path.into(), audit(&s, path, &mut problems).await));
    }
    for state in ["open", "allocated"] {
        s.goto(&format!("/pools?state={state}")).await;
        let pool = first_link(&s, "/pools/").await;
        titles.push((pool.clone(), audit(&s, &pool, &mut problems).await));
    }
    s.goto("/prices").await;
    let series = first_link(&s, "/prices/").await;
    titles.push((series.clone(), audit(&s, &series, &mut problems).await));
    // Shared capacity: the machines, a machine's week with the booking form, the bookings.
    for path in ["/machines", "/bookings"] {
        titles.push((path.into(), audit(&s, path, &mut problems).await));
    }
    s.goto("/machines").await;
    let machine = first_link(&s, "/machines/").await;
    titles.push((machine.clone(), audit(&s, &machine, &mut problems).await));
    s.sign_out().await;

    // A provider on a demand open to it: the response form.
    s.sign_in("casting@demo.wujin.cn", password).await;
    titles.push(("/demands/open".into(), audit(&s, "/demands/open", &mut problems).await));
    s.goto("/demands/open").await;
    let open = first_link(&s, "/demands/").await;
    titles.push((format!("{open} (provider)"), audit(&s, &open, &mut problems).await));
    s.sign_out().await;

    s.sign_in("officer@demo.wujin.cn", password).await;
    titles.push(("/overview".into(), audit(&s, "/overview", &mut problems).await));
    titles.push(("/overview/capacity".into(), audit(&s, "/overview/capacity", &mut problems).await));
    // Supervision: the ledger with the inspection form, a problem to verify, the task board
    // with its form, and a task with its progress form.
    titles.push(("/supervision/problems".into(), audit(&s, "/supervision/problems", &mut problems).await));
    s.goto("/supervision/problems?state=submitted").await;
    let problem = first_link(&s, "/supervision/problems/").await;
    titles.push((problem.clone(), audit(&s, &problem, &mut problems).await));
    titles.push(("/supervision/tasks".into(), audit(&s, "/supervision/tasks", &mut problems).await));
    s.goto("/supervision/tasks").await;
    let task = first_link(&s, "/supervision/tasks/").await;
    titles.push((task.clone(), audit(&s, &task, &mut problems).await));

    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    // Pages of different things are told apart by their titles (a tab bar, a screen reader).
    let mut seen = std::collections::HashMap::new();
    for (path, title) in &titles {
        if let Some(other) = seen.insert(title.clone(), path.clone()) {
            // The same page in two places (a demand reached twice) may share a title.
            assert!(other.split(' ').next() == path.split(' ').next(), "{other} and {path} are both titled {title:?}");
        }
    }
    s.finish().await;
}
