//! Firms' monthly reports: a firm files, corrects (keeping history) and reads its own; bad
//! figures are refused with the field named; nobody else reads them; the office sees only
//! aggregates, and a four-firm cell or a cell one firm dominates never shows, nor can be
//! worked out from the month's total; reminders go on the 5th and the 14th, once each, to
//! firms that have not filed. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send};
use serde_json::{Value, json};
use time::Date;
use wujin_domain::report::{Figures, Month};
use wujin_domain::{Fen, Taxonomy};
use wujin_store::ties::today;
use wujin_store::{Store, both_backends};

/// `groups` of firms (one pillar each, by its code), generated with towns and sizes; their ids
/// in the same shape.
async fn firms_in(store: &Store, groups: &[(&str, usize)]) -> Vec<Vec<i64>> {
    let n: usize = groups.iter().map(|g| g.1).sum();
    let mut cluster =
        wujin_demo::generate(9, n * 3 + 40).orgs.into_iter().filter(|o| o.kind == wujin_domain::OrgKind::Manufacturer);
    let t = Taxonomy::get();
    let mut shaped = vec![];
    for (pillar, k) in groups {
        let sector = t.sectors.iter().find(|s| s.pillar == *pillar).unwrap_or_else(|| panic!("a sector of {pillar}"));
        let orgs: Vec<_> = cluster
            .by_ref()
            .take(*k)
            .map(|mut o| {
                o.sectors = vec![sector.entry.code.clone()];
                o
            })
            .collect();
        shaped.push(orgs);
    }
    let all: Vec<_> = shaped.iter().flatten().cloned().collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(all.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = all.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    shaped.iter().map(|g| g.iter().map(|o| ids[&o.uscc.to_string()].0).collect()).collect()
}

fn figures(revenue_yuan: i64) -> Figures {
    Figures { revenue: Fen(revenue_yuan * 100), employees: 10, ..Figures::default() }
}

fn last_month() -> Month {
    Month::of(today()).plus(-1)
}

async fn get(store: &Store, path: &str, who: &Person) -> Value {
    let r = send(store, "GET", path, None, &who.h()).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

both_backends! {
    async fn a_firm_files_and_corrects_its_report_and_nobody_else_reads_it(db) {
        let s = &db.store;
        let ids = firms_in(s, &[("cups", 2)]).await;
        let (firm, other) = (ids[0][0], ids[0][1]);
        let owner = common::owner(s, "owner@reports.example.cn", Some(firm)).await;
        let stranger = common::owner(s, "other@reports.example.cn", Some(other)).await;
        let m = last_month().plus(-1);
        let path = format!("/api/v1/orgs/{firm}/reports/{m}");
        let body = json!({"revenue_fen": 125_000_000, "export_revenue_fen": 30_000_000, "employees": 48,
            "services_fen": {"testing": 800_000, "logistics": 1_200_000}});

        let r = send(s, "PUT", &path, Some(body.clone()), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["revision"], 1);
        assert_eq!(r.body["revenue"]["amount_fen"], 125_000_000);
        assert_eq!(r.body["services"]["testing"]["amount_fen"], 800_000);
        assert_eq!(r.body["services_total"]["amount_fen"], 2_000_000);
        assert_eq!(r.body["due"], m.due().to_string());
        assert_eq!(r.body["late"], m.due() < today(), "filed today, after or before its due day");
        // The same figures again change nothing; new figures are a correction.
        let r = send(s, "PUT", &path, Some(body), &owner.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64()), (StatusCode::OK, Some(1)), "{}", r.body);
        let fixed = json!({"revenue_fen": 126_000_000, "employees": 48});
        let r = send(s, "PUT", &path, Some(fixed), &owner.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64()), (StatusCode::OK, Some(2)), "{}", r.body);
        let h = get(s, &path, &owner).await;
        assert_eq!(h["current"]["revenue"]["amount_fen"], 126_000_000);
        assert_eq!(h["corrections"][0]["revenue"]["amount_fen"], 125_000_000, "the first revision stays: {h}");
        let list = get(s, &format!("/api/v1/orgs/{firm}/reports"), &owner).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["month"], m.to_string());
        assert_eq!(list["items"][0]["cluster_median_revenue"], Value::Null, "one firm: no median to compare");
        let audit = s.audit_of(firm, None, 20).await.unwrap();
        let actions: Vec<&str> = audit.iter().filter(|a| a.entity == "report").map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["correct", "file"], "every filing is audited");

        // Others: a stranger is refused, a visitor must sign in.
        for method in ["GET", "PUT"] {
            let b = (method == "PUT").then(|| json!({"revenue_fen": 1, "employees": 1}));
            let r = send(s, method, &path, b, &stranger.h()).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method}: {}", r.body);
        }
        let r = send(s, "GET", &format!("/api/v1/orgs/{firm}/reports"), None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = send(s, "GET", &format!("/api/v1/orgs/{firm}/reports"), None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(s, "GET", "/api/v1/overview/reports", None, &owner.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a firm is not the office");
    }

    async fn bad_figures_are_refused_with_the_field_named_and_nothing_written(db) {
        let s = &db.store;
        let firm = firms_in(s, &[("doors", 1)]).await[0][0];
        let owner = common::owner(s, "owner@bad-reports.example.cn", Some(firm)).await;
        let m = last_month();
        let cases = [
            (m.to_string(), json!({"revenue_fen": -1, "employees": 3}), "revenue_fen"),
            (m.to_string(), json!({"revenue_fen": 100, "export_revenue_fen": 101, "employees": 3}), "export_revenue_fen"),
            (m.to_string(), json!({"revenue_fen": 100, "employees": -3}), "employees"),
            (m.to_string(), json!({"revenue_fen": 100, "employees": 3, "services_fen": {"massage": 5}}), "services_fen"),
            (m.to_string(), json!({"revenue_fen": 100, "employees": 3, "services_fen": {"testing": -5}}), "services_fen"),
            (Month::of(today()).to_string(), json!({"revenue_fen": 100, "employees": 3}), "month"),
            ("2026-13".to_string(), json!({"revenue_fen": 100, "employees": 3}), "month"),
        ];
        for (month, body, field) in cases {
            let r = send(s, "PUT", &format!("/api/v1/orgs/{firm}/reports/{month}"), Some(body.clone()), &owner.h()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
            assert_eq!(r.body["error"]["field"].as_str(), Some(field), "{body}: {}", r.body);
        }
        // A field the API does not know is a body it cannot read (422), also named.
        let body = json!({"revenue_fen": 100, "employees": 3, "profit_fen": 5});
        let r = send(s, "PUT", &format!("/api/v1/orgs/{firm}/reports/{m}"), Some(body), &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("profit_fen")));
        assert!(s.reports_of(firm).await.unwrap().is_empty(), "nothing half-written");
    }

    async fn the_office_never_sees_a_four_firm_cell_or_a_dominant_firm(db) {
        let s = &db.store;
        let g = firms_in(s, &[("cups", 6), ("doors", 4), ("power_tools", 6), ("scales", 7)]).await;
        let m = last_month();
        let mut rows = vec![];
        let values: [&[i64]; 4] = [
            &[100_000, 120_000, 90_000, 110_000, 105_000, 98_000],
            &[50_003, 60_007, 70_001, 80_009],
            &[950_011, 10_001, 10_003, 10_007, 10_009, 10_013],
            &[40_000, 45_000, 50_000, 55_000, 60_000, 65_000, 70_000],
        ];
        for (firms, vals) in g.iter().zip(values) {
            for (&org, &v) in firms.iter().zip(vals) {
                rows.push((org, m, figures(v)));
            }
        }
        s.file_reports(&rows, "test").await.unwrap();
        let officer = common::owner(s, "officer@reports.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();

        let v = get(s, "/api/v1/overview/reports?by=sector&months=1", &officer).await;
        let cell = |code: &str| v["lines"].as_array().unwrap().iter().find(|l| l["code"] == code).unwrap()["cells"][0].clone();
        assert_eq!(cell("doors")["state"], "hidden", "four firms: {v}");
        assert_eq!(cell("power_tools")["state"], "hidden", "one firm makes 95 %: {v}");
        assert_eq!(cell("cups")["sum"], 623_000 * 100);
        assert_eq!(cell("scales")["firms"], 7);
        let total = v["total"]["cells"][0]["sum"].as_i64().expect("the month's total");
        assert_eq!(total, (623_000 + 260_020 + 1_000_044 + 385_000) * 100);
        // What the total leaves over the shown cells is the two hidden cells together, which
        // gives neither; and no figure of either hidden group (sum, median), or the dominant
        // firm's own, appears anywhere in the answer.
        let text = v.to_string();
        for secret in [260_020_i64 * 100, 1_000_044 * 100, 950_011 * 100, 65_004 * 100, 10_008 * 100] {
            assert!(!text.contains(&secret.to_string()), "{secret} appears in {text}");
        }
        let shown: i64 = v["lines"].as_array().unwrap().iter().filter_map(|l| l["cells"][0]["sum"].as_i64()).sum();
        assert_eq!(total - shown, (260_020 + 1_000_044) * 100);

        // By town and by size the same firms fall in other cells; none shown is under five.
        for by in ["town", "size"] {
            let v = get(s, &format!("/api/v1/overview/reports?by={by}&months=1"), &officer).await;
            for l in v["lines"].as_array().unwrap() {
                let c = &l["cells"][0];
                if c["state"] == "shown" {
                    assert!(c["firms"].as_i64().unwrap() >= 5, "{by}: {l}");
                }
            }
        }
        for (q, field) in [("by=owner", "by"), ("measure=profit", "measure"), ("months=0", "months"), ("months=25", "months")] {
            let r = send(s, "GET", &format!("/api/v1/overview/reports?{q}"), None, &officer.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{q}");
        }
    }

    async fn reminders_go_on_the_fifth_and_the_fourteenth_once_to_firms_that_have_not_filed(db) {
        let s = &db.store;
        let ids = firms_in(s, &[("cups", 3)]).await;
        let (late, prompt, nobody) = (ids[0][0], ids[0][1], ids[0][2]);
        let _a = common::owner(s, "late@remind.example.cn", Some(late)).await;
        let _b = common::owner(s, "prompt@remind.example.cn", Some(prompt)).await;
        // `nobody` has no members: there is nobody to remind.
        let _ = nobody;
        let day = |d: u8| -> Date { Month::new(2026, 4).unwrap().day(d) };
        let march = Month::new(2026, 3).unwrap();
        s.file_reports(&[(prompt, march, figures(1_000))], "test").await.unwrap();
        let reminded = |org: i64| async move {
            s.inbox(&[org], None, 50).await.unwrap().into_iter().filter(|i| i.kind == "report_due").collect::<Vec<_>>()
        };

        assert_eq!(s.send_report_reminders(day(4)).await.unwrap(), 0, "not before the 5th");
        assert_eq!(s.send_report_reminders(day(5)).await.unwrap(), 1);
        assert_eq!(s.send_report_reminders(day(5)).await.unwrap(), 0, "the job runs often; the firm hears once");
        assert_eq!(s.send_report_reminders(day(9)).await.unwrap(), 0);
        assert_eq!(s.send_report_reminders(day(14)).await.unwrap(), 1);
        assert_eq!(s.send_report_reminders(day(15)).await.unwrap(), 0);
        assert_eq!(s.send_report_reminders(day(16)).await.unwrap(), 0, "past due, no more reminders");
        let got = reminded(late).await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].detail["month"], "2026-03");
        assert_eq!(got[0].detail["due"], "2026-04-15");
        assert!(reminded(prompt).await.is_empty(), "it filed");
        assert!(reminded(nobody).await.is_empty());
        let text = wujin_server::api::inbox::text(wujin_domain::Lang::Zh, &got[0]);
        assert!(text.contains("2026-03") && text.contains("2026-04-15"), "{text}");
    }
}

/// The bytes of a page or download as the officer's browser gets them.
async fn fetch(store: &Store, path: &str, who: &Person) -> (StatusCode, Vec<u8>) {
    use tower::ServiceExt;
    let req = axum::http::Request::get(path)
        .header("host", "wujin.test")
        .header("cookie", &who.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = wujin_server::api::router(store.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    (status, axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec())
}

both_backends! {
    async fn the_office_page_and_its_download_never_show_a_hidden_cell(db) {
        use calamine::Reader;
        let s = &db.store;
        let g = firms_in(s, &[("cups", 6), ("doors", 4), ("power_tools", 6), ("scales", 7)]).await;
        let m = last_month();
        // Head counts, which the page prints as they are: four door makers (2,620 in all), and
        // a power-tool maker with 9,511 of its sector's 10,044.
        let values: [&[i64]; 4] = [
            &[1_001, 1_203, 1_105, 1_307, 1_409, 1_511],
            &[503, 607, 701, 809],
            &[9_511, 101, 103, 107, 109, 113],
            &[401, 433, 457, 479, 491, 503, 521],
        ];
        let mut rows = vec![];
        for (firms, vals) in g.iter().zip(values) {
            for (&org, &v) in firms.iter().zip(vals) {
                rows.push((org, m, Figures { revenue: Fen(100_000), employees: v, ..Figures::default() }));
            }
        }
        s.file_reports(&rows, "test").await.unwrap();
        let officer = common::owner(s, "officer@page-rule.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        let secrets = ["2620", "2,620", "10044", "10,044", "9511", "9,511"];

        let (status, html) = fetch(s, "/overview/structure?by=sector&measure=employees&months=1", &officer).await;
        assert_eq!(status, StatusCode::OK);
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("7,536") || html.contains("7536"), "the cup makers' 7,536 is shown");
        for secret in secrets {
            assert!(!html.contains(secret), "{secret} shows on the page");
        }
        let (status, book) = fetch(s, "/overview/structure.xlsx?by=sector&measure=employees&months=1", &officer).await;
        assert_eq!(status, StatusCode::OK);
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(book)).expect("an XLSX workbook");
        let sheet = book.worksheet_range_at(0).expect("a sheet").unwrap();
        let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
        assert!(cells.iter().any(|c| c == "7536"), "{cells:?}");
        for secret in secrets {
            assert!(!cells.iter().any(|c| c.replace(',', "") == secret.replace(',', "")), "{secret} in the download: {cells:?}");
        }
        assert_eq!(cells.iter().filter(|c| c.as_str() == "—").count(), 2, "the two hidden cells are marked: {cells:?}");
    }
}
