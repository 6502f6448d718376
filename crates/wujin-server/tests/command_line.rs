//! The `wujin` command as an operator uses it: demo, export, backup, templates, an import
//! that fails with a report and exit code 1 (0 or, with --strict-exit, 3 when rows were
//! skipped), settings from the environment, a server
//! that stops cleanly on SIGTERM, and the search benchmark's table.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};

const WUJIN: &str = env!("CARGO_BIN_EXE_wujin");

fn wujin(db: &str, args: &[&str]) -> Output {
    Command::new(WUJIN).arg("--db").arg(db).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_backup_of_a_live_database_holds_the_same_registry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db").display().to_string();
    let out = wujin(&db, &["demo", "--firms", "60", "--seed", "4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("60 家机构"), "{}", text(&out.stdout));
    let copy = dir.path().join("copy.db").display().to_string();
    let out = wujin(&db, &["backup", &copy]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let original = wujin(&db, &["export", "offers", "--format", "jsonl"]);
    let copied = wujin(&copy, &["export", "offers", "--format", "jsonl"]);
    assert!(!original.stdout.is_empty());
    assert_eq!(original.stdout, copied.stdout);
    let again = wujin(&db, &["backup", &copy]);
    assert_eq!(again.status.code(), Some(2), "an existing file is never overwritten");
}

#[tokio::test]
async fn reindex_rebuilds_the_search_index_and_builds_the_supply_graph_of_the_stored_ties() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    assert!(wujin(&db, &["demo", "--firms", "60", "--seed", "4"]).status.success());
    let out = wujin(&db, &["--lang", "en", "reindex"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let store = wujin_store::Store::open(&db).await.unwrap();
    let ties = store.ties_in_graph().await.unwrap().len();
    assert!(ties > 100, "the demo has ties");
    assert!(said.contains(&format!("supply graph: {ties} ties")), "{said}");
}

#[tokio::test]
async fn backup_of_postgresql_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let url = wujin_store::testing::fresh_url(wujin_store::Backend::Postgres, dir.path()).await;
    let dest = dir.path().join("never-written.db");
    let out = wujin(&url, &["--lang", "en", "backup", dest.to_str().unwrap()]);
    assert!(!dest.exists());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pg_dump"), "{}", text(&out.stderr));
}

#[test]
fn a_template_imports_as_an_empty_file_and_a_bad_file_exits_1_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db").display().to_string();
    let template = dir.path().join("orgs.csv");
    let out = wujin(&db, &["import", "--template", "orgs", "--out", template.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let head = std::fs::read_to_string(&template).unwrap();
    assert!(head.starts_with("\u{feff}统一社会信用代码,企业名称,英文名称,类型,镇街"), "{head}");
    let out = wujin(&db, &["import", "orgs", template.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));

    let mut f = std::fs::OpenOptions::new().append(true).open(&template).unwrap();
    writeln!(f, "91350100M000100Y4Z,永康市某某五金厂").unwrap();
    let out = wujin(&db, &["import", "orgs", template.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("2\t统一社会信用代码\t91350100M000100Y4Z\t统一社会信用代码校验位错误：应为 3"), "{report}");
    assert!(report.contains("未写入任何数据"), "{report}");

    // With --skip-invalid the valid rows are written and the exit is 0; the last line counts
    // the skipped rows. --strict-exit makes that 3, for scripts that must notice.
    writeln!(f, "{},永康市某某五金厂", wujin_domain::Uscc::complete("91330784MA2K00017").unwrap()).unwrap();
    let out = wujin(&db, &["--lang", "en", "import", "orgs", template.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let last = text(&out.stdout).lines().last().unwrap_or_default().to_string();
    assert_eq!(last, "written: 1 new, 0 updated, 0 unchanged; 1 rows with problems skipped");
    let out = wujin(&db, &["import", "orgs", template.to_str().unwrap(), "--skip-invalid", "--strict-exit"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
}

#[test]
fn settings_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = Command::new(WUJIN)
        .args(["demo", "--firms", "20"])
        .env("WUJIN_DB", &db)
        .env("WUJIN_LANG", "en")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("demo cluster written"), "{}", text(&out.stdout));
    assert!(db.exists());
}

#[test]
fn the_server_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db").display().to_string();
    let mut child = Command::new(WUJIN)
        .args(["--db", &db, "serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr =
        line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).expect("the server prints its address");
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.0 200") && resp.contains(r#"{"status":"ok","index":"#), "{resp}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM ends the server with exit code 0, got {status:?}");
}

#[test]
fn the_search_benchmark_prints_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let out = wujin(db.to_str().unwrap(), &["bench", "search", "--offers", "1500", "--no-baseline"]);
    let table = text(&out.stdout);
    assert!(out.status.success(), "{table}{}", text(&out.stderr));
    // Each group's row says how many queries it ran; "all" runs every one of them.
    let count = |name: &str| -> usize {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("{name} in\n{table}"));
        row.split('|').nth(2).unwrap().trim().parse().unwrap()
    };
    let groups = ["short product words", "long needs", "text + filters", "filters only", "English"];
    let each: Vec<usize> = groups.iter().map(|g| count(g)).collect();
    assert!(each.iter().all(|n| *n >= 20), "every group has its share of queries: {each:?}");
    assert_eq!(count("all"), each.iter().sum::<usize>(), "{table}");
    assert!(table.contains("memory of the querying process"), "{table}");
    let quality = format!("quality: {} labelled needs", wujin_match::labelled::needs().len());
    assert!(table.contains(&quality), "every labelled need is judged: {quality} in\n{table}");
    assert!(table.contains("(top 80 offers"), "{table}");
    assert_eq!(table.lines().filter(|l| l.starts_with("  slow: ")).count(), 5, "the five slowest named:\n{table}");

    // As deep as the API ranks; and a depth it never asks is refused.
    let out = wujin(db.to_str().unwrap(), &["bench", "search", "--offers", "1500", "--no-baseline", "--top", "1000"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(top 1000 offers"), "{}", text(&out.stdout));
    let out = wujin(db.to_str().unwrap(), &["bench", "search", "--offers", "1500", "--top", "0"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--top"), "{}", text(&out.stderr));
}

#[test]
fn the_chain_benchmark_prints_its_table_for_a_generated_graph_and_for_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let db = db.to_str().unwrap();
    let out = wujin(db, &["bench", "chain", "--firms", "2000", "--edges", "20000", "--lang", "en"]);
    let table = text(&out.stdout);
    assert!(out.status.success(), "{table}{}", text(&out.stderr));
    for row in ["| reach down, depth 4 | 1000 |", "| single source, whole graph | 5 |", "| outage of 5 firms"] {
        assert!(table.contains(row), "{row} in\n{table}");
    }
    assert!(table.contains("2000 nodes, 20000 ties"), "{table}");
    assert!(table.contains("build ") && table.contains("MiB resident"), "{table}");

    // A triangle read from files: 1 supplies 2 and 3, 2 supplies 3.
    let nodes = dir.path().join("nodes.csv");
    let edges = dir.path().join("edges.csv");
    std::fs::write(&nodes, "id,tier,sector\n1,0,a\n2,1,a\n3,3,a\n").unwrap();
    std::fs::write(&edges, "src,dst,input\n1,2,steel\n1,3,steel\n2,3,gears\n").unwrap();
    let out = wujin(
        db,
        &["bench", "chain", "--nodes", nodes.to_str().unwrap(), "--edges", edges.to_str().unwrap(), "--lang", "en"],
    );
    let table = text(&out.stdout);
    assert!(out.status.success(), "{table}{}", text(&out.stderr));
    assert!(table.contains("3 nodes, 3 ties"), "{table}");
    // Slots: (2, steel) and (3, steel) and (3, gears), each with one supplier.
    assert!(table.contains("3 pairs (100.0 % of slots)"), "{table}");
}
