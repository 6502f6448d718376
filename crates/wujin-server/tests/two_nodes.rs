//! Several wujin nodes serve one PostgreSQL database: each follows the outbox into its own
//! search index, so a write made through one node is found by a search on another once that
//! node's follower has applied the write's position; and the jobs a deployment runs once
//! (the deadline and reminder sweep, webhook delivery) run in one node at a time, under an
//! advisory lock.

mod common;
mod process;

use process::{get, post_as, start, stop, until_applied, until_caught_up};
use wujin_server::transfer::import::{Kind, Options, import};
use wujin_server::transfer::read::read_csv;
use wujin_store::jobs::Job;
use wujin_store::{Backend, testing};

#[tokio::test(flavor = "multi_thread")]
async fn a_write_through_one_node_is_found_on_another_once_it_has_followed_it() {
    let db = testing::fresh(Backend::Postgres).await;
    let uscc = wujin_domain::Uscc::complete("91330784MA2HD0001").unwrap().to_string();
    let table = read_csv(format!("统一社会信用代码,企业名称\n{uscc},永康市恒达杯业有限公司\n").as_bytes()).unwrap();
    let opts = Options { skip_invalid: false, quiet: true, actor: "test".into() };
    assert!(import(&db.store, Kind::Orgs, &table, &opts).await.unwrap().written.is_some());
    let org = db.store.org_ids_by_uscc(&[uscc]).await.unwrap().into_values().next().unwrap().0;
    let owner = common::owner(&db.store, "owner@hengda.cn", Some(org)).await;

    let (a, b) = (start(&db.url, &db.dir.path().join("index-a")), start(&db.url, &db.dir.path().join("index-b")));
    until_caught_up(&a, 60);
    until_caught_up(&b, 60);
    // One of the two sweeps for the deployment: soon nobody else can take its lock (a node
    // tries for it every few seconds; the test lets it go at once whenever it gets it first).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while let Some(taken) = db.store.try_job_lock(Job::Sweep).await.unwrap() {
        taken.release().await;
        assert!(std::time::Instant::now() < deadline, "no node took the sweep");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Node B has answered the search before the write, twice: the second time from its
    // page cache. The write must still be found there once B has followed it.
    let path = "/api/v1/search?q=%E7%84%96%E7%83%A7%E6%9D%AF&limit=10";
    let before = get(&b, path);
    assert_eq!(get(&b, path), before, "the same question, the same answer");
    let cache = &get(&b, "/healthz")["search_cache"];
    assert!(cache["hits"].as_u64().unwrap() >= 1, "the second asking was answered from the cache: {cache}");

    let offer = serde_json::json!({"title": "双层真空焖烧杯 1000ml", "category": "焖烧杯"});
    let (status, body) = post_as(&a, &format!("/api/v1/orgs/{org}/offers"), &offer, &owner.cookie, &owner.csrf);
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let seq = db.store.outbox_max_seq().await.unwrap();

    until_applied(&b, seq, 60);
    let found = get(&b, path);
    let ids: Vec<i64> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["offers"].as_array().cloned().unwrap_or_default())
        .filter_map(|o| o["id"].as_i64())
        .collect();
    assert!(ids.contains(&id), "node B finds what was written through node A, though it kept the page before: {found}");

    stop(a);
    stop(b);
    let lock = db.store.try_job_lock(Job::Sweep).await.unwrap();
    assert!(lock.is_some(), "a stopped node lets the sweep go");
    // The sweep's lock and the webhooks' are two: one node may hold one, another the other.
    assert!(db.store.try_job_lock(Job::Webhooks).await.unwrap().is_some());
}
