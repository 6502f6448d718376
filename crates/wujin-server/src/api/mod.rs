//! The JSON API under `/api/v1`, in the one shape of `shared/API.md`: lists with `items`,
//! `next_cursor` and `total`; errors with `code`, `message` and `field`; codes with display
//! names in the request's language. Handlers are thin: read parameters, call the store,
//! render a view.

pub mod accounts;
pub mod accreditations;
pub mod audit;
pub mod auth;
pub mod body;
pub mod chain;
pub mod changes;
pub mod claims;
pub mod contract;
pub mod declarations;
pub mod demands;
pub mod departments;
pub mod engagements;
pub mod error;
pub mod export;
pub mod gaps;
pub mod guard;
pub mod idle;
pub mod inbox;
pub mod invitations;
pub mod labs;
pub mod lang;
pub mod limits;
pub mod machines;
pub mod matching;
pub mod members;
pub mod offer_writes;
pub mod offers;
pub mod org_writes;
pub mod orgs;
pub mod overview;
pub mod page;
pub mod params;
pub mod pools;
pub mod prices;
pub mod problems;
pub mod reports;
pub mod responses;
pub mod search;
pub mod standards;
pub mod targets;
pub mod tasks;
pub mod ties;
pub mod tokens;
pub mod uploads;
pub mod views;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi, ToSchema};
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_match::MatchIndex;
use wujin_store::Store;

use error::ApiError;
use lang::ReqLang;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The search index; None until the server has one (tests of other routes).
    pub index: Option<Arc<MatchIndex>>,
    /// Whether the index has been built and caught up with the store since the server
    /// started; until then /healthz says it is catching up.
    pub index_ready: Arc<std::sync::atomic::AtomicBool>,
    /// Where searches are recorded; None where nobody reads them (tests of other routes).
    pub queries: Option<crate::querylog::QueryLog>,
    /// Sign-in attempts per client address.
    pub sign_in_limit: Arc<limits::SignInLimit>,
    /// Catalogue uploads checked and waiting for their confirm.
    pub uploads: Arc<crate::uploads::Uploads>,
    /// Whether webhooks may go to internal addresses (`--webhook-allow-private`).
    pub webhook_allow_private: bool,
    /// The bulk exports running now, by caller.
    pub exports: Arc<export::ExportSlots>,
    /// The supply graph the chain questions are answered from.
    pub chain: Arc<crate::chain::ChainView>,
    /// Firms' monthly reports as the office's tables read them, kept while nothing changes.
    pub structure: Arc<crate::structure::Cache>,
    /// The office's targets with their progress, kept while nothing changes.
    pub targets: Arc<crate::targets::ViewCache>,
}

impl AppState {
    /// The state of a server on `store` without a search index or a query log.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            index: None,
            index_ready: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            queries: None,
            sign_in_limit: Arc::default(),
            uploads: Arc::default(),
            webhook_allow_private: false,
            exports: Arc::default(),
            chain: Arc::default(),
            structure: Arc::default(),
            targets: Arc::default(),
        }
    }
}

