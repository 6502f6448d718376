//! A firm keeps its own offers: `POST /api/v1/orgs/{id}/offers`, `PATCH` and `DELETE
//! /api/v1/offers/{id}` (owners and admins of the firm; revision-guarded).
//!
//! An offer written here meets exactly the rules of a spreadsheet row: the body is laid out
//! as the row's cells and checked by `wujin_domain::sheet::offer_from_cells`, so a rule is
//! written once for import and API alike. The offer's external id is the server's
//! (`web-…`), never the caller's: external ids are global, and a chosen one could name
//! another firm's offer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use wujin_domain::sheet::{Cells, Named, OFFER_COLUMNS, offer_from_cells, offer_keeping};
use wujin_domain::{Fen, Lang, OfferRecord, msg};
use wujin_store::demands::Write;
use wujin_store::offers::{Offer, Owner};
use wujin_store::orgs::Org;

use super::AppState;
use super::auth::{Caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::OfferView;

/// A specification of an offer: 材质 = 304不锈钢.
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SpecBody {
    pub key: String,
    pub value: String,
}

/// An offer as a firm writes it. On `POST` the title and category are needed; on `PATCH`
/// only the keys sent change: a key left out keeps its field, `null` (or an empty string or
/// list) clears an optional one, and the title and category can be changed but never
/// cleared. Codes or names are accepted for kind, category and unit.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// The revision the caller saw (on PATCH); or send it as `If-Match`.
    pub revision: Option<i64>,
    /// product, service or capacity; the category's kind when left out.
    pub kind: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub description: Option<String>,
    /// A category code or name (cups.vacuum_cup, 保温杯, svc.industrial_design).
    pub category: Option<String>,
    pub specs: Option<Vec<SpecBody>>,
    /// Standards met (GB/T 29606-2013, in any spacing).
    pub standards: Option<Vec<String>>,
    pub price_min_fen: Option<i64>,
    pub price_max_fen: Option<i64>,
    pub unit: Option<String>,
    pub moq: Option<i64>,
    pub lead_time_days: Option<i64>,
    /// Machine hours a week, for a capacity offer.
    pub hours_per_week: Option<i64>,
}

/// The row's columns a body names (`price_min_fen` is the column `price_min`).
fn named(body: &serde_json::Value) -> Named {
    let keys = super::body::keys(body).filter_map(|k| {
        let k = k.strip_suffix("_fen").unwrap_or(k);
        OFFER_COLUMNS.iter().map(|c| c.key).find(|c| *c == k)
    });
    Named::new(OFFER_COLUMNS, keys)
}

/// What a row's specification cell splits on: `=` between key and value (a key may not
/// hold it), `;` and `；` between specifications (neither may hold those).
const SPEC_SEPARATORS: [char; 3] = ['=', ';', '；'];

/// The offer as the cells of a spreadsheet row, checked by the row's rules. A field is named
/// as the API names it (`price_min_fen`, `specs/2`).
///
/// With `old` (a PATCH), the body is laid over the stored offer: the title and category it
/// leaves out are the stored ones, and every other field it leaves out stays as stored.
///
/// A standard cited without its year is pinned to the edition the stored `library` has in
/// force (an admin's update counts at once, without a release).
fn record(
    lang: Lang,
    library: &wujin_domain::standard::Library,
    b: &OfferBody,
    sent: &serde_json::Value,
    external_id: &str,
    org: &Org,
    old: Option<&OfferRecord>,
) -> Result<OfferRecord, ApiError> {
    let specs = b.specs.as_deref().unwrap_or_default();
    for (i, s) in specs.iter().enumerate() {
        if s.key.contains(SPEC_SEPARATORS) || s.value.contains(&SPEC_SEPARATORS[1..]) {
            return Err(ApiError::bad(lang, "invalid_specs", &format!("specs/{i}"), msg!("spec_separators")));
        }
    }
    let yuan = |fen: Option<i64>| fen.map(|f| Fen(f).to_yuan_string());
    let number = |n: Option<i64>| n.map(|n| n.to_string());
    let specs = specs.iter().map(|s| format!("{}={}", s.key.trim(), s.value.trim())).collect::<Vec<_>>().join("；");
    let named = match old {
        Some(_) => named(sent),
        None => Named::all(OFFER_COLUMNS),
    };
    let kept = |key: &str, given: &Option<String>, stored: Option<&str>| match stored {
        Some(v) if !named.has(key) => Some(v.to_string()),
        _ => given.clone(),
    };
    let pairs: [(&'static str, Option<String>); 15] = [
        ("external_id", Some(external_id.to_string())),
        ("org_uscc", Some(org.record.uscc.to_string())),
        ("kind", b.kind.clone()),
        ("title", kept("title", &b.title, old.map(|o| o.title.as_str()))),
        ("title_en", b.title_en.clone()),
        ("description", b.description.clone()),
        ("category", kept("category", &b.category, old.map(|o| o.category.as_str()))),
        ("specs", Some(specs)),
        ("standards", b.standards.as_ref().map(|s| s.join("；"))),
        ("price_min", yuan(b.price_min_fen)),
        ("price_max", yuan(b.price_max_fen)),
        ("unit", b.unit.clone()),
        ("moq", number(b.moq)),
        ("lead_time_days", number(b.lead_time_days)),
        ("hours_per_week", number(b.hours_per_week)),
    ];
    let mut cells = Cells::from_pairs(pairs);
    library.pin_cells(&mut cells);
    let new = offer_from_cells(&cells).map_err(|errs| {
        super::accounts::row_refused(lang, errs, &[("price_min", "price_min_fen"), ("price_max", "price_max_fen")])
    })?;
    Ok(match old {
        Some(old) => offer_keeping(new, old, &named),
        None => new,
    })
}

/// The organisation `org` if the caller may keep its offers (owners and admins): 404 when
/// it does not exist, 403 when the caller is not one of them.
/// The organisation `org`, if the caller keeps its catalogue (owner or admin).
pub(super) async fn keeper(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<Org, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let found = app.store.org(org).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    match app.store.role_of(me.account_id, org).await.map_err(internal)? {
        Some(r) if r.may_act() => Ok(found),
        _ => Err(forbidden(lang)),
    }
}

/// The offer `id` and its organisation, if the caller may keep them.
async fn kept(app: &AppState, lang: Lang, me: &Caller, id: super::RawId) -> Result<(Offer, Org), ApiError> {
    let id = super::parse_id(lang, id)?;
    let offer =
        app.store.offer(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))?;
    let org = keeper(app, lang, me, offer.org_id).await?;
    Ok((offer, org))
}

