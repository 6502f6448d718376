//! The people of an organisation: its members list them (`GET /api/v1/orgs/{id}/members`);
//! its owners add a registered person with a role or change it (`POST …/members`) and
//! remove people (`DELETE …/members/{account_id}`), never the last owner. To anybody who
//! is not a member the list does not exist (404, as API.md asks).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::account::{Login, Role};
use wujin_domain::{OrgKind, msg};
use wujin_store::memberships::Removed;

use super::auth::{caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::{AppState, RawPath, parse_ids as ids};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The person's login (email or mobile); they must have registered.
    pub login: String,
    /// owner, admin or member.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub account_id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberView>,
    pub next_cursor: Option<String>,
}

/// The people of an organisation (its members only).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/members", tag = "accounts", responses((status = 200, body = MemberList), (status = 401), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
) -> Result<Json<MemberList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org = ids(lang, raw)?[0];
    let internal = |e| ApiError::internal(lang, e);
    if app.store.role_of(me.account_id, org).await.map_err(internal)?.is_none() {
        return Err(ApiError::not_found(lang));
    }
    let members = app.store.members(org).await.map_err(internal)?;
    Ok(Json(MemberList {
        items: members
            .into_iter()
            .map(|m| MemberView {
                account_id: m.account_id,
                login: m.login,
                name: m.name,
                role: m.role.code().to_string(),
            })
            .collect(),
        next_cursor: None,
    }))
}

/// Add a registered person to the organisation, or change their role (owners only).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/members", tag = "accounts", request_body = NewMember,
    responses((status = 204), (status = 400), (status = 403), (status = 404), (status = 422)))]
pub async fn set(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let org = ids(lang, raw)?[0];
    let internal = |e| ApiError::internal(lang, e);
    match app.store.role_of(me.account_id, org).await.map_err(internal)? {
        None => return Err(ApiError::not_found(lang)),
        Some(r) if !r.may_manage_people() => return Err(forbidden(lang)),
        Some(_) => {}
    }
    let req: NewMember = super::accounts::read(lang, &body)?;
    let role = Role::from_code(req.role.trim()).ok_or_else(|| super::unknown(lang, "role", &req.role))?;
    let login = Login::parse(&req.login).map_err(|e| super::accounts::field_error(lang, e))?;
    let Some(account) = app.store.account_by_login(login.as_str()).await.map_err(internal)? else {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "unknown_account", "login", msg!("member_not_registered"))
        });
    };
    // A department's members are officers: it speaks for the office.
    let department = app.store.org(org).await.map_err(internal)?.is_some_and(|o| o.record.kind == OrgKind::Government);
    if department && !app.store.is_officer(account.id).await.map_err(internal)? {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "not_an_officer", "login", msg!("department_officers_only"))
        });
    }
    app.store.set_member(org, account.id, role, me.account_id).await.map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller, the organisation and the person of `/orgs/{id}/members/{account_id}`, when
/// the caller may manage the organisation's people (its owners); 404 to anybody who is
/// not a member, 403 to a member who is not an owner.
async fn owner_acting_on(
    app: &AppState,
    lang: wujin_domain::Lang,
    headers: &HeaderMap,
    raw: RawPath,
) -> Result<(super::auth::Caller, i64, i64), ApiError> {
    let me = writer(app, lang, headers).await?;
    let ids = ids(lang, raw)?;
    let (org, account) = (ids[0], ids.get(1).copied().unwrap_or(0));
    match app.store.role_of(me.account_id, org).await.map_err(|e| ApiError::internal(lang, e))? {
        None => Err(ApiError::not_found(lang)),
        Some(r) if !r.may_manage_people() => Err(forbidden(lang)),
        Some(_) => Ok((me, org, account)),
    }
}

/// Remove a person from the organisation (owners only; never the last owner).
#[utoipa::path(delete, path = "/api/v1/orgs/{id}/members/{account_id}", tag = "accounts",
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn remove(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
) -> Result<StatusCode, ApiError> {
    let (me, org, account) = owner_acting_on(&app, lang, &headers, raw).await?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.remove_member(org, account, me.account_id).await.map_err(internal)? {
        Removed::Removed => Ok(StatusCode::NO_CONTENT),
        Removed::NotMember => Err(ApiError::not_found(lang)),
        Removed::LastOwner => Err(ApiError::new(StatusCode::CONFLICT, "last_owner", lang, msg!("last_owner"))),
    }
}

#[derive(Serialize, ToSchema)]
pub struct OneTimePassword {
    /// Shown once: hand it to the person, who must choose their own at the next sign-in.
    pub one_time_password: String,
}

/// Letters and digits nobody misreads over the phone (no 0/o, 1/l/i).
const READABLE: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A one-time password of 12 readable characters (about 59 bits).
fn readable_password() -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(12);
    while out.len() < 12 {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b)?;
        // Only bytes below a multiple of the alphabet's size, so every character is as likely.
        let limit = (256 / READABLE.len() * READABLE.len()) as u8;
        out.extend(b.iter().filter(|&&x| x < limit).map(|&x| READABLE[x as usize % READABLE.len()] as char));
        out.truncate(12);
    }
    Ok(out)
}

/// Give a member a one-time password (owners only, for another member): every session of
/// that person ends, and they must choose their own password at the next sign-in. The
/// reset is audited.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/members/{account_id}/password", tag = "accounts",
    responses((status = 201, body = OneTimePassword), (status = 400), (status = 403), (status = 404)))]
pub async fn one_time_password(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: RawPath,
) -> Result<(StatusCode, Json<OneTimePassword>), ApiError> {
    let (me, org, account) = owner_acting_on(&app, lang, &headers, raw).await?;
    let internal = |e| ApiError::internal(lang, e);
    if app.store.role_of(account, org).await.map_err(internal)?.is_none() {
        return Err(ApiError::not_found(lang));
    }
    if account == me.account_id {
        return Err(ApiError::bad(lang, "invalid_value", "account_id", msg!("reset_own_password")));
    }
    let password = readable_password().map_err(|e| ApiError::internal(lang, e))?;
    let hash = super::accounts::hash_password(lang, password.clone()).await?;
    let by = format!("account:{}", me.account_id);
    app.store.reset_password(account, &hash, true, &by, Some(org)).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(OneTimePassword { one_time_password: password })))
}