/// The largest request body we read. Nothing in this API takes more than a form's worth.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wujin API",
        version = "1",
        description = "The registry of an industrial cluster's firms and offers. Errors: {\"error\": {\"code\", \"message\", \"field\"}}. Lists: limit 1..=100, opaque cursor."
    ),
    paths(
        orgs::list,
        orgs::get,
        offers::list,
        offers::get,
        search::search,
        matching::match_need,
        accounts::sign_up,
        accounts::sign_in,
        accounts::sign_out,
        accounts::me,
        accounts::change_password,
        claims::create,
        claims::pending,
        claims::approve,
        claims::reject,
        tokens::create,
        tokens::list,
        tokens::revoke,
        members::list,
        members::set,
        members::remove,
        members::one_time_password,
        demands::create,
        demands::get,
        demands::edit,
        demands::publish,
        demands::cancel,
        demands::award,
        demands::list,
        invitations::invite,
        invitations::list,
        invitations::suggestions,
        inbox::list,
        inbox::read,
        audit::list,
        overview::demands,
        overview::chain,
        offer_writes::create,
        offer_writes::edit,
        offer_writes::delete,
        uploads::upload,
        changes::list,
        export::orgs,
        export::offers,
        uploads::confirm,
        webhooks::create,
        webhooks::list,
        webhooks::get,
        webhooks::edit,
        webhooks::delete,
        webhooks::rotate,
        webhooks::test,
        webhooks::deliveries,
        webhooks::delivery,
        webhooks::redeliver,
        org_writes::edit,
        engagements::get,
        engagements::start,
        engagements::complete,
        engagements::rate,
        responses::create,
        responses::list,
        responses::revise,
        responses::withdraw,
        responses::history,
        ties::list,
        ties::declare,
        ties::confirm,
        ties::reject,
        ties::end,
        ties::reaffirm,
        ties::settings,
        ties::set_settings,
        chain::mine,
        chain::reach,
        chain::firm_outage,
        chain::office_outage,
        chain::single_source,
        reports::list,
        reports::get,
        reports::file,
        reports::structure,
        idle::capacity,
        standards::list,
        standards::get,
        standards::put,
        standards::impact,
        declarations::list,
        declarations::create,
        declarations::get,
        declarations::withdraw,
        declarations::file,
        labs::items,
        labs::add_item,
        labs::book,
        labs::list,
        labs::get,
        labs::confirm,
        labs::decline,
        labs::receive,
        labs::start,
        labs::cancel,
        labs::issue,
        labs::report,
        labs::declare,
        labs::rate,
        accreditations::submit,
        accreditations::of_org,
        accreditations::queue,
        accreditations::file,
        accreditations::verify,
        accreditations::reject,
        gaps::list,
        targets::list,
        targets::get,
        targets::create,
        targets::edit,
        targets::delete,
        tasks::list,
        tasks::get,
        tasks::create,
        tasks::edit,
        problems::list,
        problems::get,
        problems::create,
        problems::inspections,
        problems::inspection,
        problems::record_inspection,
        problems::add_measure,
        problems::add_evidence,
        problems::file,
        problems::submit,
        problems::close,
        problems::reopen,
        departments::list,
        departments::create,
        prices::list,
        prices::get,
        prices::create,
        prices::add_values,
        pools::list,
        pools::get,
        pools::create,
        pools::commit,
        pools::commitments,
        pools::cancel,
        pools::extend,
        machines::list,
        machines::get,
        machines::create,
        machines::maintenance,
        machines::book,
        machines::bookings,
        machines::confirm,
        machines::decline,
        machines::cancel,
        taxonomy,
        healthz
    ),
    components(schemas(Health, error::ErrorBody, webhooks::WebhookPayload, changes::ChangeView))
)]
pub struct ApiDoc;

pub fn router(store: Store) -> Router {
    router_with(AppState::new(store))
}

