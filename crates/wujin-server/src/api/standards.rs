//! The standards library: `GET /api/v1/standards`, `GET /api/v1/standards/{number}` (an
//! edition with its chain) and `PUT /api/v1/standards/{number}` (platform admins). Everyone
//! reads it. A number in the path may be written as people write it (`GBT29606-2013`,
//! `GB%2FT%2029606`); without its year it means the edition in force.
//!
//! Marking an edition replaced or withdrawn tells every firm with an offer citing it, in its
//! inbox, once, in the same transaction.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

use wujin_domain::standard::{Edition, Library, StandardStatus, check_edition, edition_number};
use wujin_domain::{Lang, Taxonomy, msg};

use super::AppState;
use super::auth::{forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::Named;

#[derive(Serialize, ToSchema)]
pub struct EditionView {
    /// With its year: GB/T 29606-2013.
    pub number: String,
    /// Without it: GB/T 29606.
    pub base: String,
    /// The title in the request's language.
    pub title: String,
    pub title_zh: String,
    pub title_en: String,
    /// gb (mandatory national), gbt (recommended national), industry, group or international.
    pub kind: Named,
    /// current, upcoming or withdrawn.
    pub status: Named,
    /// YYYY-MM-DD.
    pub published: Option<String>,
    /// The day it applies from, YYYY-MM-DD.
    pub implemented: Option<String>,
    pub replaced_by: Option<String>,
    pub categories: Vec<Named>,
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StandardView {
    #[serde(flatten)]
    pub edition: EditionView,
    /// Every edition of the standard, newest first (this one among them).
    pub chain: Vec<EditionView>,
    /// On a write: firms told that an edition they cite was replaced or withdrawn.
    pub firms_told: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct StandardList {
    pub items: Vec<EditionView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardBody {
    #[schema(min_length = 1, max_length = 200)]
    pub title_zh: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub title_en: String,
    /// current (default), upcoming or withdrawn.
    pub status: Option<String>,
    /// YYYY-MM-DD.
    pub published: Option<String>,
    /// YYYY-MM-DD: the day it applies from.
    pub implemented: Option<String>,
    /// The edition that replaces this one.
    pub replaced_by: Option<String>,
    /// Category codes or names.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub categories: Vec<String>,
    /// Older editions this one replaces: each is marked replaced by it (withdrawn now, or
    /// when this one applies if that is later), and firms citing them are told.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub replaces: Vec<String>,
}

/// The library as stored, with each edition's revision: what an edition's view and its
/// chain are read from (the API's answers and the edition's page).
pub struct Stored {
    pub library: Library,
    revisions: HashMap<String, i64>,
}

impl Stored {
    pub async fn load(app: &AppState) -> Result<Stored, wujin_store::StoreError> {
        let stored = app.store.standards().await?;
        let revisions = stored.iter().map(|s| (s.edition.number.clone(), s.revision)).collect();
        Ok(Stored { library: Library::new(stored.into_iter().map(|s| s.edition).collect()), revisions })
    }

    pub fn view(&self, lang: Lang, e: &Edition) -> EditionView {
        view(lang, e, self.revisions.get(&e.number).copied().unwrap_or(0))
    }

    /// Every edition of the standard `number` names, newest first.
    pub fn chain(&self, lang: Lang, number: &str) -> Vec<EditionView> {
        self.library.chain(number).into_iter().map(|c| self.view(lang, c)).collect()
    }
}

/// Whether an edition answers a search: its number contains what was typed (in any
/// spelling), or either title does. Nothing typed matches everything.
pub fn matches(e: &Edition, q: &str) -> bool {
    let q = q.trim();
    q.is_empty()
        || wujin_domain::taxonomy::compact_standard(&e.number).contains(&wujin_domain::taxonomy::compact_standard(q))
        || e.title_zh.contains(q)
        || e.title_en.to_lowercase().contains(&q.to_lowercase())
}

pub fn view(lang: Lang, e: &Edition, revision: i64) -> EditionView {
    let t = Taxonomy::get();
    EditionView {
        number: e.number.clone(),
        base: e.base().to_string(),
        title: e.title(lang).to_string(),
        title_zh: e.title_zh.clone(),
        title_en: e.title_en.clone(),
        kind: Named { code: e.kind().code().into(), name: e.kind().name(lang).into() },
        status: Named { code: e.status.code().into(), name: e.status.name(lang).into() },
        published: e.published.map(|d| d.to_string()),
        implemented: e.implemented.map(|d| d.to_string()),
        replaced_by: e.replaced_by.clone(),
        categories: e
            .categories
            .iter()
            .map(|c| Named {
                code: c.clone(),
                name: t.category(c).map(|x| x.entry.name(lang).to_string()).unwrap_or_else(|| c.clone()),
            })
            .collect(),
        revision,
    }
}

/// The standards library, by number. `q` keeps editions whose number or title contains it;
/// `status` keeps one status.
#[utoipa::path(get, path = "/api/v1/standards", tag = "standards",
    params(("q" = Option<String>, Query, description = "part of a number or title"),
        ("status" = Option<String>, Query, description = "current, upcoming or withdrawn")),
    responses((status = 200, body = StandardList), (status = 400)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    p: super::params::Params,
) -> Result<Json<StandardList>, ApiError> {
    let status = match p.get("status").map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(StandardStatus::from_code(v).ok_or_else(|| super::unknown(lang, "status", v))?),
    };
    let q = p.get("q").map(str::trim).unwrap_or("");
    if q.chars().count() > 100 {
        return Err(ApiError::bad(lang, "too_long", "q", msg!("search_text_long", "q", 100)));
    }
    let all = app.store.standards().await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<EditionView> = all
        .iter()
        .filter(|s| status.is_none_or(|st| s.edition.status == st))
        .filter(|s| matches(&s.edition, q))
        .map(|s| view(lang, &s.edition, s.revision))
        .collect();
    let total = items.len();
    Ok(Json(StandardList { items, next_cursor: None, total }))
}

/// An edition and its chain: the edition a number names (with its year), or the one in
/// force (without).
#[utoipa::path(get, path = "/api/v1/standards/{number}", tag = "standards",
    params(("number" = String, Path, description = "GB/T 29606-2013, GBT29606 …")),
    responses((status = 200, body = StandardView), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(number): Path<String>,
) -> Result<Json<StandardView>, ApiError> {
    if number.chars().count() > 60 {
        return Err(ApiError::not_found(lang));
    }
    let stored = Stored::load(&app).await.map_err(|e| ApiError::internal(lang, e))?;
    let lib = &stored.library;
    let e = lib.resolve(&number).ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(StandardView { edition: stored.view(lang, e), chain: stored.chain(lang, &e.number), firms_told: None }))
}

/// Add or change an edition (platform admins). The number in the path carries its year.
/// Marking it replaced or withdrawn, or naming older editions it `replaces`, tells every
/// firm with an offer citing an edition so changed, once.
#[utoipa::path(put, path = "/api/v1/standards/{number}", tag = "standards", request_body = StandardBody,
    params(("number" = String, Path, description = "with its year: GB/T 29606-2013")),
    responses((status = 200, body = StandardView), (status = 201, body = StandardView), (status = 400),
        (status = 401), (status = 403), (status = 404)))]
