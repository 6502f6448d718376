//! Sealed responses: `POST /api/v1/demands/{id}/responses`, `GET …/responses` (what the
//! caller may see and nothing else), `PUT …/responses/{rid}` (revise) and
//! `DELETE …/responses/{rid}` (withdraw), the last two only until the deadline.
//!
//! Who may read a response is decided by `wujin_domain::demand::may_read_response` for each
//! response and each caller: its own organisation always; the buyer once the deadline has
//! passed; nobody else, ever. A response the caller may not read does not exist for them:
//! it is left out of lists and a 404 anywhere else.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::demand::{DemandState, Moment, Reader, Visibility, may_read_response, responses_accepted};
use wujin_domain::messages::Msg;
use wujin_domain::money::MAX_FEN;
use wujin_domain::{Lang, msg};
use wujin_store::demands::Write;
use wujin_store::responses::{Created, Response as Stored, Terms};

use super::auth::{Caller, caller, forbidden, writer};
use super::demands::{closed, refused, stale, visible};
use super::error::ApiError;
use super::lang::ReqLang;
use super::{AppState, RawPath, parse_ids as ids};

const MAX_NOTES: usize = 2000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// The responding organisation (on creation; the caller must act for it).
    pub org_id: Option<i64>,
    /// The revision the caller saw (on PUT).
    pub revision: Option<i64>,
    /// Price in fen.
    pub price_fen: i64,
    /// unit (per unit) or lump_sum.
    pub basis: String,
    pub lead_time_days: i64,
    /// How many days the offer stands.
    pub valid_days: i64,
    #[serde(default)]
    pub notes: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseView {
    pub id: i64,
    pub demand_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub price_fen: i64,
    pub basis: String,
    pub lead_time_days: i64,
    pub valid_days: i64,
    pub notes: String,
    /// submitted or withdrawn.
    pub state: String,
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseList {
    pub items: Vec<ResponseView>,
    pub next_cursor: Option<String>,
}

fn view(r: Stored) -> ResponseView {
    ResponseView {
        id: r.id,
        demand_id: r.demand_id,
        org_id: r.org_id,
        org_name: r.org_name,
        price_fen: r.terms.price_fen,
        basis: r.terms.basis,
        lead_time_days: r.terms.lead_time_days,
        valid_days: r.terms.valid_days,
        notes: r.terms.notes,
        state: r.state,
        revision: r.revision,
    }
}

fn terms(lang: Lang, b: &ResponseBody) -> Result<Terms, ApiError> {
    let bad = |field: &str, msg: Msg| ApiError::bad(lang, "invalid_value", field, msg);
    if !(0..=MAX_FEN).contains(&b.price_fen) {
        return Err(bad("price_fen", msg!("price_fen_range", MAX_FEN)));
    }
    if !matches!(b.basis.as_str(), "unit" | "lump_sum") {
        return Err(super::unknown(lang, "basis", &b.basis));
    }
    if !(0..=3650).contains(&b.lead_time_days) {
        return Err(bad("lead_time_days", msg!("days_range", "lead_time_days", 0, 3650)));
    }
    if !(1..=365).contains(&b.valid_days) {
        return Err(bad("valid_days", msg!("days_range", "valid_days", 1, 365)));
    }
    if b.notes.chars().count() > MAX_NOTES {
        return Err(bad("notes", msg!("text_too_long", "notes", MAX_NOTES)));
    }
    Ok(Terms {
        price_fen: b.price_fen,
        basis: b.basis.clone(),
        lead_time_days: b.lead_time_days,
        valid_days: b.valid_days,
        notes: b.notes.clone(),
    })
}

/// Respond to a demand for an organisation the caller acts for.
#[utoipa::path(post, path = "/api/v1/demands/{id}/responses", tag = "demands", request_body = ResponseBody,
    responses((status = 201, body = ResponseView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let demand_id = ids(lang, raw)?[0];
    let (d, _) = visible(&app, lang, &me, demand_id).await?;
    let b: ResponseBody = super::body::read_json(lang, &body)?;
    let org = b.org_id.ok_or_else(|| ApiError::bad(lang, "required", "org_id", msg!("responding_org_required")))?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.role_of(me.account_id, org).await.map_err(internal)? {
        Some(r) if r.may_act() => {}
        _ => return Err(forbidden(lang)),
    }
    if org == d.org_id {
        return Err(forbidden(lang));
    }
    if d.content.visibility == Visibility::Invited
        && app.store.invited_among(d.id, &[org]).await.map_err(internal)?.is_empty()
    {
        return Err(ApiError {
            field: Some("org_id".into()),
            ..ApiError::new(StatusCode::FORBIDDEN, "not_invited", lang, msg!("invited_only"))
        });
    }
    responses_accepted(d.state, Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms })
        .map_err(|r| refused(lang, r))?;
    let t = terms(lang, &b)?;
    let id = match app.store.create_response(demand_id, org, me.account_id, &t).await.map_err(internal)? {
        Created::Done(id) => id,
        Created::Closed => return Err(closed(lang)),
        Created::Already => {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                ..ApiError::bad(lang, "already_responded", "org_id", msg!("already_responded"))
            });
        }
    };
    let r = app.store.response(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    Ok((StatusCode::CREATED, Json(view(r))).into_response())
}