pub fn router_with(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/search", get(search::search))
        .route("/api/v1/changes", get(changes::list))
        .route("/api/v1/export/orgs", get(export::orgs))
        .route("/api/v1/export/offers", get(export::offers))
        .route("/api/v1/match", axum::routing::post(matching::match_need))
        .route("/api/v1/accounts", axum::routing::post(accounts::sign_up))
        .route("/api/v1/accounts/me", get(accounts::me))
        .route("/api/v1/accounts/me/password", axum::routing::post(accounts::change_password))
        .route("/api/v1/sessions", axum::routing::post(accounts::sign_in))
        .route("/api/v1/sessions/current", axum::routing::delete(accounts::sign_out))
        .route("/api/v1/claims", get(claims::pending).post(claims::create))
        .route("/api/v1/claims/{id}/approve", axum::routing::post(claims::approve))
        .route("/api/v1/claims/{id}/reject", axum::routing::post(claims::reject))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/api/v1/orgs/{id}/members", get(members::list).post(members::set))
        .route("/api/v1/orgs/{id}/ties", get(ties::list).post(ties::declare))
        .route("/api/v1/orgs/{id}/chain-settings", get(ties::settings).put(ties::set_settings))
        .route("/api/v1/orgs/{id}/chain", get(chain::mine))
        .route("/api/v1/orgs/{id}/chain/reach", get(chain::reach))
        .route("/api/v1/orgs/{id}/chain/outage", get(chain::firm_outage))
        .route("/api/v1/chain/outage", get(chain::office_outage))
        .route("/api/v1/chain/single-source", get(chain::single_source))
        .route("/api/v1/orgs/{id}/reports", get(reports::list))
        .route("/api/v1/orgs/{id}/reports/{month}", get(reports::get).put(reports::file))
        .route("/api/v1/overview/reports", get(reports::structure))
        .route("/api/v1/overview/capacity", get(idle::capacity))
        .route("/api/v1/standards", get(standards::list))
        .route("/api/v1/standards/{number}", get(standards::get).put(standards::put))
        .route("/api/v1/standards/{number}/impact", get(standards::impact))
        .route("/api/v1/offers/{id}/declarations", get(declarations::list).post(declarations::create))
        .route("/api/v1/declarations/{id}", get(declarations::get).delete(declarations::withdraw))
        .route("/api/v1/declarations/{id}/file", get(declarations::file))
        .route("/api/v1/offers/{id}/test-items", get(labs::items).post(labs::add_item))
        .route("/api/v1/test-bookings", get(labs::list).post(labs::book))
        .route("/api/v1/test-bookings/{id}", get(labs::get))
        .route("/api/v1/test-bookings/{id}/confirm", axum::routing::post(labs::confirm))
        .route("/api/v1/test-bookings/{id}/decline", axum::routing::post(labs::decline))
        .route("/api/v1/test-bookings/{id}/receive", axum::routing::post(labs::receive))
        .route("/api/v1/test-bookings/{id}/start", axum::routing::post(labs::start))
        .route("/api/v1/test-bookings/{id}/cancel", axum::routing::post(labs::cancel))
        .route("/api/v1/test-bookings/{id}/issue", axum::routing::post(labs::issue))
        .route("/api/v1/test-bookings/{id}/report", get(labs::report))
        .route("/api/v1/test-bookings/{id}/declare", axum::routing::post(labs::declare))
        .route("/api/v1/test-bookings/{id}/rate", axum::routing::post(labs::rate))
        .route("/api/v1/orgs/{id}/accreditations", get(accreditations::of_org).post(accreditations::submit))
        .route("/api/v1/accreditations", get(accreditations::queue))
        .route("/api/v1/accreditations/{id}/file", get(accreditations::file))
        .route("/api/v1/accreditations/{id}/verify", axum::routing::post(accreditations::verify))
        .route("/api/v1/accreditations/{id}/reject", axum::routing::post(accreditations::reject))
        .route("/api/v1/overview/gaps", get(gaps::list))
        .route("/api/v1/targets", get(targets::list).post(targets::create))
        .route("/api/v1/targets/{id}", get(targets::get).put(targets::edit).delete(targets::delete))
        .route("/api/v1/tasks", get(tasks::list).post(tasks::create))
        .route("/api/v1/tasks/{id}", get(tasks::get).put(tasks::edit))
        .route("/api/v1/inspections", get(problems::inspections).post(problems::record_inspection))
        .route("/api/v1/inspections/{id}", get(problems::inspection))
        .route("/api/v1/problems", get(problems::list).post(problems::create))
        .route("/api/v1/problems/{id}", get(problems::get))
        .route("/api/v1/problems/{id}/measures", axum::routing::post(problems::add_measure))
        .route("/api/v1/problems/{id}/evidence", axum::routing::post(problems::add_evidence))
        .route("/api/v1/problems/{id}/files/{sha256}", get(problems::file))
        .route("/api/v1/problems/{id}/submit", axum::routing::post(problems::submit))
        .route("/api/v1/problems/{id}/close", axum::routing::post(problems::close))
        .route("/api/v1/problems/{id}/reopen", axum::routing::post(problems::reopen))
        .route("/api/v1/departments", get(departments::list).post(departments::create))
        .route("/api/v1/price-series", get(prices::list).post(prices::create))
        .route("/api/v1/price-series/{id}", get(prices::get))
        .route("/api/v1/price-series/{id}/values", axum::routing::post(prices::add_values))
        .route("/api/v1/pools", get(pools::list).post(pools::create))
        .route("/api/v1/pools/{id}", get(pools::get))
        .route("/api/v1/pools/{id}/commitment", axum::routing::put(pools::commit))
        .route("/api/v1/pools/{id}/commitments", get(pools::commitments))
        .route("/api/v1/pools/{id}/cancel", axum::routing::post(pools::cancel))
        .route("/api/v1/pools/{id}/extend", axum::routing::post(pools::extend))
        .route("/api/v1/machines", get(machines::list).post(machines::create))
        .route("/api/v1/machines/{id}", get(machines::get))
        .route("/api/v1/machines/{id}/maintenance", axum::routing::post(machines::maintenance))
        .route("/api/v1/machines/{id}/bookings", axum::routing::post(machines::book))
        .route("/api/v1/bookings", get(machines::bookings))
        .route("/api/v1/bookings/{id}/confirm", axum::routing::post(machines::confirm))
        .route("/api/v1/bookings/{id}/decline", axum::routing::post(machines::decline))
        .route("/api/v1/bookings/{id}/cancel", axum::routing::post(machines::cancel))
        .route("/api/v1/ties/{id}/confirm", axum::routing::post(ties::confirm))
        .route("/api/v1/ties/{id}/reject", axum::routing::post(ties::reject))
        .route("/api/v1/ties/{id}/end", axum::routing::post(ties::end))
        .route("/api/v1/ties/{id}/reaffirm", axum::routing::post(ties::reaffirm))
        .route("/api/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/api/v1/webhooks/{id}", get(webhooks::get).patch(webhooks::edit).delete(webhooks::delete))
        .route("/api/v1/webhooks/{id}/secret", axum::routing::post(webhooks::rotate))
        .route("/api/v1/webhooks/{id}/test", axum::routing::post(webhooks::test))
        .route("/api/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/api/v1/webhooks/{id}/deliveries/{delivery_id}", get(webhooks::delivery))
        .route("/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", axum::routing::post(webhooks::redeliver))
        .route("/api/v1/demands", get(demands::list).post(demands::create))
        .route("/api/v1/demands/{id}/invitations", get(invitations::list).post(invitations::invite))
        .route("/api/v1/demands/{id}/suggestions", get(invitations::suggestions))
        .route("/api/v1/responses", get(responses::history))
        .route("/api/v1/inbox", get(inbox::list))
        .route("/api/v1/inbox/{id}/read", axum::routing::post(inbox::read))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/overview/demands", get(overview::demands))
        .route("/api/v1/overview/chain", get(overview::chain))
        .route("/api/v1/orgs/{id}/offers", axum::routing::post(offer_writes::create))
        .route("/api/v1/orgs/{id}/offers/uploads", axum::routing::post(uploads::upload))
        .route("/api/v1/orgs/{id}/offers/uploads/{upload_id}/confirm", axum::routing::post(uploads::confirm))
        .route("/api/v1/engagements/{id}", get(engagements::get))
        .route("/api/v1/engagements/{id}/start", axum::routing::post(engagements::start))
        .route("/api/v1/demands/{id}", get(demands::get).patch(demands::edit))
        .route("/api/v1/demands/{id}/publish", axum::routing::post(demands::publish))
        .route("/api/v1/demands/{id}/cancel", axum::routing::post(demands::cancel))
        .route("/api/v1/demands/{id}/awards", axum::routing::post(demands::award))
        .route("/api/v1/engagements/{id}/complete", axum::routing::post(engagements::complete))
        .route("/api/v1/engagements/{id}/ratings", axum::routing::post(engagements::rate))
        .route("/api/v1/demands/{id}/responses", get(responses::list).post(responses::create))
        .route(
            "/api/v1/demands/{id}/responses/{rid}",
            axum::routing::put(responses::revise).delete(responses::withdraw),
        )
        .route("/api/v1/orgs/{id}/members/{account_id}", axum::routing::delete(members::remove))
        .route("/api/v1/orgs/{id}/members/{account_id}/password", axum::routing::post(members::one_time_password))
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/taxonomy", get(taxonomy))
        .route("/api/v1/orgs", get(orgs::list))
        .route("/api/v1/orgs/{id}", get(orgs::get).patch(org_writes::edit))
        .route("/api/v1/offers", get(offers::list))
        .route("/api/v1/offers/{id}", get(offers::get).patch(offer_writes::edit).delete(offer_writes::delete))
        .merge(crate::pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // The guard bounds every body (and the upload routes' larger ones); axum's own 2 MB
        // default would cut an upload short without the API's error shape.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(guard::guard))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal(Lang::Zh, "handler panicked").into_response()))
        .layer(TraceLayer::new_for_http())
}

/// An unknown path: the API's JSON error under `/api/` (and `/healthz`), a page elsewhere.
async fn not_found(ReqLang(lang): ReqLang, uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/healthz") {
        return ApiError::route_not_found(lang).into_response();
    }
    let lang = crate::pages::page_lang(&headers, uri.query());
    crate::pages::message(StatusCode::NOT_FOUND, lang, "/", "not_found_title", "")
}

