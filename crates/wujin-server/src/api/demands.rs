//! Demands, first routes: `POST /api/v1/demands` (a draft), `GET /api/v1/demands/{id}`,
//! `PATCH /api/v1/demands/{id}` (draft only), `POST …/publish`, `POST …/cancel`. Every
//! state change goes through `wujin_domain::demand::transition`; every write names the
//! revision it saw and gets 409 if somebody moved first. A draft, or a demand open to
//! invited providers only, does not exist for anybody outside the buyer's organisation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use wujin_domain::demand::{
    CancelReason, Cancellation, DemandAction, DemandContent, DemandState, Moment, Refused, Visibility, transition,
};
use wujin_domain::{Lang, msg};
use wujin_store::demands::{Demand, NewDemand, Write};

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;

/// Responses one award may go to.
const MAX_AWARDS: usize = 20;

/// The content of a demand as sent. `deadline` is RFC 3339 ("2026-12-20T18:00:00+08:00"),
/// a date, meaning the end of that day in China (23:59:59 +08:00), or a date and a time in
/// China ("2026-12-20 18:00").
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandBody {
    /// The buyer organisation (on creation; the caller must belong to it).
    pub org_id: Option<i64>,
    /// The revision the caller saw (on PATCH).
    pub revision: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub need: String,
    pub family: Option<String>,
    pub category: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub budget_fen: Option<i64>,
    #[serde(default)]
    pub standards: Vec<String>,
    #[serde(default)]
    pub certificates: Vec<String>,
    pub deadline: String,
    pub town: Option<String>,
    /// public (default) or invited.
    pub visibility: Option<String>,
    /// On creation only: organisations invited in the same write, as when a buyer asks one
    /// firm for a quote from its page (at most 50; later invitations go through
    /// `POST …/invitations`).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub invite_org_ids: Vec<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RevisionBody {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct DemandView {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub need: String,
    pub family: Option<String>,
    pub category: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub budget_fen: Option<i64>,
    pub standards: Vec<String>,
    pub certificates: Vec<String>,
    /// RFC 3339, UTC.
    pub deadline: String,
    pub town: Option<String>,
    pub visibility: String,
    /// draft, open, closed, awarded, in_progress, completed, rated, cancelled.
    pub state: String,
    pub revision: i64,
    /// Why the buyer cancelled it (`reason_code` and its words), once cancelled.
    pub cancellation: Option<CancellationView>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct CancellationView {
    /// no_suitable_provider, need_changed, price_too_high, duplicate or other.
    pub reason_code: String,
    /// The reason in the request's language.
    pub reason: String,
    pub reason_text: Option<String>,
}

pub(super) fn view(d: Demand, lang: Lang) -> DemandView {
    let cancellation = d.cancellation.map(|c| CancellationView {
        reason_code: c.reason.code().to_string(),
        reason: c.reason.name(lang),
        reason_text: c.note,
    });
    let c = d.content;
    let deadline = super::views::rfc3339(c.deadline_ms);
    DemandView {
        id: d.id,
        org_id: d.org_id,
        title: c.title,
        need: c.need,
        family: c.family,
        category: c.category,
        quantity: c.quantity,
        unit: c.unit,
        budget_fen: c.budget_fen,
        standards: c.standards,
        certificates: c.certificates,
        deadline,
        town: c.town,
        visibility: match c.visibility {
            Visibility::Public => "public".into(),
            Visibility::Invited => "invited".into(),
        },
        state: d.state.code().into(),
        revision: d.revision,
        cancellation,
    }
}

/// A deadline as people write it: a day (its end, Yongkang time), a day and a time
/// ("2026-12-20 18:00", Yongkang time), or an RFC 3339 instant from a program.
pub(super) fn deadline_ms(lang: Lang, raw: &str) -> Result<i64, ApiError> {
    let raw = raw.trim();
    let bad =
        || ApiError::bad(lang, "invalid_date", "deadline", msg!("deadline_form", "2026-12-20", "2026-12-20 18:00"));
    let local = |s: String| OffsetDateTime::parse(&s, &Rfc3339).ok();
    let t = OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| local(format!("{raw}T23:59:59+08:00")))
        .or_else(|| local(format!("{}:00+08:00", raw.replacen(' ', "T", 1))))
        .ok_or_else(bad)?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn content(lang: Lang, b: &DemandBody) -> Result<DemandContent, ApiError> {
    let visibility = match b.visibility.as_deref().map(str::trim) {
        None | Some("public") => Visibility::Public,
        Some("invited") => Visibility::Invited,
        Some(other) => return Err(super::unknown(lang, "visibility", other)),
    };
    DemandContent {
        title: b.title.clone(),
        need: b.need.clone(),
        family: b.family.clone(),
        category: b.category.clone(),
        quantity: b.quantity,
        unit: b.unit.clone(),
        budget_fen: b.budget_fen,
        standards: b.standards.clone(),
        certificates: b.certificates.clone(),
        deadline_ms: deadline_ms(lang, &b.deadline)?,
        town: b.town.clone(),
        visibility,
    }
    .check()
    .map_err(|errs| {
        let first = errs.into_iter().next().expect("check fails with at least one error");
        super::accounts::field_error(lang, first)
    })
}

pub(super) fn refused(lang: Lang, r: Refused) -> ApiError {
    ApiError { status: StatusCode::CONFLICT, code: r.code, message: r.message(lang).to_string(), field: None }
}

pub(super) fn stale(lang: Lang) -> ApiError {
    ApiError {
        field: Some("revision".into()),
        ..ApiError::new(StatusCode::CONFLICT, "revision_conflict", lang, msg!("revision_conflict"))
    }
}

/// The demand as `me` may see it: 404 when it does not exist for them.
pub(super) async fn visible(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    id: i64,
) -> Result<(Demand, Option<wujin_domain::account::Role>), ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let d = app.store.demand(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let role = app.store.role_of(me.account_id, d.org_id).await.map_err(internal)?;
    if role.is_some() || (d.state != DemandState::Draft && d.content.visibility == Visibility::Public) {
        return Ok((d, role));
    }
    if d.state != DemandState::Draft && !invited_orgs(app, lang, me, &d).await?.is_empty() {
        return Ok((d, role));
    }
    Err(ApiError::not_found(lang))
}

/// The caller's organisations invited to demand `d`.
pub(super) async fn invited_orgs(app: &AppState, lang: Lang, me: &Caller, d: &Demand) -> Result<Vec<i64>, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let mine = super::auth::org_ids(app, lang, me).await?;
    app.store.invited_among(d.id, &mine).await.map_err(internal)
}