/// The responses to a demand that the caller may read.
#[utoipa::path(get, path = "/api/v1/demands/{id}/responses", tag = "demands", responses((status = 200, body = ResponseList), (status = 401), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
) -> Result<Json<ResponseList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let demand_id = ids(lang, raw)?[0];
    let (d, _) = visible(&app, lang, &me, demand_id).await?;
    let at = Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms };
    let internal = |e| ApiError::internal(lang, e);
    let mine = super::auth::org_ids(&app, lang, &me).await?;
    // Only a buyer past the deadline reads others' responses; everyone else's request
    // touches their own rows only, so neither its answer nor its timing says how many
    // others responded.
    let unsealed = mine.contains(&d.org_id) && may_read_response(Reader::Buyer, d.state, at);
    let rows = if unsealed {
        // The buyer reads only a closed demand: closing takes the row lock every response
        // write takes, so no revision can land after this read began.
        if d.state == DemandState::Open {
            app.store.close_if_due(d.id, at.now_ms).await.map_err(internal)?;
        }
        let rows = app.store.responses_to(demand_id).await.map_err(internal)?;
        let read: Vec<(i64, i64)> = rows
            .iter()
            .filter(|r| r.state == "submitted" && !mine.contains(&r.org_id))
            .map(|r| (r.id, r.org_id))
            .collect();
        app.store.record_reads(me.account_id, d.org_id, &read).await.map_err(internal)?;
        rows
    } else {
        app.store.responses_by(demand_id, &mine).await.map_err(internal)?
    };
    let mut items = vec![];
    for r in rows {
        let who = if mine.contains(&r.org_id) {
            Reader::Author
        } else if mine.contains(&d.org_id) {
            Reader::Buyer
        } else {
            Reader::Other
        };
        if may_read_response(who, d.state, at) && (who == Reader::Author || r.state == "submitted") {
            items.push(view(r));
        }
    }
    Ok(Json(ResponseList { items, next_cursor: None }))
}

/// The response `rid` of demand `id`, if the caller acts for the organisation that wrote it.
async fn own(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    ids: &[i64],
) -> Result<(wujin_store::demands::Demand, Stored), ApiError> {
    let (demand_id, rid) = (ids[0], ids.get(1).copied().unwrap_or(0));
    let (d, _) = visible(app, lang, me, demand_id).await?;
    let internal = |e| ApiError::internal(lang, e);
    let r = app.store.response(rid).await.map_err(internal)?.filter(|r| r.demand_id == demand_id);
    let Some(r) = r else { return Err(ApiError::not_found(lang)) };
    match app.store.role_of(me.account_id, r.org_id).await.map_err(internal)? {
        Some(role) if role.may_act() => Ok((d, r)),
        Some(_) => Err(forbidden(lang)),
        None => Err(ApiError::not_found(lang)),
    }
}

