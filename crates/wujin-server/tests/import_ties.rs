//! The pilot office imports a survey of supply ties: Chinese or English headers, suppliers
//! in the registry or outside it; a file with a bad row or an unregistered firm writes
//! nothing and names the row and column; an exported file imports back unchanged. Both
//! engines.

mod common;

use std::path::Path;

use wujin_domain::Uscc;
use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::{Kind, Options, Report, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::{Store, both_backends, orgs};

fn code(n: u32) -> String {
    Uscc::complete(&format!("91330784MA3{n:06}")).unwrap().to_string()
}

/// A cup maker (1), its lid maker (2) and a polishing shop (3).
async fn firms(store: &Store) {
    let cells = |n: u32, name: &str| {
        let c = wujin_domain::sheet::Cells([("uscc", code(n)), ("name", name.to_string())].into_iter().collect());
        wujin_domain::sheet::org_from_cells(&c).unwrap()
    };
    let mut tx = store.begin().await.unwrap();
    orgs::upsert(
        &mut tx,
        &[cells(1, "永康市恒达杯业有限公司"), cells(2, "永康市精工杯盖厂"), cells(3, "永康市亮面抛光厂")],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn import_file(store: &Store, path: &Path) -> Report {
    let table = read(path, Format::from_path(path)).unwrap();
    import(store, Kind::Ties, &table, &Options { skip_invalid: false, quiet: true, actor: "office".into() })
        .await
        .unwrap()
}

both_backends! {
    async fn a_survey_of_ties_imports_as_confirmed_operator_ties(db) {
        firms(&db.store).await;
        let path = db.dir.path().join("ties.csv");
        let text = format!(
            "供应商统一社会信用代码,供应商名称,地区,客户统一社会信用代码,投入品类,占比,库存周数,起始日期\n\
             {},,,{},杯盖,60%,2,2023-05-01\n\
             ,宁波某不锈钢厂,浙江 宁波,{},304不锈钢,100,4.5,2022/1/1\n\
             {},,,{},抛光,,,\n",
            code(2), code(1), code(1), code(3), code(1)
        );
        std::fs::write(&path, text).unwrap();
        let r = import_file(&db.store, &path).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.written.map(|w| (w.inserted, w.updated)), Some((3, 0)));
        let ties = db.store.ties_in_graph().await.unwrap();
        assert_eq!(ties.len(), 3);
        assert!(ties.iter().all(|t| t.state == wujin_domain::tie::TieState::Confirmed), "an operator's survey stands");
        assert!(ties.iter().all(|t| t.source == wujin_domain::tie::TieSource::Operator));
        assert_eq!(ties.iter().map(|t| t.input.as_str()).collect::<Vec<_>>(), ["parts.flask_lid", "materials.stainless_coil", "cap.polishing"]);

        // The same file again renews the ties instead of doubling them.
        let again = import_file(&db.store, &path).await;
        assert_eq!(again.written.map(|w| (w.inserted, w.updated)), Some((0, 3)));

        // What export writes, import reads back to the same ties, in every format.
        for (format, ext) in [(ExportFormat::Csv, "csv"), (ExportFormat::Xlsx, "xlsx"), (ExportFormat::Jsonl, "jsonl")] {
            let out = db.dir.path().join(format!("ties-out.{ext}"));
            assert_eq!(export(&db.store, Kind::Ties, format, Some(&out), true).await.unwrap(), 3);
            let back = import_file(&db.store, &out).await;
            assert!(back.problems.is_empty(), "{ext}: {:?}", back.problems);
            assert_eq!(back.written.map(|w| (w.inserted, w.updated)), Some((0, 3)), "{ext}");
        }
        assert_eq!(db.store.ties_in_graph().await.unwrap().len(), 3);
    }

    async fn a_bad_row_or_an_unregistered_firm_writes_nothing_and_is_named(db) {
        firms(&db.store).await;
        let path = db.dir.path().join("ties-bad.csv");
        let text = format!(
            "supplier_uscc,supplier_name,region,customer_uscc,input,share,buffer_weeks,since,until\n\
             {},,,{},杯盖,60,,2023-05-01,\n\
             {},,,{},杯盖,,,,\n\
             ,某厂,,{},抛光,,,,\n\
             {},,,{},抛光,150,,2024-05-01,2024-04-01\n",
            code(2), code(1), code(9), code(1), code(1), code(3), code(1)
        );
        std::fs::write(&path, text).unwrap();
        let r = import_file(&db.store, &path).await;
        let named: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(named, [(3, "supplier_uscc"), (4, "region"), (5, "share"), (5, "until")], "{:?}", r.problems);
        assert!(r.written.is_none());
        assert!(db.store.ties_in_graph().await.unwrap().is_empty(), "all or nothing");
    }
}
