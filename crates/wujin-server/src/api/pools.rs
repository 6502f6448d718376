//! Group purchase (集采): `GET`/`POST /api/v1/pools`, `GET /api/v1/pools/{id}`, `PUT
//! /api/v1/pools/{id}/commitment`, `GET /api/v1/pools/{id}/commitments`, `POST
//! /api/v1/pools/{id}/cancel` and `/extend`.
//!
//! Commitments are sealed like quotes. Everyone signed in reads a pool's terms, its running
//! total and the tier it reaches; a firm reads its own commitment; the organiser reads each
//! firm's quantity only after the close. Officers and rivals read no firm's quantity.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::account::Role;
use wujin_domain::pool::{PoolInput, PoolState, Pricing, Reading, Tier, check_pool, check_quantity, settle};
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_store::pools::{CommitWrite, Commitment, Pool, PoolChange, PoolFilter};

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{Named, rfc3339};

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TierView {
    /// From this total on (in the pool's unit).
    #[schema(minimum = 1)]
    pub min_quantity: i64,
    /// Off the price, in basis points (350 = 3.5 %).
    #[schema(minimum = 1, maximum = 9999)]
    pub discount_bp: i64,
}

/// The price as computed at the close (or as it would be now, for an open pool).
#[derive(Clone, Serialize, ToSchema)]
pub struct PriceView {
    pub unit_price_fen: i64,
    /// The tier reached (its place in `tiers`), if any.
    pub tier: Option<usize>,
    pub discount_bp: i64,
    /// The formula with the numbers that went in, in the request's language.
    pub formula: String,
    /// The series value used and its day, if pegged to one.
    pub series_value: Option<f64>,
    pub series_day: Option<String>,
    /// The settlement day is still ahead: the price will be recomputed then.
    pub provisional: bool,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct MyCommitment {
    pub org: Named,
    /// 0 once withdrawn.
    pub quantity: i64,
    pub version: i64,
    /// RFC 3339.
    pub updated_at: String,
    pub allocated: Option<i64>,
    pub unit_price_fen: Option<i64>,
    pub total_fen: Option<i64>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct PoolView {
    pub id: i64,
    pub organiser: Named,
    pub supplier: Option<Named>,
    pub spec: String,
    pub category: Named,
    pub unit: Named,
    pub lot_size: i64,
    /// all_units or cumulative.
    pub tier_mode: String,
    pub tier_mode_name: String,
    pub tiers: Vec<TierView>,
    /// quoted (a series in money per unit), indexed (an index against a base) or fixed.
    pub pricing: String,
    pub series: Option<Named>,
    /// The series' id (`GET /price-series/{id}`).
    pub series_id: Option<i64>,
    pub base_price_fen: Option<i64>,
    pub base_date: Option<String>,
    pub fixed_price_fen: Option<i64>,
    pub fee_fen: i64,
    /// YYYY-MM-DD; null: the day the pool closes.
    pub settlement_date: Option<String>,
    /// RFC 3339.
    pub deadline: String,
    pub min_total: i64,
    pub cap: Option<i64>,
    pub delivery_from: String,
    pub delivery_to: String,
    /// open, allocated, failed or cancelled.
    pub state: String,
    pub state_name: String,
    pub extended: bool,
    /// The running total of standing commitments.
    pub committed_total: i64,
    /// How many firms stand committed.
    pub firms: i64,
    /// The tier the running total reaches (its place in `tiers`), if any.
    pub current_tier: Option<usize>,
    /// How much more would reach the next tier.
    pub to_next_tier: Option<i64>,
    pub allocated_total: Option<i64>,
    /// At the close, the price stamped; while open, the price the running total would
    /// earn on the latest value (indicative).
    pub price: Option<PriceView>,
    pub cancel_reason: Option<String>,
    /// The caller's own organisations' commitments.
    pub mine: Vec<MyCommitment>,
    /// Whether the caller acts for the organiser.
    pub organiser_view: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PoolList {
    pub items: Vec<PoolView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A pool as an organiser opens it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolBody {
    /// The organiser: an organisation the caller owns or administers.
    #[schema(minimum = 1)]
    pub org_id: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub spec: String,
    /// A taxonomy category code (materials.aluminium_ingot).
    pub category: String,
    /// A taxonomy unit code (t, kg, pcs).
    pub unit: String,
    #[schema(minimum = 1)]
    pub lot_size: i64,
    /// all_units (default) or cumulative.
    pub tier_mode: Option<String>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub tiers: Vec<TierView>,
    /// The series the price is pegged to; or give `fixed_price_fen`.
    #[schema(minimum = 1)]
    pub series_id: Option<i64>,
    /// For an index series: the price on the base date.
    pub base_price_fen: Option<i64>,
    /// For an index series: YYYY-MM-DD.
    pub base_date: Option<String>,
    pub fixed_price_fen: Option<i64>,
    #[serde(default)]
    pub fee_fen: i64,
    /// YYYY-MM-DD; left out: the day the pool closes.
    pub settlement_date: Option<String>,
    /// A day (its end, Yongkang time), "YYYY-MM-DD HH:MM", or RFC 3339.
    pub deadline: String,
    #[serde(default)]
    pub min_total: i64,
    pub cap: Option<i64>,
    /// YYYY-MM-DD.
    pub delivery_from: String,
    /// YYYY-MM-DD.
    pub delivery_to: String,
    /// The firm that delivers, if the pool names one.
    #[schema(minimum = 1)]
    pub supplier_org: Option<i64>,
}

/// A firm's commitment: a quantity in whole lots; 0 withdraws it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentBody {
    #[schema(minimum = 1)]
    pub org_id: i64,
    #[schema(minimum = 0)]
    pub quantity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentVersion {
    pub version: i64,
    pub quantity: i64,
    /// RFC 3339.
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentView {
    pub org: Named,
    pub quantity: i64,
    pub version: i64,
    pub updated_at: String,
    pub allocated: Option<i64>,
    pub unit_price_fen: Option<i64>,
    pub total_fen: Option<i64>,
    /// Every version, oldest first (for the caller's own firms).
    pub versions: Option<Vec<CommitmentVersion>>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentList {
    pub items: Vec<CommitmentView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    /// The new deadline, later than the current one.
    pub deadline: String,
}

fn named(code: impl ToString, name: impl Into<String>) -> Named {
    Named { code: code.to_string(), name: name.into() }
}

fn price_view(lang: Lang, s: &wujin_domain::pool::Stamp) -> PriceView {
    PriceView {
        unit_price_fen: s.unit_price_fen,
        tier: s.tier,
        discount_bp: s.discount_bp,
        formula: s.formula(lang),
        series_value: s.reading.map(|r| wujin_domain::pool::show_value(r.value_milli).parse().unwrap_or(0.0)),
        series_day: s.reading.map(|r| r.day.to_string()),
        provisional: s.provisional,
    }
}

fn mine_view(c: &Commitment) -> MyCommitment {
    MyCommitment {
        org: named(c.org_id, c.org_name.clone()),
        quantity: c.quantity,
        version: c.version,
        updated_at: rfc3339(c.updated_at),
        allocated: c.allocated,
        unit_price_fen: c.unit_price_fen,
        total_fen: c.total_fen,
    }
}

/// The price an open pool's running total would earn on the latest values (indicative).
async fn indicative(app: &AppState, p: &Pool) -> Result<Option<wujin_domain::pool::Stamp>, wujin_store::StoreError> {
    let r = &p.record;
    let today = wujin_store::ties::today();
    let reading = match r.pricing.series() {
        None => None,
        Some(series) => {
            let Some((day, value)) = app.store.reading(series, today).await? else { return Ok(None) };
            let base = match r.pricing {
                Pricing::Indexed { base_date, .. } => app.store.reading(series, base_date).await?.map(|(_, v)| v),
                _ => None,
            };
            Some(Reading { value_milli: value, day, base_value_milli: base })
        }
    };
    Ok(settle(&r.pricing, reading, r.tier_mode, &r.tiers, r.fee_fen, p.committed_total, true))
}

/// The pool as someone acting for `orgs` (the caller's organisations) may see it.
pub(crate) async fn view(app: &AppState, lang: Lang, orgs: &[i64], p: &Pool) -> Result<PoolView, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let tax = Taxonomy::get();
    let r = &p.record;
    let mut mine = vec![];
    for org in orgs {
        if let Some(c) = app.store.commitment(p.id, *org).await.map_err(internal)? {
            mine.push(mine_view(&c));
        }
    }
    let series = match r.pricing.series() {
        Some(id) => app.store.series(id).await.map_err(internal)?.map(|s| {
            let name = if lang == Lang::En { s.record.name_en.clone() } else { s.record.name_zh.clone() };
            named(s.record.code, name)
        }),
        None => None,
    };
    let current_tier = wujin_domain::pool::tier_reached(&r.tiers, p.committed_total);
    let next = r.tiers.iter().find(|t| t.min_quantity > p.committed_total);
    let price = match (&p.stamp, p.state) {
        (Some(s), _) => Some(price_view(lang, s)),
        (None, PoolState::Open) => indicative(app, p).await.map_err(internal)?.map(|s| price_view(lang, &s)),
        _ => None,
    };
    let (base_price_fen, base_date, fixed_price_fen, pricing) = match r.pricing {
        Pricing::Quoted { .. } => (None, None, None, "quoted"),
        Pricing::Indexed { base_price_fen, base_date, .. } => {
            (Some(base_price_fen), Some(base_date.to_string()), None, "indexed")
        }
        Pricing::Fixed { price_fen } => (None, None, Some(price_fen), "fixed"),
    };
    Ok(PoolView {
        id: p.id,
        organiser: named(p.organiser_org, p.organiser_name.clone()),
        supplier: r.supplier_org.map(|s| named(s, p.supplier_name.clone().unwrap_or_default())),
        spec: r.spec.clone(),
        category: named(
            &r.category,
            tax.category(&r.category).map(|c| c.entry.name(lang).to_string()).unwrap_or_else(|| r.category.clone()),
        ),
        unit: named(&r.unit, tax.unit(&r.unit).map(|u| u.name(lang).to_string()).unwrap_or_else(|| r.unit.clone())),
        lot_size: r.lot_size,
        tier_mode: r.tier_mode.code().into(),
        tier_mode_name: r.tier_mode.name(lang).into(),
        tiers: r.tiers.iter().map(|t| TierView { min_quantity: t.min_quantity, discount_bp: t.discount_bp }).collect(),
        pricing: pricing.into(),
        series,
        series_id: r.pricing.series(),
        base_price_fen,
        base_date,
        fixed_price_fen,
        fee_fen: r.fee_fen,
        settlement_date: r.settlement_date.map(|d| d.to_string()),
        deadline: rfc3339(r.deadline_ms),
        min_total: r.min_total,
        cap: r.cap,
        delivery_from: r.delivery_from.to_string(),
        delivery_to: r.delivery_to.to_string(),
        state: p.state.code().into(),
        state_name: p.state.name(lang).into(),
        extended: p.extended,
        committed_total: p.committed_total,
        firms: p.firms,
        current_tier,
        to_next_tier: if p.state == PoolState::Open { next.map(|t| t.min_quantity - p.committed_total) } else { None },
        allocated_total: p.allocated_total,
        price,
        cancel_reason: p.cancel_reason.clone(),
        mine,
        organiser_view: orgs.contains(&p.organiser_org),
    })
}

/// The pool as the caller sees it (one pool: its organisations read for it).
async fn view_for(app: &AppState, lang: Lang, me: &Caller, p: &Pool) -> Result<PoolView, ApiError> {
    view(app, lang, &super::auth::org_ids(app, lang, me).await?, p).await
}

/// The pool, or 404.
async fn found(app: &AppState, lang: Lang, id: i64) -> Result<Pool, ApiError> {
    app.store.pool_by_id(id).await.map_err(|e| ApiError::internal(lang, e))?.ok_or_else(|| ApiError::not_found(lang))
}

/// 403 unless the caller owns or administers `org`.
async fn manages(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<(), ApiError> {
    match app.store.role_of(me.account_id, org).await.map_err(|e| ApiError::internal(lang, e))? {
        Some(Role::Owner | Role::Admin) => Ok(()),
        _ => Err(forbidden(lang)),
    }
}

/// Pools, open ones first (soonest deadline first), then the rest newest first.
#[utoipa::path(get, path = "/api/v1/pools", tag = "pools",
    params(("state" = Option<String>, Query, description = "open, allocated, failed or cancelled"),
        ("category" = Option<String>, Query, description = "a category code (and those below it)"),
        ("mine" = Option<bool>, Query, description = "only pools the caller's firms organise or committed to")),
    responses((status = 200, body = PoolList), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<PoolList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let state = match p.get("state").map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(PoolState::from_code(v).ok_or_else(|| super::unknown(lang, "state", v))?),
    };
    let category = match p.get("category").map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            Some(Taxonomy::get().category(v).ok_or_else(|| super::unknown(lang, "category", v))?.entry.code.clone())
        }
    };
    let mine = match p.get("mine").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => return Err(super::unknown(lang, "mine", v)),
    };
    let internal = |e| ApiError::internal(lang, e);
    // The caller's organisations, read once for the whole list.
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let mut pools = if mine {
        let mut all = vec![];
        for org in &orgs {
            let f = PoolFilter { state, category: category.clone(), organiser_org: Some(*org), committed_by: None };
            all.extend(app.store.pools(&f, 200).await.map_err(internal)?);
        }
        let f = PoolFilter { state, category, organiser_org: None, committed_by: Some(orgs.clone()) };
        all.extend(app.store.pools(&f, 200).await.map_err(internal)?);
        all.sort_by_key(|p| {
            (p.state != PoolState::Open, if p.state == PoolState::Open { p.record.deadline_ms } else { -p.id })
        });
        all.dedup_by_key(|p| p.id);
        all
    } else {
        app.store.pools(&PoolFilter { state, category, ..Default::default() }, 200).await.map_err(internal)?
    };
    pools.truncate(200);
    let mut items = Vec::with_capacity(pools.len());
    for pool in &pools {
        items.push(view(&app, lang, &orgs, pool).await?);
    }
    let total = items.len();
    Ok(Json(PoolList { items, next_cursor: None, total }))
}

/// A pool: its terms, the running total and tier, the caller's own commitments.
#[utoipa::path(get, path = "/api/v1/pools/{id}", tag = "pools",
    params(("id" = i64, Path, minimum = 1, description = "the pool")),
    responses((status = 200, body = PoolView), (status = 400), (status = 401), (status = 404)))]
