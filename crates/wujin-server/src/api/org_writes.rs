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
use wujin_domain::certificate::attach;
use wujin_domain::sheet::{Cells, Named, ORG_COLUMNS, org_from_cells, org_keeping};
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

/// An organisation's profile as its owners write it: a partial update. A key left out keeps
/// the field as stored; a key sent as `null` (or an empty string or list) clears an optional
/// field. The name cannot be cleared. Codes or names are accepted for kind, town, sectors,
/// chain stages, size class, revenue band and certificates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    /// The revision the caller saw; or send it as `If-Match`.
    pub revision: Option<i64>,
    /// Required on the record: it can be changed, never cleared.
    #[schema(min_length = 2, max_length = 100)]
    pub name: Option<String>,
    pub name_en: Option<String>,
    /// manufacturer, service_provider, research_institute, finance or public_body; `null`
    /// keeps the kind (every organisation has one).
    pub kind: Option<String>,
    pub town: Option<String>,
    /// GB/T 4754 classes (C3382), their names, or the cluster's pillar industries (杯业).
    pub sectors: Option<Vec<String>>,
    /// Stages of the chain: materials, parts, processes, products, channels, services.
    pub chain: Option<Vec<String>>,
    pub size_class: Option<String>,
    pub founded_year: Option<i64>,
    pub employees: Option<i64>,
    pub revenue_band: Option<String>,
    /// Certificates held: each a code or name, optionally with its last day as a sheet
    /// writes it (`ISO9001@2027-05-01`), or an object with its number and issuer. The list
    /// replaces the stored one; a certificate given as text keeps the number and issuer
    /// stored for its code, one given as an object has exactly what the object says.
    pub certificates: Option<Vec<CertificateBody>>,
    /// Each of its keys follows the same rule; `null` clears all four.
    pub contact: Option<ContactBody>,
}

/// One certificate in a profile: as a sheet's cell writes it, or with its details.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CertificateBody {
    Text(String),
    Record(CertificateRecord),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRecord {
    /// The certificate's code or name (ISO 9001, CCC, 高新技术企业).
    #[schema(max_length = 100)]
    pub code: String,
    #[schema(max_length = 64)]
    pub number: Option<String>,
    #[schema(max_length = 100)]
    pub issuer: Option<String>,
    /// Its last day, YYYY-MM-DD.
    pub valid_until: Option<String>,
}

impl CertificateBody {
    /// As a sheet's cell writes it: the code, and `@` with the last day.
    fn cell(&self) -> String {
        match self {
            CertificateBody::Text(t) => t.clone(),
            CertificateBody::Record(r) => match &r.valid_until {
                Some(d) => format!("{}@{d}", r.code),
                None => r.code.clone(),
            },
        }
    }
}

/// The contact's keys as the row's columns name them.
const CONTACT: [(&str, &str); 4] =
    [("name", "contact_name"), ("phone", "phone"), ("email", "email"), ("address", "address")];

/// The row's columns a body names: its own keys, and the contact's keys as their columns
/// (all four when `contact` is `null`).
fn named(body: &serde_json::Value) -> Named {
    let mut keys: Vec<&'static str> =
        ORG_COLUMNS.iter().map(|c| c.key).filter(|k| super::body::keys(body).any(|b| b == *k)).collect();
    match body.get("contact") {
        Some(serde_json::Value::Null) => keys.extend(CONTACT.iter().map(|(_, c)| *c)),
        Some(contact) => {
            keys.extend(CONTACT.iter().filter(|(k, _)| super::body::keys(contact).any(|b| b == *k)).map(|(_, c)| *c))
        }
        None => {}
    }
    Named::new(ORG_COLUMNS, keys)
}

/// The profile as a row's cells, checked by the row's rules and laid over the stored record
/// (fields named as the API names them: `contact/phone`).
fn record(lang: Lang, b: &OrgBody, sent: &serde_json::Value, org: &Org) -> Result<OrgRecord, ApiError> {
    let named = named(sent);
    let number = |n: Option<i64>| n.map(|n| n.to_string());
    let list = |l: &Option<Vec<String>>| l.as_ref().map(|l| l.join("；"));
    // A code is checked as the sheet's cell, so a stray separator inside one is refused.
    let certificates = b.certificates.as_ref().map(|l| l.iter().map(CertificateBody::cell).collect::<Vec<_>>());
    let contact = b.contact.as_ref();
    // The name is required on the record: one the body leaves out is the stored one, so
    // that only a name sent empty (or null) is refused.
    let name = if named.has("name") { b.name.clone() } else { Some(org.record.name.clone()) };
    let pairs: [(&'static str, Option<String>); 16] = [
        ("uscc", Some(org.record.uscc.to_string())),
        ("name", name),
        ("name_en", b.name_en.clone()),
        ("kind", b.kind.clone()),
        ("town", b.town.clone()),
        ("sectors", list(&b.sectors)),
        ("chain", list(&b.chain)),
        ("size_class", b.size_class.clone()),
        ("founded_year", number(b.founded_year)),
        ("employees", number(b.employees)),
        ("revenue_band", b.revenue_band.clone()),
        ("certificates", list(&certificates)),
        ("contact_name", contact.and_then(|c| c.name.clone())),
        ("phone", contact.and_then(|c| c.phone.clone())),
        ("email", contact.and_then(|c| c.email.clone())),
        ("address", contact.and_then(|c| c.address.clone())),
    ];
    let cells = Cells::from_pairs(pairs);
    let contact = [
        ("contact_name", "contact/name"),
        ("phone", "contact/phone"),
        ("email", "contact/email"),
        ("address", "contact/address"),
    ];
    let refused = |errs| super::accounts::row_refused(lang, errs, &contact);
    let new = org_from_cells(&cells).map_err(refused)?;
    let mut kept = org_keeping(new, &org.record, &named.for_row(&cells));
    for c in b.certificates.iter().flatten() {
        if let CertificateBody::Record(r) = c {
            attach(&mut kept.certificates, &r.code, r.number.as_deref(), r.issuer.as_deref())
                .map_err(|e| refused(vec![e]))?;
        }
    }
    Ok(kept)
}

/// Change an organisation's profile (its owners and admins; the revision seen, in the body
/// or `If-Match`). Only the keys sent change: a key left out keeps its field, `null` clears an
/// optional one; the name and kind are never cleared. Its offers follow a new town. Nothing
/// changed, nothing written: the revision stays.
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
    let (b, sent): (OrgBody, _) = super::body::read_json_named(lang, &body)?;
    let revision = super::revision(lang, &headers, b.revision)?;
    let r = record(lang, &b, &sent, &org)?;
    if r.kind != org.record.kind {
        super::departments::not_government(lang, r.kind)?;
        super::departments::not_government(lang, org.record.kind)?;
    }
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
