//! `GET /api/v1/audit?org_id=N`: the audit log of one organisation, for its owners and
//! admins: every change to its demands and responses, and every time its sealed responses
//! were opened (by whom and when).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::{caller, forbidden};
use super::error::ApiError;
use super::lang::ReqLang;
use wujin_domain::msg;

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Epoch milliseconds.
    pub at: i64,
    /// Who: `account:N`, or `clock` for the deadline.
    pub actor: String,
    /// create, edit, publish, cancel, close, invite, respond, revise, withdraw, read, award,
    /// start, complete, rate, follow.
    pub action: String,
    /// demand, response or engagement.
    pub entity: String,
    pub entity_id: Option<i64>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// An organisation's audit log (its owners and admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "demands",
    params(("org_id" = i64, Query, description = "the organisation"),
        ("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = AuditPage), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<AuditPage>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let raw = p.get("org_id").ok_or_else(|| ApiError::bad(lang, "required", "org_id", msg!("org_id_required")))?;
    let org = raw.trim().parse::<i64>().map_err(|_| super::unknown(lang, "org_id", raw))?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.role_of(me.account_id, org).await.map_err(internal)? {
        Some(r) if r.may_act() => {}
        _ => return Err(forbidden(lang)),
    }
    let rows = app.store.audit_of(org, before, limit + 1).await.map_err(internal)?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            detail: r.detail,
        })
        .collect();
    let next_cursor = if more { items.last().map(|i| super::page::encode_cursor(i.id)) } else { None };
    Ok(Json(AuditPage { items, next_cursor }))
}
