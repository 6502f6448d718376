//! `/test-bookings` (检测预约): a firm follows the tests it booked from a lab's offer, and a
//! lab works through the bookings made of it, step by step: confirm with a day or decline,
//! sample received, testing, report issued (its number and file). The firm that booked
//! downloads the report and, in one step, declares with it that one of its offers meets the
//! standard. Either side cancels before testing starts. Every step goes through the API's
//! handler, so the page takes exactly the steps the API allows, and says why when it
//! refuses one.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde_json::json;
use wujin_domain::Lang;
use wujin_domain::declaration::Lab;
use wujin_domain::standard::split_year;
use wujin_domain::testing::TestState;
use wujin_store::labs::StoredItem;

use super::account::{back_to, see_other};
use super::catalogue::text;
use super::demands::json_of;
use super::session::{PageUser, form, page_user, sign_in_first};
use super::supervision::{query_map, shown};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::labs as api;
use crate::api::lang::ReqLang;
use crate::api::params::Params;

type Json = serde_json::Value;

const HOME: &str = "/test-bookings";

/// The steps of a booking that goes well, in order, as the progress line draws them.
const PATH: [TestState; 5] =
    [TestState::Requested, TestState::Confirmed, TestState::Received, TestState::Testing, TestState::Reported];

/// The steps whose success the page confirms (`?done=`).
const DONE: [&str; 8] = ["confirm", "decline", "receive", "start", "issue", "cancel", "declare", "rate"];

/// Catalogue keys made from values here, for the catalogue test.
pub const KEYS: &[&str] = &[
    "test_done_confirm",
    "test_done_decline",
    "test_done_receive",
    "test_done_start",
    "test_done_issue",
    "test_done_cancel",
    "test_done_declare",
    "test_done_rate",
];

/// What the cards name besides the bookings: the firms and the items.
struct Lookup {
    orgs: HashMap<i64, String>,
    items: HashMap<i64, StoredItem>,
}

impl Lookup {
    async fn read(app: &AppState, bookings: &[&Json]) -> Lookup {
        let mut org_ids: Vec<i64> =
            bookings.iter().flat_map(|b| ["lab", "org_id"].map(|k| b[k].as_i64())).flatten().collect();
        org_ids.sort_unstable();
        org_ids.dedup();
        let mut item_ids: Vec<i64> = bookings
            .iter()
            .flat_map(|b| b["items"].as_array().into_iter().flatten().filter_map(Json::as_i64))
            .collect();
        item_ids.sort_unstable();
        item_ids.dedup();
        let orgs = app.store.orgs_by_ids(&org_ids).await.unwrap_or_default();
        let items = app.store.test_items_by_ids(&item_ids).await.unwrap_or_default();
        Lookup {
            orgs: orgs.into_iter().map(|o| (o.id, o.record.name)).collect(),
            items: items.into_iter().map(|i| (i.id, i)).collect(),
        }
    }

    /// The booked items' editions, without repeats.
    fn standards(&self, b: &Json) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for id in b["items"].as_array().into_iter().flatten().filter_map(Json::as_i64) {
            if let Some(i) = self.items.get(&id)
                && !out.contains(&i.item.standard)
            {
                out.push(i.item.standard.clone());
            }
        }
        out
    }
}

fn manages(user: &PageUser, org: Option<i64>) -> bool {
    user.orgs.iter().any(|m| Some(m.org_id) == org && m.role.may_act())
}

