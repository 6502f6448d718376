//! Supervision in pages: the task board (`/supervision/tasks`), the problem ledger
//! (`/supervision/problems`, 问题清单 / 整改台账, with its XLSX in the officials' columns), a
//! problem's road to closure (`/supervision/problems/{id}`) and a task's page. Officers see
//! everything and act for the office; a firm's members see their own firm's tasks and
//! problems and add measures and evidence. Every write goes through the API's handlers, so a
//! page refuses what the API refuses, in the same words.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::supervision::{LEDGER_COLUMNS, PlanItem, ProblemState, Severity, TaskStatus};

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::demands::json_of;
use super::session::{PageUser, form, page_user, sign_in_first};
use super::targets::poster;
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::lang::ReqLang;
use crate::api::params::Params;

/// Catalogue keys made from values in the templates, for the catalogue test.
pub const KEYS: &[&str] = &[
    "inbox_problem_due_week",
    "inbox_problem_due_day",
    "inbox_problem_due_overdue",
    "inbox_supervision_task",
    "inbox_supervision_problem",
    "problem_entry_raise",
    "problem_entry_measure",
    "problem_entry_evidence",
    "problem_entry_submit",
    "problem_entry_close",
    "problem_entry_reopen",
    "ledger_yes",
    "ledger_no",
    "ledger_overdue_days",
    "ledger_days_left",
];

pub(super) fn query_map(query: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect()
}

/// The API's answer as a page's data, or the page that says why not: not found, or the
/// API's message under its status.
pub(super) async fn shown<R: axum::response::IntoResponse>(
    r: Result<R, crate::api::error::ApiError>,
    lang: Lang,
    here: &str,
) -> Result<serde_json::Value, Response> {
    json_of(r).await.map_err(|e| match e.status {
        StatusCode::NOT_FOUND => super::session::not_found(lang, here),
        status => super::message(status, lang, here, "error_title", &e.message),
    })
}

/// The signed-in person, or the sign-in page.
pub(super) async fn someone(app: &AppState, headers: &HeaderMap, here: &str) -> Result<PageUser, Response> {
    page_user(app, headers).await.ok_or_else(|| sign_in_first(here))
}

async fn is_office(app: &AppState, user: &PageUser) -> bool {
    user.officer || app.store.is_platform_admin(user.account_id).await.unwrap_or(false)
}

/// The departments an officer's forms offer as responsible units (none for others).
async fn departments(app: &AppState, office: bool) -> Vec<Value> {
    let all = if office { app.store.departments().await.unwrap_or_default() } else { vec![] };
    all.into_iter().map(|(id, name)| context! { id, name }).collect()
}

fn options<T: Copy>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    name: fn(T, Lang) -> &'static str,
) -> Vec<Value> {
    all.iter().map(|v| context! { code => code(*v), name => name(*v, lang) }).collect()
}