pub async fn get(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<PoolView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let pool = found(&app, lang, id).await?;
    Ok(Json(view_for(&app, lang, &me, &pool).await?))
}

/// Reads and checks a pool's terms, resolving its series.
pub(crate) async fn terms(
    app: &AppState,
    lang: Lang,
    b: &PoolBody,
) -> Result<wujin_domain::pool::PoolRecord, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let series = match b.series_id {
        None => None,
        Some(id) => {
            let s = app.store.series(id).await.map_err(internal)?.ok_or_else(|| ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..ApiError::bad(lang, "unknown_series", "series_id", msg!("series_unknown"))
            })?;
            Some((s.id, s.record.kind))
        }
    };
    let deadline_ms = super::demands::deadline_ms(lang, &b.deadline)?;
    let input = PoolInput {
        spec: &b.spec,
        category: &b.category,
        unit: &b.unit,
        lot_size: b.lot_size,
        tier_mode: b.tier_mode.as_deref(),
        tiers: b.tiers.iter().map(|t| Tier { min_quantity: t.min_quantity, discount_bp: t.discount_bp }).collect(),
        series,
        base_price_fen: b.base_price_fen,
        base_date: b.base_date.as_deref(),
        fixed_price_fen: b.fixed_price_fen,
        fee_fen: b.fee_fen,
        settlement_date: b.settlement_date.as_deref(),
        deadline_ms,
        min_total: b.min_total,
        cap: b.cap,
        delivery_from: &b.delivery_from,
        delivery_to: &b.delivery_to,
        supplier_org: b.supplier_org,
    };
    let r = check_pool(&input, wujin_store::now_ms()).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    if let Pricing::Indexed { series, base_date, .. } = r.pricing
        && app.store.reading(series, base_date).await.map_err(internal)?.is_none()
    {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "no_base_value", "base_date", msg!("pool_no_base_value"))
        });
    }
    if let Some(s) = r.supplier_org
        && !app.store.org_exists(s).await.map_err(internal)?
    {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "unknown_org", "supplier_org", msg!("pool_supplier_unknown"))
        });
    }
    Ok(r)
}

