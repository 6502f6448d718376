//! Webhook subscriptions: `/api/v1/webhooks`. An account (signed in, or a token with the
//! `write` scope for changes) subscribes a URL to the change feed's types, gets a secret
//! once, and can list, pause, resume, edit, rotate the secret (the old one signs too for
//! 24 hours), send a test event, read the delivery log and redeliver. A subscription is
//! its owner's alone: anyone else's id is 404.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::{Lang, msg};
use wujin_store::webhooks::{Delivery, HookEdit, HookState, HookWrite, Webhook};

use super::AppState;
use super::auth::{Caller, caller, writer};
use super::changes::TYPES;
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::rfc3339;
use crate::webhooks::address::{UrlProblem, check_url};
use crate::webhooks::signature::new_secret;
use crate::webhooks::worker::test_body;

/// The most subscriptions one account keeps.
pub const MAX_PER_ACCOUNT: usize = 10;
/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries are POSTed: http or https, at most 2,000 characters, not an internal
    /// address.
    pub url: String,
    /// The feed's types to deliver (org, offer, demand); all when absent.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// Start after this feed sequence (e.g. an export's `wujin-feed-seq`); now when absent.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub since: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEdit {
    pub url: Option<String>,
    pub types: Option<Vec<String>>,
    /// `active` (also resumes a disabled subscription where it stopped) or `paused`.
    pub state: Option<String>,
    /// The revision the edit was made against (or send `If-Match`).
    pub revision: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub revision: i64,
    pub url: String,
    pub types: Vec<String>,
    /// active, paused or disabled.
    pub state: String,
    /// Why the platform disabled it: `gone` (the receiver answered 410), `failing` (three
    /// days without a delivery) or `behind_retention` (paused past the feed's retention).
    pub disabled_reason: Option<String>,
    /// The last feed sequence read into deliveries.
    pub cursor: i64,
    /// Ordered deliveries made so far; each delivery's body carries its own number.
    pub counter: i64,
    /// Until when the previous secret also signs (RFC 3339), during a rotation.
    pub previous_secret_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// The signing secret (`whsec_…`), shown this once.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    pub webhook: WebhookView,
    /// The new secret, shown this once; the previous one signs too until
    /// `webhook.previous_secret_until`.
    pub secret: String,
}