pub async fn put(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let internal = |e| ApiError::internal(lang, e);
    if !app.store.is_platform_admin(me.account_id).await.map_err(internal)? {
        return Err(forbidden(lang));
    }
    let b: StandardBody = super::body::read_json(lang, &body)?;
    let bad_number = |field: &str, _: &str| ApiError::bad(lang, "invalid", field, msg!("standard_number_full"));
    let number = edition_number(&number).ok_or_else(|| bad_number("number", &number))?;
    let date = |field: &'static str, v: &Option<String>| -> Result<Option<time::Date>, ApiError> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => wujin_domain::tie::parse_date(v)
                .map(Some)
                .ok_or_else(|| ApiError::bad(lang, "invalid_date", field, msg!("date_form", field, "YYYY-MM-DD"))),
        }
    };
    let status = match b.status.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => StandardStatus::Current,
        Some(v) => StandardStatus::from_code(v).ok_or_else(|| super::unknown(lang, "status", v))?,
    };
    let t = Taxonomy::get();
    let mut categories = vec![];
    for c in &b.categories {
        let code = t.category(c).ok_or_else(|| super::unknown(lang, "categories", c))?.entry.code.clone();
        if !categories.contains(&code) {
            categories.push(code);
        }
    }
    let replaced_by = match b.replaced_by.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(wujin_domain::sheet::normalise_standard(v).ok_or_else(|| bad_number("replaced_by", v))?),
    };
    let mut replaces = vec![];
    for r in &b.replaces {
        let n = edition_number(r).ok_or_else(|| bad_number("replaces", r))?;
        replaces.push(n);
    }
    let e = Edition {
        number,
        title_zh: b.title_zh.trim().to_string(),
        title_en: b.title_en.trim().to_string(),
        status,
        published: date("published", &b.published)?,
        implemented: date("implemented", &b.implemented)?,
        replaced_by,
        categories,
    };
    check_edition(&e).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let lib = app.store.library().await.map_err(internal)?;
    for r in &replaces {
        if lib.resolve(r).map(|x| &x.number) != Some(r) {
            return Err(super::unknown(lang, "replaces", r));
        }
    }
    let written = app.store.put_standard(&e, &replaces, me.account_id).await.map_err(internal)?;
    let stored = Stored::load(&app).await.map_err(internal)?;
    let v = StandardView {
        edition: stored.view(lang, &e),
        chain: stored.chain(lang, &e.number),
        firms_told: Some(written.firms_told),
    };
    let status = if written.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(v)).into_response())
}

