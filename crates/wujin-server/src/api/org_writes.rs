//! A firm keeps its own profile: `PATCH /api/v1/orgs/{id}` (owners and admins;
//! revision-guarded). Like an offer, the body is laid out as a spreadsheet row and checked by
//! the import's rules (`wujin_domain::sheet::org_from_cells`); the credit code is the
//! organisation's key and stays as registered.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use wujin_domain::sheet::{Cells, org_from_cells};
use wujin_domain::{Lang, OrgRecord, msg};
use wujin_store::demands::Write;
use wujin_store::orgs::Org;

use super::AppState;
use super::auth::{forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::OrgView;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// An organisation's profile as its owners write it. Codes or names are accepted for kind,
/// town, sectors, chain stages, size class, revenue band and certificates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
    pub name: String,
    pub name_en: Option<String>,
    /// manufacturer, service_provider, research_institute, finance or public_body.
    pub kind: Option<String>,
    pub town: Option<String>,
    /// GB/T 4754 classes (C3382) or their names.
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Stages of the chain: materials, parts, processes, products, channels, services.
    #[serde(default)]
    pub chain: Vec<String>,
    pub size_class: Option<String>,
    pub founded_year: Option<i64>,
    pub employees: Option<i64>,
    pub revenue_band: Option<String>,
    #[serde(default)]
    pub certificates: Vec<String>,
    #[serde(default)]
    pub contact: ContactBody,
}

const MAX_BODY: usize = 16 * 1024;

/// The profile as a row's cells, checked by the row's rules; fields named as the API names
/// them (`contact/phone`).
fn record(lang: Lang, b: &OrgBody, org: &Org) -> Result<OrgRecord, ApiError> {
    let number = |n: Option<i64>| n.map(|n| n.to_string());
    let pairs: [(&'static str, Option<String>); 16] = [
        ("uscc", Some(org.record.uscc.to_string())),
        ("name", Some(b.name.clone())),
        ("name_en", b.name_en.clone()),
        ("kind", b.kind.clone()),
        ("town", b.town.clone()),
        ("sectors", Some(b.sectors.join("；"))),
        ("chain", Some(b.chain.join("；"))),
        ("size_class", b.size_class.clone()),
        ("founded_year", number(b.founded_year)),
        ("employees", number(b.employees)),
        ("revenue_band", b.revenue_band.clone()),
        ("certificates", Some(b.certificates.join("；"))),
        ("contact_name", b.contact.name.clone()),
        ("phone", b.contact.phone.clone()),
        ("email", b.contact.email.clone()),
        ("address", b.contact.address.clone()),
    ];
    let cells = Cells::from_pairs(pairs);
    let contact = [
        ("contact_name", "contact/name"),
        ("phone", "contact/phone"),
        ("email", "contact/email"),
        ("address", "contact/address"),
    ];
    org_from_cells(&cells).map_err(|errs| super::accounts::row_refused(lang, errs, &contact))
}

/// Change an organisation's profile (its owners and admins; the revision seen, in the body
/// or `If-Match`). Its offers follow a new town.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "registry", request_body = OrgBody,
    responses((status = 200, body = OrgView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn edit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<OrgView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    let org = app.store.org(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    match app.store.role_of(me.account_id, id).await.map_err(internal)? {
        Some(r) if r.may_act() => {}
        _ => return Err(forbidden(lang)),
    }
    let b: OrgBody = super::body::read_json(lang, &body, MAX_BODY)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    let r = record(lang, &b, &org)?;
    match app.store.save_org(id, revision, &r, me.account_id).await.map_err(internal)? {
        Write::Done(()) => {
            let o = app.store.org(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
            Ok(Json(OrgView::new(&o, lang)))
        }
        Write::Stale | Write::Closed => Err(ApiError {
            field: Some("revision".into()),
            ..ApiError::new(StatusCode::CONFLICT, "revision_conflict", lang, msg!("org_changed"))
        }),
    }
}