/// What a delivery POSTs (Standard Webhooks' envelope). Headers: `webhook-id` (the same on
/// every attempt), `webhook-timestamp` (seconds), `webhook-signature` (`v1,<base64>`, one
/// per valid secret, space-separated).
#[derive(Serialize, ToSchema)]
pub struct WebhookPayload {
    /// `<type>.<op>` of the change (`offer.update`, `demand.create` …), or `webhook.test`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change was written (RFC 3339).
    pub timestamp: String,
    pub subscription_id: i64,
    /// The subscription's delivery number: 1, 2, 3 … without gaps (a jump means one was
    /// missed: read it from the feed by `data.seq`). Null for a test event; a redelivery
    /// sends the original body, counter and all.
    pub counter: Option<i64>,
    /// The change as `GET /api/v1/changes` shows it to the subscription's owner.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub at: String,
    /// The receiver's status code, if it answered.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` header, the same on every attempt and redelivery.
    pub msg_id: String,
    /// The subscription's counter; null for a test event or a redelivery.
    pub counter: Option<i64>,
    /// The feed sequence it carries; null for a test event.
    pub seq: Option<i64>,
    /// e.g. `offer.update`, `webhook.test`.
    pub event: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// The body as sent.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// The attempts, oldest first (in a delivery's own GET; empty in the list).
    pub log: Vec<AttemptView>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

pub fn view(h: &Webhook) -> WebhookView {
    WebhookView {
        id: h.id,
        revision: h.revision,
        url: h.url.clone(),
        types: h.types.clone(),
        state: h.state.code().to_string(),
        disabled_reason: h.disabled_reason.clone(),
        cursor: h.cursor,
        counter: h.counter,
        previous_secret_until: h
            .previous
            .as_ref()
            .filter(|(_, u)| *u > wujin_store::now_ms())
            .map(|(_, u)| rfc3339(*u)),
        created_at: rfc3339(h.created_at),
        updated_at: rfc3339(h.updated_at),
    }
}

fn delivery_view(d: Delivery, log: Vec<wujin_store::webhooks::Attempt>) -> DeliveryView {
    let pending = d.state == wujin_store::webhooks::DeliveryState::Pending;
    DeliveryView {
        id: d.id,
        msg_id: d.msg_id,
        counter: d.counter,
        seq: d.seq,
        event: d.event,
        state: d.state.code().to_string(),
        attempts: d.attempts,
        created_at: rfc3339(d.created_at),
        next_attempt_at: pending.then(|| rfc3339(d.next_at)),
        last_status: d.last_status,
        last_error: d.last_error,
        body: serde_json::from_str(&d.body).unwrap_or(serde_json::Value::Null),
        log: log
            .into_iter()
            .map(|a| AttemptView { at: rfc3339(a.at), status: a.status, error: a.error, duration_ms: a.duration_ms })
            .collect(),
    }
}

fn bad(lang: Lang, code: &'static str, field: &str, m: wujin_domain::messages::Msg) -> ApiError {
    ApiError::bad(lang, code, field, m)
}

fn url(app: &AppState, lang: Lang, url: &str) -> Result<String, ApiError> {
    let url = url.trim();
    match check_url(url, app.webhook_allow_private) {
        Ok(u) => Ok(u.to_string()),
        Err(UrlProblem::Malformed) => Err(bad(lang, "invalid_url", "url", msg!("webhook_url_form"))),
        Err(UrlProblem::Credentials) => Err(bad(lang, "invalid_url", "url", msg!("webhook_url_credentials"))),
        Err(UrlProblem::Internal(ip)) => {
            Err(bad(lang, "internal_address", "url", msg!("webhook_url_internal", ip.to_string())))
        }
    }
}

fn types(lang: Lang, given: Option<&[String]>) -> Result<Vec<String>, ApiError> {
    let Some(given) = given else { return Ok(TYPES.iter().map(|t| t.to_string()).collect()) };
    let mut out: Vec<String> = vec![];
    for t in given {
        if !TYPES.contains(&t.as_str()) {
            let shown: String = t.chars().take(40).collect();
            return Err(bad(lang, "unknown_value", "types", msg!("feed_unknown_type", shown, TYPES.join(", "))));
        }
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    if out.is_empty() {
        return Err(bad(lang, "required", "types", msg!("webhook_types_required", TYPES.join(", "))));
    }
    Ok(out)
}

/// The caller's subscription `id`, or 404.
async fn mine(app: &AppState, lang: Lang, me: &Caller, id: i64) -> Result<Webhook, ApiError> {
    match app.store.webhook(id).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(h) if h.account_id == me.account_id => Ok(h),
        _ => Err(ApiError::not_found(lang)),
    }
}

/// Subscribe a URL to changes.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    description = "Deliveries are POSTed as JSON with the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the secret's base64 key; during a rotation two signatures, space-separated). The body is `{type, timestamp, subscription_id, counter, data}`, where `data` is the change as `GET /api/v1/changes` shows it to the subscription's owner and `counter` numbers the subscription's deliveries without gaps. Each subscription gets its deliveries in feed order, at least once: a failed delivery is retried after 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h, and holds back the later ones; an answer of 410, or three days of failure, disables the subscription and tells its owner in the inbox.",
    responses((status = 201, body = CreatedWebhook), (status = 400), (status = 401), (status = 403), (status = 409), (status = 415)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let req: NewWebhook = super::body::read_json(lang, &body)?;
    let url = url(&app, lang, &req.url)?;
    let types = types(lang, req.types.as_deref())?;
    let internal = |e| ApiError::internal(lang, e);
    let floor = app.store.outbox_floor().await.map_err(internal)?;
    let head = app.store.outbox_max_seq().await.map_err(internal)?;
    let cursor = match req.since {
        None => head,
        Some(s) if (floor..=head).contains(&s) => s,
        Some(s) if s > head => {
            return Err(bad(lang, "invalid_value", "since", msg!("whole_range", "since", floor, head)));
        }
        Some(s) => {
            return Err(ApiError {
                field: Some("since".into()),
                ..ApiError::new(StatusCode::GONE, "gone", lang, msg!("feed_gone", s, floor))
            });
        }
    };
    if app.store.webhooks_of(me.account_id).await.map_err(internal)?.len() >= MAX_PER_ACCOUNT {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_webhooks",
            lang,
            msg!("webhooks_too_many", MAX_PER_ACCOUNT),
        ));
    }
    let secret = new_secret();
    let tag = if lang == Lang::En { "en" } else { "zh-CN" };
    let h = app.store.create_webhook(me.account_id, &url, &types, tag, &secret, cursor).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(CreatedWebhook { webhook: view(&h), secret })).into_response())
}

/// The caller's subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<WebhookList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let hooks = app.store.webhooks_of(me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(WebhookList { items: hooks.iter().map(view).collect(), next_cursor: None }))
}

/// One of the caller's subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = WebhookView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<WebhookView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    Ok(Json(view(&mine(&app, lang, &me, id).await?)))
}