fn changed(lang: Lang) -> ApiError {
    ApiError {
        field: Some("revision".into()),
        ..ApiError::new(StatusCode::CONFLICT, "revision_conflict", lang, msg!("offer_changed"))
    }
}

async fn view(app: &AppState, lang: Lang, id: i64) -> Result<OfferView, ApiError> {
    let o =
        app.store.offer(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))?;
    let library = app.store.library().await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(OfferView::new(&o, lang, &library))
}

/// Add an offer to a firm's catalogue (owners and admins).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/offers", tag = "registry", request_body = OfferBody,
    responses((status = 201, body = OfferView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let org = keeper(&app, lang, &me, super::parse_id(lang, id)?).await?;
    let (b, sent): (OfferBody, _) = super::body::read_json_named(lang, &body)?;
    let internal = |e| ApiError::internal(lang, e);
    let token = super::accounts::random_token(9).map_err(|e| ApiError::internal(lang, e))?;
    let external_id = format!("web-{}-{token}", org.id);
    let library = app.store.library().await.map_err(internal)?;
    let r = record(lang, &library, &b, &sent, &external_id, &org, None)?;
    let owner = Owner { org_id: org.id, uscc: &org.record.uscc, town: org.record.town.as_deref() };
    match app.store.save_offer(&owner, &r, None, me.account_id).await.map_err(internal)? {
        Write::Done(id) => Ok((StatusCode::CREATED, Json(view(&app, lang, id).await?)).into_response()),
        Write::Stale | Write::Closed => Err(changed(lang)),
    }
}

/// Change an offer (owners and admins of its firm; the revision seen, in the body or
/// `If-Match`). Only the keys sent change; `null` clears an optional field. Nothing changed,
/// nothing written: the revision stays.
#[utoipa::path(patch, path = "/api/v1/offers/{id}", tag = "registry", request_body = OfferBody,
    responses((status = 200, body = OfferView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<OfferView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (offer, org) = kept(&app, lang, &me, id).await?;
    let (b, sent): (OfferBody, _) = super::body::read_json_named(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    let library = app.store.library().await.map_err(|e| ApiError::internal(lang, e))?;
    let r = record(lang, &library, &b, &sent, &offer.record.external_id, &org, Some(&offer.record))?;
    let owner = Owner { org_id: org.id, uscc: &org.record.uscc, town: org.record.town.as_deref() };
    let internal = |e| ApiError::internal(lang, e);
    match app.store.save_offer(&owner, &r, Some((offer.id, revision)), me.account_id).await.map_err(internal)? {
        Write::Done(id) => Ok(Json(view(&app, lang, id).await?)),
        Write::Stale | Write::Closed => Err(changed(lang)),
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OfferRevision {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
}

/// Take an offer off the catalogue (owners and admins of its firm; revision-guarded).
#[utoipa::path(delete, path = "/api/v1/offers/{id}", tag = "registry", request_body = OfferRevision,
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn delete(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let (offer, org) = kept(&app, lang, &me, id).await?;
    let b: OfferRevision = super::read_optional(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    match app
        .store
        .delete_offer(offer.id, org.id, revision, me.account_id)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
    {
        Write::Done(()) => Ok(StatusCode::NO_CONTENT),
        Write::Stale | Write::Closed => Err(changed(lang)),
    }
}
