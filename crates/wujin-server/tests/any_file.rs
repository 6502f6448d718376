//! Whatever file a person hands the importer — arbitrary bytes, or a real sheet (GBK CSV with
//! CRLF and a cell holding line breaks, a CSV with a BOM, XLSX, JSON Lines) truncated or with
//! bytes changed — the answer is a report or a named error: never a panic, and nothing is
//! written when the report finds a problem. Cases are bounded here (`PROPTEST_CASES` raises
//! them on demand); memory is bounded by the readers' own limits (file size, columns).

mod common;

use std::sync::LazyLock;

use proptest::prelude::*;
use wujin_server::transfer::import::{Kind, Options, import};
use wujin_server::transfer::read::{Format, read};
use wujin_store::Table;

fn gbk_csv() -> Vec<u8> {
    let text = "统一社会信用代码,企业名称,地址,电话\r\n91330784MA2K0001X,永康市甲公司,\"石柱镇\r\n工业区 8 号\",0579-87123456\r\n91330784MA2K00025,永康市乙公司,古山镇,13857912345\r\n";
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn bom_csv() -> Vec<u8> {
    "\u{feff}外部编号,统一社会信用代码,标题,类目,最低价(元)\nA-1,91330784MA2K0001X,304不锈钢真空保温杯,保温杯,12.50\n"
        .as_bytes()
        .to_vec()
}

fn jsonl() -> Vec<u8> {
    br#"{"uscc":"91330784MA2K0001X","name":"Yongkang Cup Co","certificates":["CCC","CE"],"employees":12}
{"uscc":"91330784MA2K00025","name":"Door Co"}
"#
    .to_vec()
}

static XLSX: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["统一社会信用代码", "企业名称", "镇街"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "91330784MA2K0001X").unwrap();
    sheet.write_string(1, 1, "永康市甲公司").unwrap();
    sheet.write_number(1, 2, 330784105.0).unwrap();
    book.save_to_buffer().unwrap()
});

/// A real file, cut short and with some bytes changed.
fn mutated() -> impl Strategy<Value = (Vec<u8>, &'static str)> {
    let base = prop_oneof![
        Just((gbk_csv(), "csv")),
        Just((bom_csv(), "csv")),
        Just((jsonl(), "jsonl")),
        Just((XLSX.clone(), "xlsx")),
        // A zip that is not a workbook, named as one.
        Just((XLSX[..XLSX.len() / 2].to_vec(), "xlsx")),
    ];
    let cut = proptest::option::of(any::<prop::sample::Index>());
    (base, cut, prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3)).prop_map(
        |((mut bytes, ext), cut, changes)| {
            for (at, b) in changes {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            (bytes, ext)
        },
    )
}

fn any_file() -> impl Strategy<Value = (Vec<u8>, &'static str)> {
    prop_oneof![
        mutated(),
        (prop::collection::vec(any::<u8>(), 0..2048), prop_oneof![Just("csv"), Just("xlsx"), Just("jsonl")]),
    ]
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_file_gets_a_report_or_a_named_error((bytes, ext) in any_file(), offers in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("upload.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        let table = match read(&path, Format::from_path(&path)) {
            Ok(t) => t,
            Err(e) => {
                // A named error, said in both languages.
                prop_assert!(!e.message(wujin_domain::Lang::Zh).is_empty());
                prop_assert!(!e.message(wujin_domain::Lang::En).is_empty());
                return Ok(());
            }
        };
        let kind = if offers { Kind::Offers } else { Kind::Orgs };
        RUNTIME.block_on(async {
            let db = wujin_store::testing::fresh(wujin_store::Backend::Sqlite).await;
            let opts = Options { skip_invalid: false, quiet: true, actor: "proptest".into() };
            match import(&db.store, kind, &table, &opts).await {
                Ok(report) => {
                    if !report.problems.is_empty() {
                        assert!(report.written.is_none(), "a file with problems writes nothing");
                        assert_eq!(db.store.count_all(Table::Orgs).await.unwrap(), 0);
                        assert_eq!(db.store.count_all(Table::Offers).await.unwrap(), 0);
                    }
                    for p in &report.problems {
                        assert!(p.row >= 1 && !p.message_zh.is_empty() && !p.message_en.is_empty(), "{p:?}");
                    }
                }
                Err(e) => assert!(!e.message(wujin_domain::Lang::Zh).is_empty()),
            }
        });
    }
}