/// Revise a response (its organisation's owners and admins, until the deadline).
#[utoipa::path(put, path = "/api/v1/demands/{id}/responses/{rid}", tag = "demands", request_body = ResponseBody,
    responses((status = 200, body = ResponseView), (status = 404), (status = 409)))]
pub async fn revise(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
    body: Bytes,
) -> Result<Json<ResponseView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let ids = ids(lang, raw)?;
    let (d, r) = own(&app, lang, &me, &ids).await?;
    responses_accepted(d.state, Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms })
        .map_err(|e| refused(lang, e))?;
    let b: ResponseBody = super::body::read_json(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    let t = terms(lang, &b)?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.change_response(r.id, revision, Some(&t), me.account_id).await.map_err(internal)? {
        Write::Stale => Err(stale(lang)),
        Write::Closed => Err(closed(lang)),
        Write::Done(r) => Ok(Json(view(r))),
    }
}

/// Withdraw a response (until the deadline).
#[utoipa::path(delete, path = "/api/v1/demands/{id}/responses/{rid}", tag = "demands", request_body = Withdraw,
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let ids = ids(lang, raw)?;
    let (d, r) = own(&app, lang, &me, &ids).await?;
    responses_accepted(d.state, Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms })
        .map_err(|e| refused(lang, e))?;
    let b: Withdraw = super::read_optional(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    match app
        .store
        .change_response(r.id, revision, None, me.account_id)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
    {
        Write::Stale => Err(stale(lang)),
        Write::Closed => Err(closed(lang)),
        Write::Done(_) => Ok(StatusCode::NO_CONTENT),
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuoteView {
    #[serde(flatten)]
    pub response: ResponseView,
    pub demand_title: String,
    /// The demand's state.
    pub demand_state: String,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    /// The quantity awarded to this response, when it won.
    pub awarded_quantity: Option<i64>,
    /// pending, won, lost, cancelled or withdrawn.
    pub outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteList {
    pub items: Vec<QuoteView>,
    pub next_cursor: Option<String>,
}

/// The caller's own responses across all demands, newest first, with how each fared
/// (`org_id` narrows to one of the caller's organisations).
#[utoipa::path(get, path = "/api/v1/responses", tag = "demands",
    params(("org_id" = Option<i64>, Query, description = "one of the caller's organisations"),
        ("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = QuoteList), (status = 400), (status = 401), (status = 403)))]
pub async fn history(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<QuoteList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let internal = |e| ApiError::internal(lang, e);
    let mine = super::auth::org_ids(&app, lang, &me).await?;
    let orgs = match p.get("org_id") {
        None => mine,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(o) if mine.contains(&o) => vec![o],
            Ok(_) => return Err(forbidden(lang)),
            Err(_) => return Err(super::unknown(lang, "org_id", raw)),
        },
    };
    let rows = app.store.quote_history(&orgs, before, limit + 1).await.map_err(internal)?;
    let more = rows.len() as i64 > limit;
    let items: Vec<QuoteView> = rows
        .into_iter()
        .take(limit as usize)
        .map(|q| QuoteView {
            response: view(q.response),
            demand_title: q.demand_title,
            demand_state: q.demand_state,
            quantity: q.quantity,
            unit: q.unit,
            awarded_quantity: q.awarded_quantity,
            outcome: q.outcome.code().into(),
        })
        .collect();
    let next_cursor = if more { items.last().map(|i| super::page::encode_cursor(i.response.id)) } else { None };
    Ok(Json(QuoteList { items, next_cursor }))
}