/// `GET /test-bookings`: the bookings my firms made, and those made of my firms' labs.
pub async fn page(State(app): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(HOME) };
    let q = query_map(query.as_deref());
    let mut lists: Vec<Vec<Json>> = vec![];
    for side in ["requested", "lab"] {
        let p = Params(HashMap::from([("side".to_string(), side.to_string())]));
        let answer = api::list(State(app.clone()), ReqLang(lang), headers.clone(), p).await;
        match shown(answer, lang, HOME).await {
            Ok(v) => lists.push(v["items"].as_array().cloned().unwrap_or_default()),
            Err(page) => return page,
        }
    }
    let all: Vec<&Json> = lists.iter().flatten().collect();
    let look = Lookup::read(&app, &all).await;
    // A report the firm may declare with: its offers that cite one of the booked editions'
    // standards (in any edition, as a declaration requires), read once per firm.
    let mut offers_of: HashMap<i64, Vec<(i64, String, Vec<String>)>> = HashMap::new();
    // And the declarations already made with a report, so the card says so.
    let mut declared_of: HashMap<i64, Vec<wujin_store::declarations::Declaration>> = HashMap::new();
    let mut requested = vec![];
    for b in &lists[0] {
        let org = b["org_id"].as_i64();
        let mut with = Declaring::default();
        if b["state"]["code"] == "reported"
            && manages(&user, org)
            && let Some(org) = org
        {
            if let std::collections::hash_map::Entry::Vacant(e) = offers_of.entry(org) {
                e.insert(own_offers(&app, org).await);
                declared_of.insert(org, app.store.declarations_of_org(org, 1000).await.unwrap_or_default());
            }
            let bases: Vec<String> = look.standards(b).iter().map(|s| split_year(s).0.to_string()).collect();
            let offers = &offers_of[&org];
            with.choices = offers
                .iter()
                .filter(|(_, _, cited)| cited.iter().any(|c| bases.iter().any(|b| split_year(c).0 == b)))
                .map(|(id, title, _)| context! { id => *id, title => title.clone() })
                .collect();
            let (report_no, lab) = (b["report_no"].as_str(), b["lab"].as_i64());
            with.done = declared_of[&org]
                .iter()
                .filter(|d| Some(d.declared.report_no.as_str()) == report_no)
                .filter(|d| matches!(d.declared.lab, Lab::Org(l) if Some(l) == lab))
                .filter_map(|d| offers.iter().find(|(id, ..)| *id == d.offer_id))
                .map(|(id, title, _)| context! { id => *id, title => title.clone() })
                .collect();
        }
        requested.push(card(lang, &user, &look, b, false, with));
    }
    let lab: Vec<Value> = lists[1].iter().map(|b| card(lang, &user, &look, b, true, Declaring::default())).collect();
    let done =
        q.get("done").and_then(|d| DONE.iter().find(|k| **k == d)).map(|d| text(lang, &format!("test_done_{d}"), &[]));
    let ctx = context! {
        user => user.view(), requested, lab, error => q.get("error"), done,
        today => wujin_store::ties::today().to_string(),
    };
    render(StatusCode::OK, "test_bookings.html", lang, HOME, ctx)
}

/// What a firm may declare with a report: its offers citing the standard, and those already
/// declared with it.
#[derive(Default)]
struct Declaring {
    choices: Vec<Value>,
    done: Vec<Value>,
}

/// A firm's offers as (id, title, standards cited), at most 500.
async fn own_offers(app: &AppState, org: i64) -> Vec<(i64, String, Vec<String>)> {
    let f = wujin_store::offers::OfferFilter { org_id: Some(org), ..Default::default() };
    let (offers, _) = app.store.list_offers(&f, None, 500).await.unwrap_or_default();
    offers.into_iter().map(|o| (o.id, o.record.title.clone(), o.record.standards.clone())).collect()
}