/// The filters a list page was asked for, as the API reads them (only known keys).
fn filters(q: &HashMap<String, String>, keys: &[&str]) -> Params {
    Params(
        q.iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// `/supervision/tasks`: the task board, by status, filterable; the office's form to give a
/// task (filled in from a gap when the gaps page sent one).
pub async fn tasks(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/supervision/tasks";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query_map(query.as_deref());
    let p = filters(&q, &["status", "plan_item"]);
    let r = crate::api::tasks::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
    let list = match shown(r, lang, here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let items = list["items"].as_array().cloned().unwrap_or_default();
    let columns: Vec<Value> = TaskStatus::ALL
        .iter()
        .map(|s| {
            let tasks: Vec<&serde_json::Value> = items.iter().filter(|t| t["status"] == s.code()).collect();
            context! { code => s.code(), name => s.name(lang), tasks => Value::from(Serde(tasks)) }
        })
        .collect();
    let office = is_office(&app, &user).await;
    let departments = departments(&app, office).await;
    // A gap turned into a task: its family names the plan item, its words the title.
    let gap = q.get("gap").cloned().unwrap_or_default();
    let family = gap.split('@').next().unwrap_or("").trim().to_string();
    let draft = context! {
        title => q.get("title").cloned().unwrap_or_default(),
        plan_item => if family.is_empty() { String::new() } else { PlanItem::for_family(&family).code().to_string() },
        gap => gap,
        due => (wujin_store::ties::today() + time::Duration::days(90)).to_string(),
    };
    let ctx = context! {
        user => user.view(), office, columns, total => items.len(), departments, draft,
        plan_items => options(lang, &PlanItem::ALL, PlanItem::code, PlanItem::name),
        statuses => options(lang, TaskStatus::ALL, TaskStatus::code, TaskStatus::name),
        chosen_status => q.get("status").cloned().unwrap_or_default(),
        chosen_plan => q.get("plan_item").cloned().unwrap_or_default(),
        error => q.get("error").cloned(),
    };
    render(StatusCode::OK, "tasks.html", lang, here, ctx)
}

/// The board as officials keep a task list: 序号, 任务名称, 试点事项, 责任单位, 负责人, 完成时限,
/// 进度节点, 状态.
fn tasks_book(lang: Lang, items: &[serde_json::Value]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    for (c, (zh, en)) in TASK_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, if lang == Lang::En { *en } else { *zh }, &head)?;
    }
    for (i, t) in items.iter().enumerate() {
        let row = i as u32 + 1;
        let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
        let milestones: Vec<String> = t["milestones"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|x| {
                        let done = if x["done"].as_bool() == Some(true) { "✓ " } else { "" };
                        format!(
                            "{done}{} {}",
                            x["title"].as_str().unwrap_or_default(),
                            x["due"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string_with_format(row, 1, s("title"), &wrap)?;
        sheet.write_string(row, 2, s("plan_item_name"))?;
        sheet.write_string(row, 3, t["responsible"]["name"].as_str().unwrap_or_default())?;
        sheet.write_string(row, 4, s("owner"))?;
        sheet.write_string(row, 5, s("due"))?;
        sheet.write_string_with_format(row, 6, milestones.join("\n"), &wrap)?;
        let late = if t["overdue"].as_bool() == Some(true) { text(lang, "task_overdue", &[]) } else { String::new() };
        sheet.write_string(
            row,
            7,
            format!("{}{}", s("status_name"), if late.is_empty() { String::new() } else { format!("（{late}）") }),
        )?;
    }
    for (c, w) in [(0, 6), (1, 40), (2, 20), (3, 28), (4, 12), (5, 12), (6, 40), (7, 16)] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}

/// The columns of the task list's download.
const TASK_COLUMNS: [(&str, &str); 8] = [
    ("序号", "No."),
    ("任务名称", "Task"),
    ("试点事项", "Plan item"),
    ("责任单位", "Responsible unit"),
    ("负责人", "Person responsible"),
    ("完成时限", "Due"),
    ("进度节点", "Milestones"),
    ("状态", "Status"),
];

/// `/supervision/tasks.xlsx?…`: the board the page shows, as a workbook.
pub async fn tasks_download(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/supervision/tasks";
    if let Err(r) = someone(&app, &headers, here).await {
        return r;
    }
    let q = query_map(query.as_deref());
    let p = filters(&q, &["status", "plan_item"]);
    let r = crate::api::tasks::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
    match shown(r, lang, here).await {
        Ok(v) => super::chart::xlsx_download(
            tasks_book(lang, v["items"].as_array().map(Vec::as_slice).unwrap_or(&[])),
            "tasks.xlsx",
        ),
        Err(page) => page,
    }
}

/// The organisation a form names as the responsible unit: its id, its credit code or its
/// exact name.
async fn unit_of(app: &AppState, text: &str) -> i64 {
    let t = text.trim();
    if let Ok(id) = t.parse::<i64>() {
        return id;
    }
    app.store.org_id_named(t).await.ok().flatten().unwrap_or(0)
}

/// `POST /supervision/tasks`: give a task, through the API.
pub async fn create_task(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = "/supervision/tasks";
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let unit = match field("department").as_str() {
        "" => unit_of(&app, &field("responsible")).await,
        d => d.parse().unwrap_or(0),
    };
    let milestones: Vec<serde_json::Value> = (0..3)
        .filter(|n| !field(&format!("milestone_{n}")).is_empty())
        .map(|n| serde_json::json!({"title": field(&format!("milestone_{n}")), "due": field(&format!("milestone_due_{n}"))}))
        .collect();
    let b = serde_json::json!({
        "title": field("title"), "plan_item": field("plan_item"), "responsible_org": unit,
        "owner": field("owner"), "due": field("due"), "milestones": milestones,
        "gap": Some(field("gap")).filter(|g| !g.is_empty()),
    });
    let r = crate::api::tasks::create(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await;
    match json_of(r).await {
        Ok(v) => see_other(&format!("/supervision/tasks/{}", v["id"]), None),
        Err(e) => back_to(here, Err(e.message)),
    }
}

/// `/supervision/tasks/{id}`: a task, its milestones, and the office's form to move it on.
pub async fn task(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/supervision/tasks/{raw}");
    let user = match someone(&app, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let r = crate::api::tasks::get(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(raw))).await;
    let t = match shown(r, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let ctx = context! {
        user => user.view(), office => is_office(&app, &user).await, task => Value::from(Serde(t)),
        statuses => options(lang, TaskStatus::ALL, TaskStatus::code, TaskStatus::name),
        error => query_map(query.as_deref()).get("error").cloned(),
    };
    render(StatusCode::OK, "task.html", lang, &here, ctx)
}

/// `POST /supervision/tasks/{id}`: a new status and the milestones ticked, against the
/// revision the page showed.
pub async fn update_task(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/supervision/tasks/{raw}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let Some(id) = super::session::path_id(&raw) else { return super::session::not_found(lang, &here) };
    let Ok(Some(t)) = app.store.task(id).await else { return super::session::not_found(lang, &here) };
    let r = &t.record;
    let milestones: Vec<serde_json::Value> = r
        .milestones
        .iter()
        .enumerate()
        .map(|(n, m)| serde_json::json!({"title": m.title, "due": m.due.to_string(), "done": f.contains_key(&format!("done_{n}"))}))
        .collect();
    let b = serde_json::json!({
        "title": r.title, "plan_item": r.plan_item.code(), "responsible_org": r.responsible_org, "owner": r.owner,
        "due": r.due.to_string(), "milestones": milestones, "gap": r.gap,
        "status": f.get("status").cloned().unwrap_or_else(|| r.status.code().to_string()),
        "revision": f.get("revision").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0),
    });
    let result =
        crate::api::tasks::edit(State(app.clone()), ReqLang(lang), h, Ok(Path(raw)), Bytes::from(b.to_string())).await;
    back_to(&here, result.map(|_| ()).map_err(|e| e.message))
}

/// `/supervision/problems`: the ledger, overdue first, filterable, with its download; the
/// office's form to record an inspection and the problems it found.
pub async fn problems(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/supervision/problems";
    let user = match someone(&app, &headers, here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = query_map(query.as_deref());
    let keys = ["state", "severity", "overdue", "inspection_id"];
    let p = filters(&q, &keys);
    let download: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    let r = crate::api::problems::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
    let list = match shown(r, lang, here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let office = is_office(&app, &user).await;
    let departments = departments(&app, office).await;
    let inspections: Vec<Value> = if office {
        app.store
            .inspections()
            .await
            .unwrap_or_default()
            .iter()
            .take(20)
            .map(|i| {
                let r = &i.record;
                context! { id => i.id, date => r.date.to_string(), subject => r.subject.clone(), inspectors => r.inspectors.clone(), problems => i.problems }
            })
            .collect()
    } else {
        vec![]
    };
    let ctx = context! {
        user => user.view(), office, inspections, ledger => Value::from(Serde(list)), departments,
        states => options(lang, ProblemState::ALL, ProblemState::code, ProblemState::name),
        severities => options(lang, Severity::ALL, Severity::code, Severity::name),
        chosen => Value::from(Serde(&q)),
        download => format!("/supervision/problems.xlsx?{download}"),
        today => wujin_store::ties::today().to_string(),
        deadline => (wujin_store::ties::today() + time::Duration::days(30)).to_string(),
        rows => vec![0, 1, 2],
        error => q.get("error").cloned(),
    };
    render(StatusCode::OK, "problems.html", lang, here, ctx)
}

/// The ledger's progress cell (整改进展): the state, and how late or how near.
fn progress(lang: Lang, p: &serde_json::Value) -> String {
    let state = p["state_name"].as_str().unwrap_or_default();
    let days = p["days_left"].as_i64().unwrap_or(0);
    if p["state"] == "closed" {
        state.to_string()
    } else if days < 0 {
        format!("{state}{}", text(lang, "ledger_overdue_days", &[(-days).to_string()]))
    } else {
        format!("{state}{}", text(lang, "ledger_days_left", &[days.to_string()]))
    }
}

/// The ledger as officials keep it: 序号, 问题描述, 责任单位, 整改措施, 整改时限, 整改进展, 是否销号.
fn ledger_book(lang: Lang, items: &[serde_json::Value]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    for (c, (zh, en)) in LEDGER_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, if lang == Lang::En { *en } else { *zh }, &head)?;
    }
    for (i, p) in items.iter().enumerate() {
        let row = i as u32 + 1;
        let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
        let measures: Vec<String> = p["measures"]
            .as_array()
            .map(|m| m.iter().filter_map(|x| x.as_str()).enumerate().map(|(n, x)| format!("{}. {x}", n + 1)).collect())
            .unwrap_or_default();
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string_with_format(row, 1, s("description"), &wrap)?;
        sheet.write_string(row, 2, p["responsible"]["name"].as_str().unwrap_or_default())?;
        sheet.write_string_with_format(row, 3, measures.join("\n"), &wrap)?;
        sheet.write_string(row, 4, s("deadline"))?;
        sheet.write_string(row, 5, progress(lang, p))?;
        let closed = if p["state"] == "closed" { "ledger_yes" } else { "ledger_no" };
        sheet.write_string(row, 6, text(lang, closed, &[]))?;
    }
    for (c, w) in [(0, 6), (1, 48), (2, 28), (3, 48), (4, 12), (5, 20), (6, 10)] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}

/// `/supervision/problems.xlsx?…`: the ledger the page shows, as a workbook.
pub async fn ledger_download(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = "/supervision/problems";
    if let Err(r) = someone(&app, &headers, here).await {
        return r;
    }
    let q = query_map(query.as_deref());
    let p = filters(&q, &["state", "severity", "overdue", "inspection_id"]);
    let r = crate::api::problems::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
    match shown(r, lang, here).await {
        Ok(v) => super::chart::xlsx_download(
            ledger_book(lang, v["items"].as_array().map(Vec::as_slice).unwrap_or(&[])),
            "problems.xlsx",
        ),
        Err(page) => page,
    }
}

/// `POST /supervision/inspections`: an inspection with up to three problems, all or nothing.
pub async fn record_inspection(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let here = "/supervision/problems";
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut problems = vec![];
    for n in 0..3 {
        if field(&format!("description_{n}")).is_empty() {
            continue;
        }
        let unit = match field(&format!("department_{n}")).as_str() {
            "" => unit_of(&app, &field(&format!("responsible_{n}"))).await,
            d => d.parse().unwrap_or(0),
        };
        problems.push(serde_json::json!({
            "description": field(&format!("description_{n}")), "severity": field(&format!("severity_{n}")),
            "responsible_org": unit, "deadline": field(&format!("deadline_{n}")),
        }));
    }
    let b = serde_json::json!({
        "date": field("date"), "inspectors": field("inspectors"), "subject": field("subject"), "note": field("note"),
        "problems": problems,
    });
    let r =
        crate::api::problems::record_inspection(State(app.clone()), ReqLang(lang), h, Bytes::from(b.to_string())).await;
    back_to(here, json_of(r).await.map(|_| ()).map_err(|e| e.message))
}

/// `/supervision/problems/{id}`: a problem's road to closure, and what the person may do
/// next: the unit adds measures and evidence and reports it rectified; the office closes or
/// sends it back.
pub async fn problem(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/supervision/problems/{raw}");
    let user = match someone(&app, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let r = crate::api::problems::get(State(app.clone()), ReqLang(lang), headers.clone(), Ok(Path(raw))).await;
    let p = match shown(r, lang, &here).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut p = p;
    // Each step dated as the cluster's calendar has it (UTC+8), not as UTC's.
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    for e in p["entries"].as_array_mut().into_iter().flatten() {
        let at = e["at"].as_str().unwrap_or_default();
        let day = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map(|t| t.to_offset(china).date().to_string())
            .unwrap_or_default();
        e["day"] = serde_json::Value::String(day);
    }
    let unit = p["responsible"]["id"].as_i64().is_some_and(|o| user.orgs.iter().any(|m| m.org_id == o));
    let office = is_office(&app, &user).await;
    let ctx = context! {
        user => user.view(), office, unit, progress => progress(lang, &p), problem => Value::from(Serde(p)),
        error => query_map(query.as_deref()).get("error").cloned(),
    };
    render(StatusCode::OK, "problem.html", lang, &here, ctx)
}

/// `POST /supervision/problems/{id}/{action}`: measure, submit, close or reopen.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    use crate::api::problems as api;
    let lang = page_lang(&headers, None);
    let here = format!("/supervision/problems/{raw}");
    let f = form(&body);
    let h = match poster(&app, lang, &headers, &f, &here).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let note = f.get("note").map(|v| v.trim().to_string()).unwrap_or_default();
    let revision = f.get("revision").and_then(|v| v.parse::<i64>().ok());
    let b = Bytes::from(serde_json::json!({"note": note, "revision": revision}).to_string());
    let (s, l, id) = (State(app.clone()), ReqLang(lang), Ok(Path(raw.clone())));
    let result = match action.as_str() {
        "measure" => {
            let m = Bytes::from(serde_json::json!({"text": note}).to_string());
            json_of(api::add_measure(s, l, h, id, m).await).await.map(|_| ())
        }
        "submit" => json_of(api::submit(s, l, h, id, b).await).await.map(|_| ()),
        "close" => json_of(api::close(s, l, h, id, b).await).await.map(|_| ()),
        "reopen" => json_of(api::reopen(s, l, h, id, b).await).await.map(|_| ()),
        _ => return super::session::not_found(lang, &here),
    };
    back_to(&here, result.map_err(|e| e.message))
}

/// `POST /supervision/problems/{id}/evidence`: a file from the page's multipart form.
pub async fn evidence(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let here = format!("/supervision/problems/{raw}");
    let h = match super::session::posted_file(&app, &headers, &body, &here).await {
        Ok(h) => h,
        Err(answer) => return answer,
    };
    let r = crate::api::problems::add_evidence(State(app.clone()), ReqLang(lang), h, Ok(Path(raw.clone())), body).await;
    back_to(&here, json_of(r).await.map(|_| ()).map_err(|e| e.message))
}
