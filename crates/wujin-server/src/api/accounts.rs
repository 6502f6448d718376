//! Signing up, in and out: `POST /api/v1/accounts`, `POST /api/v1/sessions`,
//! `DELETE /api/v1/sessions/current`, `GET /api/v1/accounts/me`.
//!
//! A session is a random token in an HttpOnly, SameSite=Lax cookie; the store keeps only its
//! SHA-256. Each session has its own CSRF token, returned at sign-in, which a write made
//! with the cookie must send back in `x-csrf-token`. A wrong password and an unknown login
//! get the same answer after the same work (a password hash is always checked), and five
//! failures in a row lock the account for fifteen minutes without saying so, so nobody can
//! learn from the API whether an account exists.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::account::{Login, check_name, check_password};
use wujin_domain::{FieldError, Lang, OrgKind, OrgRecord, Uscc, msg};
use wujin_store::orgs::Registered;

use super::AppState;
use super::auth::{COOKIE_NAME, caller, not_signed_in, token_hash, writer};
use super::error::ApiError;
use super::lang::ReqLang;

/// A session without "remember me" lasts a working day; with it, thirty days.
const SHORT_MS: i64 = 12 * 3600 * 1000;
const LONG_MS: i64 = 30 * 24 * 3600 * 1000;
/// The longest firm name a registration takes.
const MAX_FIRM_NAME: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    /// An email address or an 11-digit mobile number.
    pub login: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub remember: bool,
    /// The firm the person acts for, by its unified social credit code. A firm the registry
    /// knows is claimed (a platform admin approves the claim); one it does not know is
    /// registered at once with the person as its owner, and then `firm` is needed.
    pub uscc: Option<String>,
    /// The firm's name, 1 to 100 characters, for a credit code the registry does not know.
    pub firm: Option<String>,
    /// The new firm's kind: `manufacturer` (default) or `service_provider`.
    pub kind: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub remember: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// The password was set by someone else (a one-time password from the firm's owner):
    /// choose a new one at `POST /api/v1/accounts/me/password` before anything else.
    pub must_change_password: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Signed {
    pub account: AccountView,
    /// Send it back in `x-csrf-token` with every write made with the session cookie.
    pub csrf_token: String,
    /// On registration with a new credit code: the firm registered, the person its owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<i64>,
    /// On registration with a known credit code: the claim waiting for a platform admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_id: Option<i64>,
}

/// What a registration did about the person's firm.
#[derive(Default)]
struct Firm {
    org_id: Option<i64>,
    claim_id: Option<i64>,
}

pub fn field_error(lang: Lang, e: FieldError) -> ApiError {
    let message = e.message(lang).to_string();
    ApiError { status: StatusCode::BAD_REQUEST, code: e.code, message, field: Some(e.field.to_string()) }
}

/// The first rule a row-shaped body broke, with the row's column renamed to the API's field
/// where they differ (`price_min` is the API's `price_min_fen`).
pub fn row_refused(lang: Lang, errs: Vec<FieldError>, renamed: &[(&'static str, &'static str)]) -> ApiError {
    let mut e = errs.into_iter().next().expect("a refused row names a cell");
    if let Some((_, api)) = renamed.iter().find(|(column, _)| *column == e.field) {
        e.field = api;
    }
    field_error(lang, e)
}

pub fn read<T: serde::de::DeserializeOwned>(lang: Lang, body: &[u8]) -> Result<T, ApiError> {
    super::body::read_json(lang, body)
}

pub fn random_token(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// An argon2 hash of `password` with a fresh salt (tens of milliseconds: call it off the
/// async threads).
pub fn hash_password_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
}

pub async fn hash_password(lang: Lang, password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .map_err(|e| ApiError::internal(lang, e))
}

/// Checks a password against a stored hash, or against a fixed one when there is no
/// account, so both cases cost the same.
pub async fn verify(lang: Lang, password: String, stored: Option<String>) -> Result<bool, ApiError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(b"no such account", &salt).map(|h| h.to_string()).unwrap_or_default()
        })
        .clone();
    let real = stored.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = stored.unwrap_or(dummy);
        let ok =
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && real
    })
    .await
    .map_err(|e| ApiError::internal(lang, e))
}