async fn method_not_allowed(ReqLang(lang): ReqLang) -> ApiError {
    ApiError::method_not_allowed(lang)
}

/// A 400 for a filter value the taxonomy does not know.
pub fn unknown(lang: Lang, field: &str, value: &str) -> ApiError {
    let shown: String = value.chars().take(40).collect();
    ApiError::bad(lang, "unknown_value", field, msg!("unknown_filter", field, shown))
}

/// The revision a write was made against: `"revision"` in the body, else the `If-Match`
/// header (`3`, `"3"` or `W/"3"`), as API.md allows either; a 400 naming `revision` when
/// neither is given, or when they disagree.
pub fn revision(lang: Lang, headers: &axum::http::HeaderMap, in_body: Option<i64>) -> Result<i64, ApiError> {
    let header = headers
        .get(axum::http::header::IF_MATCH)
        .map(|v| v.to_str().ok().and_then(|s| s.trim().trim_start_matches("W/").trim_matches('"').parse::<i64>().ok()));
    let bad = |m| ApiError::bad(lang, "invalid_value", "revision", m);
    match (in_body, header) {
        (_, Some(None)) => Err(bad(msg!("if_match_form"))),
        (Some(b), Some(Some(h))) if b != h => Err(bad(msg!("revision_disagrees"))),
        (Some(r), _) | (None, Some(Some(r))) => Ok(r),
        (None, None) => Err(ApiError::bad(lang, "required", "revision", msg!("revision_required"))),
    }
}

