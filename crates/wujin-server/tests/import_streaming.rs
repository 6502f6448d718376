//! A file of offers is streamed: checked and written a block at a time inside one
//! transaction. Whatever its size, a problem anywhere keeps the whole file out, a duplicate
//! is found however far apart its rows are, the report keeps the first 1,000 problems in
//! full and counts the rest, and `--report FILE` gets every one.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use wujin_domain::{Lang, Uscc};
use wujin_server::transfer::import::{KEPT_PROBLEMS, Kind, Options, ProblemsFile, import, import_rows, print_report};
use wujin_server::transfer::read::{Format, open, read_csv};
use wujin_store::{Store, Table, both_backends};

fn code(n: u32) -> String {
    Uscc::complete(&format!("91330784MA2{n:06}")).unwrap().to_string()
}

async fn register_firm(store: &Store) {
    let table =
        read_csv(format!("统一社会信用代码,企业名称\n{},永康市恒达杯业有限公司\n", code(1)).as_bytes()).unwrap();
    let r = import(store, Kind::Orgs, &table, &Options { skip_invalid: false, quiet: true, actor: "test".into() })
        .await
        .unwrap();
    assert!(r.written.is_some(), "{:?}", r.problems);
}

/// `rows` offers of the registered firm as JSON Lines; `bad(row)` may spoil a row (rows
/// count from 1, as the report does).
fn offers_file(dir: &Path, rows: usize, bad: impl Fn(usize) -> Option<serde_json::Value>) -> PathBuf {
    let path = dir.join("offers.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for row in 1..=rows {
        let line = bad(row).unwrap_or_else(|| {
            serde_json::json!({
                "external_id": format!("HD-{row:06}"),
                "org_uscc": code(1),
                "title": format!("304不锈钢真空保温杯 {}ml", 300 + row % 500),
                "category": "cups.vacuum_cup",
                "price_min": "18",
            })
        });
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
    path
}

fn opts(skip_invalid: bool) -> Options {
    Options { skip_invalid, quiet: true, actor: "test".into() }
}

both_backends! {
    async fn a_problem_anywhere_in_a_long_file_keeps_all_of_it_out(db) {
        register_firm(&db.store).await;
        // More rows than one block, with problems near the start and past the first block.
        let rows = 12_500;
        let path = offers_file(db.dir.path(), rows, |row| match row {
            3 => Some(serde_json::json!({"external_id": "HD-X3", "org_uscc": code(1), "title": "保温杯", "category": "no.such"})),
            // The id of row 4 again, eleven thousand rows later.
            11_900 => Some(serde_json::json!({"external_id": "HD-000004", "org_uscc": code(1), "title": "保温杯", "category": "cups.vacuum_cup"})),
            12_400 => Some(serde_json::json!({"external_id": "HD-X9", "org_uscc": code(2), "title": "保温杯", "category": "cups.vacuum_cup"})),
            _ => None,
        });
        let outbox = db.store.count_all(Table::Outbox).await.unwrap();
        let problems = db.dir.path().join("problems.csv");
        let file = ProblemsFile::create(&problems, Lang::En).unwrap();
        let r = import_rows(&db.store, Kind::Offers, open(&path, Format::Jsonl).unwrap(), &opts(false), Some(file))
            .await
            .unwrap();
        assert_eq!(r.rows, rows);
        let seen: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.field, p.code)).collect();
        assert_eq!(seen, [(3, "category", "unknown_value"), (11_900, "external_id", "duplicate"), (12_400, "org_uscc", "unknown_org")]);
        assert!(r.written.is_none());
        assert_eq!(db.store.count_all(Table::Offers).await.unwrap(), 0, "not one offer of the file is kept");
        assert_eq!(db.store.count_all(Table::Outbox).await.unwrap(), outbox, "nor any change announced");
        let written = std::fs::read_to_string(&problems).unwrap();
        assert_eq!(written.lines().count(), 4, "a header and every problem:\n{written}");
        assert!(written.contains("11900,11900,external_id,external_id,HD-000004,duplicate,duplicate of row 4"), "{written}");

        // Asked to skip the bad rows, it keeps the rest.
        let r = import_rows(&db.store, Kind::Offers, open(&path, Format::Jsonl).unwrap(), &opts(true), None).await.unwrap();
        assert_eq!(r.written.unwrap().inserted, (rows - 3) as u64);
        assert_eq!(db.store.count_all(Table::Offers).await.unwrap(), (rows - 3) as i64);
    }

    async fn a_report_keeps_the_first_thousand_problems_and_counts_the_rest(db) {
        register_firm(&db.store).await;
        let rows = KEPT_PROBLEMS + 700;
        let path = offers_file(db.dir.path(), rows, |row| {
            (row % 2 == 0 || row > KEPT_PROBLEMS).then(|| {
                serde_json::json!({"external_id": format!("B-{row}"), "org_uscc": code(1), "title": "保温杯", "category": "no.such"})
            })
        });
        let problems = db.dir.path().join("problems.csv");
        let file = ProblemsFile::create(&problems, Lang::Zh).unwrap();
        let r = import_rows(&db.store, Kind::Offers, open(&path, Format::Jsonl).unwrap(), &opts(false), Some(file))
            .await
            .unwrap();
        let bad = KEPT_PROBLEMS / 2 + 700;
        assert_eq!(r.problems.len(), bad.min(KEPT_PROBLEMS));
        assert_eq!(r.problems_found(), bad);
        assert_eq!(r.bad_rows(), bad, "rows counted past the kept problems too");
        assert_eq!(std::fs::read_to_string(&problems).unwrap().lines().count(), bad + 1);
        let mut out = vec![];
        print_report(&r, Lang::En, Some(&problems), &mut out).unwrap();
        let said = String::from_utf8(out).unwrap();
        let more = bad - KEPT_PROBLEMS;
        assert!(said.contains(&format!("… and {more} more problems not listed ({bad} in all); every problem is in")), "{said}");
        assert!(said.contains(&format!("{bad} with problems")), "{said}");
    }
}

