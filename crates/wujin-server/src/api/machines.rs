//! Shared capacity (共享产能): `GET`/`POST /api/v1/machines`, `GET /api/v1/machines/{id}` (its
//! week: free windows and booked blocks), `POST /api/v1/machines/{id}/maintenance`, `POST
//! /api/v1/machines/{id}/bookings`, `GET /api/v1/bookings`, `POST
//! /api/v1/bookings/{id}/confirm|decline|cancel`.
//!
//! Everyone signed in reads a machine's calendar (when it is free, not who booked it); a
//! booking is read by its two firms. A request that clashes with a standing booking is 409
//! `clash`, naming the window in the way.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::account::Role;
use wujin_domain::capacity::{
    BookingAction, HOLD_MS, Side, block, booking_transition, check_machine, fits, free_windows, show_hours,
};
use wujin_domain::{Lang, msg};
use wujin_store::capacity::{Booked, Booking, BookingRequest, Machine};

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{Named, rfc3339};

const DAY_MS: i64 = 86_400_000;

#[derive(Serialize, ToSchema)]
pub struct Window {
    /// RFC 3339.
    pub from: String,
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct MachineView {
    pub id: i64,
    pub org: Named,
    pub offer_id: Option<i64>,
    pub name: String,
    /// 压铸 800 T.
    pub process: String,
    /// Monday first: `08:00-20:00`, or `closed`.
    pub open_hours: Vec<String>,
    pub setup_minutes: i64,
    pub notice_hours: i64,
    /// On `GET /machines/{id}`: the week asked for (7 days from `from`).
    pub free: Option<Vec<Window>>,
    /// Standing bookings' blocks in that week (setup included), without who booked them.
    pub booked: Option<Vec<Window>>,
    pub maintenance: Option<Vec<Window>>,
    /// Booked hours against open hours that week.
    pub booked_hours: Option<f64>,
    pub open_hours_total: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct MachineList {
    pub items: Vec<MachineView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MachineBody {
    #[schema(minimum = 1)]
    pub org_id: i64,
    /// One of the firm's capacity offers, if the machine is offered under one.
    #[schema(minimum = 1)]
    pub offer_id: Option<i64>,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    #[schema(min_length = 1, max_length = 60)]
    pub process: String,
    /// Seven entries, Monday first: `08:00-20:00`, or empty for a closed day.
    #[schema(min_items = 7, max_items = 7)]
    pub open_hours: Vec<String>,
    #[serde(default)]
    pub setup_minutes: i64,
    /// How long before the start the requester may still cancel (24 unless said).
    pub notice_hours: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceBody {
    /// RFC 3339, or "YYYY-MM-DD HH:MM" in the cluster's time.
    pub from: String,
    pub to: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    /// The firm that books: one the caller owns or administers.
    #[schema(minimum = 1)]
    pub org_id: i64,
    /// RFC 3339, or "YYYY-MM-DD HH:MM" in the cluster's time; on a quarter hour.
    pub start: String,
    /// Whole quarter hours (0.25 steps), at most two weeks.
    pub hours: f64,
    #[schema(minimum = 1)]
    pub quantity: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub material: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub notes: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// Why (required when the machine's firm cancels).
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingView {
    pub id: i64,
    pub machine: Named,
    pub provider: Named,
    pub requester: Named,
    pub start: String,
    pub end: String,
    /// The end plus the machine's setup time.
    pub blocked_until: String,
    /// requested, confirmed, declined, cancelled or expired.
    pub state: String,
    pub state_name: String,
    /// A request holds its window until then.
    pub hold_until: String,
    pub quantity: Option<i64>,
    pub material: String,
    pub notes: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingList {
    pub items: Vec<BookingView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

fn named(code: i64, name: &str) -> Named {
    Named { code: code.to_string(), name: name.to_string() }
}

fn window((from, to): (i64, i64)) -> Window {
    Window { from: rfc3339(from), to: rfc3339(to) }
}

pub(crate) fn booking_view(lang: Lang, b: &Booking) -> BookingView {
    BookingView {
        id: b.id,
        machine: named(b.machine_id, &b.machine_name),
        provider: named(b.provider_org, &b.provider_name),
        requester: named(b.org_id, &b.org_name),
        start: rfc3339(b.start_ms),
        end: rfc3339(b.end_ms),
        blocked_until: rfc3339(b.block_end_ms),
        state: b.state.code().into(),
        state_name: b.state.name(lang).into(),
        hold_until: rfc3339(b.hold_until),
        quantity: b.quantity,
        material: b.material.clone(),
        notes: b.notes.clone(),
        reason: b.reason.clone(),
    }
}

fn machine_view(m: &Machine) -> MachineView {
    let c = &m.record.calendar;
    MachineView {
        id: m.id,
        org: named(m.org_id, &m.org_name),
        offer_id: m.offer_id,
        name: m.record.name.clone(),
        process: m.record.process.clone(),
        open_hours: c.open.iter().map(|h| show_hours(*h)).collect(),
        setup_minutes: c.setup_minutes,
        notice_hours: c.notice_hours,
        free: None,
        booked: None,
        maintenance: None,
        booked_hours: None,
        open_hours_total: None,
    }
}

/// 403 unless the caller owns or administers `org`.
async fn manages(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<(), ApiError> {
    match app.store.role_of(me.account_id, org).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(Role::Owner | Role::Admin) => Ok(()),
        _ => Err(forbidden(lang)),
    }
}

async fn machine_or_404(app: &AppState, lang: Lang, id: i64) -> Result<Machine, ApiError> {
    app.store.machine(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))
}

/// An instant as people or programs write it: RFC 3339, or "YYYY-MM-DD HH:MM" in the
/// cluster's time.
pub(crate) fn instant(lang: Lang, field: &str, raw: &str) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let raw = raw.trim();
    let t = time::OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| time::OffsetDateTime::parse(&format!("{}:00+08:00", raw.replacen(' ', "T", 1)), &Rfc3339).ok())
        .ok_or_else(|| ApiError::bad(lang, "invalid_date", field, msg!("instant_form", field)))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Machines, of one firm (`org_id`) or all.
#[utoipa::path(get, path = "/api/v1/machines", tag = "capacity",
    params(("org_id" = Option<i64>, Query, minimum = 1, description = "the machines' firm")),
    responses((status = 200, body = MachineList), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<MachineList>, ApiError> {
    caller(&app, lang, &headers).await?;
    let org = super::problems::org_param_named(lang, &p, "org_id")?;
    let all = app.store.machines(org, 500).await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<MachineView> = all.iter().map(machine_view).collect();
    let total = items.len();
    Ok(Json(MachineList { items, next_cursor: None, total }))
}

/// A machine and its week from `from` (a day, today unless given): free windows, booked
/// blocks, maintenance, and booked against open hours.
#[utoipa::path(get, path = "/api/v1/machines/{id}", tag = "capacity",
    params(("id" = i64, Path, minimum = 1, description = "the machine"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD, the week's first day")),
    responses((status = 200, body = MachineView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: super::params::Params,
) -> Result<Json<MachineView>, ApiError> {
    caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let m = machine_or_404(&app, lang, id).await?;
    let day = match p.get("from").map(str::trim).filter(|v| !v.is_empty()) {
        None => wujin_store::ties::today(),
        Some(v) => wujin_domain::tie::parse_date(v)
            .ok_or_else(|| ApiError::bad(lang, "invalid_date", "from", msg!("date_form", "from", "YYYY-MM-DD")))?,
    };
    let from = instant(lang, "from", &format!("{day} 00:00"))?;
    let to = from + 7 * DAY_MS;
    let now = wujin_store::now_ms();
    let blocks = app.store.standing_blocks(id, from, to, now).await.map_err(|e| ApiError::internal(lang, e))?;
    let cal = &m.record.calendar;
    let free = free_windows(cal, &blocks, from, to);
    let open = free_windows(&wujin_domain::capacity::Calendar { maintenance: vec![], ..cal.clone() }, &[], from, to);
    let hours = |ws: &[(i64, i64)]| ws.iter().map(|w| (w.1 - w.0) as f64 / 3_600_000.0).sum::<f64>();
    let booked_hours: f64 = blocks.iter().map(|b| (b.1.min(to) - b.0.max(from)) as f64 / 3_600_000.0).sum();
    let mut v = machine_view(&m);
    v.free = Some(free.into_iter().map(window).collect());
    v.booked = Some(blocks.into_iter().map(window).collect());
    v.maintenance = Some(cal.maintenance.iter().filter(|w| w.1 > from && w.0 < to).copied().map(window).collect());
    v.booked_hours = Some((booked_hours * 100.0).round() / 100.0);
    v.open_hours_total = Some((hours(&open) * 100.0).round() / 100.0);
    Ok(Json(v))
}

/// Offer a machine of a firm the caller owns or administers.
#[utoipa::path(post, path = "/api/v1/machines", tag = "capacity", request_body = MachineBody,
    responses((status = 201, body = MachineView), (status = 400), (status = 401), (status = 403)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let b: MachineBody = super::body::read_json(lang, &body)?;
    manages(&app, lang, &me, b.org_id).await?;
    let r = check_machine(&b.name, &b.process, &b.open_hours, b.setup_minutes, b.notice_hours)
        .map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let internal = |e| ApiError::internal(lang, e);
    if let Some(offer) = b.offer_id {
        let owner = app.store.offer(offer).await.map_err(internal)?.map(|o| o.org_id);
        if owner != Some(b.org_id) {
            return Err(ApiError::bad(lang, "unknown_offer", "offer_id", msg!("machine_offer")));
        }
    }
    let m = app.store.create_machine(b.org_id, b.offer_id, me.account_id, &r).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(machine_view(&m))).into_response())
}

/// Add a maintenance window (the machine's firm).
#[utoipa::path(post, path = "/api/v1/machines/{id}/maintenance", tag = "capacity", request_body = MaintenanceBody,
    params(("id" = i64, Path, minimum = 1, description = "the machine")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn maintenance(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let m = machine_or_404(&app, lang, id).await?;
    manages(&app, lang, &me, m.org_id).await?;
    let b: MaintenanceBody = super::body::read_json(lang, &body)?;
    let (from, to) = (instant(lang, "from", &b.from)?, instant(lang, "to", &b.to)?);
    if to <= from || to - from > 60 * DAY_MS {
        return Err(ApiError::bad(lang, "out_of_range", "to", msg!("maintenance_window")));
    }
    let note: String = b.note.trim().chars().take(200).collect();
    app.store.add_maintenance(id, from, to, &note, me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Request time on a machine for a firm the caller owns or administers. The request holds
/// its window for 48 hours unless the machine's firm answers; a window any standing booking
/// holds (setup time included) is refused with 409 `clash`.
#[utoipa::path(post, path = "/api/v1/machines/{id}/bookings", tag = "capacity", request_body = BookingBody,
    params(("id" = i64, Path, minimum = 1, description = "the machine")),
    responses((status = 201, body = BookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn book(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: BookingBody = super::body::read_json(lang, &body)?;
    let m = machine_or_404(&app, lang, id).await?;
    manages(&app, lang, &me, b.org_id).await?;
    let start = instant(lang, "start", &b.start)?;
    let minutes = if b.hours.is_finite() && b.hours > 0.0 { (b.hours * 60.0).round() as i64 } else { 0 };
    if (minutes as f64 - b.hours * 60.0).abs() > 1e-6 {
        return Err(super::accounts::field_error(lang, wujin_domain::capacity::Misfit::Length.error()));
    }
    let now = wujin_store::now_ms();
    let cal = &m.record.calendar;
    let (start, end) = fits(cal, start, minutes, now).map_err(|f| super::accounts::field_error(lang, f.error()))?;
    let text = |field: &'static str, v: &str, max: usize| -> Result<String, ApiError> {
        let t = v.trim();
        if t.chars().count() > max {
            return Err(ApiError::bad(lang, "too_long", field, msg!("text_max", max)));
        }
        Ok(t.to_string())
    };
    if b.quantity.is_some_and(|q| !(1..=1_000_000_000).contains(&q)) {
        return Err(ApiError::bad(lang, "out_of_range", "quantity", msg!("text_max", 1_000_000_000)));
    }
    let request = BookingRequest {
        machine_id: id,
        org_id: b.org_id,
        by: me.account_id,
        start_ms: start,
        end_ms: end,
        block_end_ms: block(cal, start, end).1,
        quantity: b.quantity,
        material: text("material", &b.material, 100)?,
        notes: text("notes", &b.notes, 500)?,
    };
    match app.store.request_booking(&request, HOLD_MS).await.map_err(|e| ApiError::internal(lang, e))? {
        Booked::Done(b) => Ok((StatusCode::CREATED, Json(booking_view(lang, &b))).into_response()),
        Booked::Clash(other) => {
            let m = match other {
                Some(o) => msg!(
                    "booking_clash",
                    crate::pages::demands::china_time(&rfc3339(o.start_ms)),
                    crate::pages::demands::china_time(&rfc3339(o.block_end_ms))
                ),
                None => msg!("booking_clash_gone"),
            };
            Err(ApiError { field: Some("start".into()), ..ApiError::new(StatusCode::CONFLICT, "clash", lang, m) })
        }
    }
}

/// The caller's firms' bookings: those they asked for (`side=requested`, the default) or
/// those asked of their machines (`side=provided`).
#[utoipa::path(get, path = "/api/v1/bookings", tag = "capacity",
    params(("side" = Option<String>, Query, description = "requested (default) or provided")),
    responses((status = 200, body = BookingList), (status = 400), (status = 401)))]
pub async fn bookings(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<BookingList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let provided = match p.get("side").map(str::trim) {
        None | Some("requested") => false,
        Some("provided") => true,
        Some(v) => return Err(super::unknown(lang, "side", v)),
    };
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let all = app.store.bookings_of(&orgs, provided, 200).await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<BookingView> = all.iter().map(|b| booking_view(lang, b)).collect();
    let total = items.len();
    Ok(Json(BookingList { items, next_cursor: None, total }))
}

async fn step(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    action: BookingAction,
) -> Result<Json<BookingView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: StepBody = super::read_optional(lang, &body)?;
    let internal = |e| ApiError::internal(lang, e);
    let booking = app.store.booking(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let role = |org| app.store.role_of(me.account_id, org);
    let provider = role(booking.provider_org).await.map_err(internal)?;
    let requester = role(booking.org_id).await.map_err(internal)?;
    if provider.is_none() && requester.is_none() {
        return Err(ApiError::not_found(lang));
    }
    let manages = |r: Option<Role>| matches!(r, Some(Role::Owner | Role::Admin));
    // Acting for the machine's firm when the caller may, else for the requester.
    // Confirming and declining are the machine's firm's; cancelling is either side's (the
    // requester's rules when the caller acts for both).
    let side = match (action, manages(provider), manages(requester)) {
        (BookingAction::Cancel, _, true) => Side::Requester,
        (_, true, _) => Side::Provider,
        _ => return Err(forbidden(lang)),
    };
    let reason = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::bad(lang, "too_long", "reason", msg!("text_max", 200)));
    }
    if action == BookingAction::Cancel && side == Side::Provider && reason.is_none() {
        return Err(ApiError::bad(lang, "required", "reason", msg!("booking_reason")));
    }
    let notice = app.store.machine(booking.machine_id).await.map_err(internal)?.map(|m| m.record.calendar.notice_hours);
    let to = booking_transition(
        booking.state,
        action,
        side,
        wujin_store::now_ms(),
        booking.start_ms,
        booking.hold_until,
        notice.unwrap_or(24),
    )
    .map_err(|r| ApiError {
        status: StatusCode::CONFLICT,
        code: r.code(),
        message: r.message(lang),
        field: None,
    })?;
    if !app.store.move_booking(id, booking.state, to, reason, me.account_id).await.map_err(internal)? {
        return Err(ApiError::new(StatusCode::CONFLICT, "wrong_state", lang, msg!("booking_moved")));
    }
    let b = app.store.booking(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(booking_view(lang, &b)))
}

/// Confirm a request (the machine's firm, while the request holds).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/confirm", tag = "capacity", request_body(content = Option<StepBody>, description = "May be left out: no reason."),
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = BookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn confirm(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<BookingView>, ApiError> {
    step(app, lang, headers, id, body, BookingAction::Confirm).await
}

/// Decline a request (the machine's firm).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/decline", tag = "capacity", request_body(content = Option<StepBody>, description = "May be left out: no reason."),
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = BookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<BookingView>, ApiError> {
    step(app, lang, headers, id, body, BookingAction::Decline).await
}

/// Cancel a booking: the requester until the machine's notice before the start, the
/// machine's firm before the start with a reason. The window is free again.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", tag = "capacity", request_body(content = Option<StepBody>, description = "May be left out: no reason."),
    params(("id" = i64, Path, minimum = 1, description = "the booking")),
    responses((status = 200, body = BookingView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn cancel(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<BookingView>, ApiError> {
    step(app, lang, headers, id, body, BookingAction::Cancel).await
}
