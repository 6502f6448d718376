//! Importing the files people in the cluster actually have: GBK CSV from office software,
//! XLSX, JSON Lines; with bad codes, missing columns, over-long fields and duplicates each
//! reported by row and column — and a failed import leaving the store exactly as it was.

mod common;

use std::path::Path;

use common::with_demo;
use wujin_domain::Uscc;
use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::{ImportError, Kind, Options, Report, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::Table;
use wujin_store::{Store, both_backends};

fn opts(skip_invalid: bool) -> Options {
    Options { skip_invalid, quiet: true, actor: "test".into() }
}

async fn import_file(store: &Store, kind: Kind, path: &Path, skip: bool) -> Result<Report, ImportError> {
    let table = read(path, Format::from_path(path)).unwrap();
    import(store, kind, &table, &opts(skip)).await
}

/// Everything a user could see of the store: every record exported, plus the outbox and
/// audit sizes. Equal snapshots mean nothing changed.
async fn snapshot(store: &Store, dir: &Path) -> (String, String, i64, i64) {
    let orgs = dir.join("snap-orgs.jsonl");
    let offers = dir.join("snap-offers.jsonl");
    export(store, Kind::Orgs, ExportFormat::Jsonl, Some(&orgs), true).await.unwrap();
    export(store, Kind::Offers, ExportFormat::Jsonl, Some(&offers), true).await.unwrap();
    (
        std::fs::read_to_string(orgs).unwrap(),
        std::fs::read_to_string(offers).unwrap(),
        store.count_all(Table::Outbox).await.unwrap(),
        store.count_all(Table::Audit).await.unwrap(),
    )
}

fn code(n: u32) -> String {
    Uscc::complete(&format!("91330784MA2{n:06}")).unwrap().to_string()
}

const ORG_HEADER: &str = "统一社会信用代码,企业名称,类型,镇街,行业,规模,证书,电话\n";

both_backends! {
    async fn a_gbk_csv_from_office_software_imports(db) {
        let text = format!(
            "{ORG_HEADER}{},永康市恒达杯业有限公司,制造企业,石柱镇,C3382,小型,ISO9001@2027-05-01；LFGB,0579-87123456\n{},永康市盾安门业有限公司,制造企业,古山镇,金属门窗制造,中型,CCC,13857912345\n",
            code(1), code(2)
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let path = db.dir.path().join("orgs-gbk.csv");
        std::fs::write(&path, &bytes).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, false).await.unwrap();
        assert_eq!(report.encoding, "GB18030");
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.written.unwrap().inserted, 2);
        let (_, orgs) = common::get(&db.store, "/api/v1/orgs?town=古山镇").await;
        assert_eq!(orgs["items"][0]["name"], "永康市盾安门业有限公司");
        assert_eq!(orgs["items"][0]["size_class"]["code"], "medium");
        // A certificate written with its last day (代码@YYYY-MM-DD) keeps the day.
        let (_, orgs) = common::get(&db.store, "/api/v1/orgs?town=石柱镇").await;
        let certs = &orgs["items"][0]["certificates"];
        assert_eq!((certs[0]["code"].as_str(), certs[0]["valid_until"].as_str()), (Some("ISO 9001"), Some("2027-05-01")));
        assert_eq!((certs[1]["code"].as_str(), &certs[1]["valid_until"]), (Some("LFGB"), &serde_json::Value::Null));
    }

    async fn an_xlsx_with_english_headers_in_another_order_imports(db) {
        let path = db.dir.path().join("orgs.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (i, h) in ["name", "town", "uscc", "employees"].iter().enumerate() {
            sheet.write_string(0, i as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "永康市飞腾车业有限公司").unwrap();
        sheet.write_string(1, 1, "330784003").unwrap();
        sheet.write_string(1, 2, code(3)).unwrap();
        // A number cell, as spreadsheets store it.
        sheet.write_number(1, 3, 85.0).unwrap();
        book.save(&path).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, false).await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let (_, orgs) = common::get(&db.store, "/api/v1/orgs").await;
        assert_eq!(orgs["items"][0]["employees"], 85);
        assert_eq!(orgs["items"][0]["town"]["name"], "江南街道");
    }

    async fn a_bad_code_is_reported_and_nothing_is_written(db) {
        with_demo(&db.store).await;
        let before = snapshot(&db.store, db.dir.path()).await;
        let path = db.dir.path().join("bad.csv");
        let good = code(4);
        // The same code with another check character.
        let bad = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
        std::fs::write(&path, format!("{ORG_HEADER}{},永康市甲公司,,,,,,\n{bad},永康市乙公司,,,,,,\n", code(5))).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, false).await.unwrap();
        assert!(report.written.is_none());
        assert_eq!(report.problems.len(), 1);
        let p = &report.problems[0];
        assert_eq!((p.row, p.column.as_str(), p.code), (3, "统一社会信用代码", "invalid_uscc"));
        assert!(p.message_zh.contains("校验位错误"), "{}", p.message_zh);
        assert_eq!(snapshot(&db.store, db.dir.path()).await, before, "a failed import leaves the store as it was");
    }

    async fn skip_invalid_writes_the_good_rows_and_reports_the_rest(db) {
        let path = db.dir.path().join("mixed.csv");
        std::fs::write(&path, format!("{ORG_HEADER}{},永康市甲公司,,,,,,\n{},永康市乙公司,,杭州市,,,,\n", code(6), code(7))).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, true).await.unwrap();
        assert_eq!(report.written.unwrap().inserted, 1);
        assert_eq!(report.problems.len(), 1);
        assert_eq!((report.problems[0].field, report.problems[0].value.as_str()), ("town", "杭州市"));
        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 1);
    }

    async fn a_missing_required_column_stops_the_whole_file(db) {
        let path = db.dir.path().join("nocode.csv");
        std::fs::write(&path, "企业名称,镇街\n永康市甲公司,石柱镇\n").unwrap();
        let err = import_file(&db.store, Kind::Orgs, &path, true).await.unwrap_err();
        assert!(err.message(wujin_domain::Lang::Zh).contains("统一社会信用代码"), "{err}");
        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 0);
    }

    async fn over_long_fields_and_duplicates_are_reported(db) {
        let path = db.dir.path().join("long.csv");
        let long = "长".repeat(101);
        std::fs::write(
            &path,
            format!("{ORG_HEADER}{},{long},,,,,,\n{},永康市甲公司,,,,,,\n{},永康市甲公司二号,,,,,,\n", code(8), code(9), code(9)),
        )
        .unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, false).await.unwrap();
        let found: Vec<_> = report.problems.iter().map(|p| (p.row, p.field, p.code)).collect();
        assert_eq!(found, vec![(2, "name", "too_long"), (4, "uscc", "duplicate")]);
        assert!(report.problems[1].message_zh.contains("第3行"));
        assert!(report.written.is_none());
        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 0);
    }

    async fn offers_of_unknown_organisations_are_refused(db) {
        let path = db.dir.path().join("offers.csv");
        std::fs::write(&path, format!("外部编号,统一社会信用代码,标题,类目\nX-1,{},保温杯,保温杯\n", code(10))).unwrap();
        let report = import_file(&db.store, Kind::Offers, &path, false).await.unwrap();
        assert_eq!(report.problems[0].code, "unknown_org");
        assert!(report.written.is_none());
    }

    async fn export_then_import_is_lossless_in_every_format(db) {
        with_demo(&db.store).await;
        let before = snapshot(&db.store, db.dir.path()).await;
        for (i, (format, ext)) in [(ExportFormat::Csv, "csv"), (ExportFormat::Xlsx, "xlsx"), (ExportFormat::Jsonl, "jsonl")].into_iter().enumerate() {
            let orgs = db.dir.path().join(format!("orgs.{ext}"));
            let offers = db.dir.path().join(format!("offers.{ext}"));
            export(&db.store, Kind::Orgs, format, Some(&orgs), true).await.unwrap();
            export(&db.store, Kind::Offers, format, Some(&offers), true).await.unwrap();

            // Into the same store: nothing changes, not even a revision.
            let r = import_file(&db.store, Kind::Orgs, &orgs, false).await.unwrap();
            assert_eq!(r.written.unwrap().unchanged as usize, common::FIRMS, "{ext}");
            let r = import_file(&db.store, Kind::Offers, &offers, false).await.unwrap();
            let w = r.written.unwrap();
            assert_eq!((w.inserted, w.updated), (0, 0), "{ext}");
            let after = snapshot(&db.store, db.dir.path()).await;
            assert_eq!((&after.0, &after.1, after.2), (&before.0, &before.1, before.2), "{ext}");
            assert_eq!(after.3, before.3 + 2 * (i as i64 + 1), "one audit row per import");

            // Into an empty store: the same registry comes out.
            let fresh = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
            import_file(&fresh.store, Kind::Orgs, &orgs, false).await.unwrap().written.unwrap();
            import_file(&fresh.store, Kind::Offers, &offers, false).await.unwrap().written.unwrap();
            let copy = snapshot(&fresh.store, fresh.dir.path()).await;
            assert_eq!((&copy.0, &copy.1), (&before.0, &before.1), "{ext}");
        }
    }

    async fn a_copy_of_an_invalid_row_is_still_a_duplicate_and_never_wins(db) {
        let path = db.dir.path().join("dupes.csv");
        // Row 2 has a bad phone; row 3 repeats its credit code with a valid phone.
        std::fs::write(
            &path,
            format!("{ORG_HEADER}{},永康市甲公司,,,,,,12345\n{},永康市甲公司（副本）,,,,,,0579-87123456\n", code(5), code(5)),
        )
        .unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, true).await.unwrap();
        let found: Vec<_> = report.problems.iter().map(|p| (p.row, p.field, p.code)).collect();
        assert_eq!(found, vec![(2, "phone", "invalid_phone"), (3, "uscc", "duplicate")]);
        assert!(report.problems[1].message_zh.contains("第2行"), "{:?}", report.problems[1]);
        assert_eq!(report.written.unwrap().inserted, 0, "with --skip-invalid the later copy is not written either");
        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 0);
    }

    async fn problems_name_the_row_a_spreadsheet_shows_after_a_cell_with_line_breaks(db) {
        let path = db.dir.path().join("multiline.csv");
        let text = format!(
            "统一社会信用代码,企业名称,地址,电话\r\n{},永康市甲公司,\"石柱镇\r\n工业区 8 号\",0579-87123456\r\n{},永康市乙公司,古山镇,不是电话\r\n",
            code(6), code(7)
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        std::fs::write(&path, &bytes).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, false).await.unwrap();
        let p = &report.problems[0];
        assert_eq!((p.row, p.line, p.field), (3, Some(4), "phone"), "row 3 as Excel shows it, starting on line 4");
        let mut out = vec![];
        wujin_server::transfer::import::print_report(&report, wujin_domain::Lang::Zh, None, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("3（文件第 4 行）"), "{out}");
    }

    async fn skipped_rows_are_counted_on_the_last_line(db) {
        let path = db.dir.path().join("skip.csv");
        std::fs::write(&path, format!("{ORG_HEADER}{},永康市甲公司,,,,,,\n{},永,,,,,,\n", code(11), code(12))).unwrap();
        let report = import_file(&db.store, Kind::Orgs, &path, true).await.unwrap();
        let mut out = vec![];
        wujin_server::transfer::import::print_report(&report, wujin_domain::Lang::En, None, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().last().unwrap(), "written: 1 new, 0 updated, 0 unchanged; 1 rows with problems skipped");
    }
}
