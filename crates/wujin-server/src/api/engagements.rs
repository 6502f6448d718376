//! After an award: `POST /api/v1/engagements/{id}/complete` (each side marks the work done;
//! completed when both have) and `POST /api/v1/engagements/{id}/ratings` (each side rates the
//! other once, 1 to 5 with a short comment, after completion). An engagement does not exist
//! for anybody outside its two organisations.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::messages::Msg;
use wujin_domain::{Lang, msg};
use wujin_store::engagements::{Engagement, Side};

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;

const MAX_COMMENT: usize = 200;

#[derive(Serialize, ToSchema)]
pub struct EngagementView {
    pub id: i64,
    pub demand_id: i64,
    pub buyer_org_id: i64,
    pub provider_org_id: i64,
    pub quantity: Option<i64>,
    /// active or completed.
    pub state: String,
    pub buyer_done: bool,
    pub provider_done: bool,
    /// The provider has started the work.
    pub started: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: i64,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub comment: String,
}

fn view(e: Engagement) -> EngagementView {
    EngagementView {
        id: e.id,
        demand_id: e.demand_id,
        buyer_org_id: e.buyer_org_id,
        provider_org_id: e.provider_org_id,
        quantity: e.quantity,
        state: e.state,
        buyer_done: e.buyer_done,
        provider_done: e.provider_done,
        started: e.started,
    }
}

/// The engagement `id` as stored now (404 when there is none).
async fn engagement(app: &AppState, lang: Lang, id: i64) -> Result<Engagement, ApiError> {
    app.store.engagement(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))
}

/// The engagement and the caller's side of it (they must act for that organisation).
async fn side(app: &AppState, lang: Lang, me: &Caller, raw: super::RawId) -> Result<(Engagement, Side), ApiError> {
    let e = engagement(app, lang, super::parse_id(lang, raw)?).await?;
    let internal = |e| ApiError::internal(lang, e);
    for (org, side) in [(e.buyer_org_id, Side::Buyer), (e.provider_org_id, Side::Provider)] {
        match app.store.role_of(me.account_id, org).await.map_err(internal)? {
            Some(r) if r.may_act() => return Ok((e, side)),
            Some(_) => return Err(forbidden(lang)),
            None => {}
        }
    }
    Err(ApiError::not_found(lang))
}

/// An engagement (members of either side).
#[utoipa::path(get, path = "/api/v1/engagements/{id}", tag = "demands",
    responses((status = 200, body = EngagementView), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<Json<EngagementView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let e = engagement(&app, lang, super::parse_id(lang, raw)?).await?;
    let internal = |e| ApiError::internal(lang, e);
    for org in [e.buyer_org_id, e.provider_org_id] {
        if app.store.role_of(me.account_id, org).await.map_err(internal)?.is_some() {
            return Ok(Json(view(e)));
        }
    }
    Err(ApiError::not_found(lang))
}

/// The provider starts the work (its owners and admins); the demand is then in progress.
#[utoipa::path(post, path = "/api/v1/engagements/{id}/start", tag = "demands",
    responses((status = 200, body = EngagementView), (status = 403), (status = 404)))]
pub async fn start(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<Json<EngagementView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (e, side) = side(&app, lang, &me, raw).await?;
    if side != Side::Provider {
        return Err(forbidden(lang));
    }
    let internal = |e| ApiError::internal(lang, e);
    app.store.start(e.id, me.account_id).await.map_err(internal)?;
    Ok(Json(view(engagement(&app, lang, e.id).await?)))
}

/// Mark the work done for the caller's side.
#[utoipa::path(post, path = "/api/v1/engagements/{id}/complete", tag = "demands",
    responses((status = 200, body = EngagementView), (status = 403), (status = 404)))]
pub async fn complete(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<Json<EngagementView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (e, side) = side(&app, lang, &me, raw).await?;
    let internal = |e| ApiError::internal(lang, e);
    app.store.mark_done(e.id, side, me.account_id).await.map_err(internal)?;
    Ok(Json(view(engagement(&app, lang, e.id).await?)))
}

/// Rate the other side, once, after completion.
#[utoipa::path(post, path = "/api/v1/engagements/{id}/ratings", tag = "demands", request_body = RatingBody,
    responses((status = 201), (status = 400), (status = 404), (status = 409)))]
pub async fn rate(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (e, side) = side(&app, lang, &me, raw).await?;
    let b: RatingBody = super::accounts::read(lang, &body)?;
    if !(1..=5).contains(&b.score) {
        return Err(ApiError::bad(lang, "invalid_value", "score", msg!("whole_range", "score", 1, 5)));
    }
    if b.comment.chars().count() > MAX_COMMENT {
        return Err(ApiError::bad(lang, "too_long", "comment", msg!("text_too_long", "comment", MAX_COMMENT)));
    }
    let conflict = |code: &'static str, msg: Msg| ApiError::new(StatusCode::CONFLICT, code, lang, msg);
    if e.state != "completed" {
        return Err(conflict("not_completed", msg!("rate_after_completion")));
    }
    let (by, of) = match side {
        Side::Buyer => (e.buyer_org_id, e.provider_org_id),
        Side::Provider => (e.provider_org_id, e.buyer_org_id),
    };
    let rated = app
        .store
        .rate(e.id, by, of, b.score, b.comment.trim(), me.account_id)
        .await
        .map_err(|e| ApiError::internal(lang, e))?;
    if !rated {
        return Err(conflict("already_rated", msg!("already_rated")));
    }
    Ok(StatusCode::CREATED.into_response())
}