/// 409: the demand no longer takes responses.
pub(super) fn closed(lang: Lang) -> ApiError {
    refused(lang, wujin_domain::demand::deadline_passed())
}

/// Save a draft demand for an organisation the caller belongs to.
#[utoipa::path(post, path = "/api/v1/demands", tag = "demands", request_body = DemandBody,
    responses((status = 201, body = DemandView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let b: DemandBody = super::body::read_json(lang, &body)?;
    let org = b.org_id.ok_or_else(|| ApiError::bad(lang, "required", "org_id", msg!("posting_org_required")))?;
    let internal = |e| ApiError::internal(lang, e);
    if app.store.role_of(me.account_id, org).await.map_err(internal)?.is_none() {
        return Err(forbidden(lang));
    }
    let c = content(lang, &b)?;
    let invite = &b.invite_org_ids;
    if invite.len() > super::invitations::MAX_INVITES {
        let max = super::invitations::MAX_INVITES;
        return Err(ApiError::bad(lang, "invalid_value", "invite_org_ids", msg!("invite_count", max)));
    }
    if let Some(i) = invite.iter().position(|&o| o == org) {
        return Err(ApiError::bad(lang, "invalid_value", &format!("invite_org_ids/{i}"), msg!("invite_self")));
    }
    match app.store.create_demand(org, me.account_id, &c, invite).await.map_err(internal)? {
        NewDemand::Saved(d) => Ok((StatusCode::CREATED, Json(view(*d, lang))).into_response()),
        NewDemand::NoSuchOrg(o) => {
            let i = invite.iter().position(|&x| x == o).unwrap_or(0);
            Err(ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ApiError::bad(lang, "unknown_org", &format!("invite_org_ids/{i}"), msg!("no_such_org", o))
            })
        }
    }
}

