//! Supervision to closure: the office records an inspection and the problems it found; the
//! responsible unit sees only its own, adds measures and evidence files (judged by their
//! content) and reports them rectified; the office closes them (销号), and nobody closes a
//! problem of their own unit, not even an officer of a department. Tasks go to a unit and
//! only the office changes them. Every change is audited; reminders come a week before a
//! deadline, the day before and once overdue, each once. Both engines.

mod common;

use axum::http::StatusCode;
use common::{Person, send, upload_to};
use serde_json::json;
use wujin_store::{Store, both_backends};

/// Three firms of a small demo cluster, each with its owner signed in.
async fn three_firms(store: &Store, tag: &str) -> Vec<(i64, Person)> {
    let cluster = wujin_demo::generate(11, 40);
    let orgs: Vec<_> =
        cluster.orgs.into_iter().filter(|o| o.kind == wujin_domain::OrgKind::Manufacturer).take(3).collect();
    let opts = wujin_server::transfer::import::Options { skip_invalid: false, quiet: true, actor: "test".into() };
    let whole = wujin_server::transfer::import::whole(orgs.iter().cloned(), wujin_domain::sheet::ORG_COLUMNS);
    wujin_server::transfer::import::write_orgs(store, &whole, &opts).await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|o| o.uscc.to_string()).collect();
    let ids = store.org_ids_by_uscc(&codes).await.unwrap();
    let mut out = vec![];
    for (n, code) in codes.iter().enumerate() {
        let id = ids[code].0;
        out.push((id, common::owner(store, &format!("firm{n}@{tag}.example.cn"), Some(id)).await));
    }
    out
}

async fn officer(store: &Store, login: &str) -> Person {
    let p = common::owner(store, login, None).await;
    store.make_officer(p.id).await.unwrap();
    p
}

/// A valid credit code of a government body (registration class 11) in Yongkang.
fn government_code(n: u32) -> String {
    let body8 = format!("{:08}", 31_000_000 + n);
    let check = wujin_domain::Uscc::organisation_check_digit(&body8).unwrap();
    wujin_domain::Uscc::complete(&format!("11330784{body8}{check}")).unwrap().to_string()
}

fn in_days(n: i64) -> String {
    (wujin_store::ties::today() + time::Duration::days(n)).to_string()
}