/// A body that may be left empty when everything it would carry came in headers (a publish
/// with `If-Match`).
pub fn read_optional<T: serde::de::DeserializeOwned + Default>(lang: Lang, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { accounts::read(lang, body) }
}

/// One path id as axum hands it over (a bad one becomes a 400, not axum's text reply).
pub type RawId = Result<Path<String>, axum::extract::rejection::PathRejection>;

/// Several path ids (`/orgs/{id}/members/{account_id}`).
pub type RawPath = Result<Path<Vec<String>>, axum::extract::rejection::PathRejection>;

/// Every id in the path: positive whole numbers, else a 400 naming `id`.
pub fn parse_ids(lang: Lang, raw: RawPath) -> Result<Vec<i64>, ApiError> {
    let bad = || ApiError::bad(lang, "invalid_id", "id", msg!("id_form"));
    let Path(parts) = raw.map_err(|_| bad())?;
    parts.iter().map(|p| p.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad)).collect()
}

/// A path id: a positive whole number, else a 400 naming `id`.
pub fn parse_id(lang: Lang, raw: RawId) -> Result<i64, ApiError> {
    raw.ok()
        .and_then(|Path(s)| s.trim().parse::<i64>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| ApiError::bad(lang, "invalid_id", "id", msg!("id_form")))
}