/// One industry's share of a change of standard.
#[derive(Serialize, ToSchema)]
pub struct ImpactRowView {
    /// The pillar industry; null for firms that declared none (and in the total).
    pub industry: Option<Named>,
    /// Firms with an offer citing or declaring the edition.
    pub firms: usize,
    pub offers: usize,
    /// Firms among them with a declaration of the edition that replaces it, in force.
    pub redeclared: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ImpactView {
    pub number: String,
    pub replaced_by: Option<String>,
    /// Most firms first.
    pub rows: Vec<ImpactRowView>,
    pub total: ImpactRowView,
}

/// How edition `e` reaches the cluster, by industry (see [`impact`]).
pub async fn impact_of(app: &AppState, lang: Lang, e: &Edition) -> Result<ImpactView, wujin_store::StoreError> {
    let t = Taxonomy::get();
    let reached: Vec<wujin_insight::standards::Reached> = app
        .store
        .reached_by(&e.number)
        .await?
        .into_iter()
        .map(|(org_id, offer_id, sectors)| wujin_insight::standards::Reached {
            org_id,
            offer_id,
            pillar: sectors.first().and_then(|s| t.sector(s)).map(|s| s.pillar.clone()),
        })
        .collect();
    let redeclared = match &e.replaced_by {
        Some(by) => app.store.orgs_declaring(by, wujin_store::ties::today()).await?.into_iter().collect(),
        None => Default::default(),
    };
    let i = wujin_insight::standards::impact(&reached, &redeclared);
    let row = |r: &wujin_insight::standards::ImpactRow| ImpactRowView {
        industry: r.pillar.as_deref().map(|p| Named {
            code: p.to_string(),
            name: t.sector(p).map(|s| s.entry.name(lang).to_string()).unwrap_or_else(|| p.to_string()),
        }),
        firms: r.firms,
        offers: r.offers,
        redeclared: r.redeclared,
    };
    Ok(ImpactView {
        number: e.number.clone(),
        replaced_by: e.replaced_by.clone(),
        rows: i.rows.iter().map(row).collect(),
        total: row(&i.total),
    })
}

/// How an edition reaches the cluster (officers and platform admins): per pillar industry,
/// the firms and offers citing or declaring it, and how many of those firms have declared
/// the edition that replaces it. Counts of registry facts, not firms' own figures.
#[utoipa::path(get, path = "/api/v1/standards/{number}/impact", tag = "standards",
    params(("number" = String, Path, description = "an edition, in any spelling")),
    responses((status = 200, body = ImpactView), (status = 401), (status = 403), (status = 404)))]
pub async fn impact(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Json<ImpactView>, ApiError> {
    let me = super::auth::caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    if number.chars().count() > 60 {
        return Err(ApiError::not_found(lang));
    }
    let internal = |e| ApiError::internal(lang, e);
    let library = app.store.library().await.map_err(internal)?;
    let e = library.resolve(&number).ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(impact_of(&app, lang, e).await.map_err(internal)?))
}