/// Starts a session for `account_id`: the Set-Cookie value and the session's CSRF token.
pub async fn new_session(app: &AppState, account_id: i64, remember: bool) -> Result<(String, String), String> {
    let token = random_token(32).map_err(|e| e.to_string())?;
    let csrf = random_token(24).map_err(|e| e.to_string())?;
    let ttl = if remember { LONG_MS } else { SHORT_MS };
    app.store
        .create_session(account_id, &token_hash(&token), &csrf, wujin_store::now_ms() + ttl)
        .await
        .map_err(|e| e.to_string())?;
    let max_age = if remember { format!("; Max-Age={}", LONG_MS / 1000) } else { String::new() };
    Ok((format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/{max_age}"), csrf))
}

async fn start_session(
    app: &AppState,
    lang: Lang,
    account: AccountView,
    remember: bool,
    status: StatusCode,
) -> Result<Response, ApiError> {
    start_session_for(app, lang, account, remember, status, Firm::default()).await
}

async fn start_session_for(
    app: &AppState,
    lang: Lang,
    account: AccountView,
    remember: bool,
    status: StatusCode,
    firm: Firm,
) -> Result<Response, ApiError> {
    let (cookie, csrf) = new_session(app, account.id, remember).await.map_err(|e| ApiError::internal(lang, e))?;
    let signed = Signed { account, csrf_token: csrf, org_id: firm.org_id, claim_id: firm.claim_id };
    let mut resp = (status, Json(signed)).into_response();
    resp.headers_mut().insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(lang, e))?);
    Ok(resp)
}

fn bad_credentials(lang: Lang) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", lang, msg!("credentials_wrong"))
}

/// Register a person; they are signed in at once.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUp,
    responses((status = 201, body = Signed), (status = 400), (status = 409), (status = 422)))]
pub async fn sign_up(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(limited) = limited(&app, lang, &extensions, &headers) {
        return Ok(limited);
    }
    let req: SignUp = read(lang, &body)?;
    let login = Login::parse(&req.login).map_err(|e| field_error(lang, e))?;
    let name = check_name(&req.name).map_err(|e| field_error(lang, e))?;
    check_password(&req.password).map_err(|e| field_error(lang, e))?;
    let internal = |e| ApiError::internal(lang, e);
    let taken = || ApiError {
        status: StatusCode::CONFLICT,
        ..ApiError::bad(lang, "login_taken", "login", msg!("login_registered"))
    };
    // The firm, when one is named: checked in full before anything is written.
    let firm = match req.uscc.as_deref() {
        None => None,
        Some(raw) => {
            let uscc = Uscc::parse(&wujin_domain::text::fold(raw.trim()).to_uppercase())
                .map_err(|e| field_error(lang, FieldError::new("uscc", raw, "invalid_uscc", e.msg())))?;
            let known = app.store.org_ids_by_uscc(&[uscc.to_string()]).await.map_err(internal)?;
            match known.get(uscc.as_str()) {
                Some((org, _)) => Some(Err(*org)),
                None => Some(Ok(new_firm(lang, uscc, &req)?)),
            }
        }
    };
    let hash = hash_password(lang, req.password).await?;
    let (id, done) = match firm {
        // No firm, or one the registry knows: the account, then the claim.
        None | Some(Err(_)) => {
            let id =
                app.store.create_account(login.as_str(), &name, &hash).await.map_err(internal)?.ok_or_else(taken)?;
            let claim_id = match firm {
                Some(Err(org)) => app.store.create_claim(id, org).await.map_err(internal)?.map(|c| c.id),
                _ => None,
            };
            (id, Firm { org_id: None, claim_id })
        }
        // A new firm: the account, the firm and the ownership in one transaction.
        Some(Ok(record)) => {
            match app.store.register_firm(login.as_str(), &name, &hash, &record).await.map_err(internal)? {
                Registered::Done { account_id, org_id } => (account_id, Firm { org_id: Some(org_id), claim_id: None }),
                Registered::LoginTaken => return Err(taken()),
                Registered::OrgExists(_) => {
                    return Err(ApiError {
                        status: StatusCode::CONFLICT,
                        ..ApiError::bad(lang, "org_exists", "uscc", msg!("firm_exists"))
                    });
                }
            }
        }
    };
    let account = AccountView { id, login: login.as_str().to_string(), name, must_change_password: false };
    start_session_for(&app, lang, account, req.remember, StatusCode::CREATED, done).await
}

/// The firm a registration names by a credit code the registry does not know yet.
fn new_firm(lang: Lang, uscc: Uscc, req: &SignUp) -> Result<OrgRecord, ApiError> {
    let name = req.firm.as_deref().unwrap_or("").trim();
    if name.is_empty() || name.chars().count() > MAX_FIRM_NAME {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "required", "firm", msg!("firm_name_needed", MAX_FIRM_NAME))
        });
    }
    let kind = match req.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => OrgKind::Manufacturer,
        Some(k) => OrgKind::from_code(k).ok_or_else(|| super::unknown(lang, "kind", k))?,
    };
    super::departments::not_government(lang, kind)?;
    Ok(OrgRecord {
        uscc,
        name: name.to_string(),
        name_en: None,
        kind,
        town: None,
        sectors: vec![],
        chain: vec![],
        size_class: None,
        founded_year: None,
        employees: None,
        revenue_band: None,
        certificates: vec![],
        contact: Default::default(),
    })
}

