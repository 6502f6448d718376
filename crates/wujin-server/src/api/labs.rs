//! Labs' test items and test bookings: `GET|POST /api/v1/offers/{id}/test-items`,
//! `POST /api/v1/test-bookings`, `GET /api/v1/test-bookings`, `GET
//! /api/v1/test-bookings/{id}`, `POST /api/v1/test-bookings/{id}/confirm|decline|receive|
//! start|cancel` and `POST /api/v1/test-bookings/{id}/issue` (the report, multipart).
//!
//! Everyone reads a lab's items (what it tests, to which edition, at what price and
//! turnaround, whether in its declared CMA/CNAS scope). A booking is its two firms' alone:
//! anyone else gets 404. The lab confirms with a date; a confirmation that would take an
//! item past its weekly capacity is 409 `full`, naming the item and the week.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::account::Role;
use wujin_domain::testing::{ItemInput, MAX_ITEMS, MAX_SAMPLES, TestState, TestStep, check_item, test_transition};
use wujin_domain::{Lang, msg};
use wujin_store::files::NewFile;
use wujin_store::labs::{NewBooking, Stepped, StoredItem, TestBooking};

use super::AppState;
use super::auth::{forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::Named;

#[derive(Serialize, ToSchema)]
pub struct TestItemView {
    pub id: i64,
    pub lab: i64,
    pub offer_id: i64,
    /// The edition tested, with its year.
    pub standard: String,
    pub name: String,
    pub clause: Option<String>,
    pub method: String,
    pub sample: String,
    pub price_fen: i64,
    pub turnaround_days: i64,
    /// Within the lab's CMA/CNAS scope, as the lab declares it.
    pub in_scope: bool,
    /// How the scope reads: `verified` (in scope, and a platform admin has checked the lab's
    /// certificate, which is in force), `declared` (in scope as the lab says) or `outside`.
    pub scope: String,
    pub weekly_capacity: i64,
}

impl TestItemView {
    fn new(i: &StoredItem, lab_verified: bool) -> TestItemView {
        TestItemView {
            id: i.id,
            lab: i.org_id,
            offer_id: i.offer_id,
            standard: i.item.standard.clone(),
            name: i.item.name.clone(),
            clause: i.item.clause.clone(),
            method: i.item.method.clone(),
            sample: i.item.sample.clone(),
            price_fen: i.item.price_fen,
            turnaround_days: i.item.turnaround_days,
            in_scope: i.item.in_scope,
            scope: wujin_domain::accreditation::Scope::of(i.item.in_scope, lab_verified).code().to_string(),
            weekly_capacity: i.item.weekly_capacity,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TestItemList {
    pub items: Vec<TestItemView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestItemBody {
    /// The edition tested (GB/T 29606-2013; a number without its year means the edition in force).
    pub standard: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// The clause that defines the item (5.3), if given.
    pub clause: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub method: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub sample: String,
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    pub price_fen: i64,
    #[schema(minimum = 1, maximum = 180)]
    pub turnaround_days: i64,
    /// Within the lab's CMA/CNAS scope (as the lab declares it).
    #[serde(default)]
    pub in_scope: bool,
    /// Bookings of the item the lab confirms for one week.
    #[schema(minimum = 1, maximum = 1000)]
    pub weekly_capacity: i64,
}

/// Whether the lab holds a certificate a platform admin verified, in force today.
pub async fn lab_verified(app: &AppState, lab: i64) -> Result<bool, wujin_store::StoreError> {
    Ok(!app.store.verified_labs(&[lab], wujin_store::ties::today()).await?.is_empty())
}

/// The test items listed under an offer (everyone).
#[utoipa::path(get, path = "/api/v1/offers/{id}/test-items", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the lab's testing service offer")),
    responses((status = 200, body = TestItemList), (status = 400), (status = 404)))]
pub async fn items(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
) -> Result<Json<TestItemList>, ApiError> {
    let id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    let offer = app.store.offer(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let list = app.store.test_items(None, Some(id), 500).await.map_err(internal)?;
    let verified = lab_verified(&app, offer.org_id).await.map_err(internal)?;
    Ok(Json(TestItemList { items: list.iter().map(|i| TestItemView::new(i, verified)).collect(), next_cursor: None }))
}

/// List a test item under a testing service offer (owners and admins of the lab).
#[utoipa::path(post, path = "/api/v1/offers/{id}/test-items", tag = "standards", request_body = TestItemBody,
    params(("id" = i64, Path, minimum = 1, description = "the lab's testing service offer")),
    responses((status = 201, body = TestItemView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn add_item(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = super::parse_id(lang, id)?;
    let me = writer(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    let offer = app.store.offer(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    super::offer_writes::keeper(&app, lang, &me, offer.org_id).await?;
    let testing = wujin_domain::Taxonomy::get().group_of(&offer.record.category) == Some("testing");
    if !testing {
        return Err(ApiError::bad(lang, "not_testing", "id", msg!("test_item_offer")));
    }
    let b: TestItemBody = super::accounts::read(lang, &body)?;
    let input = ItemInput {
        standard: b.standard,
        name: b.name,
        clause: b.clause,
        method: b.method,
        sample: b.sample,
        price_fen: Some(b.price_fen),
        turnaround_days: Some(b.turnaround_days),
        in_scope: b.in_scope,
        weekly_capacity: Some(b.weekly_capacity),
    };
    let library = app.store.library().await.map_err(internal)?;
    let item = check_item(&library, &input).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let stored = app.store.add_test_item(offer.org_id, offer.id, &item, me.account_id).await.map_err(internal)?;
    let verified = lab_verified(&app, stored.org_id).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(TestItemView::new(&stored, verified))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct TestBookingView {
    pub id: i64,
    pub lab: i64,
    /// The firm that booked.
    pub org_id: i64,
    pub items: Vec<i64>,
    pub samples: i64,
    /// YYYY-MM-DD.
    pub desired_on: String,
    pub notes: String,
    /// requested, confirmed, declined, received, testing, reported or cancelled.
    pub state: Named,
    /// The day the lab confirmed, YYYY-MM-DD.
    pub confirmed_on: Option<String>,
    pub reason: Option<String>,
    pub report_no: Option<String>,
    /// Where the report's file is, once issued (the two firms read it).
    pub report: Option<String>,
    /// The booking firm's rating of the lab after the report, 1 to 5, and its comment.
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
}

impl TestBookingView {
    fn new(b: &TestBooking, lang: Lang) -> TestBookingView {
        TestBookingView {
            id: b.id,
            lab: b.lab_org_id,
            org_id: b.org_id,
            items: b.items.clone(),
            samples: b.samples,
            desired_on: b.desired_on.to_string(),
            notes: b.notes.clone(),
            state: Named { code: b.state.code().into(), name: b.state.name(lang).into() },
            confirmed_on: b.confirmed_on.map(|d| d.to_string()),
            reason: b.reason.clone(),
            report_no: b.report_no.clone(),
            report: b.report_sha256.as_ref().map(|_| format!("/api/v1/test-bookings/{}/report", b.id)),
            rating: b.rating.as_ref().map(|(score, _)| *score),
            rating_comment: b.rating.as_ref().map(|(_, c)| c.clone()).filter(|c| !c.is_empty()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestBookingBody {
    /// The firm booking (its owners and admins book for it).
    pub org_id: i64,
    /// Items of one lab, at most 20.
    #[schema(min_items = 1, max_items = 20)]
    pub item_ids: Vec<i64>,
    #[schema(minimum = 1, maximum = 1000)]
    pub samples: i64,
    /// YYYY-MM-DD, today or later.
    pub desired_on: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub notes: String,
}

/// Book tests of a lab's items for a firm (its owners and admins).
#[utoipa::path(post, path = "/api/v1/test-bookings", tag = "standards", request_body = TestBookingBody,
    responses((status = 201, body = TestBookingView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn book(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let b: TestBookingBody = super::accounts::read(lang, &body)?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.role_of(me.account_id, b.org_id).await.map_err(internal)? {
        Some(Role::Owner | Role::Admin) => {}
        _ => return Err(forbidden(lang)),
    }
    let mut ids = b.item_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_ITEMS {
        return Err(ApiError::bad(lang, "out_of_range", "item_ids", msg!("list_too_long", "item_ids", MAX_ITEMS)));
    }
    let found = app.store.test_items_by_ids(&ids).await.map_err(internal)?;
    let mut lab = None;
    for id in &ids {
        let item = found.iter().find(|i| i.id == *id);
        let item =
            item.ok_or_else(|| ApiError::bad(lang, "unknown_item", "item_ids", msg!("test_item_unknown", id)))?;
        if lab.is_some_and(|l| l != item.org_id) {
            return Err(ApiError::bad(lang, "several_labs", "item_ids", msg!("test_items_one_lab")));
        }
        lab = Some(item.org_id);
    }
    let lab = lab.unwrap_or_default();
    if lab == b.org_id {
        return Err(ApiError::bad(lang, "own_lab", "org_id", msg!("test_own_lab")));
    }
    if !(1..=MAX_SAMPLES).contains(&b.samples) {
        return Err(ApiError::bad(lang, "out_of_range", "samples", msg!("whole_range", "samples", 1, MAX_SAMPLES)));
    }
    let today = wujin_store::ties::today();
    let desired = wujin_domain::tie::parse_date(&b.desired_on)
        .filter(|d| *d >= today && *d <= today + time::Duration::days(366))
        .ok_or_else(|| ApiError::bad(lang, "invalid_date", "desired_on", msg!("test_date")))?;
    let notes = b.notes.trim();
    if notes.chars().count() > 500 {
        return Err(ApiError::bad(lang, "too_long", "notes", msg!("text_max", 500)));
    }
    let n = NewBooking {
        lab_org_id: lab,
        org_id: b.org_id,
        items: &ids,
        samples: b.samples,
        desired_on: desired,
        notes,
        by: me.account_id,
    };
    let booked = app.store.request_test(&n).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(TestBookingView::new(&booked, lang))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct TestBookingList {
    pub items: Vec<TestBookingView>,
    pub next_cursor: Option<String>,
}

/// The test bookings of the caller's firms: those they made (`side=requested`, the
/// default) or those made of their lab (`side=lab`), newest first.
#[utoipa::path(get, path = "/api/v1/test-bookings", tag = "standards",
    params(("side" = Option<String>, Query, description = "requested (default) or lab")),
    responses((status = 200, body = TestBookingList), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<TestBookingList>, ApiError> {
    let me = super::auth::caller(&app, lang, &headers).await?;
    let lab = match p.get("side") {
        None | Some("requested") => false,
        Some("lab") => true,
        Some(v) => return Err(super::unknown(lang, "side", v)),
    };
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let list = app.store.test_bookings_of(&orgs, lab, 100).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(TestBookingList { items: list.iter().map(|b| TestBookingView::new(b, lang)).collect(), next_cursor: None }))
}

/// The booking, if the caller acts for one of its firms (else 404), and whether for the lab
/// with the right to act (owners and admins).
async fn mine(
    app: &AppState,
    lang: Lang,
    account: i64,
    id: super::RawId,
) -> Result<(TestBooking, Option<Role>, Option<Role>), ApiError> {
    let id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    let b = app.store.test_booking(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let lab = app.store.role_of(account, b.lab_org_id).await.map_err(internal)?;
    let requester = app.store.role_of(account, b.org_id).await.map_err(internal)?;
    if lab.is_none() && requester.is_none() {
        return Err(ApiError::not_found(lang));
    }
    Ok((b, lab, requester))
}

/// A test booking (its two firms).
#[utoipa::path(get, path = "/api/v1/test-bookings/{id}", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = TestBookingView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<TestBookingView>, ApiError> {
    let me = super::auth::caller(&app, lang, &headers).await?;
    let (b, ..) = mine(&app, lang, me.account_id, id).await?;
    Ok(Json(TestBookingView::new(&b, lang)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TestStepBody {
    /// On confirm: the day the lab will test, YYYY-MM-DD (required).
    pub date: Option<String>,
    /// On decline or cancel: why (at most 200 characters).
    pub reason: Option<String>,
}

fn manages(r: Option<Role>) -> bool {
    matches!(r, Some(Role::Owner | Role::Admin))
}

async fn step(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    step: TestStep,
) -> Result<Json<TestBookingView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (b, lab, requester) = mine(&app, lang, me.account_id, id).await?;
    let s: TestStepBody = super::read_optional(lang, &body)?;
    // Acting for the lab when the caller may, else for the firm that booked.
    let as_lab = match (manages(lab), manages(requester)) {
        (true, _) => true,
        (false, true) => false,
        _ => return Err(forbidden(lang)),
    };
    let to = test_transition(b.state, step, as_lab).ok_or_else(|| {
        let m = msg!("test_step_refused", b.state.name(lang));
        if as_lab || step == TestStep::Cancel {
            ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, m)
        } else {
            forbidden(lang)
        }
    })?;
    let reason = s.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::bad(lang, "too_long", "reason", msg!("text_max", 200)));
    }
    let date = match (to, s.date.as_deref()) {
        (TestState::Confirmed, Some(d)) => Some(
            wujin_domain::tie::parse_date(d)
                .filter(|d| *d >= wujin_store::ties::today())
                .ok_or_else(|| ApiError::bad(lang, "invalid_date", "date", msg!("test_date")))?,
        ),
        (TestState::Confirmed, None) => return Err(ApiError::bad(lang, "required", "date", msg!("test_date"))),
        _ => None,
    };
    let internal = |e| ApiError::internal(lang, e);
    match app.store.step_test(b.id, b.state, to, date, reason, None, me.account_id).await.map_err(internal)? {
        Stepped::Done(b) => Ok(Json(TestBookingView::new(&b, lang))),
        Stepped::Stale => Err(ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, msg!("test_changed"))),
        Stepped::Full { item, week, capacity } => Err(ApiError {
            field: Some("date".into()),
            ..ApiError::new(StatusCode::CONFLICT, "full", lang, msg!("test_full", item, week.to_string(), capacity))
        }),
    }
}

macro_rules! step_route {
    ($name:ident, $step:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "standards",
            request_body(content = Option<TestStepBody>, description = "A date to confirm; a reason may be given."),
            params(("id" = i64, Path, minimum = 1, description = "the booking")),
            responses((status = 200, body = TestBookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
        pub async fn $name(
            State(app): State<AppState>,
            ReqLang(lang): ReqLang,
            headers: HeaderMap,
            id: super::RawId,
            body: Bytes,
        ) -> Result<Json<TestBookingView>, ApiError> {
            step(app, lang, headers, id, body, $step).await
        }
    };
}

step_route!(
    confirm,
    TestStep::Confirm,
    "/api/v1/test-bookings/{id}/confirm",
    "Confirm a request with the day of testing (the lab); 409 `full` when an item's week is full."
);
step_route!(decline, TestStep::Decline, "/api/v1/test-bookings/{id}/decline", "Decline a request (the lab).");
step_route!(receive, TestStep::Receive, "/api/v1/test-bookings/{id}/receive", "The sample has arrived (the lab).");
step_route!(start, TestStep::Start, "/api/v1/test-bookings/{id}/start", "Testing has begun (the lab).");
step_route!(
    cancel,
    TestStep::Cancel,
    "/api/v1/test-bookings/{id}/cancel",
    "Cancel before testing starts (either firm)."
);

/// The multipart form a report is issued with.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportForm {
    /// The report: a PDF or an image, at most 10 MB, judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The report's number (at most 60 characters).
    report_no: String,
}

/// Whether `path` takes a test report (the guard lets its body be larger and multipart).
pub fn takes_report(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["", "api", "v1", "test-bookings", _, "issue"] | ["", "test-bookings", _, "issue"])
}

/// Issue the report of a booking under test (the lab): its number and file.
#[utoipa::path(post, path = "/api/v1/test-bookings/{id}/issue", tag = "standards",
    request_body(content = ReportForm, content_type = "multipart/form-data"),
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = TestBookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)))]
pub async fn issue(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TestBookingView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (b, lab, _) = mine(&app, lang, me.account_id, id).await?;
    if !manages(lab) {
        return Err(forbidden(lang));
    }
    let to = test_transition(b.state, TestStep::Issue, true).ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, msg!("test_step_refused", b.state.name(lang)))
    })?;
    let sent = super::uploads::multipart(lang, &headers, body).await?;
    let report_no = sent.fields.get("report_no").map(|v| v.trim()).unwrap_or("");
    if report_no.is_empty() || report_no.chars().count() > wujin_domain::declaration::MAX_REPORT_NO {
        return Err(ApiError::bad(
            lang,
            "invalid",
            "report_no",
            msg!("text_max", wujin_domain::declaration::MAX_REPORT_NO),
        ));
    }
    let kind = super::problems::evidence_type(lang, &sent).await?;
    let name = match sent.file_name.trim() {
        "" => format!("report.{}", kind.extension()),
        n => n.to_string(),
    };
    let file = NewFile { name: &name, mime: kind.mime(), bytes: &sent.file };
    let internal = |e| ApiError::internal(lang, e);
    match app
        .store
        .step_test(b.id, b.state, to, None, None, Some((report_no, file)), me.account_id)
        .await
        .map_err(internal)?
    {
        Stepped::Done(b) => Ok(Json(TestBookingView::new(&b, lang))),
        _ => Err(ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, msg!("test_changed"))),
    }
}

/// The report of a booking, once issued (its two firms).
#[utoipa::path(get, path = "/api/v1/test-bookings/{id}/report", tag = "standards",
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, description = "The file, of the type its content was found to be.", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/webp"))), (status = 400), (status = 401), (status = 404)))]
pub async fn report(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Response, ApiError> {
    let me = super::auth::caller(&app, lang, &headers).await?;
    let (b, ..) = mine(&app, lang, me.account_id, id).await?;
    let sha = b.report_sha256.ok_or_else(|| ApiError::not_found(lang))?;
    super::uploads::serve_kept(&app, lang, &sha, &format!("test-report-{}", b.id)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRatingBody {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

/// Rate the lab once its report is issued (the booking firm's owners and admins), once per
/// booking: the rating counts in the lab's standing as an engagement's does, so matching
/// weighs it.
#[utoipa::path(post, path = "/api/v1/test-bookings/{id}/rate", tag = "standards", request_body = TestRatingBody,
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = TestBookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn rate(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TestBookingView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (b, _, requester) = mine(&app, lang, me.account_id, id).await?;
    if !manages(requester) {
        return Err(forbidden(lang));
    }
    let r: TestRatingBody = super::accounts::read(lang, &body)?;
    if !(1..=5).contains(&r.score) {
        return Err(ApiError::bad(lang, "out_of_range", "score", msg!("whole_range", "score", 1, 5)));
    }
    let comment = r.comment.trim();
    if comment.chars().count() > 500 {
        return Err(ApiError::bad(lang, "too_long", "comment", msg!("text_max", 500)));
    }
    if b.state != TestState::Reported {
        let m = msg!("test_step_refused", b.state.name(lang));
        return Err(ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, m));
    }
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.rate_test(b.id, r.score, comment, me.account_id).await.map_err(internal)? {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_rated", lang, msg!("test_rated_already")));
    }
    let b = app.store.test_booking(b.id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(TestBookingView::new(&b, lang)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDeclaration {
    /// The firm's offer the report proves.
    pub offer_id: i64,
    /// The edition declared: one of the booked items' (the first item's when left out).
    pub standard: Option<String>,
    /// The last day the report counts, YYYY-MM-DD; leave out when it does not lapse.
    pub valid_until: Option<String>,
}

/// Turn an issued report into a declaration of one of the booking firm's offers, in one step
/// (its owners and admins): the lab, the report's number, day and file come from the
/// booking; the declaration is checked as any other.
#[utoipa::path(post, path = "/api/v1/test-bookings/{id}/declare", tag = "standards", request_body = ReportDeclaration,
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 201, body = super::declarations::DeclarationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn declare(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (b, _, requester) = mine(&app, lang, me.account_id, id).await?;
    if !manages(requester) {
        return Err(forbidden(lang));
    }
    if b.state != TestState::Reported {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "wrong_state",
            lang,
            msg!("test_step_refused", b.state.name(lang)),
        ));
    }
    let r: ReportDeclaration = super::accounts::read(lang, &body)?;
    let internal = |e| ApiError::internal(lang, e);
    let offer = app.store.offer(r.offer_id).await.map_err(internal)?;
    let offer = offer
        .filter(|o| o.org_id == b.org_id)
        .ok_or_else(|| ApiError::bad(lang, "not_yours", "offer_id", msg!("test_offer_not_yours")))?;
    let first = match b.items.first() {
        Some(item) => app.store.test_item(*item).await.map_err(internal)?.map(|i| i.item.standard),
        None => None,
    };
    let standard = r.standard.or(first).unwrap_or_default();
    // The day the report was issued, in the cluster (UTC+8).
    let issued = time::OffsetDateTime::from_unix_timestamp(b.updated_at / 1000)
        .map(|t| t.to_offset(time::UtcOffset::from_whole_seconds(8 * 3600).unwrap_or(time::UtcOffset::UTC)).date())
        .unwrap_or_else(|_| wujin_store::ties::today());
    let fields: std::collections::HashMap<String, String> = [
        ("standard", standard),
        ("report_no", b.report_no.clone().unwrap_or_default()),
        ("lab_org_id", b.lab_org_id.to_string()),
        ("issued_on", issued.to_string()),
        ("valid_until", r.valid_until.unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let library = app.store.library().await.map_err(internal)?;
    let d = wujin_domain::declaration::check_declaration(
        &library,
        &offer.record.standards,
        &fields,
        wujin_store::ties::today(),
    )
    .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let sha = b.report_sha256.clone().ok_or_else(|| ApiError::not_found(lang))?;
    let f = app.store.file(&sha).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let name = b.report_name.clone().unwrap_or_else(|| "report.pdf".into());
    let file = NewFile { name: &name, mime: &f.mime, bytes: &f.bytes };
    let declared = app.store.declare(offer.org_id, offer.id, &d, file, me.account_id).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(super::declarations::DeclarationView::new(&declared))).into_response())
}
