//! A firm's supply ties: `GET`/`POST /api/v1/orgs/{id}/ties` (its ties, both directions;
//! declare one), `POST /api/v1/ties/{id}/confirm|reject|end|reaffirm`, and `GET`/`PUT
//! /api/v1/orgs/{id}/chain-settings` (who may see its ties named).
//!
//! A tie is its two firms' secret ([`wujin_domain::tie::disclosure`]): anyone else gets 404 for
//! it, as for anything they may not know exists. A tie written here meets the rules of a row
//! of `wujin import ties`: the body is laid out as the row's cells and checked by
//! `wujin_domain::tie::tie_from_cells`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::sheet::Cells;
use wujin_domain::tie::{Side, Supplier, TieAction, TieSource, tie_from_cells};
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_store::ties::{NewTie, SupplierEnd, SupplierRef, Tie, TieError, today};

use super::AppState;
use super::auth::{Caller, caller, forbidden, writer};
use super::error::ApiError;
use super::lang::ReqLang;

/// A code with its display name in the request's language.
#[derive(Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

/// One end of a tie.
#[derive(Serialize, ToSchema)]
pub struct TieEnd {
    /// The firm in the registry; null for a supplier outside the cluster.
    pub org_id: Option<i64>,
    pub name: String,
    /// Where an outside supplier is (浙江 宁波); null for a firm of the registry.
    pub region: Option<String>,
}

/// A supply tie as its two firms see it.
#[derive(Serialize, ToSchema)]
pub struct TieView {
    pub id: i64,
    pub supplier: TieEnd,
    pub customer: TieEnd,
    /// The input category the supplier delivers.
    pub input: Named,
    /// Its place on the chain (材料, 零部件, 工艺, 整机, 渠道 or 服务).
    pub stage: Named,
    /// Per cent of this input from this supplier.
    pub share: Option<i64>,
    /// Weeks of this input the customer keeps in stock.
    pub buffer_weeks: Option<f64>,
    /// A calendar day, YYYY-MM-DD.
    pub since: String,
    pub until: Option<String>,
    /// declared, engagement or operator.
    pub source: String,
    /// supplier or customer, for a declared tie.
    pub declared_by: Option<String>,
    /// declared, confirmed, rejected or ended.
    pub state: String,
    /// The latest day the tie was shown to be true (declared, confirmed, said again, or a
    /// completed engagement between the two).
    pub last_evidence: String,
    /// The last evidence is older than 13 months: the tie still counts, flagged.
    pub stale: bool,
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TiePage {
    pub items: Vec<TieView>,
    pub next_cursor: Option<String>,
}

/// A tie as a firm declares it: the supplier by credit code (a firm of the registry) or by
/// name and region (outside the cluster); the customer by credit code (the path's firm when
/// left out). The path's firm must be one of the two sides.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TieBody {
    #[schema(max_length = 18)]
    pub supplier_uscc: Option<String>,
    #[schema(max_length = 100)]
    pub supplier_name: Option<String>,
    #[schema(max_length = 60)]
    pub region: Option<String>,
    #[schema(max_length = 18)]
    pub customer_uscc: Option<String>,
    /// A category code or name (parts.flask_lid, 杯盖, cap.vacuum_evacuation).
    #[schema(min_length = 1, max_length = 60)]
    pub input: String,
    /// Per cent of the input, 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub share: Option<i64>,
    /// Weeks of stock, 0 to 104, at most one decimal.
    #[schema(minimum = 0, maximum = 104)]
    pub buffer_weeks: Option<f64>,
    /// YYYY-MM-DD; today when left out.
    #[schema(max_length = 10)]
    pub since: Option<String>,
    /// YYYY-MM-DD.
    #[schema(max_length = 10)]
    pub until: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TieRevision {
    /// The revision the caller saw (or send it as `If-Match`); without it the action applies
    /// to the tie as it is.
    pub revision: Option<i64>,
}

/// Who may see a firm's ties named beyond the two sides.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainSettings {
    /// 公开我的供应关系: other firms see this firm named in their chains.
    pub public: bool,
    /// 让试点办帮我找替代供应商: the pilot office sees this firm named, to help find other
    /// suppliers.
    pub helps: bool,
}

fn day(d: time::Date) -> String {
    d.to_string()
}

