//! `GET /api/v1/inbox`: what the caller's organisations should know (invitations, responses
//! unsealed at the deadline, awards, work marked done, ratings), newest first, with the count
//! unread; `POST /api/v1/inbox/{id}/read` marks one read. Items never carry sealed content.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::{caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;

#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    pub id: i64,
    /// The organisation the item is for.
    pub org_id: i64,
    /// invitation, unsealed, awarded, not_awarded, cancelled, completed, rated.
    pub kind: String,
    pub demand_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// What the item is about (the demand's title, how many responses, a score).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The item in the request's language.
    pub text: String,
    /// Epoch milliseconds.
    pub at: i64,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
    pub unread: i64,
}

/// One line for an item, in the request's language, from the pages' message catalogue.
fn text(lang: wujin_domain::Lang, kind: &str, d: &serde_json::Value) -> String {
    let title = d["title"].as_str().unwrap_or("").to_string();
    // A cancellation says why, in the words of the reader's language, and the buyer's note.
    if let Some(reason) = d["reason_code"].as_str().and_then(wujin_domain::demand::CancelReason::from_code) {
        let words = wujin_domain::messages::domain()
            .render(lang, &wujin_domain::messages::Msg { key: reason.key(), args: vec![] });
        let note = match d["reason_text"].as_str() {
            Some(n) => crate::pages::catalogue::text(lang, "inbox_cancel_note", &[n.to_string()]),
            None => String::new(),
        };
        return crate::pages::catalogue::text(lang, "inbox_cancelled_reason", &[title, words, note]);
    }
    let args = match kind {
        "unsealed" => vec![title, d["responses"].to_string()],
        "rated" => vec![d["score"].to_string()],
        _ => vec![title],
    };
    crate::pages::catalogue::text(lang, &format!("inbox_{kind}"), &args)
}

/// The inbox of the caller's organisations.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "demands",
    params(("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Inbox), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<Inbox>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let internal = |e| ApiError::internal(lang, e);
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let rows = app.store.inbox(&orgs, before, limit + 1).await.map_err(internal)?;
    let more = rows.len() as i64 > limit;
    let items: Vec<InboxItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|i| InboxItem {
            text: text(lang, &i.kind, &i.detail),
            id: i.id,
            org_id: i.org_id,
            kind: i.kind,
            demand_id: i.demand_id,
            engagement_id: i.engagement_id,
            detail: i.detail,
            at: i.at,
            read: i.read,
        })
        .collect();
    let next_cursor = if more { items.last().map(|i| super::page::encode_cursor(i.id)) } else { None };
    let unread = app.store.unread(&orgs).await.map_err(internal)?;
    Ok(Json(Inbox { items, next_cursor, unread }))
}

/// Mark an item read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "demands",
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn read(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, raw)?;
    let internal = |e| ApiError::internal(lang, e);
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    if app.store.mark_read(id, &orgs).await.map_err(internal)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(lang))
    }
}