/// A whole PDF, as a scanner writes one.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

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
    async fn the_ledger_page_and_its_download_put_overdue_problems_first_in_the_officials_columns(db) {
        use calamine::Reader;
        let s = &db.store;
        let firms = three_firms(s, "ledger").await;
        let office = officer(s, "office@ledger.example.cn").await;
        let today = wujin_store::ties::today();
        let raise = |text: &str, org: i64, days: i64| {
            wujin_domain::supervision::check_problem(text, "general", org, &(today + time::Duration::days(days)).to_string(), None, today).unwrap()
        };
        let late = s.raise_problem(&raise("危废暂存间无台账", firms[0].0, 5), office.id).await.unwrap();
        s.backdate_problem(late.id, today - time::Duration::days(4)).await.unwrap();
        s.raise_problem(&raise("员工未佩戴防护眼镜", firms[0].0, 2), office.id).await.unwrap();
        s.raise_problem(&raise("别家的问题", firms[1].0, 2), office.id).await.unwrap();

        // The unit adds a measure through the page's form.
        let owner = &firms[0].1;
        let form = format!("csrf={}&note=%E5%B7%B2%E5%BB%BA%E7%AB%8B%E5%8F%B0%E8%B4%A6", owner.csrf);
        let (status, location, _) = common::page(s, "POST", &format!("/supervision/problems/{}/measure", late.id), Some(owner), Some(&form)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(!location.contains("error"), "{location}");

        let (status, html) = fetch(s, "/supervision/problems", owner).await;
        assert_eq!(status, StatusCode::OK);
        let html = String::from_utf8(html).unwrap();
        let (first, second) = (html.find("危废暂存间无台账").unwrap(), html.find("员工未佩戴防护眼镜").unwrap());
        assert!(first < second, "the overdue problem comes first");
        assert!(html.contains("已建立台账"), "its measure is on the ledger");
        assert!(!html.contains("别家的问题"), "another firm's problem is not");
        assert!(html.contains("超期4天"), "how late it is");

        let (status, book) = fetch(s, "/supervision/problems.xlsx", &office).await;
        assert_eq!(status, StatusCode::OK);
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(book)).expect("an XLSX workbook");
        let sheet = book.worksheet_range_at(0).expect("a sheet").unwrap();
        let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0], ["序号", "问题描述", "责任单位", "整改措施", "整改时限", "整改进展", "是否销号"]);
        assert_eq!(rows.len(), 4, "three problems: {rows:?}");
        assert_eq!((rows[1][0].as_str(), rows[1][1].as_str()), ("1", "危废暂存间无台账"));
        assert_eq!(rows[1][3], "1. 已建立台账");
        assert!(rows[1][5].contains("超期4天"), "{:?}", rows[1]);
        assert_eq!(rows[1][6], "否");

        // The task list downloads in its columns too.
        let body = json!({"title": "推动危废规范化管理", "plan_item": "structure", "responsible_org": firms[0].0,
            "owner": "王经理", "due": (today + time::Duration::days(60)).to_string(),
            "milestones": [{"title": "建立台账", "due": (today + time::Duration::days(10)).to_string(), "done": true}]});
        assert_eq!(send(s, "POST", "/api/v1/tasks", Some(body), &office.h()).await.status, StatusCode::CREATED);
        let (status, book) = fetch(s, "/supervision/tasks.xlsx", owner).await;
        assert_eq!(status, StatusCode::OK);
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(book)).expect("an XLSX workbook");
        let sheet = book.worksheet_range_at(0).expect("a sheet").unwrap();
        let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0], ["序号", "任务名称", "试点事项", "责任单位", "负责人", "完成时限", "进度节点", "状态"]);
        assert_eq!((rows[1][1].as_str(), rows[1][2].as_str(), rows[1][7].as_str()), ("推动危废规范化管理", "产业结构优化", "未启动"));
        assert!(rows[1][6].starts_with("✓ 建立台账"), "{:?}", rows[1]);

        // The officer's landing page names the overdue problem.
        let (_, html) = fetch(s, "/overview", &office).await;
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("危废暂存间无台账") && html.contains("overview-month"), "landing page");
    }

    async fn an_inspection_finds_problems_the_unit_rectifies_and_the_office_closes(db) {
        let s = &db.store;
        let firms = three_firms(s, "closure").await;
        let ((firm, owner), (_, stranger)) = ((firms[0].0, &firms[0].1), (firms[1].0, &firms[1].1));
        let office = officer(s, "office@closure.example.cn").await;

        let body = json!({"date": in_days(-1), "inspectors": "试点办 王科长、李干事", "subject": "企业安全生产与质量督查",
            "problems": [
                {"description": "成品仓库消防通道堆放纸箱", "severity": "serious", "responsible_org": firm, "deadline": in_days(10)},
                {"description": "质检记录缺少出厂检验签字", "severity": "general", "responsible_org": firm, "deadline": in_days(20)}]});
        let r = send(s, "POST", "/api/v1/inspections", Some(body.clone()), &office.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["problems"], 2);
        // Firms do not inspect; a bad problem names its field and writes nothing.
        let r = send(s, "POST", "/api/v1/inspections", Some(body.clone()), &owner.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut bad = body.clone();
        bad["problems"][1]["deadline"] = json!(in_days(-3));
        let r = send(s, "POST", "/api/v1/inspections", Some(bad), &office.h()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body["error"]["field"], "/problems/1/deadline");
        let r = send(s, "GET", "/api/v1/inspections", None, &office.h()).await;
        assert_eq!(r.body["total"], 1, "the refused inspection left nothing behind");
        let inspection = r.body["items"][0]["id"].as_i64().unwrap();
        let r = send(s, "GET", &format!("/api/v1/problems?inspection_id={inspection}"), None, &office.h()).await;
        assert_eq!(r.body["total"], 2, "the inspection's problems: {}", r.body);
        let r = send(s, "GET", &format!("/api/v1/problems?inspection_id={}", inspection + 1), None, &office.h()).await;
        assert_eq!(r.body["total"], 0);

        // The unit sees its own problems, nobody else sees them.
        let r = send(s, "GET", "/api/v1/problems", None, &owner.h()).await;
        assert_eq!(r.body["total"], 2, "{}", r.body);
        let id = r.body["items"][0]["id"].as_i64().unwrap();
        assert_eq!(r.body["items"][0]["description"], "成品仓库消防通道堆放纸箱", "soonest deadline first");
        let r = send(s, "GET", "/api/v1/problems", None, &stranger.h()).await;
        assert_eq!(r.body["total"], 0);
        let r = send(s, "GET", &format!("/api/v1/problems/{id}"), None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Measures and evidence, from the unit only; a file is what its bytes are.
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/measures"), Some(json!({"text": "纸箱已清出，通道划线"})), &stranger.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/measures"), Some(json!({"text": "纸箱已清出，通道划线"})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["measures"], json!(["纸箱已清出，通道划线"]));
        let app = wujin_server::api::AppState::new(s.clone());
        let path = format!("/api/v1/problems/{id}/evidence");
        let r = upload_to(&app, &path, "整改照片.pdf", b"MZ\x90\0\x03 not a pdf at all", &[], &owner.h()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["error"]["field"], "file");
        let r = upload_to(&app, &path, "整改报告.pdf", b"<html><script>alert(1)</script></html>", &[], &owner.h()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an HTML page named as a PDF: {}", r.body);
        let r = upload_to(&app, &path, "整改照片.jpg", PDF, &[], &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")), "a PDF named as a photo");
        let r = upload_to(&app, &path, "整改报告.pdf", &PDF[..40], &[], &owner.h()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a cut-off file: {}", r.body);
        let r = upload_to(&app, &path, "整改报告.pdf", PDF, &[("note", "整改后现场")], &owner.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let evidence = r.body["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "evidence").unwrap().clone();
        assert_eq!(evidence["file"]["mime"], "application/pdf");
        assert_eq!(evidence["text"], "整改后现场");
        let url = evidence["file"]["url"].as_str().unwrap().to_string();
        let got = common::send(s, "GET", &url, None, &office.h()).await;
        assert_eq!(got.status, StatusCode::OK);
        let r = send(s, "GET", &url, None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "evidence is as private as its problem");

        // The unit cannot close its own problem; it submits, the office closes.
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), None, &owner.h()).await;
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("own_problem")), "{}", r.body);
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), None, &office.h()).await;
        assert_eq!(r.body["error"]["code"], "wrong_state", "not before the unit says it is done");
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/submit"), Some(json!({"note": "已整改完毕"})), &owner.h()).await;
        assert_eq!((r.status, r.body["state"].as_str()), (StatusCode::OK, Some("submitted")), "{}", r.body);
        let stale = r.body["revision"].as_i64().unwrap() - 1;
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), Some(json!({"revision": stale})), &office.h()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a stale verification is refused");
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/reopen"), Some(json!({"note": "通道仍有杂物"})), &office.h()).await;
        assert_eq!(r.body["state"], "open", "{}", r.body);
        send(s, "POST", &format!("/api/v1/problems/{id}/submit"), None, &owner.h()).await;
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), Some(json!({"note": "复查合格，予以销号"})), &office.h()).await;
        assert_eq!((r.status, r.body["state"].as_str()), (StatusCode::OK, Some("closed")), "{}", r.body);
        let kinds: Vec<&str> = r.body["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["raise", "measure", "evidence", "submit", "reopen", "submit", "close"]);
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/measures"), Some(json!({"text": "再补充"})), &owner.h()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a closed problem takes no more until reopened");

        // Every change is in the unit's audit log.
        let r = send(s, "GET", &format!("/api/v1/audit?org_id={firm}&limit=100"), None, &owner.h()).await;
        let actions: Vec<String> = r.body["items"].as_array().unwrap().iter()
            .filter(|a| a["entity"] == "problem" && a["entity_id"] == id)
            .map(|a| a["action"].as_str().unwrap().to_string()).collect();
        assert_eq!(actions, ["close", "submit", "reopen", "submit", "evidence", "measure", "raise"], "{}", r.body);
    }

    async fn nobody_closes_a_problem_of_their_own_department(db) {
        let s = &db.store;
        let firms = three_firms(s, "department").await;
        let head = officer(s, "head@department.example.cn").await;
        let other = officer(s, "other@department.example.cn").await;
        let r = send(s, "POST", "/api/v1/departments", Some(json!({"uscc": "11330784MB0000011X", "name": "永康市经济和信息化局"})), &head.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("uscc")), "{}", r.body);
        let r = send(s, "POST", "/api/v1/departments", Some(json!({"uscc": government_code(1), "name": "永康市经济和信息化局"})), &head.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let dept = r.body["id"].as_i64().unwrap();
        // Only officers join a department; firms do not sign up as one.
        let r = send(s, "POST", &format!("/api/v1/orgs/{dept}/members"), Some(json!({"login": "firm0@department.example.cn", "role": "member"})), &head.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("login")), "{}", r.body);
        let r = send(s, "POST", "/api/v1/accounts", Some(json!({"login": "fake@department.example.cn", "name": "x", "password": "correct horse",
            "uscc": government_code(2), "firm": "假冒局", "kind": "government"})), &[]).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")), "{}", r.body);

        let body = json!({"description": "企业服务平台数据未按月更新", "severity": "general", "responsible_org": dept, "deadline": in_days(30)});
        let r = send(s, "POST", "/api/v1/problems", Some(body), &other.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/submit"), None, &head.h()).await;
        assert_eq!(r.body["state"], "submitted", "{}", r.body);
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), None, &head.h()).await;
        assert_eq!(r.body["error"]["code"], "own_problem", "an officer of the department: {}", r.body);
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), None, &firms[0].1.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "a firm does not see the department's problem");
        let r = send(s, "POST", &format!("/api/v1/problems/{id}/close"), None, &other.h()).await;
        assert_eq!(r.body["state"], "closed", "{}", r.body);
    }

    async fn the_office_gives_a_unit_a_task_and_only_the_office_changes_it(db) {
        let s = &db.store;
        let firms = three_firms(s, "tasks").await;
        let office = officer(s, "office@tasks.example.cn").await;
        let (firm, owner, stranger) = (firms[0].0, &firms[0].1, &firms[1].1);
        let body = json!({"title": "引进一家 CNAS 认可的保温杯检测实验室", "plan_item": "consulting_standards",
            "responsible_org": firm, "owner": "王科长", "due": in_days(180), "gap": "testing @ 330784105",
            "milestones": [{"title": "完成选址", "due": in_days(60)}, {"title": "签约", "due": in_days(30)}]});
        let r = send(s, "POST", "/api/v1/tasks", Some(body.clone()), &office.h()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["status"], "not_started");
        assert_eq!(r.body["milestones"][0]["title"], "签约", "milestones in date order");
        for (patch, status, field) in [
            (json!({"plan_item": "everything"}), StatusCode::BAD_REQUEST, "plan_item"),
            (json!({"responsible_org": 999_999}), StatusCode::UNPROCESSABLE_ENTITY, "responsible_org"),
            (json!({"due": "明年"}), StatusCode::BAD_REQUEST, "due"),
        ] {
            let mut b = body.clone();
            for (k, v) in patch.as_object().unwrap() {
                b[k] = v.clone();
            }
            let r = send(s, "POST", "/api/v1/tasks", Some(b), &office.h()).await;
            assert_eq!((r.status, r.body["error"]["field"].as_str()), (status, Some(field)), "{}", r.body);
        }
        let r = send(s, "GET", "/api/v1/tasks", None, &owner.h()).await;
        assert_eq!(r.body["total"], 1);
        let r = send(s, "GET", "/api/v1/tasks", None, &stranger.h()).await;
        assert_eq!(r.body["total"], 0);
        let r = send(s, "GET", &format!("/api/v1/tasks/{id}"), None, &stranger.h()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let mut moved = body.clone();
        moved["status"] = json!("in_progress");
        moved["revision"] = json!(1);
        let r = send(s, "PUT", &format!("/api/v1/tasks/{id}"), Some(moved.clone()), &owner.h()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the unit reads its task, the office sets it");
        let r = send(s, "PUT", &format!("/api/v1/tasks/{id}"), Some(moved.clone()), &office.h()).await;
        assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("in_progress")), "{}", r.body);
        let r = send(s, "PUT", &format!("/api/v1/tasks/{id}"), Some(moved), &office.h()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "an edit against an old revision");
        let r = send(s, "GET", "/api/v1/tasks?status=in_progress&plan_item=consulting_standards", None, &office.h()).await;
        assert_eq!(r.body["total"], 1);
        let r = send(s, "GET", "/api/v1/tasks?status=late", None, &office.h()).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("status")));

        let r = send(s, "GET", &format!("/api/v1/audit?org_id={firm}&limit=100"), None, &owner.h()).await;
        let task_rows: Vec<&serde_json::Value> = r.body["items"].as_array().unwrap().iter().filter(|a| a["entity"] == "task").collect();
        assert_eq!(task_rows.len(), 2, "created and edited: {}", r.body);
        assert_eq!(task_rows[0]["detail"]["to"], "in_progress");
        let r = send(s, "GET", "/api/v1/inbox", None, &owner.h()).await;
        assert!(r.body["items"].as_array().unwrap().iter().any(|i| i["kind"] == "supervision"), "{}", r.body);
    }

    async fn deadline_reminders_come_a_week_before_the_day_before_and_once_overdue(db) {
        let s = &db.store;
        let firms = three_firms(s, "reminders").await;
        let office = officer(s, "office@reminders.example.cn").await;
        let today = wujin_store::ties::today();
        let deadline = today + time::Duration::days(20);
        let record = wujin_domain::supervision::check_problem("废水排放口未设标识", "serious", firms[0].0, &deadline.to_string(), None, today).unwrap();
        let p = s.raise_problem(&record, office.id).await.unwrap();
        let day = |n: i64| deadline + time::Duration::days(n);
        let mut sent = vec![];
        for n in [-10, -7, -7, -6, -2, -1, 0, 1, 2, 9] {
            sent.push(s.send_problem_reminders(day(n)).await.unwrap());
        }
        assert_eq!(sent, [0, 1, 0, 0, 0, 1, 0, 1, 0, 0], "each stage once, however often the clock job runs");
        let items = s.inbox(&[firms[0].0], None, 50).await.unwrap();
        let stages: Vec<&str> = items.iter().filter(|i| i.kind == "problem_due").map(|i| i.detail["stage"].as_str().unwrap()).collect();
        assert_eq!(stages, ["overdue", "day", "week"]);
        assert!(s.inbox(&[firms[1].0], None, 50).await.unwrap().is_empty(), "nobody else is told");
        // A new deadline starts the schedule again; a problem awaiting verification waits on
        // the office, not on the unit.
        s.backdate_problem(p.id, day(30)).await.unwrap();
        assert_eq!(s.send_problem_reminders(day(29)).await.unwrap(), 1);
        s.act_on_problem(p.id, wujin_domain::supervision::ProblemAction::Submit, "", firms[0].1.id, false, None).await.unwrap();
        assert_eq!(s.send_problem_reminders(day(31)).await.unwrap(), 0);
    }
}