/// A demand.
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "demands", responses((status = 200, body = DemandView), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<DemandView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    Ok(Json(view(visible(&app, lang, &me, id).await?.0, lang)))
}

/// Replace a draft's content (members of the buyer; the revision seen is required).
#[utoipa::path(patch, path = "/api/v1/demands/{id}", tag = "demands", request_body = DemandBody,
    responses((status = 200, body = DemandView), (status = 400), (status = 404), (status = 409)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<DemandView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let (d, role) = visible(&app, lang, &me, id).await?;
    if role.is_none() {
        return Err(forbidden(lang));
    }
    let b: DemandBody = super::body::read_json(lang, &body)?;
    if !b.invite_org_ids.is_empty() {
        return Err(ApiError::bad(lang, "invalid_value", "invite_org_ids", msg!("invite_on_create_only")));
    }
    let revision = super::revision(lang, &headers, b.revision)?;
    let now = wujin_store::now_ms();
    transition(d.state, DemandAction::Edit, Moment { now_ms: now, deadline_ms: d.content.deadline_ms })
        .map_err(|r| refused(lang, r))?;
    let c = content(lang, &b)?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.update_demand(id, revision, &c, me.account_id).await.map_err(internal)? {
        Write::Stale | Write::Closed => Err(stale(lang)),
        Write::Done(d) => Ok(Json(view(d, lang))),
    }
}

async fn act(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    action: DemandAction,
) -> Result<Json<DemandView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let (d, role) = visible(&app, lang, &me, id).await?;
    match role {
        None => return Err(ApiError::not_found(lang)),
        Some(r) if !r.may_act() => return Err(forbidden(lang)),
        Some(_) => {}
    }
    let (revision, why) = match action {
        DemandAction::Cancel => {
            let b: CancelBody = super::read_optional(lang, &body)?;
            (super::revision(lang, &headers, b.revision)?, Some(cancellation(lang, &b)?))
        }
        _ => {
            let b: RevisionBody = super::read_optional(lang, &body)?;
            (super::revision(lang, &headers, b.revision)?, None)
        }
    };
    let at = Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms };
    let to = transition(d.state, action, at).map_err(|r| refused(lang, r))?;
    let internal = |e| ApiError::internal(lang, e);
    let moved = match &why {
        Some(why) => app.store.cancel_demand(id, revision, d.state, why, me.account_id).await,
        None => app.store.move_demand(id, revision, d.state, to, "publish", me.account_id).await,
    };
    match moved.map_err(internal)? {
        Write::Stale | Write::Closed => Err(stale(lang)),
        Write::Done(d) => Ok(Json(view(d, lang))),
    }
}

/// A cancellation: why (`reason_code`, required) and optionally a few words.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
    /// no_suitable_provider, need_changed, price_too_high, duplicate or other. The providers
    /// who responded read it; the pilot office counts `no_suitable_provider` as a gap.
    #[schema(example = "need_changed")]
    pub reason_code: Option<String>,
    /// A few words for the providers, at most 200 characters.
    #[schema(max_length = 200)]
    pub reason_text: Option<String>,
}

fn cancellation(lang: Lang, b: &CancelBody) -> Result<Cancellation, ApiError> {
    let codes = CancelReason::ALL.map(|r| r.code()).join(", ");
    let reason = match b.reason_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => return Err(ApiError::bad(lang, "required", "reason_code", msg!("cancel_reason_required", codes))),
        Some(code) => CancelReason::from_code(code).ok_or_else(|| {
            ApiError::bad(lang, "unknown_value", "reason_code", msg!("cancel_reason_unknown", code, codes))
        })?,
    };
    Cancellation::new(reason, b.reason_text.as_deref()).map_err(|e| super::accounts::field_error(lang, e))
}

