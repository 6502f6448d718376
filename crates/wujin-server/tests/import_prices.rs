//! A platform admin imports price series: Chinese headers, values with thousands separators;
//! a file with a bad value, a code nobody described or a day twice writes nothing and names
//! the row and column; a good file creates the series and its values, the same file again
//! changes no value, a corrected day takes the new value; an export imports back unchanged.
//! Both engines.

use std::path::Path;

use wujin_server::transfer::export::{ExportFormat, export};
use wujin_server::transfer::import::{Kind, Options, Report, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::{Store, both_backends};

async fn import_file(store: &Store, path: &Path) -> Report {
    let table = read(path, Format::from_path(path)).unwrap();
    import(store, Kind::Prices, &table, &Options { skip_invalid: false, quiet: true, actor: "admin".into() })
        .await
        .unwrap()
}

const HEAD: &str = "代码,日期,数值,名称,英文名称,单位,类型,来源,频率\n";

both_backends! {
    async fn a_price_sheet_imports_all_or_nothing_and_exports_back(db) {
        let s = &db.store;
        let path = db.dir.path().join("prices.csv");
        // Row 3 has a negative value, row 4 a code nobody described, row 5 a day twice.
        let bad = format!(
            "{HEAD}ADC12,2026-11-16,\"20,150\",ADC12 铝合金锭,ADC12 ingot,元/吨,money,长江有色,weekly\n\
             ADC12,2026-11-23,-5,,,,,,\nZN3,2026-11-23,23500,,,,,,\nADC12,2026-11-16,20100,,,,,,\n"
        );
        std::fs::write(&path, bad).unwrap();
        let r = import_file(s, &path).await;
        let seen: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.column.as_str(), p.code)).collect();
        assert_eq!(seen, [(3, "数值", "out_of_range"), (4, "代码", "unknown_series"), (5, "日期", "duplicate")], "{:?}", r.problems);
        assert!(r.written.is_none());
        assert!(s.price_series().await.unwrap().is_empty(), "nothing written");

        let good = format!(
            "{HEAD}ADC12,2026-11-16,\"20,150\",ADC12 铝合金锭,ADC12 ingot,元/吨,money,长江有色,weekly\n\
             ADC12,2026-11-23,20200.5,,,,,,\nYK-HWI,2026-11-23,101.35,永康五金指数,Yongkang hardware index,点,index,中国科技五金城,weekly\n"
        );
        std::fs::write(&path, &good).unwrap();
        let r = import_file(s, &path).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let adc = s.series_by_code("ADC12").await.unwrap().unwrap();
        assert_eq!((adc.values, adc.latest.map(|l| l.1)), (2, Some(20_200_500)));
        // Again: the same values; then a corrected day.
        import_file(s, &path).await;
        std::fs::write(&path, format!("{HEAD}ADC12,2026-11-23,20210,,,,,,\n")).unwrap();
        import_file(s, &path).await;
        let adc = s.series_by_code("ADC12").await.unwrap().unwrap();
        assert_eq!((adc.values, adc.latest.map(|l| l.1)), (2, Some(20_210_000)));

        // An export is a sheet the importer reads back as it is.
        let out = db.dir.path().join("export.csv");
        export(s, Kind::Prices, ExportFormat::Csv, Some(&out), true).await.unwrap();
        let r = import_file(s, &out).await;
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.valid, 3);
        let all: Vec<(String, i64)> = s.price_series().await.unwrap().into_iter().map(|x| (x.record.code, x.values)).collect();
        assert_eq!(all, [("ADC12".to_string(), 2), ("YK-HWI".to_string(), 1)]);
    }
}
