//! `POST /api/v1/match`: a need, as a buyer states it, to the organisations that can serve
//! it — one item per organisation with its best offers and why, in the shape of search.
//!
//! Only `text` is required. Category, family, kind, standards, certificates, quantity (the
//! minimum order must not exceed it), deadline (the lead time must fit before it) and budget
//! narrow the result; `town` is where the need is, and ranks firms there first without
//! leaving out the rest of the cluster.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use wujin_domain::messages::Msg;
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_match::SearchQuery;

use super::error::{ApiError, ErrorBody};
use super::lang::ReqLang;
use super::page::{DEFAULT_LIMIT, MAX_LIMIT};
use super::search::{Narrow, Prepared, SearchPage, answer, decode_offset, text_param};
use super::{AppState, unknown};

/// The most standards or certificates one need may require.
pub const MAX_REQUIRED: usize = 10;

/// A need: "5,000 die-cast aluminium housings by the 20th", "exterior design of a food jar".
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// The need in the buyer's words (required, at most 500 characters).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub text: String,
    /// product, service or capacity.
    pub kind: Option<String>,
    /// Category code or name; subcategories included.
    pub category: Option<String>,
    /// Service family code or name.
    pub family: Option<String>,
    /// Standards the offer must meet, in any spacing.
    #[serde(default)]
    pub standards: Vec<String>,
    /// Certificates the organisation must hold.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Only offers declared with a test report in force for each standard required (for any
    /// standard when none is).
    #[serde(default)]
    pub report: bool,
    /// How many units: offers with a larger minimum order are left out.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub quantity: Option<i64>,
    /// The date it is needed by (YYYY-MM-DD): offers whose lead time does not fit are left out.
    pub deadline: Option<String>,
    /// Budget per unit in fen: offers whose lowest price is above it are left out.
    #[schema(minimum = 0)]
    pub budget_fen: Option<i64>,
    /// Where the need is (town code or name): firms there rank first.
    pub town: Option<String>,
    /// Organisations per page, 1 to 100 (default 20).
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

fn unprocessable(lang: Lang, field: &str, msg: Msg) -> ApiError {
    ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, ..ApiError::bad(lang, "invalid_need", field, msg) }
}

/// Days from today until `deadline`.
fn days_until(lang: Lang, deadline: &str) -> Result<u64, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(deadline.trim(), &format)
        .map_err(|_| ApiError::bad(lang, "invalid_date", "deadline", msg!("date_form", "deadline", "YYYY-MM-DD")))?;
    let today = OffsetDateTime::now_utc().date();
    let days = (date - today).whole_days();
    if days < 0 {
        return Err(unprocessable(lang, "deadline", msg!("deadline_past")));
    }
    Ok(days as u64)
}

/// Match a need to the organisations that can serve it.
///
/// Answers as search does: one item per organisation, pages reaching the first 200 in one
/// order whatever the `limit`, `total` counting organisations.
#[utoipa::path(post, path = "/api/v1/match", tag = "search", request_body = Need,
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn match_need(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<SearchPage>, ApiError> {
    let need: Need = super::body::read_json(lang, &body)?;
    let library = super::search::library_for(&app, lang, !need.standards.is_empty()).await?;
    let mut p = prepare(lang, &need, &library)?;
    if p.log {
        p.town = super::search::searcher_town(&app, &headers).await;
    }
    answer(&app, lang, p, "match").await.map(Json)
}

/// The search a need stands for, every value checked.
pub fn prepare(lang: Lang, need: &Need, library: &wujin_domain::standard::Library) -> Result<Prepared, ApiError> {
    if need.text.trim().is_empty() {
        return Err(ApiError::bad(lang, "required", "text", msg!("need_text_required")));
    }
    let mut q = SearchQuery { text: text_param(lang, "text", &need.text)?, ..Default::default() };
    let mut filters = vec![];
    let mut n = Narrow { lang, q: &mut q, filters: &mut filters };
    if let Some(v) = &need.kind {
        n.kind(v)?;
    }
    if let Some(v) = &need.category {
        n.category(v)?;
    }
    if let Some(v) = &need.family {
        n.family(v)?;
    }
    for (field, list) in [("standards", &need.standards), ("certificates", &need.certificates)] {
        if list.len() > MAX_REQUIRED {
            return Err(ApiError::bad(lang, "too_many", field, msg!("list_too_long", field, MAX_REQUIRED)));
        }
    }
    for (i, s) in need.standards.iter().enumerate() {
        n.standard(&format!("standards/{i}"), s, library)?;
    }
    for (i, c) in need.certificates.iter().enumerate() {
        n.certificate(&format!("certificates/{i}"), c)?;
    }
    if need.report {
        n.reported();
    }
    if need.budget_fen.is_some_and(|b| b < 0) {
        return Err(unprocessable(lang, "budget_fen", msg!("budget_not_negative")));
    }
    n.price(None, need.budget_fen.map(|b| b as u64))?;
    if let Some(d) = &need.deadline {
        n.lead_time(days_until(lang, d)?);
    }
    if let Some(quantity) = need.quantity {
        if !(1..=1_000_000_000_000).contains(&quantity) {
            return Err(unprocessable(lang, "quantity", msg!("quantity_positive")));
        }
        n.filters.push(format!("moq<={quantity}"));
        n.q.quantity = Some(quantity as u64);
    }
    if let Some(town) = &need.town {
        q.near_town = Some(Taxonomy::get().town(town).ok_or_else(|| unknown(lang, "town", town))?.code.clone());
    }
    let limit = match need.limit {
        None => DEFAULT_LIMIT,
        Some(l) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => {
            return Err(ApiError::bad(lang, "invalid_parameter", "limit", msg!("whole_range", "limit", 1, MAX_LIMIT)));
        }
    };
    let offset = decode_offset(lang, need.cursor.as_deref())?;
    Ok(Prepared { query: q, filters, limit: limit as usize, offset, log: offset == 0, town: None })
}
