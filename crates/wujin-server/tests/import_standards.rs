//! A platform admin updates the standards library from a sheet: Chinese headers, numbers as
//! people type them; a sheet with a bare number, an unknown category, a number twice or a
//! replaced edition nobody holds writes nothing and names the row and column; a good sheet
//! adds the new edition, marks the one it replaces and tells the firms citing that one; the
//! same sheet again tells nobody twice; an export imports back unchanged. Both engines.

mod common;

use std::path::Path;

use axum::http::StatusCode;
use serde_json::json;
use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::{Kind, Options, Report, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::{Store, both_backends};

async fn import_file(store: &Store, path: &Path) -> Report {
    let table = read(path, Format::from_path(path)).unwrap();
    import(store, Kind::Standards, &table, &Options { skip_invalid: false, quiet: true, actor: "admin".into() })
        .await
        .unwrap()
}

const HEAD: &str = "标准号,中文名称,英文名称,状态,发布日期,实施日期,被代替为,代替,适用类目\n";

both_backends! {
    async fn a_standards_sheet_imports_all_or_nothing_tells_the_firms_and_exports_back(db) {
        let s = &db.store;
        // A cup maker whose offer cites the 2013 edition.
        let code = wujin_domain::Uscc::complete("91330784MA7100001").unwrap();
        let up = json!({"login": "cups@std.example.cn", "name": "经理", "password": "correct horse",
            "uscc": code.as_str(), "firm": "永康市杯标测试有限公司"});
        let r = common::send(s, "POST", "/api/v1/accounts", Some(up), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let org = r.body["org_id"].as_i64().unwrap();
        let owner = common::Person {
            cookie: common::jar(&r.cookie.unwrap()),
            csrf: r.body["csrf_token"].as_str().unwrap().into(),
            id: 0,
        };
        let offer = json!({"title": "真空保温杯 500ml", "category": "保温杯", "standards": ["GB/T 29606-2013"]});
        let r = common::send(s, "POST", &format!("/api/v1/orgs/{org}/offers"), Some(offer), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let path = db.dir.path().join("standards.csv");
        let bad = format!(
            "{HEAD}GB/T 29606,不锈钢真空杯,,,,,,,\n\
             GBT29606-2099,不锈钢真空杯,,即将实施,,2100-01-01,,,不存在的类目\n\
             GB 17565-2022,防盗安全门通用技术条件,,现行,,2024-01-01,,,防盗门\n\
             GB 17565-2022,防盗安全门通用技术条件,,现行,,2024-01-01,,,防盗门\n\
             GB 4806.9-2030,食品接触用金属材料及制品,,即将实施,,2031-01-01,,GB 4806.9-1999,\n"
        );
        std::fs::write(&path, bad).unwrap();
        let r = import_file(s, &path).await;
        let seen: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(seen, [(2, "标准号"), (3, "适用类目"), (5, "标准号"), (6, "代替")], "{:?}", r.problems);
        assert!(r.written.is_none());
        assert!(s.library().await.unwrap().resolve("GB/T 29606-2099").is_none(), "nothing written");

        // A new edition in force today replaces 2013: the firm citing 2013 is told once.
        let good = format!(
            "{HEAD}GB/T 29606-2026,不锈钢真空杯,Stainless steel vacuum cups,现行,2026-01-10,2026-06-01,,GB/T 29606-2013,保温杯\n"
        );
        std::fs::write(&path, &good).unwrap();
        let r = import_file(s, &path).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let lib = s.library().await.unwrap();
        assert_eq!(lib.resolve("GB/T 29606").unwrap().number, "GB/T 29606-2026", "the new edition is the one in force");
        let old = lib.resolve("GB/T 29606-2013").unwrap();
        assert_eq!((old.status.code(), old.replaced_by.as_deref()), ("withdrawn", Some("GB/T 29606-2026")));
        let inbox = common::send(s, "GET", "/api/v1/inbox", None, &owner.h()).await;
        let told = inbox.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "standard").count();
        assert_eq!(told, 1, "{}", inbox.body);
        import_file(s, &path).await;
        let inbox = common::send(s, "GET", "/api/v1/inbox", None, &owner.h()).await;
        let told = inbox.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "standard").count();
        assert_eq!(told, 1, "the same sheet again is no news");

        // The library exports as a sheet that imports back without a problem or a change.
        let out = db.dir.path().join("export.csv");
        let n = export(s, Kind::Standards, ExportFormat::Csv, Some(&out), true).await.unwrap();
        let r = import_file(s, &out).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.valid as u64, n);
        assert_eq!(s.library().await.unwrap().editions().len() as u64, n);
    }
}