/// Publish a draft (owners and admins of the buyer).
#[utoipa::path(post, path = "/api/v1/demands/{id}/publish", tag = "demands", request_body = RevisionBody,
    responses((status = 200, body = DemandView), (status = 403), (status = 404), (status = 409)))]
pub async fn publish(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<DemandView>, ApiError> {
    act(app, lang, headers, id, body, DemandAction::Publish).await
}

/// Cancel a demand before its award (owners and admins of the buyer), saying why: the
/// providers who responded are told, with the reason, and their quotes are released.
#[utoipa::path(post, path = "/api/v1/demands/{id}/cancel", tag = "demands", request_body = CancelBody,
    responses((status = 200, body = DemandView), (status = 403), (status = 404), (status = 409)))]
pub async fn cancel(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<DemandView>, ApiError> {
    act(app, lang, headers, id, body, DemandAction::Cancel).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardLineBody {
    pub response_id: i64,
    /// The quantity given to this response, when the demand is split.
    pub quantity: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardBody {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
    /// One or several responses (at most 20).
    #[schema(min_items = 1, max_items = 20)]
    pub awards: Vec<AwardLineBody>,
}

#[derive(Serialize, ToSchema)]
pub struct AwardResult {
    pub demand: DemandView,
    /// The engagements created, one per award.
    pub engagements: Vec<i64>,
}

/// Award the demand to one or several responses (owners and admins of the buyer, after the
/// deadline); each award becomes an engagement.
#[utoipa::path(post, path = "/api/v1/demands/{id}/awards", tag = "demands", request_body = AwardBody,
    responses((status = 201, body = AwardResult), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn award(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    use wujin_store::demands::{AwardLine, Awarded};
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let (d, role) = visible(&app, lang, &me, id).await?;
    match role {
        None => return Err(ApiError::not_found(lang)),
        Some(r) if !r.may_act() => return Err(forbidden(lang)),
        Some(_) => {}
    }
    let b: AwardBody = super::body::read_json(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    if b.awards.is_empty() || b.awards.len() > MAX_AWARDS {
        return Err(ApiError::bad(lang, "invalid_value", "awards", msg!("award_count", MAX_AWARDS)));
    }
    let mut lines: Vec<AwardLine> = vec![];
    for (i, a) in b.awards.iter().enumerate() {
        if a.quantity.is_some_and(|q| q <= 0) || lines.iter().any(|l| l.response_id == a.response_id) {
            let field = format!("awards/{i}");
            return Err(ApiError {
                field: Some(field),
                ..ApiError::bad(lang, "invalid_value", "", msg!("award_line"))
            });
        }
        lines.push(AwardLine { response_id: a.response_id, quantity: a.quantity });
    }
    // An open demand past its deadline is closed first: the deadline closed it, whether or
    // not the server's sweep has come round to it yet.
    let internal = |e| ApiError::internal(lang, e);
    let now = wujin_store::now_ms();
    let at = Moment { now_ms: now, deadline_ms: d.content.deadline_ms };
    let d = if d.state == DemandState::Open && !at.before_deadline() {
        app.store.close_if_due(id, now).await.map_err(internal)?;
        app.store.demand(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?
    } else {
        d
    };
    transition(d.state, DemandAction::Award, at).map_err(|r| refused(lang, r))?;
    match app.store.award_demand(id, revision, d.state, &lines, me.account_id).await.map_err(internal)? {
        Awarded::Stale => Err(stale(lang)),
        Awarded::NotAResponse(rid) => Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "not_a_response", "awards", msg!("not_a_response", rid))
        }),
        Awarded::Done(engagements) => {
            let d = app.store.demand(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
            Ok((StatusCode::CREATED, Json(AwardResult { demand: view(d, lang), engagements })).into_response())
        }
    }
}

/// Which demands to list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// mine (default: the demands of the caller's organisations) or open (demands the
    /// caller's organisations may respond to now: public ones and those inviting them).
    scope: Option<String>,
    /// Only this organisation's demands (scope mine; the caller must belong to it).
    org_id: Option<i64>,
    /// draft, open, closed, awarded, in_progress, completed, rated, cancelled.
    state: Option<String>,
    /// Service family code or name.
    family: Option<String>,
    /// Category code or name.
    category: Option<String>,
    /// With scope=open: `mine`, the demands in the line of the caller's organisations (about
    /// a category or family they offer, or inviting them), or `other`, the rest.
    #[param(rename = "match")]
    r#match: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DemandSummary {
    #[serde(flatten)]
    pub demand: DemandView,
    /// Standing responses: shown to the buyer once the deadline has passed, else null.
    pub responses: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DemandList {
    pub items: Vec<DemandSummary>,
    pub next_cursor: Option<String>,
}

/// Demands: the caller's own organisations' (scope=mine) or those open to them (scope=open).
#[utoipa::path(get, path = "/api/v1/demands", tag = "demands", params(ListParams),
    responses((status = 200, body = DemandList), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<DemandList>, ApiError> {
    use wujin_store::demands::DemandFilter;
    let me = caller(&app, lang, &headers).await?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let internal = |e| ApiError::internal(lang, e);
    let t = wujin_domain::Taxonomy::get();
    let mut f = DemandFilter { before, ..Default::default() };
    if let Some(v) = p.get("state") {
        f.state = Some(DemandState::from_code(v.trim()).ok_or_else(|| super::unknown(lang, "state", v))?);
    }
    if let Some(v) = p.get("family") {
        f.family = Some(t.family(v).ok_or_else(|| super::unknown(lang, "family", v))?.entry.code.clone());
    }
    if let Some(v) = p.get("category") {
        f.category = Some(t.category(v).ok_or_else(|| super::unknown(lang, "category", v))?.entry.code.clone());
    }
    let mine = super::auth::org_ids(&app, lang, &me).await?;
    let now = wujin_store::now_ms();
    let rows = match p.get("scope").map(str::trim).unwrap_or("mine") {
        "mine" => {
            let orgs = match p.get("org_id") {
                None => mine.clone(),
                Some(raw) => match raw.trim().parse::<i64>() {
                    Ok(o) if mine.contains(&o) => vec![o],
                    Ok(_) => return Err(forbidden(lang)),
                    Err(_) => return Err(super::unknown(lang, "org_id", raw)),
                },
            };
            app.store.demands_of(&orgs, &f, limit + 1).await.map_err(internal)?
        }
        "open" => {
            if let Some(m) = p.get("match") {
                let outside = match m.trim() {
                    "mine" => false,
                    "other" => true,
                    other => return Err(super::unknown(lang, "match", other)),
                };
                let offered = app.store.categories_offered(&mine).await.map_err(internal)?;
                let (categories, families) = t.line_of(&offered);
                f.line = Some(wujin_store::demands::Line { categories, families, invited: mine.clone(), outside });
            }
            app.store.open_demands(&mine, now, &f, limit + 1).await.map_err(internal)?
        }
        other => return Err(super::unknown(lang, "scope", other)),
    };
    let more = rows.len() as i64 > limit;
    let mut items = vec![];
    for d in rows.into_iter().take(limit as usize) {
        let unsealed = mine.contains(&d.org_id) && d.state != DemandState::Draft && now >= d.content.deadline_ms;
        let responses = if unsealed { Some(app.store.response_count(d.id).await.map_err(internal)?) } else { None };
        items.push(DemandSummary { demand: view(d, lang), responses });
    }
    let next_cursor = if more { items.last().map(|i| super::page::encode_cursor(i.demand.id)) } else { None };
    Ok(Json(DemandList { items, next_cursor }))
}