pub(crate) fn view(t: Tie, lang: Lang) -> TieView {
    let tax = Taxonomy::get();
    let named = |code: &str, e: Option<&wujin_domain::taxonomy::Entry>| Named {
        code: e.map_or(code, |e| e.code.as_str()).to_string(),
        name: e.map_or(code, |e| e.name(lang)).to_string(),
    };
    let input = named(&t.input, tax.category(&t.input).map(|c| &c.entry));
    let stage = named("", tax.stage_of(&t.input));
    let stale = t.is_stale(today());
    let supplier = match t.supplier {
        SupplierEnd::Org { id, name, .. } => TieEnd { org_id: Some(id), name, region: None },
        SupplierEnd::Outside { name, region } => TieEnd { org_id: None, name, region: Some(region) },
    };
    TieView {
        id: t.id,
        supplier,
        customer: TieEnd { org_id: Some(t.customer_org_id), name: t.customer_name, region: None },
        input,
        stage,
        share: t.share.map(i64::from),
        buffer_weeks: t.buffer_weeks.map(|b| f64::from(b.tenths()) / 10.0),
        since: day(t.since),
        until: t.until.map(day),
        source: match t.source {
            TieSource::Declared => "declared",
            TieSource::Engagement => "engagement",
            TieSource::Operator => "operator",
            TieSource::Pool => "pool",
        }
        .into(),
        declared_by: t.declared_by.map(|s| match s {
            Side::Supplier => "supplier".to_string(),
            Side::Customer => "customer".to_string(),
        }),
        state: t.state.code().into(),
        last_evidence: day(t.last_evidence),
        stale,
        revision: t.revision,
    }
}

/// The caller's role in `org` when it is at least a member (404 for an unknown firm, 403
/// for a firm the caller is not in).
pub(super) async fn member(
    app: &AppState,
    lang: Lang,
    me: &Caller,
    org: i64,
) -> Result<wujin_domain::account::Role, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    app.store.org(org).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    app.store.role_of(me.account_id, org).await.map_err(internal)?.ok_or_else(|| forbidden(lang))
}

/// A firm's ties in both directions, newest first (its members); `history=true` adds the
/// rejected and ended ones.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/ties", tag = "chain",
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("history" = Option<bool>, Query, description = "also rejected and ended ties (default false)"),
        ("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = TiePage), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: super::params::Params,
) -> Result<Json<TiePage>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org = super::parse_id(lang, id)?;
    member(&app, lang, &me, org).await?;
    let history = match p.get("history").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(super::unknown(lang, "history", other)),
    };
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let rows = app.store.ties_of(org, history, before, limit + 1).await.map_err(|e| ApiError::internal(lang, e))?;
    let more = rows.len() as i64 > limit;
    let items: Vec<TieView> = rows.into_iter().take(limit as usize).map(|t| view(t, lang)).collect();
    let next_cursor = if more { items.last().map(|t| super::page::encode_cursor(t.id)) } else { None };
    Ok(Json(TiePage { items, next_cursor }))
}

/// Declare a tie of this firm (its owners and admins): as the customer naming a supplier,
/// or as the supplier naming a customer. It waits for the other side to confirm; saying an
/// open tie again renews it instead of adding a second.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/ties", tag = "chain", request_body = TieBody,
    params(("id" = i64, Path, minimum = 1, description = "the firm")),
    responses((status = 201, body = TieView), (status = 200, body = TieView), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn declare(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let org_id = super::parse_id(lang, id)?;
    let internal = |e| ApiError::internal(lang, e);
    let org = super::offer_writes::keeper(&app, lang, &me, org_id).await?;
    let b: TieBody = super::accounts::read(lang, &body)?;
    let mine = org.record.uscc.to_string();
    let cells = Cells::from_pairs([
        ("supplier_uscc", b.supplier_uscc.clone()),
        ("supplier_name", b.supplier_name.clone()),
        ("region", b.region.clone()),
        ("customer_uscc", Some(b.customer_uscc.clone().unwrap_or_else(|| mine.clone()))),
        ("input", Some(b.input.clone())),
        ("share", b.share.map(|s| s.to_string())),
        ("buffer_weeks", b.buffer_weeks.map(|w| w.to_string())),
        ("since", b.since.clone()),
        ("until", b.until.clone()),
    ]);
    let r = tie_from_cells(&cells).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let side = match &r.supplier {
        _ if r.customer.to_string() == mine => Side::Customer,
        Supplier::Member { uscc } if uscc.to_string() == mine => Side::Supplier,
        _ => return Err(ApiError::bad(lang, "not_your_tie", "customer_uscc", msg!("tie_not_yours"))),
    };
    let mut codes = vec![r.customer.to_string()];
    if let Supplier::Member { uscc } = &r.supplier {
        codes.push(uscc.to_string());
    }
    let ids = app.store.org_ids_by_uscc(&codes).await.map_err(internal)?;
    let unknown = |field: &str| ApiError::bad(lang, "unknown_org", field, msg!("tie_unknown_org"));
    let customer_org_id = ids.get(&r.customer.to_string()).ok_or_else(|| unknown("customer_uscc"))?.0;
    let supplier = match &r.supplier {
        Supplier::Member { uscc } => {
            SupplierRef::Org(ids.get(&uscc.to_string()).ok_or_else(|| unknown("supplier_uscc"))?.0)
        }
        Supplier::Outside { name, region } => SupplierRef::Outside { name: name.clone(), region: region.clone() },
    };
    let new = NewTie::of(r, supplier, customer_org_id, TieSource::Declared, Some(side));
    let tie = app.store.declare_tie(&new, &format!("account:{}", me.account_id), today()).await.map_err(internal)?;
    let status = if tie.revision == 1 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view(tie, lang))).into_response())
}

