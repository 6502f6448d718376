//! An office that collects spreadsheets imports firms' monthly reports: Chinese headers,
//! amounts in yuan; a file with a bad row, an unregistered firm or a month twice writes
//! nothing and names the row and column; the same file again changes nothing, other figures
//! correct the month and keep the old as history; an export imports back unchanged. Both
//! engines.

mod common;

use std::path::Path;

use wujin_domain::Uscc;
use wujin_domain::report::Month;
use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::{Kind, Options, Report, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::{Store, both_backends, orgs};

fn code(n: u32) -> String {
    Uscc::complete(&format!("91330784MA4{n:06}")).unwrap().to_string()
}

async fn firms(store: &Store) -> Vec<i64> {
    let cells = |n: u32, name: &str| {
        let c = wujin_domain::sheet::Cells([("uscc", code(n)), ("name", name.to_string())].into_iter().collect());
        wujin_domain::sheet::org_from_cells(&c).unwrap()
    };
    let mut tx = store.begin().await.unwrap();
    orgs::upsert(&mut tx, &[cells(1, "永康市恒达杯业有限公司"), cells(2, "永康市精工门业有限公司")]).await.unwrap();
    tx.commit().await.unwrap();
    let ids = store.org_ids_by_uscc(&[code(1), code(2)]).await.unwrap();
    vec![ids[&code(1)].0, ids[&code(2)].0]
}

async fn import_file(store: &Store, path: &Path) -> Report {
    let table = read(path, Format::from_path(path)).unwrap();
    import(store, Kind::Reports, &table, &Options { skip_invalid: false, quiet: true, actor: "office".into() })
        .await
        .unwrap()
}

both_backends! {
    async fn a_sheet_of_reports_imports_all_or_nothing_and_corrects_with_history(db) {
        let s = &db.store;
        let ids = firms(s).await;
        let (m1, m2) = (Month::of(wujin_store::ties::today()).plus(-2), Month::of(wujin_store::ties::today()).plus(-1));
        let path = db.dir.path().join("reports.csv");
        let head = "统一社会信用代码,月份,营业收入(元),出口收入(元),从业人数,研发投入(元),检验检测服务支出(元)\n";
        // Row 3 names a month twice, row 4 a firm not registered, row 5 exports more than it sells.
        let bad = format!(
            "{head}{a},{m1},\"1,250,000.50\",300000,48,20000,8000\n{a},{m1},1,0,1,,\n{x},{m1},100,,3,,\n{b},{m2},100,200,3,,\n",
            a = code(1), b = code(2), x = code(9)
        );
        std::fs::write(&path, bad).unwrap();
        let r = import_file(s, &path).await;
        let seen: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.column.as_str(), p.code)).collect();
        assert_eq!(
            seen,
            [(3, "月份", "duplicate"), (4, "统一社会信用代码", "unknown_org"), (5, "出口收入(元)", "export_over_revenue")],
            "{:?}", r.problems
        );
        assert!(r.written.is_none());
        assert!(s.reports_of(ids[0]).await.unwrap().is_empty(), "nothing of a bad file is written");

        let good = format!("{head}{a},{m1},\"1,250,000.50\",300000,48,20000,8000\n{b},{y}年{n}月,99.9,,3,,\n", a = code(1), b = code(2), y = m2.year(), n = m2.number());
        std::fs::write(&path, &good).unwrap();
        let r = import_file(s, &path).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.written.map(|w| (w.inserted, w.updated, w.unchanged)), Some((2, 0, 0)));
        let mine = s.reports_of(ids[0]).await.unwrap();
        assert_eq!(mine[0].figures.revenue.0, 125_000_050);
        assert_eq!(mine[0].figures.service("testing").map(|f| f.0), Some(800_000));
        let r = import_file(s, &path).await;
        assert_eq!(r.written.map(|w| (w.inserted, w.updated, w.unchanged)), Some((0, 0, 2)), "the same file changes nothing");
        std::fs::write(&path, good.replace("\"1,250,000.50\"", "1300000")).unwrap();
        let r = import_file(s, &path).await;
        assert_eq!(r.written.map(|w| (w.inserted, w.updated, w.unchanged)), Some((0, 1, 1)));
        let history = s.report_history(ids[0], m1).await.unwrap();
        assert_eq!(history.iter().map(|h| h.figures.revenue.0).collect::<Vec<_>>(), [130_000_000, 125_000_050]);

        // What an export writes imports back unchanged.
        let out = db.dir.path().join("out.csv");
        export(s, Kind::Reports, ExportFormat::Csv, Some(&out), true).await.unwrap();
        let r = import_file(s, &out).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.written.map(|w| (w.inserted, w.updated, w.unchanged)), Some((0, 0, 2)));
    }
}