/// The offer tables' indexes, as SQLite's schema holds them.
async fn offer_indexes(store: &Store) -> Vec<(String, String)> {
    use sqlx::Row;
    sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('offers', 'offer_standards') ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[tokio::test]
async fn a_big_load_leaves_every_filter_index_as_it_was_whether_it_lands_or_fails() {
    let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
    register_firm(&db.store).await;
    let indexes = offer_indexes(&db.store).await;
    assert!(indexes.len() >= 8, "the schema's filter indexes: {indexes:?}");

    // A file bigger than the table, with a bad last row: nothing lands, the indexes stay.
    let rows = 3_000;
    let path = offers_file(db.dir.path(), rows, |row| {
        (row == rows).then(|| serde_json::json!({"external_id": "HD-BAD", "org_uscc": code(1), "title": "保温杯", "category": "no.such"}))
    });
    let r =
        import_rows(&db.store, Kind::Offers, open(&path, Format::Jsonl).unwrap(), &opts(false), None).await.unwrap();
    assert!(r.written.is_none());
    assert_eq!(offer_indexes(&db.store).await, indexes, "a failed load rolls back with its indexes");

    // The same file with its last row mended lands, with the indexes built again.
    let path = offers_file(db.dir.path(), rows, |_| None);
    let r =
        import_rows(&db.store, Kind::Offers, open(&path, Format::Jsonl).unwrap(), &opts(false), None).await.unwrap();
    assert_eq!(r.written.unwrap().inserted, rows as u64);
    assert_eq!(offer_indexes(&db.store).await, indexes);
    // And a filtered list reads through them: every offer of the category, by id.
    let filter =
        wujin_store::offers::OfferFilter { categories: Some(vec!["cups.vacuum_cup".into()]), ..Default::default() };
    let (page, more) = db.store.list_offers(&filter, None, 50).await.unwrap();
    assert_eq!(page.len(), 50);
    assert!(more);
    assert!(page.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(db.store.count_offers(&filter, 10_000).await.unwrap(), Some(rows as i64));
}