/// One booking as a card: who, what, where it stands, and the steps this reader may take.
fn card(lang: Lang, user: &PageUser, look: &Lookup, b: &Json, lab_side: bool, with: Declaring) -> Value {
    let state = TestState::from_code(b["state"]["code"].as_str().unwrap_or_default());
    let other = if lab_side { b["org_id"].as_i64() } else { b["lab"].as_i64() };
    let acting = manages(user, if lab_side { b["lab"].as_i64() } else { b["org_id"].as_i64() });
    let items: Vec<Value> = b["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_i64)
        .filter_map(|id| look.items.get(&id))
        .map(|i| {
            let t = &i.item;
            context! {
                name => t.name.clone(), standard => t.standard.clone(), clause => t.clause.clone(),
                href => super::standards::href(&t.standard), price => super::yuan(t.price_fen), days => t.turnaround_days,
                offer => i.offer_id,
            }
        })
        .collect();
    // The progress line: every step of a booking that goes well, done up to where it stands.
    let reached = state.and_then(|s| PATH.iter().position(|p| *p == s));
    let steps: Vec<Value> = PATH
        .iter()
        .enumerate()
        .map(|(n, s)| context! { name => s.name(lang), done => reached.is_some_and(|r| n <= r), current => reached == Some(n) })
        .collect();
    let may = |s: TestState| acting && state == Some(s);
    let cancellable = matches!(state, Some(TestState::Requested | TestState::Confirmed | TestState::Received));
    context! {
        b => Value::from(Serde(b.clone())),
        other => other.and_then(|o| look.orgs.get(&o).cloned()).unwrap_or_default(),
        other_id => other,
        items, steps, stopped => reached.is_none(),
        confirm => lab_side && may(TestState::Requested),
        receive => lab_side && may(TestState::Confirmed),
        start => lab_side && may(TestState::Received),
        issue => lab_side && may(TestState::Testing),
        cancel => acting && cancellable,
        declare => !lab_side && may(TestState::Reported),
        rate => !lab_side && may(TestState::Reported) && b["rating"].is_null(),
        offers => with.choices, declared_for => with.done,
        report => b["report"].as_str().map(str::to_string),
    }
}

/// `POST /test-bookings/{id}/{action}`: confirm (`date`), decline and cancel (`reason`),
/// receive, start, issue (multipart: `report_no` and `file`), declare (`offer_id`,
/// `valid_until`), rate (`score`, `comment`); back to the list with the outcome.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let this = || Ok(Path(raw.clone()));
    let outcome = |r: Result<(), crate::api::error::ApiError>, done: &str| match r {
        Ok(()) => see_other(&format!("{HOME}?done={done}#test-booking-{raw}"), None),
        Err(e) => back_to(HOME, Err(e.message)),
    };
    if action == "issue" {
        // The report comes as a file: the form is multipart, checked as every upload is.
        let h = match super::session::posted_file(&app, &headers, &body, HOME).await {
            Ok(h) => h,
            Err(answer) => return answer,
        };
        let r = api::issue(State(app.clone()), ReqLang(lang), h, this(), body).await;
        return outcome(r.map(|_| ()), "issue");
    }
    let f = form(&body);
    let h = match super::targets::poster(&app, lang, &headers, &f, HOME).await {
        Ok(h) => h,
        Err(page) => return page,
    };
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let step_body = Bytes::from(json!({"date": field("date"), "reason": field("reason")}).to_string());
    let (st, rl) = (State(app.clone()), ReqLang(lang));
    let r = match action.as_str() {
        "confirm" => json_of(api::confirm(st, rl, h, this(), step_body).await).await,
        "decline" => json_of(api::decline(st, rl, h, this(), step_body).await).await,
        "receive" => json_of(api::receive(st, rl, h, this(), step_body).await).await,
        "start" => json_of(api::start(st, rl, h, this(), step_body).await).await,
        "cancel" => json_of(api::cancel(st, rl, h, this(), step_body).await).await,
        "rate" => {
            let score = field("score").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            let b = json!({"score": score, "comment": field("comment").unwrap_or_default()});
            json_of(api::rate(st, rl, h, this(), Bytes::from(b.to_string())).await).await
        }
        "declare" => {
            let b = json!({
                "offer_id": field("offer_id").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0),
                "valid_until": field("valid_until"),
            });
            json_of(api::declare(st, rl, h, this(), Bytes::from(b.to_string())).await).await
        }
        _ => return super::session::not_found(lang, HOME),
    };
    outcome(r.map(|_| ()), &action)
}
