//! The chain page's forms, without a browser: the cup maker declares its lid supplier on
//! "我的供应链", the lid maker sees the tie among its customers waiting for it and confirms it
//! there; a bad row comes back with the API's message on the page; the visibility choices are
//! saved; and nobody sees another firm's chain page.

mod common;

use axum::http::StatusCode;
use common::{Person, page};
use wujin_store::Store;

async fn firm(store: &Store, login: &str) -> (i64, String, Person) {
    let orgs: Vec<_> = wujin_demo::generate(9, 20).orgs;
    let n = if login.starts_with("cup") { 0 } else { 1 };
    let o = orgs[n].clone();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole([o.clone()], wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let id = store.org_ids_by_uscc(&[o.uscc.to_string()]).await.unwrap()[o.uscc.as_str()].0;
    let p = common::owner(store, login, Some(id)).await;
    (id, o.uscc.to_string(), p)
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_tie_declared_on_the_page_is_confirmed_by_the_other_firm_on_its_page() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let s = &db.store;
    let (cup, _, pc) = firm(s, "cup@chain.example.cn").await;
    let (lid, lid_code, pl) = firm(s, "lid@chain.example.cn").await;

    let form = format!(
        "csrf={}&side=customer&counterpart_uscc={lid_code}&input={}&share=60&buffer_weeks=2",
        pc.csrf,
        enc("杯盖")
    );
    let (status, to, _) = page(s, "POST", &format!("/orgs/{cup}/chain/declare"), Some(&pc), Some(&form)).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, format!("/orgs/{cup}/chain").as_str()));
    let (_, _, html) = page(s, "GET", &format!("/orgs/{cup}/chain"), Some(&pc), None).await;
    assert!(html.contains("待对方确认"), "the declared tie waits for the lid maker");
    let tie = s.ties_of(cup, false, None, 10).await.unwrap().remove(0);

    // The lid maker sees it among its customers, with a button to confirm.
    let (_, _, html) = page(s, "GET", &format!("/orgs/{lid}/chain"), Some(&pl), None).await;
    assert!(html.contains(&format!("id=\"confirm-{}\"", tie.id)), "a confirm button for the lid maker");
    let (_, _, html) = page(s, "GET", &format!("/orgs/{cup}/chain"), Some(&pc), None).await;
    assert!(
        !html.contains(&format!("id=\"confirm-{}\"", tie.id)),
        "the side that declared does not confirm its own word"
    );
    let form = format!("csrf={}&tie={}", pl.csrf, tie.id);
    let (status, _, _) = page(s, "POST", &format!("/orgs/{lid}/chain/confirm"), Some(&pl), Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(s.tie(tie.id).await.unwrap().unwrap().state, wujin_domain::tie::TieState::Confirmed);

    // A bad row comes back with the field's message on the page.
    let form = format!(
        "csrf={}&side=customer&supplier_name={}&region={}&input={}",
        pc.csrf,
        enc("宁波某厂"),
        enc("浙江 宁波"),
        enc("不存在的品类")
    );
    let (status, to, _) = page(s, "POST", &format!("/orgs/{cup}/chain/declare"), Some(&pc), Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = page(s, "GET", &to, Some(&pc), None).await;
    assert!(html.contains("id=\"chain-error\""), "the API's refusal is said on the page: {to}");
    assert_eq!(s.ties_of(cup, false, None, 10).await.unwrap().len(), 1, "nothing half-written");

    // The visibility choices.
    let form = format!("csrf={}&public=on", pc.csrf);
    page(s, "POST", &format!("/orgs/{cup}/chain/settings"), Some(&pc), Some(&form)).await;
    assert_eq!(s.chain_settings(cup).await.unwrap(), (true, false));
    // A form without the session's token changes nothing.
    let (status, to, _) =
        page(s, "POST", &format!("/orgs/{cup}/chain/settings"), Some(&pc), Some("csrf=x&helps=on")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("error="), "{to}");
    assert_eq!(s.chain_settings(cup).await.unwrap(), (true, false));

    // Another firm's chain and its what-if stay closed.
    for path in [format!("/orgs/{lid}/chain"), format!("/orgs/{lid}/chain/outage?stopped={cup}")] {
        let (status, _, html) = page(s, "GET", &path, Some(&pc), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!html.contains("chain-diagram"), "{path}");
    }
}

#[tokio::test]
async fn the_office_names_the_firms_that_stop_by_code_or_name_and_sees_counts() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    let s = &db.store;
    common::with_demo(s).await;
    let officer = common::sign_up(s, "office@chain.example.cn").await;
    s.make_officer(officer.id).await.unwrap();
    // The busiest supplier of the demo's ties.
    let ties = s.ties_in_graph().await.unwrap();
    let mut count = std::collections::HashMap::<i64, usize>::new();
    for t in &ties {
        if let Some(id) = t.supplier_org_id() {
            *count.entry(id).or_default() += 1;
        }
    }
    let (&busiest, _) = count.iter().max_by_key(|(id, n)| (**n, -**id)).unwrap();
    let org = s.org(busiest).await.unwrap().unwrap();

    let path = format!("/overview/outage?firms={}&weeks=4", org.record.uscc);
    let (status, _, html) = page(s, "GET", &path, Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"outage-summary\"") && html.contains(&org.record.name), "by credit code");

    // A part of a name several firms share offers a choice; a name nobody has is said so.
    let (status, _, html) =
        page(s, "GET", &format!("/overview/outage?firms={}", enc("永康市")), Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"choices-1\"") && !html.contains("id=\"outage-summary\""), "a choice, not a guess");
    let (status, _, html) =
        page(s, "GET", &format!("/overview/outage?firms={}", enc("没有这家厂")), Some(&officer), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("id=\"outage-unknown\""));

    // Only the office.
    let (_, _, p) = firm(s, "cup@chain.example.cn").await;
    let (status, _, _) = page(s, "GET", &path, Some(&p), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
