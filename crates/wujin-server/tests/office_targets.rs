//! The pilot office sets targets and reads their progress from the data: a revenue target
//! follows the firms' reports over twelve months, on or off its straight path; bad terms are
//! refused with the field named, a stale edit is a conflict, every change is audited, and a
//! firm cannot read or set targets. Both engines.

mod common;

use axum::http::StatusCode;
use common::send;
use serde_json::json;
use wujin_domain::Fen;
use wujin_domain::report::{Figures, Month};
use wujin_store::{Store, both_backends};

/// Six cup makers that each report 1 亿元 a month, up to last month, for `months` months.
async fn reporting_firms(store: &Store, months: i32) -> Month {
    let cluster = wujin_demo::generate(3, 60);
    let cups = wujin_domain::Taxonomy::get().sectors.iter().find(|s| s.pillar == "cups").unwrap().entry.code.clone();
    let orgs: Vec<_> = cluster
        .orgs
        .into_iter()
        .filter(|o| o.kind == wujin_domain::OrgKind::Manufacturer)
        .take(6)
        .map(|mut o| {
            o.sectors = vec![cups.clone()];
            o
        })
        .collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    let last = Month::of(wujin_store::ties::today()).plus(-1);
    let mut rows = vec![];
    for code in &codes {
        for k in 0..months {
            let figures = Figures { revenue: Fen(10_000_000_000), employees: 50, ..Figures::default() };
            rows.push((ids[code].0, last.plus(-k), figures));
        }
    }
    store.file_reports(&rows, "test").await.unwrap();
    last
}

both_backends! {
    async fn a_revenue_target_follows_the_reports_and_says_whether_it_is_on_track(db) {
        let s = &db.store;
        let last = reporting_firms(s, 14).await;
        let officer = common::owner(s, "officer@targets.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        // Six firms at 1 亿 a month make 72 亿 over a year; the target asks for 144 by a year on.
        let body = json!({"title": "杯业营收翻番", "metric": "revenue", "scope": "cups",
            "baseline_month": last.plus(-1).to_string(), "baseline": 72.0,
            "due": last.plus(11).to_string(), "target": 144.0});
        let r = send(s, "POST", "/api/v1/targets", Some(body.clone()), &officer.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        let series = r.body["series"].as_array().unwrap();
        assert_eq!(series[0]["actual"], 72.0, "{}", r.body);
        assert_eq!(series[1]["actual"], 72.0);
        assert!(series[2]["actual"].is_null(), "no report for the months to come");
        let p = &r.body["progress"];
        assert_eq!((p["month"].as_str(), p["actual"].as_f64()), (Some(last.to_string().as_str()), Some(72.0)));
        assert_eq!(p["expected"], 78.0, "a twelfth of the way along the path");
        assert_eq!(p["on_track"], false);

        // A firm is not the office; bad terms name their field; a stale edit is refused.
        let firm = common::owner(s, "firm@targets.example.cn", None).await;
        let r = send(s, "GET", "/api/v1/targets", None, &firm.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(s, "POST", "/api/v1/targets", Some(body.clone()), &firm.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        for (patch, field) in [
            (json!({"metric": "profit"}), "metric"),
            (json!({"metric": "service_uptake", "scope": null}), "scope"),
            (json!({"scope": "testing"}), "scope"),
            (json!({"due": last.plus(-5).to_string()}), "due"),
            (json!({"title": ""}), "title"),
        ] {
            let mut b = body.clone();
            for (k, v) in patch.as_object().unwrap() {
                b[k] = v.clone();
            }
            let r = send(s, "POST", "/api/v1/targets", Some(b), &officer.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{patch}: {}", r.body);
        }
        let mut edit = body.clone();
        edit["target"] = json!(80.0);
        edit["revision"] = json!(1);
        let r = send(s, "PUT", &format!("/api/v1/targets/{id}"), Some(edit.clone()), &officer.h()).await;
        assert_eq!((r.status, r.body["revision"].as_i64()), (StatusCode::OK, Some(2)), "{}", r.body);
        assert_eq!(r.body["progress"]["on_track"], false, "80 by a year on: 72.67 expected now");
        edit["target"] = json!(72.0);
        let r = send(s, "PUT", &format!("/api/v1/targets/{id}"), Some(edit), &officer.h()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "revision 1 is stale: {}", r.body);
        let r = send(s, "GET", "/api/v1/targets", None, &officer.h()).await;
        assert_eq!(r.body["total"], 1);
        let r = send(s, "DELETE", &format!("/api/v1/targets/{id}"), None, &officer.h()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let r = send(s, "GET", &format!("/api/v1/targets/{id}"), None, &officer.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit WHERE entity = 'target' ORDER BY id")
            .fetch_all(s.pool())
            .await
            .unwrap();
        assert_eq!(actions, ["create", "update", "delete"], "every change is audited");
    }

    async fn a_target_on_a_thin_scope_shows_no_number_the_rule_hides(db) {
        let s = &db.store;
        let last = reporting_firms(s, 13).await;
        let officer = common::owner(s, "officer@thin.example.cn", None).await;
        s.make_officer(officer.id).await.unwrap();
        // Six firms report, but none of them is in the doors industry: nothing to show there.
        let body = json!({"title": "门业", "metric": "revenue", "scope": "doors",
            "baseline_month": last.to_string(), "baseline": 1.0, "due": last.plus(12).to_string(), "target": 2.0});
        let r = send(s, "POST", "/api/v1/targets", Some(body), &officer.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert!(r.body["progress"].is_null(), "{}", r.body);
        assert!(r.body["series"].as_array().unwrap().iter().all(|p| p["actual"].is_null()));
    }
}