#[derive(Serialize, ToSchema)]
pub struct SearchCache {
    pages: usize,
    capacity: usize,
    hits: u64,
    misses: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the store answers, `unavailable` when not.
    status: String,
    /// `ok` when the search index has caught up with the store, `catching_up` while it is
    /// being built or is applying changes (search answers from it as it stands); absent on a
    /// server without an index.
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<&'static str>,
    /// While catching up: how many of the store's changes the index has not applied yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    behind: Option<i64>,
    /// The change feed's position (`seq`) this node's search index has applied: a write is
    /// found by this node's search once it reaches the write's `seq`. Several nodes serving
    /// one database each follow it at their own pace.
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<i64>,
    /// `ok` once the supply graph is built, `building` until then (chain questions answer
    /// 503 meanwhile).
    chain: &'static str,
    /// The search page cache of this node, when it keeps one: pages kept, and how many
    /// searches were answered from it or ran since the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    search_cache: Option<SearchCache>,
}

/// Health: 200 when the store answers, 503 when not; and how far behind the search index is.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(app): State<AppState>) -> Response {
    if !app.store.healthy().await {
        let h = Health {
            status: "unavailable".into(),
            index: None,
            behind: None,
            applied: None,
            chain: "building",
            search_cache: None,
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(h)).into_response();
    }
    let (index, behind, applied) = match &app.index {
        None => (None, None, None),
        Some(index) => {
            let head = app.store.outbox_max_seq().await.unwrap_or(0);
            let applied = index.applied_seq().unwrap_or(0);
            let behind = (head - applied).max(0);
            let ready = app.index_ready.load(std::sync::atomic::Ordering::Acquire);
            let (state, behind) = if ready && behind == 0 { ("ok", None) } else { ("catching_up", Some(behind)) };
            (Some(state), behind, Some(applied))
        }
    };
    let chain = if app.chain.ready() { "ok" } else { "building" };
    let search_cache = app.index.as_ref().and_then(|i| i.page_cache_stats()).map(|s| SearchCache {
        pages: s.pages,
        capacity: s.capacity,
        hits: s.hits,
        misses: s.misses,
    });
    (StatusCode::OK, Json(Health { status: "ok".into(), index, behind, applied, chain, search_cache })).into_response()
}

/// The whole taxonomy: towns, sectors, categories, processes, service families, chain
/// stages, standards, certificates, order units and units of measure (with their dimension and
/// size in its base unit) — every entry with its code, Chinese and English name.
#[utoipa::path(get, path = "/api/v1/taxonomy", tag = "registry", responses((status = 200, description = "The taxonomy", body = Object)))]
pub async fn taxonomy() -> Json<&'static Taxonomy> {
    Json(Taxonomy::get())
}

async fn openapi() -> Response {
    Json(document()).into_response()
}

/// The OpenAPI document as served: derived from the handlers, completed by
/// [`contract::complete`].
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    contract::complete(&mut doc);
    doc
}
