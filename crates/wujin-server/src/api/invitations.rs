//! Inviting providers: `GET /api/v1/demands/{id}/suggestions` runs the matching engine on
//! the demand (its title and need as the text; its category or family, standards,
//! certificates, quantity and town as the filters) and answers like search, with the reasons
//! for each firm; `POST /api/v1/demands/{id}/invitations` invites some of them, and
//! `GET …/invitations` lists who was invited. Only the buyer's organisation sees any of it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::demand::{Moment, invitations_accepted};
use wujin_domain::{Lang, msg};
use wujin_store::demands::Demand;
use wujin_store::invitations::Invited;

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::demands::visible;
use super::error::ApiError;
use super::lang::ReqLang;
use super::matching::{Need, prepare};
use super::search::{SearchPage, answer};

/// The most organisations one call invites.
pub const MAX_INVITES: usize = 50;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// Organisations to invite (1 to 50); those invited before stay invited.
    #[schema(min_items = 1, max_items = 50)]
    pub org_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub org_id: i64,
    pub org_name: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationView>,
    /// The organisations this call invited (on POST).
    pub invited_now: Vec<i64>,
}

/// The demand, if the caller belongs to its buyer (with `act`: as an owner or admin).
async fn buyers(app: &AppState, lang: Lang, me: &Caller, raw: super::RawId, act: bool) -> Result<Demand, ApiError> {
    let id = super::parse_id(lang, raw)?;
    let (d, role) = visible(app, lang, me, id).await?;
    match role {
        None => Err(ApiError::not_found(lang)),
        Some(r) if act && !r.may_act() => Err(forbidden(lang)),
        Some(_) => Ok(d),
    }
}

async fn listed(app: &AppState, lang: Lang, d: &Demand, now: Vec<i64>) -> Result<InvitationList, ApiError> {
    let rows = app.store.invitations(d.id).await.map_err(|e| ApiError::internal(lang, e))?;
    let items = rows
        .into_iter()
        .map(|i| InvitationView { org_id: i.org_id, org_name: i.org_name, at: super::views::rfc3339(i.at) })
        .collect();
    Ok(InvitationList { items, invited_now: now })
}

/// Who was invited to the demand.
#[utoipa::path(get, path = "/api/v1/demands/{id}/invitations", tag = "demands",
    responses((status = 200, body = InvitationList), (status = 401), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<Json<InvitationList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let d = buyers(&app, lang, &me, raw, false).await?;
    Ok(Json(listed(&app, lang, &d, vec![]).await?))
}

/// Invite providers to respond (owners and admins of the buyer, while the demand is a draft
/// or open before its deadline). Each invited organisation finds it in its inbox.
#[utoipa::path(post, path = "/api/v1/demands/{id}/invitations", tag = "demands", request_body = InviteBody,
    responses((status = 201, body = InvitationList), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn invite(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let d = buyers(&app, lang, &me, raw, true).await?;
    let b: InviteBody = super::body::read_json(lang, &body)?;
    if b.org_ids.is_empty() || b.org_ids.len() > MAX_INVITES {
        return Err(ApiError::bad(lang, "invalid_value", "org_ids", msg!("invite_count", MAX_INVITES)));
    }
    if let Some(i) = b.org_ids.iter().position(|&o| o == d.org_id) {
        return Err(ApiError::bad(lang, "invalid_value", &format!("org_ids/{i}"), msg!("invite_self")));
    }
    let at = Moment { now_ms: wujin_store::now_ms(), deadline_ms: d.content.deadline_ms };
    invitations_accepted(d.state, at).map_err(|r| super::demands::refused(lang, r))?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.invite(d.id, &b.org_ids, me.account_id).await.map_err(internal)? {
        Invited::NoSuchOrg(org) => {
            let i = b.org_ids.iter().position(|&o| o == org).unwrap_or(0);
            Err(ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ApiError::bad(lang, "unknown_org", &format!("org_ids/{i}"), msg!("no_such_org", org))
            })
        }
        Invited::Done(now) => Ok((StatusCode::CREATED, Json(listed(&app, lang, &d, now).await?)).into_response()),
    }
}

/// The providers wujin suggests for the demand, best first, each with why (members of the
/// buyer). The buyer's own organisation is left out.
#[utoipa::path(get, path = "/api/v1/demands/{id}/suggestions", tag = "demands",
    responses((status = 200, body = SearchPage), (status = 401), (status = 404), (status = 503)))]
pub async fn suggestions(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<Json<SearchPage>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let d = buyers(&app, lang, &me, raw, false).await?;
    let c = &d.content;
    // The search reads at most 500 characters of text; the title and the start of the need
    // carry what matters.
    let text: String = format!("{} {}", c.title, c.need).chars().take(500).collect();
    let need = Need {
        text,
        category: c.category.clone(),
        family: c.family.clone(),
        standards: c.standards.clone(),
        certificates: c.certificates.clone(),
        quantity: c.quantity.filter(|q| *q > 0),
        town: c.town.clone(),
        limit: Some(21),
        ..Need::default()
    };
    let library = super::search::library_for(&app, lang, !need.standards.is_empty()).await?;
    let mut page = answer(&app, lang, prepare(lang, &need, &library)?, "suggest").await?;
    page.items.retain(|i| i.org.id != d.org_id);
    page.items.truncate(20);
    page.next_cursor = None;
    Ok(Json(page))
}