/// Open a pool for a firm the caller owns or administers: a manufacturer, or a provider of
/// the supply and procurement family. Firms with offers or demands in its category are told.
#[utoipa::path(post, path = "/api/v1/pools", tag = "pools", request_body = PoolBody,
    responses((status = 201, body = PoolView), (status = 400), (status = 401), (status = 403), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let b: PoolBody = super::body::read_json(lang, &body)?;
    manages(&app, lang, &me, b.org_id).await?;
    let internal = |e| ApiError::internal(lang, e);
    if app.store.may_organise_pool(b.org_id).await.map_err(internal)? != Some(true) {
        return Err(ApiError {
            field: Some("org_id".into()),
            ..ApiError::new(StatusCode::FORBIDDEN, "not_an_organiser", lang, msg!("pool_organiser_kind"))
        });
    }
    let r = terms(&app, lang, &b).await?;
    let pool = app.store.create_pool(b.org_id, me.account_id, &r).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(view_for(&app, lang, &me, &pool).await?)).into_response())
}

/// Commit, revise or (with 0) withdraw a firm's quantity, until the deadline; every version
/// is kept. A commitment that arrives as the deadline passes either lands before the close
/// or is refused with 409 `pool_closed`.
#[utoipa::path(put, path = "/api/v1/pools/{id}/commitment", tag = "pools", request_body = CommitmentBody,
    params(("id" = i64, Path, minimum = 1, description = "the pool")),
    responses((status = 200, body = MyCommitment), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn commit(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<MyCommitment>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: CommitmentBody = super::body::read_json(lang, &body)?;
    let pool = found(&app, lang, id).await?;
    manages(&app, lang, &me, b.org_id).await?;
    if b.quantity != 0 {
        check_quantity(b.quantity, pool.record.lot_size).map_err(|e| super::accounts::field_error(lang, e))?;
    }
    let internal = |e| ApiError::internal(lang, e);
    match app.store.commit_to_pool(id, b.org_id, me.account_id, b.quantity).await.map_err(internal)? {
        CommitWrite::Done(c) => Ok(Json(mine_view(&c))),
        CommitWrite::Closed => Err(ApiError::new(StatusCode::CONFLICT, "pool_closed", lang, msg!("pool_closed"))),
        CommitWrite::NotCommitted => {
            Err(ApiError::new(StatusCode::CONFLICT, "not_committed", lang, msg!("pool_not_committed")))
        }
    }
}

/// The commitments the caller may read: its own firms' (with every version) and, for the
/// organiser once the pool has closed, every firm's with its allocation and price.
#[utoipa::path(get, path = "/api/v1/pools/{id}/commitments", tag = "pools",
    params(("id" = i64, Path, minimum = 1, description = "the pool")),
    responses((status = 200, body = CommitmentList), (status = 400), (status = 401), (status = 404)))]