/// A 429 with `Retry-After` when the client's address has used its sign-in (and sign-up)
/// attempts; None when it may go on. The address is absent only when the router is called
/// in-process.
fn limited(app: &AppState, lang: Lang, extensions: &axum::http::Extensions, headers: &HeaderMap) -> Option<Response> {
    let wait = app.sign_in_limit.check_request(extensions, headers).err()?;
    let secs = wait.as_secs().max(1);
    let mut resp =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", lang, msg!("sign_in_limited", secs))
            .into_response();
    resp.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
    Some(resp)
}

/// Sign in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "accounts", request_body = SignIn,
    responses((status = 200, body = Signed), (status = 401), (status = 422)))]
pub async fn sign_in(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(limited) = limited(&app, lang, &extensions, &headers) {
        return Ok(limited);
    }
    let req: SignIn = read(lang, &body)?;
    // A login that cannot exist is checked like one that does not.
    let account = match Login::parse(&req.login) {
        Ok(login) => app.store.account_by_login(login.as_str()).await.map_err(|e| ApiError::internal(lang, e))?,
        Err(_) => None,
    };
    let ok = verify(lang, req.password, account.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(account) = account else { return Err(bad_credentials(lang)) };
    let locked = account.locked_until > wujin_store::now_ms();
    if !ok || locked {
        if !locked {
            app.store.sign_in_failed(account.id).await.map_err(|e| ApiError::internal(lang, e))?;
        }
        return Err(bad_credentials(lang));
    }
    let view = AccountView {
        id: account.id,
        login: account.login,
        name: account.name,
        must_change_password: account.must_change_password,
    };
    start_session(&app, lang, view, req.remember, StatusCode::OK).await
}

/// Sign out (needs the CSRF token).
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "accounts",
    responses((status = 204), (status = 401), (status = 403)))]
pub async fn sign_out(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    writer(&app, lang, &headers).await?;
    // Signing out ends a browser session; a token is revoked at /api/v1/tokens/{id}.
    let token = super::auth::session_token(&headers).ok_or_else(|| super::auth::not_signed_in(lang))?;
    app.store.delete_session(&token_hash(&token)).await.map_err(|e| ApiError::internal(lang, e))?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let gone = format!("{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    resp.headers_mut().insert(SET_COOKIE, HeaderValue::from_str(&gone).map_err(|e| ApiError::internal(lang, e))?);
    Ok(resp)
}

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub org_id: i64,
    pub org_name: String,
    /// owner, admin or member.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub account: AccountView,
    pub platform_admin: bool,
    /// An officer of the pilot office (reads aggregates).
    pub officer: bool,
    pub memberships: Vec<MembershipView>,
}

/// Who is signed in, and for which organisations they act.
#[utoipa::path(get, path = "/api/v1/accounts/me", tag = "accounts", responses((status = 200, body = Me), (status = 401)))]
pub async fn me(State(app): State<AppState>, ReqLang(lang): ReqLang, headers: HeaderMap) -> Result<Json<Me>, ApiError> {
    let s = caller(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    let memberships = app.store.memberships(s.account_id).await.map_err(internal)?;
    let platform_admin = app.store.is_platform_admin(s.account_id).await.map_err(internal)?;
    let officer = app.store.is_officer(s.account_id).await.map_err(internal)?;
    let must = app.store.account_by_login(&s.login).await.map_err(internal)?.is_some_and(|a| a.must_change_password);
    Ok(Json(Me {
        account: AccountView { id: s.account_id, login: s.login, name: s.name, must_change_password: must },
        platform_admin,
        officer,
        memberships: memberships
            .into_iter()
            .map(|m| MembershipView { org_id: m.org_id, org_name: m.org_name, role: m.role.code().to_string() })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 8 to 128 characters.
    pub new_password: String,
}

/// Change one's password: the current one is required; every other session ends.
#[utoipa::path(post, path = "/api/v1/accounts/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 400), (status = 401), (status = 403)))]
pub async fn change_password(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let req: PasswordChange = read(lang, &body)?;
    let internal = |e| ApiError::internal(lang, e);
    let account = app.store.account_by_login(&me.login).await.map_err(internal)?.ok_or_else(|| not_signed_in(lang))?;
    if !verify(lang, req.current_password, Some(account.password_hash)).await? {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            ..ApiError::bad(lang, "wrong_password", "current_password", msg!("wrong_password"))
        });
    }
    check_password(&req.new_password)
        .map_err(|e| ApiError { field: Some("new_password".into()), ..field_error(lang, e) })?;
    let hash = hash_password(lang, req.new_password).await?;
    let keep = super::auth::session_token(&headers).map(|t| token_hash(&t));
    app.store.set_password(me.account_id, &hash, keep.as_deref()).await.map_err(internal)?;
    Ok(StatusCode::NO_CONTENT)
}