async fn act(
    app: AppState,
    lang: Lang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
    action: TieAction,
) -> Result<Json<TieView>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, id)?;
    let b: TieRevision = super::read_optional(lang, &body)?;
    let revision = match (b.revision, headers.contains_key(axum::http::header::IF_MATCH)) {
        (None, false) => None,
        _ => Some(super::revision(lang, &headers, b.revision)?),
    };
    let internal = |e| ApiError::internal(lang, e);
    let tie = app.store.tie(id).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    // The caller acts for the side it may act for; a member of a side who may not act is
    // refused, and anyone on neither side does not learn that the tie exists.
    let (mut acting, mut member) = (None, false);
    for org in [Some(tie.customer_org_id), tie.supplier_org_id()].into_iter().flatten() {
        match app.store.role_of(me.account_id, org).await.map_err(internal)? {
            Some(r) if r.may_act() => {
                acting = Some(org);
                break;
            }
            Some(_) => member = true,
            None => {}
        }
    }
    let org = match (acting, member) {
        (Some(org), _) => org,
        (None, true) => return Err(forbidden(lang)),
        (None, false) => return Err(ApiError::not_found(lang)),
    };
    match app.store.act_on_tie(id, org, action, revision, &format!("account:{}", me.account_id), today()).await {
        Ok(t) => Ok(Json(view(t, lang))),
        Err(TieError::NotFound | TieError::NotAParty) => Err(ApiError::not_found(lang)),
        Err(TieError::Conflict { .. }) => Err(super::demands::stale(lang)),
        Err(TieError::Refused(r)) => Err(super::demands::refused(lang, r)),
        Err(TieError::Store(e)) => Err(internal(e)),
    }
}

/// The other side confirms a declared tie.
#[utoipa::path(post, path = "/api/v1/ties/{id}/confirm", tag = "chain", request_body = Option<TieRevision>,
    params(("id" = i64, Path, minimum = 1, description = "the tie")),
    responses((status = 200, body = TieView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn confirm(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TieView>, ApiError> {
    act(app, lang, headers, id, body, TieAction::Confirm).await
}

/// The other side says a declared tie is not true: it leaves the graph, kept in history.
#[utoipa::path(post, path = "/api/v1/ties/{id}/reject", tag = "chain", request_body = Option<TieRevision>,
    params(("id" = i64, Path, minimum = 1, description = "the tie")),
    responses((status = 200, body = TieView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn reject(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TieView>, ApiError> {
    act(app, lang, headers, id, body, TieAction::Reject).await
}

/// Either side ends a tie: it leaves the graph, kept in history.
#[utoipa::path(post, path = "/api/v1/ties/{id}/end", tag = "chain", request_body = Option<TieRevision>,
    params(("id" = i64, Path, minimum = 1, description = "the tie")),
    responses((status = 200, body = TieView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn end(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TieView>, ApiError> {
    act(app, lang, headers, id, body, TieAction::End).await
}

/// Either side says a tie is still true: fresh evidence, so it is not stale.
#[utoipa::path(post, path = "/api/v1/ties/{id}/reaffirm", tag = "chain", request_body = Option<TieRevision>,
    params(("id" = i64, Path, minimum = 1, description = "the tie")),
    responses((status = 200, body = TieView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn reaffirm(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<TieView>, ApiError> {
    act(app, lang, headers, id, body, TieAction::Reaffirm).await
}

/// Who may see this firm's ties named (its members read it).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/chain-settings", tag = "chain",
    params(("id" = i64, Path, minimum = 1, description = "the firm")),
    responses((status = 200, body = ChainSettings), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn settings(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
) -> Result<Json<ChainSettings>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org = super::parse_id(lang, id)?;
    member(&app, lang, &me, org).await?;
    let (public, helps) = app.store.chain_settings(org).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(ChainSettings { public, helps }))
}

/// Set who may see this firm's ties named (its owners and admins). Both are off until the
/// firm turns them on.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/chain-settings", tag = "chain", request_body = ChainSettings,
    params(("id" = i64, Path, minimum = 1, description = "the firm")),
    responses((status = 200, body = ChainSettings), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn set_settings(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    body: Bytes,
) -> Result<Json<ChainSettings>, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let org = super::offer_writes::keeper(&app, lang, &me, super::parse_id(lang, id)?).await?;
    let b: ChainSettings = super::accounts::read(lang, &body)?;
    let actor = format!("account:{}", me.account_id);
    app.store.set_chain_settings(org.id, b.public, b.helps, &actor).await.map_err(|e| ApiError::internal(lang, e))?;
    Ok(Json(b))
}