pub async fn commitments(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<CommitmentList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let pool = found(&app, lang, id).await?;
    let internal = |e| ApiError::internal(lang, e);
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let unsealed = pool.state != PoolState::Open && orgs.contains(&pool.organiser_org);
    let all = app.store.commitments(id).await.map_err(internal)?;
    let mut items = vec![];
    for c in all.iter().filter(|c| unsealed || orgs.contains(&c.org_id)) {
        let versions = if orgs.contains(&c.org_id) {
            let vs = app.store.commitment_versions(id, c.org_id).await.map_err(internal)?;
            Some(
                vs.into_iter()
                    .map(|v| CommitmentVersion { version: v.version, quantity: v.quantity, at: rfc3339(v.at) })
                    .collect(),
            )
        } else {
            None
        };
        items.push(CommitmentView {
            org: named(c.org_id, c.org_name.clone()),
            quantity: c.quantity,
            version: c.version,
            updated_at: rfc3339(c.updated_at),
            allocated: c.allocated,
            unit_price_fen: c.unit_price_fen,
            total_fen: c.total_fen,
            versions,
        });
    }
    let total = items.len();
    Ok(Json(CommitmentList { items, next_cursor: None, total }))
}

/// The organiser's owners and admins may change an open pool.
async fn organiser(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    id: super::RawId,
) -> Result<(Caller, Pool), ApiError> {
    let me = writer(app, lang, headers).await?;
    let id = super::parse_id(lang, id)?;
    let pool = found(app, lang, id).await?;
    manages(app, lang, &me, pool.organiser_org).await?;
    Ok((me, pool))
}