/// Change a subscription's URL or types, pause it, or make it active again.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookEdit,
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = WebhookView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 415)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<WebhookView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    mine(&app, lang, &me, id).await?;
    let req: WebhookEdit = super::body::read_json(lang, &body)?;
    let state = match req.state.as_deref() {
        None => None,
        Some("active") => Some(HookState::Active),
        Some("paused") => Some(HookState::Paused),
        Some(other) => return Err(super::unknown(lang, "state", other)),
    };
    let revision = match (req.revision, headers.contains_key(axum::http::header::IF_MATCH)) {
        (None, false) => None,
        _ => Some(super::revision(lang, &headers, req.revision)?),
    };
    let edit = HookEdit {
        url: req.url.as_deref().map(|u| url(&app, lang, u)).transpose()?,
        types: req.types.as_deref().map(|t| types(lang, Some(t))).transpose()?,
        state,
        revision,
    };
    match app.store.edit_webhook(id, &edit, me.account_id).await.map_err(|e| ApiError::internal(lang, e))? {
        HookWrite::Done(h) => Ok(Json(view(&h))),
        HookWrite::Missing => Err(ApiError::not_found(lang)),
        HookWrite::Stale { .. } => Err(ApiError {
            field: Some("revision".into()),
            ..ApiError::new(StatusCode::CONFLICT, "revision_conflict", lang, msg!("webhook_changed"))
        }),
    }
}

/// Delete a subscription and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    mine(&app, lang, &me, id).await?;
    app.store.delete_webhook(id, me.account_id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret; the previous one signs too for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/secret", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = RotatedSecret), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn rotate(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<RotatedSecret>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    mine(&app, lang, &me, id).await?;
    let internal = |e| ApiError::internal(lang, e);
    let secret = new_secret();
    let until = wujin_store::now_ms() + ROTATION_OVERLAP_MS;
    app.store.rotate_webhook_secret(id, &secret, until, me.account_id).await.map_err(internal)?;
    let h = mine(&app, lang, &me, id).await?;
    Ok(Json(RotatedSecret { webhook: view(&h), secret }))
}

/// Send a test event now (beside the ordered queue; it does not count).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 202, body = DeliveryView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn test(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let h = mine(&app, lang, &me, id).await?;
    let nonce = super::accounts::random_token(9).map_err(|e| ApiError::internal(lang, e))?;
    let msg_id = format!("msg_wujin_{}_test_{nonce}", h.id);
    let body = test_body(&h, wujin_store::now_ms()).to_string();
    let d =
        app.store.enqueue_side(h.id, &msg_id, "webhook.test", &body).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok((StatusCode::ACCEPTED, Json(delivery_view(d, vec![]))).into_response())
}

/// A subscription's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = DeliveryList), (status = 400), (status = 401), (status = 404)))]
pub async fn deliveries(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: super::params::Params,
) -> Result<Json<DeliveryList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    mine(&app, lang, &me, id).await?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let rows = app.store.deliveries(id, before, limit + 1).await.map_err(|e| ApiError::internal(lang, e))?;
    let more = rows.len() as i64 > limit;
    let items: Vec<DeliveryView> = rows.into_iter().take(limit as usize).map(|d| delivery_view(d, vec![])).collect();
    let next_cursor = if more { items.last().map(|d| super::page::encode_cursor(d.id)) } else { None };
    Ok(Json(DeliveryList { items, next_cursor }))
}

/// One delivery with its attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1), ("delivery_id" = i64, Path, minimum = 1)),
    responses((status = 200, body = DeliveryView), (status = 400), (status = 401), (status = 404)))]
pub async fn delivery(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ids: super::RawPath,
) -> Result<Json<DeliveryView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let d = one_delivery(&app, lang, &me, ids).await?;
    let log = app.store.attempts(d.id).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(delivery_view(d, log)))
}

async fn one_delivery(app: &AppState, lang: Lang, me: &Caller, ids: super::RawPath) -> Result<Delivery, ApiError> {
    let ids = super::parse_ids(lang, ids)?;
    let &[hook, delivery] = ids.as_slice().try_into().map_err(|_| ApiError::not_found(lang))?;
    let h = mine(app, lang, me, hook).await?;
    match app.store.delivery(delivery).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(d) if d.webhook_id == h.id => Ok(d),
        _ => Err(ApiError::not_found(lang)),
    }
}

/// Send a delivery again (same `webhook-id` and body), beside the ordered queue.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1), ("delivery_id" = i64, Path, minimum = 1)),
    responses((status = 202, body = DeliveryView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn redeliver(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ids: super::RawPath,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let d = one_delivery(&app, lang, &me, ids).await?;
    let again = app.store.redeliver(d.id).await.map_err(|e| ApiError::internal(lang, e))?;
    let again = again.ok_or_else(|| ApiError::not_found(lang))?;
    Ok((StatusCode::ACCEPTED, Json(delivery_view(again, vec![]))).into_response())
}
