//! Price series: `GET`/`POST /api/v1/price-series`, `GET /api/v1/price-series/{id}`, `POST
//! /api/v1/price-series/{id}/values`. Everyone reads them (pools are pegged to them, and a
//! firm judges a pool's price by them); platform admins write them, as the importer does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use wujin_domain::pool::{SeriesInput, check_series, parse_value, show_value};
use wujin_domain::{Lang, msg};
use wujin_store::prices::{Series, SeriesWrite};

use super::AppState;
use super::auth::{forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;

/// The most values one request writes.
pub const MAX_VALUES: usize = 1000;

#[derive(Serialize, ToSchema)]
pub struct PointView {
    /// YYYY-MM-DD.
    pub date: String,
    pub value: f64,
}

#[derive(Serialize, ToSchema)]
pub struct SeriesView {
    pub id: i64,
    pub code: String,
    /// The name in the request's language.
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    /// The unit of the values (元/吨, 点).
    pub unit: String,
    /// money (a price per unit) or index (points).
    pub kind: String,
    pub kind_name: String,
    pub source: String,
    /// daily, weekly or monthly.
    pub frequency: String,
    pub frequency_name: String,
    /// How many values it has.
    pub count: i64,
    pub latest: Option<PointView>,
    /// Oldest first (only on `GET /price-series/{id}`, within `from`..`to`).
    pub values: Option<Vec<PointView>>,
}

#[derive(Serialize, ToSchema)]
pub struct SeriesList {
    pub items: Vec<SeriesView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A series as a platform admin publishes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesBody {
    /// 2 to 40 capitals, digits, `-`, `_`, `.` (ADC12).
    #[schema(min_length = 2, max_length = 40)]
    pub code: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name_zh: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: String,
    #[schema(min_length = 1, max_length = 20)]
    pub unit: String,
    /// money or index.
    pub kind: String,
    #[schema(min_length = 1, max_length = 100)]
    pub source: String,
    /// daily, weekly or monthly.
    pub frequency: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointBody {
    /// YYYY-MM-DD.
    pub date: String,
    /// Positive, at most three decimals.
    pub value: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesBody {
    /// A day already there takes the new value.
    #[schema(min_items = 1, max_items = 1000)]
    pub values: Vec<PointBody>,
}

#[derive(Serialize, ToSchema)]
pub struct Written {
    pub written: usize,
}

fn point(day: Date, milli: i64) -> PointView {
    PointView { date: day.to_string(), value: show_value(milli).parse().unwrap_or(0.0) }
}

pub(crate) fn view(lang: Lang, s: &Series, values: Option<Vec<(Date, i64)>>) -> SeriesView {
    let r = &s.record;
    SeriesView {
        id: s.id,
        code: r.code.clone(),
        name: if lang == Lang::En { r.name_en.clone() } else { r.name_zh.clone() },
        name_zh: r.name_zh.clone(),
        name_en: r.name_en.clone(),
        unit: r.unit.clone(),
        kind: r.kind.code().into(),
        kind_name: r.kind.name(lang).into(),
        source: r.source.clone(),
        frequency: r.frequency.code().into(),
        frequency_name: r.frequency.name(lang).into(),
        count: s.values,
        latest: s.latest.map(|(d, v)| point(d, v)),
        values: values.map(|vs| vs.into_iter().map(|(d, v)| point(d, v)).collect()),
    }
}

/// The caller, if a platform admin; else 401/403.
async fn admin(app: &AppState, lang: Lang, headers: &HeaderMap) -> Result<String, ApiError> {
    let me = writer(app, lang, headers).await?;
    if !app.store.is_platform_admin(me.account_id).await.map_err(|e| ApiError::internal(lang, e))? {
        return Err(forbidden(lang));
    }
    Ok(format!("account:{}", me.account_id))
}

fn day_param(lang: Lang, p: &super::params::Params, key: &'static str) -> Result<Option<Date>, ApiError> {
    match p.get(key).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => wujin_domain::tie::parse_date(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad(lang, "invalid_date", key, msg!("date_form", key, "YYYY-MM-DD"))),
    }
}

/// Every price series, by code, with its latest value.
#[utoipa::path(get, path = "/api/v1/price-series", tag = "prices",
    responses((status = 200, body = SeriesList)))]
pub async fn list(State(app): State<AppState>, ReqLang(lang): ReqLang) -> Result<Json<SeriesList>, ApiError> {
    let all = app.store.price_series().await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<SeriesView> = all.iter().map(|s| view(lang, s, None)).collect();
    let total = items.len();
    Ok(Json(SeriesList { items, next_cursor: None, total }))
}

/// A series and its values from `from` to `to` (inclusive; all when left out).
#[utoipa::path(get, path = "/api/v1/price-series/{id}", tag = "prices",
    params(("id" = i64, Path, minimum = 1, description = "the series"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, body = SeriesView), (status = 400), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    id: super::RawId,
    p: super::params::Params,
) -> Result<Json<SeriesView>, ApiError> {
    let id = super::parse_id(lang, id)?;
    let (from, to) = (day_param(lang, &p, "from")?, day_param(lang, &p, "to")?);
    let internal = |e| ApiError::internal(lang, e);
    let s = app.store.series(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let values = app.store.series_values(id, from, to).await.map_err(internal)?;
    Ok(Json(view(lang, &s, Some(values))))
}

/// Publish a new series (platform admins).
#[utoipa::path(post, path = "/api/v1/price-series", tag = "prices", request_body = SeriesBody,
    responses((status = 201, body = SeriesView), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = admin(&app, lang, &headers).await?;
    let b: SeriesBody = super::body::read_json(lang, &body)?;
    let input = SeriesInput {
        code: &b.code,
        name_zh: &b.name_zh,
        name_en: &b.name_en,
        unit: &b.unit,
        kind: &b.kind,
        source: &b.source,
        frequency: &b.frequency,
    };
    let r = check_series(&input).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    match app.store.put_series(&r, false, &actor).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(SeriesWrite::Created(s) | SeriesWrite::Updated(s)) => {
            Ok((StatusCode::CREATED, Json(view(lang, &s, None))).into_response())
        }
        None => Err(ApiError {
            field: Some("code".into()),
            ..ApiError::new(StatusCode::CONFLICT, "code_taken", lang, msg!("series_code_taken"))
        }),
    }
}

/// Add or correct dated values of a series (platform admins), all or none.
#[utoipa::path(post, path = "/api/v1/price-series/{id}/values", tag = "prices", request_body = ValuesBody,
    params(("id" = i64, Path, minimum = 1, description = "the series")),
    responses((status = 200, body = Written), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn add_values(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<Written>, ApiError> {
    let actor = admin(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: ValuesBody = super::body::read_json(lang, &body)?;
    if b.values.is_empty() || b.values.len() > MAX_VALUES {
        return Err(ApiError::bad(lang, "out_of_range", "values", msg!("values_count", MAX_VALUES)));
    }
    let mut values = Vec::with_capacity(b.values.len());
    for (i, v) in b.values.iter().enumerate() {
        let day = wujin_domain::tie::parse_date(&v.date).ok_or_else(|| {
            ApiError::bad(lang, "invalid_date", &format!("values/{i}/date"), msg!("date_form", "date", "YYYY-MM-DD"))
        })?;
        let value = Some(v.value)
            .filter(|x| x.is_finite())
            .and_then(|x| parse_value(&x.to_string()))
            .ok_or_else(|| ApiError::bad(lang, "out_of_range", &format!("values/{i}/value"), msg!("series_value")))?;
        values.push((day, value));
    }
    let internal = |e| ApiError::internal(lang, e);
    app.store.series(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    let written = app.store.put_values(id, &values, &actor).await.map_err(internal)?;
    Ok(Json(Written { written }))
}