fn changed(lang: Lang, c: PoolChange) -> Result<(), ApiError> {
    match c {
        PoolChange::Done => Ok(()),
        PoolChange::NotFound => Err(ApiError::not_found(lang)),
        PoolChange::Refused => Err(ApiError::new(StatusCode::CONFLICT, "pool_not_open", lang, msg!("pool_not_open"))),
    }
}

/// Cancel an open pool: every commitment is released and every firm told why.
#[utoipa::path(post, path = "/api/v1/pools/{id}/cancel", tag = "pools", request_body = CancelBody,
    params(("id" = i64, Path, minimum = 1, description = "the pool")),
    responses((status = 200, body = PoolView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn cancel(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<PoolView>, ApiError> {
    let (me, pool) = organiser(&app, lang, &headers, id).await?;
    let b: CancelBody = super::body::read_json(lang, &body)?;
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::bad(lang, "out_of_range", "reason", msg!("pool_reason")));
    }
    let internal = |e| ApiError::internal(lang, e);
    changed(lang, app.store.cancel_pool(pool.id, me.account_id, reason).await.map_err(internal)?)?;
    let pool = found(&app, lang, pool.id).await?;
    Ok(Json(view_for(&app, lang, &me, &pool).await?))
}

/// Move an open pool's deadline later, once.
#[utoipa::path(post, path = "/api/v1/pools/{id}/extend", tag = "pools", request_body = ExtendBody,
    params(("id" = i64, Path, minimum = 1, description = "the pool")),
    responses((status = 200, body = PoolView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn extend(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<PoolView>, ApiError> {
    let (me, pool) = organiser(&app, lang, &headers, id).await?;
    let b: ExtendBody = super::body::read_json(lang, &body)?;
    let deadline = super::demands::deadline_ms(lang, &b.deadline)?;
    let internal = |e| ApiError::internal(lang, e);
    changed(lang, app.store.extend_pool(pool.id, me.account_id, deadline).await.map_err(internal)?)?;
    let pool = found(&app, lang, pool.id).await?;
    Ok(Json(view_for(&app, lang, &me, &pool).await?))
}
