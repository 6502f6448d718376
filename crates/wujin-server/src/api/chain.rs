//! The chain's questions through the API.
//!
//! For a firm's members: `GET /api/v1/orgs/{id}/chain` (my inputs, single-sourced first,
//! with local alternatives; my customers), `…/chain/reach` (who is within some steps up or
//! down), `…/chain/outage` (what happens if some firms stop). For the pilot office:
//! `GET /api/v1/chain/outage` and `GET /api/v1/chain/single-source`, as counts under the
//! small-cell rule. What each may see is decided in [`crate::chain::answer`].

use std::collections::{BTreeMap, HashSet};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use wujin_chain::{Direction, MAX_DEPTH};
use wujin_domain::{Lang, Taxonomy, msg};
use wujin_match::SearchQuery;

use super::AppState;
use super::auth::{Caller, caller, forbidden};
use super::error::ApiError;
use super::lang::ReqLang;
use super::params::Params;
use super::search::SearchItem;
use super::ties::{ChainSettings, TieView, view};
use crate::chain::Snapshot;
use crate::chain::alternatives::KEPT;
use crate::chain::answer::{
    self, Asker, FirmRef, GroupBy, OutageView, ReachTier, ReachView, SingleSourceView, firm_ref, input_named,
};

/// Local alternatives shown per input.
pub const ALTERNATIVES: usize = 5;
/// The most firms one outage may stop.
pub const MAX_STOPPED: usize = 50;
/// The longest outage asked about, in weeks (ten years; leave `weeks` out for good).
pub const MAX_WEEKS: f32 = 520.0;
/// The most inputs of one outage that get alternatives.
pub const MAX_INPUTS_WITH_ALTERNATIVES: usize = 10;

async fn snapshot(app: &AppState, lang: Lang) -> Result<std::sync::Arc<Snapshot>, ApiError> {
    app.chain
        .snapshot(&app.store)
        .await
        .map_err(|e| ApiError::internal(lang, e))?
        .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "chain_not_ready", lang, msg!("chain_not_ready")))
}

/// 404 for an unknown firm, 403 unless the caller belongs to it.
async fn member(app: &AppState, lang: Lang, me: &Caller, org: i64) -> Result<wujin_store::orgs::Org, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let o = app.store.org(org).await.map_err(internal)?.ok_or_else(|| ApiError::not_found(lang))?;
    app.store.role_of(me.account_id, org).await.map_err(internal)?.ok_or_else(|| forbidden(lang))?;
    Ok(o)
}

fn flag(lang: Lang, p: &Params, name: &str, default: bool) -> Result<bool, ApiError> {
    match p.get(name).map(str::trim) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(super::unknown(lang, name, other)),
    }
}

fn whole(lang: Lang, p: &Params, name: &str, min: u32, max: u32, default: u32) -> Result<u32, ApiError> {
    match p.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| ApiError::bad(lang, "invalid_value", name, msg!("whole_range", name, min, max))),
    }
}

/// `weeks`: a number of weeks from 0 to [`MAX_WEEKS`]; None (for good) when left out.
fn weeks(lang: Lang, p: &Params) -> Result<Option<f32>, ApiError> {
    match p.get("weeks").map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse::<f32>()
            .ok()
            .filter(|w| w.is_finite() && (0.0..=MAX_WEEKS).contains(w))
            .map(Some)
            .ok_or_else(|| ApiError::bad(lang, "invalid_value", "weeks", msg!("chain_weeks", MAX_WEEKS))),
    }
}

/// `stopped`: 1 to [`MAX_STOPPED`] organisation ids, comma-separated, each in the registry.
async fn stopped(app: &AppState, lang: Lang, p: &Params) -> Result<Vec<i64>, ApiError> {
    let bad = || ApiError::bad(lang, "invalid_value", "stopped", msg!("chain_stopped", MAX_STOPPED));
    let raw = p.get("stopped").ok_or_else(bad)?;
    let mut ids = vec![];
    for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        ids.push(part.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad)?);
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_STOPPED {
        return Err(bad());
    }
    let found = app.store.orgs_by_ids(&ids).await.map_err(|e| ApiError::internal(lang, e))?;
    if found.len() != ids.len() {
        let known: HashSet<i64> = found.iter().map(|o| o.id).collect();
        let missing = ids.iter().find(|i| !known.contains(i)).copied().unwrap_or_default();
        return Err(ApiError::bad(lang, "unknown_org", "stopped", msg!("chain_unknown_org", missing)));
    }
    Ok(ids)
}

/// Offers looked at per input when ranking alternatives: enough to find the best firms.
const ALTERNATIVE_HITS: usize = 300;
/// Organisations read past, per input, looking for ones not excluded.
const MAX_SCANNED: usize = 100;

/// For each input, firms that offer it and are not in `exclude`, ranked by the matching
/// engine (firms in `near_town` first), with its explanation; None for all when the search
/// index cannot answer now. One blocking task for all the inputs, without facets: this runs
/// inside an outage's answer, not as a search page.
async fn alternatives(
    app: &AppState,
    lang: Lang,
    inputs: Vec<String>,
    near_town: Option<String>,
    exclude: &HashSet<i64>,
) -> Vec<Option<Vec<SearchItem>>> {
    let Some(index) = app.index.clone() else { return inputs.iter().map(|_| None).collect() };
    let exclude = exclude.clone();
    let chain = app.chain.clone();
    let n = inputs.len();
    let ranked = tokio::task::spawn_blocking(move || {
        let generation = index.generation();
        inputs
            .into_iter()
            .map(|input| {
                let key = crate::chain::alternatives::key(&input, near_town.as_deref(), lang);
                let shown = |items: &[SearchItem]| -> Vec<SearchItem> {
                    items.iter().filter(|i| !exclude.contains(&i.org.id)).take(ALTERNATIVES).cloned().collect()
                };
                // The ranking kept for this index, if it still has enough firms not excluded.
                if let Some((items, all)) = chain.alternatives.get(&key, generation) {
                    let out = shown(&items);
                    if out.len() == ALTERNATIVES || all {
                        return Some(out);
                    }
                }
                let query = SearchQuery {
                    category: Some(input.clone()),
                    near_town: near_town.clone(),
                    limit: ALTERNATIVE_HITS,
                    ..Default::default()
                };
                let filters = [format!("category={input}")];
                let item = |o| super::search::item(o, &filters, lang);
                let first = index.search_orgs(&query, 0, KEPT, 1).ok()?;
                let all = !first.more;
                let items: Vec<SearchItem> = first.orgs.into_iter().filter_map(item).collect();
                let mut out = shown(&items);
                chain.alternatives.put(key, generation, items, all);
                // Past the kept ones, a page at a time: explaining a hit reads its stored
                // document, so only what may be shown is explained.
                let mut offset = KEPT;
                let mut more = !all;
                while out.len() < ALTERNATIVES && more && offset < MAX_SCANNED {
                    let page = index.search_orgs(&query, offset, ALTERNATIVES * 2, 1).ok()?;
                    more = page.more;
                    out.extend(
                        page.orgs.into_iter().filter(|o| !exclude.contains(&(o.org_id as i64))).filter_map(item),
                    );
                    offset += ALTERNATIVES * 2;
                }
                out.truncate(ALTERNATIVES);
                Some(out)
            })
            .collect::<Vec<_>>()
    })
    .await;
    ranked.unwrap_or_else(|_| (0..n).map(|_| None).collect())
}

/// One input of a firm with its suppliers.
#[derive(Serialize, ToSchema)]
pub struct MyInput {
    pub input: super::views::Named,
    pub stage: super::views::Named,
    /// Its ties in the graph for this input, as the two sides see them.
    pub ties: Vec<TieView>,
    /// Distinct suppliers of it.
    pub suppliers: u32,
    pub single_source: bool,
    /// Every tie of it is stale.
    pub stale: bool,
    /// For a single-sourced input: firms of the cluster that offer it, ranked by the
    /// matching engine; null when not asked for or the search index is not ready.
    pub alternatives: Option<Vec<SearchItem>>,
}

/// One customer of a firm.
#[derive(Serialize, ToSchema)]
pub struct MyCustomer {
    pub customer: FirmRef,
    pub ties: Vec<TieView>,
}

#[derive(Serialize, ToSchema)]
pub struct MyChainView {
    pub org: i64,
    /// Its inputs, single-sourced first.
    pub inputs: Vec<MyInput>,
    pub customers: Vec<MyCustomer>,
    /// Two tiers up (whom it depends on) and down (who depends on it), as counts by sector,
    /// town and input beyond tier 1.
    pub up: Vec<ReachTier>,
    pub down: Vec<ReachTier>,
    pub settings: ChainSettings,
}

/// The most ties of one firm "my chain" reads.
const MY_TIES: i64 = 1000;

/// A firm's own chain (its members): its inputs with their suppliers, single-sourced ones
/// first with local alternatives, its customers, and two tiers each way.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/chain", tag = "chain",
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("fresh_only" = Option<bool>, Query, description = "leave out stale ties (default false)"),
        ("alternatives" = Option<bool>, Query, description = "rank local alternatives for single-sourced inputs (default true)")),
    responses((status = 200, body = MyChainView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 503)))]
pub async fn mine(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: Params,
) -> Result<Json<MyChainView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org_id = super::parse_id(lang, id)?;
    let org = member(&app, lang, &me, org_id).await?;
    let fresh_only = flag(lang, &p, "fresh_only", false)?;
    let with_alternatives = flag(lang, &p, "alternatives", true)?;
    Ok(Json(my_chain(&app, lang, &org, fresh_only, with_alternatives).await?))
}

/// What [`mine`] answers, for the API and the page.
pub async fn my_chain(
    app: &AppState,
    lang: Lang,
    org: &wujin_store::orgs::Org,
    fresh_only: bool,
    with_alternatives: bool,
) -> Result<MyChainView, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let snap = snapshot(app, lang).await?;
    let today = wujin_store::ties::today();
    let ties = app.store.ties_of(org.id, false, None, MY_TIES).await.map_err(internal)?;
    let ties: Vec<_> = ties.into_iter().filter(|t| !(fresh_only && t.is_stale(today))).collect();
    let t = Taxonomy::get();
    let mut inputs: BTreeMap<String, Vec<wujin_store::ties::Tie>> = BTreeMap::new();
    let mut customers: BTreeMap<i64, Vec<wujin_store::ties::Tie>> = BTreeMap::new();
    for tie in ties {
        if tie.customer_org_id == org.id {
            inputs.entry(tie.input.clone()).or_default().push(tie);
        } else {
            customers.entry(tie.customer_org_id).or_default().push(tie);
        }
    }
    let mut mine = vec![];
    // Alternatives leave out the firm itself and its single suppliers.
    let mut exclude: HashSet<i64> = HashSet::from([org.id]);
    for (input, ties) in inputs {
        let suppliers: HashSet<_> = ties
            .iter()
            .map(|t| match &t.supplier {
                wujin_store::ties::SupplierEnd::Org { id, .. } => (Some(*id), String::new()),
                wujin_store::ties::SupplierEnd::Outside { name, region } => (None, format!("{name}\u{1f}{region}")),
            })
            .collect();
        let single = suppliers.len() == 1;
        let stale = ties.iter().all(|x| x.is_stale(today));
        if single {
            exclude.extend(suppliers.iter().filter_map(|(id, _)| *id));
        }
        let stage = t.stage_of(&input);
        mine.push(MyInput {
            input: input_named(&input, lang),
            stage: super::views::Named {
                code: stage.map(|s| s.code.clone()).unwrap_or_default(),
                name: stage.map(|s| s.name(lang).to_string()).unwrap_or_default(),
            },
            suppliers: suppliers.len() as u32,
            single_source: single,
            stale,
            ties: ties.into_iter().map(|x| view(x, lang)).collect(),
            alternatives: None,
        });
    }
    if with_alternatives {
        let wanted: Vec<String> = mine.iter().filter(|i| i.single_source).map(|i| i.input.code.clone()).collect();
        let ranked = alternatives(app, lang, wanted, org.record.town.clone(), &exclude).await;
        for (i, alts) in mine.iter_mut().filter(|i| i.single_source).zip(ranked) {
            i.alternatives = alts;
        }
    }
    mine.sort_by(|a, b| b.single_source.cmp(&a.single_source).then(a.input.code.cmp(&b.input.code)));
    let mut customers_out = vec![];
    for (customer, ties) in customers {
        let node = snap.by_org.get(&customer).map(|n| snap.node(*n));
        let customer = match node {
            Some(n) => firm_ref(n, lang),
            None => FirmRef {
                id: Some(customer),
                name: ties[0].customer_name.clone(),
                sector: None,
                town: None,
                region: None,
            },
        };
        customers_out.push(MyCustomer { customer, ties: ties.into_iter().map(|x| view(x, lang)).collect() });
    }
    // Names in the request's language, where the registry has them.
    if lang == Lang::En {
        let english = |id: Option<i64>, name: &mut String| {
            if let Some(node) = id.and_then(|id| snap.by_org.get(&id)).map(|n| snap.node(*n)) {
                *name = node.name(lang).to_string();
            }
        };
        for i in &mut mine {
            for t in &mut i.ties {
                english(t.supplier.org_id, &mut t.supplier.name);
                english(t.customer.org_id, &mut t.customer.name);
            }
        }
        for c in &mut customers_out {
            for t in &mut c.ties {
                english(t.supplier.org_id, &mut t.supplier.name);
                english(t.customer.org_id, &mut t.customer.name);
            }
        }
    }
    let (public, helps) = app.store.chain_settings(org.id).await.map_err(internal)?;
    let up = answer::reach(&snap, org.id, Direction::Up, 2, fresh_only, lang).tiers;
    let down = answer::reach(&snap, org.id, Direction::Down, 2, fresh_only, lang).tiers;
    Ok(MyChainView {
        org: org.id,
        inputs: mine,
        customers: customers_out,
        up,
        down,
        settings: ChainSettings { public, helps },
    })
}

/// Who is within `depth` steps of a firm (its members): `down` who depends on it, `up`
/// whom it depends on. Tier 1 is named; beyond it, counts by sector, town and input, and the
/// names of firms that made their supply relations public.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/chain/reach", tag = "chain",
    params(("id" = i64, Path, minimum = 1, description = "the firm"),
        ("direction" = Option<String>, Query, description = "down (default) or up"),
        ("depth" = Option<u8>, Query, minimum = 1, maximum = 6, description = "steps, 1 to 6 (default 3)"),
        ("fresh_only" = Option<bool>, Query, description = "leave out stale ties (default false)")),
    responses((status = 200, body = ReachView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 503)))]
pub async fn reach(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: Params,
) -> Result<Json<ReachView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org = super::parse_id(lang, id)?;
    member(&app, lang, &me, org).await?;
    let direction = match p.get("direction").map(str::trim) {
        None | Some("down") => Direction::Down,
        Some("up") => Direction::Up,
        Some(other) => return Err(super::unknown(lang, "direction", other)),
    };
    let depth = whole(lang, &p, "depth", 1, u32::from(MAX_DEPTH), 3)? as u8;
    let fresh_only = flag(lang, &p, "fresh_only", false)?;
    let snap = snapshot(&app, lang).await?;
    Ok(Json(answer::reach(&snap, org, direction, depth, fresh_only, lang)))
}

/// Reads an outage's parameters, runs it as `asker` sees it, and ranks alternatives for the
/// inputs lost.
pub async fn run_outage(
    app: &AppState,
    lang: Lang,
    p: &Params,
    asker_org: Option<&wujin_store::orgs::Org>,
) -> Result<OutageView, ApiError> {
    let weeks = weeks(lang, p)?;
    let fresh_only = flag(lang, p, "fresh_only", false)?;
    let with_alternatives = flag(lang, p, "alternatives", true)?;
    let stopped = stopped(app, lang, p).await?;
    let snap = snapshot(app, lang).await?;
    let asker = match asker_org {
        Some(o) => Asker::Firm { org: o.id, node: snap.by_org.get(&o.id).copied() },
        None => Asker::Office,
    };
    let (mut view, failed) = answer::outage(&snap, &stopped, weeks, fresh_only, asker, lang);
    if with_alternatives {
        // A firm hears of alternatives for its own inputs lost; the office for the inputs
        // lost most widely.
        let wanted: Vec<String> = match &view.mine {
            Some(mine) => mine.inputs.iter().map(|l| l.input.code.clone()).collect(),
            None => view.inputs.iter().take(MAX_INPUTS_WITH_ALTERNATIVES).map(|l| l.input.code.clone()).collect(),
        };
        let near = asker_org.and_then(|o| o.record.town.clone());
        let wanted: Vec<String> =
            view.inputs.iter().filter(|l| wanted.contains(&l.input.code)).map(|l| l.input.code.clone()).collect();
        let ranked = alternatives(app, lang, wanted.clone(), near, &failed).await;
        for (code, alts) in wanted.iter().zip(ranked) {
            if let Some(loss) = view.inputs.iter_mut().find(|l| &l.input.code == code) {
                loss.alternatives = alts;
            }
        }
    }
    Ok(view)
}

/// What happens if some firms stop for some weeks, as a firm's members may see it: each
/// tier of the cascade by sector and town, named only where the firm may know the name;
/// whether this firm fails, and local alternatives for its inputs lost.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/chain/outage", tag = "chain",
    params(("id" = i64, Path, minimum = 1, description = "the firm that asks"),
        ("stopped" = String, Query, description = "ids of the firms that stop, comma-separated (1 to 50)"),
        ("weeks" = Option<f32>, Query, minimum = 0, maximum = 520, description = "how long they stop; for good when left out"),
        ("fresh_only" = Option<bool>, Query, description = "leave out stale ties (default false)"),
        ("alternatives" = Option<bool>, Query, description = "rank local alternatives (default true)")),
    responses((status = 200, body = OutageView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 503)))]
pub async fn firm_outage(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    id: super::RawId,
    p: Params,
) -> Result<Json<OutageView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let org_id = super::parse_id(lang, id)?;
    let org = member(&app, lang, &me, org_id).await?;
    Ok(Json(run_outage(&app, lang, &p, Some(&org)).await?))
}

/// What happens if some firms stop, as the pilot office sees it: counts by tier, sector and
/// town under the small-cell rule, named only for firms that asked the office to help.
#[utoipa::path(get, path = "/api/v1/chain/outage", tag = "chain",
    params(("stopped" = String, Query, description = "ids of the firms that stop, comma-separated (1 to 50)"),
        ("weeks" = Option<f32>, Query, minimum = 0, maximum = 520, description = "how long they stop; for good when left out"),
        ("fresh_only" = Option<bool>, Query, description = "leave out stale ties (default false)"),
        ("alternatives" = Option<bool>, Query, description = "rank local alternatives (default true)")),
    responses((status = 200, body = OutageView), (status = 400), (status = 401), (status = 403), (status = 503)))]
pub async fn office_outage(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: Params,
) -> Result<Json<OutageView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    Ok(Json(run_outage(&app, lang, &p, None).await?))
}

/// Inputs that hang on one supplier across the cluster (the pilot office): counts by the
/// buying firm's sector or town, or by the input's stage or category, under the small-cell
/// rule.
#[utoipa::path(get, path = "/api/v1/chain/single-source", tag = "chain",
    params(("by" = Option<String>, Query, description = "sector (default), town, stage or input"),
        ("fresh_only" = Option<bool>, Query, description = "leave out stale ties (default false)")),
    responses((status = 200, body = SingleSourceView), (status = 400), (status = 401), (status = 403), (status = 503)))]
pub async fn single_source(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: Params,
) -> Result<Json<SingleSourceView>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let by = match p.get("by").map(str::trim) {
        None => GroupBy::Sector,
        Some(raw) => GroupBy::parse(raw).ok_or_else(|| super::unknown(lang, "by", raw))?,
    };
    let fresh_only = flag(lang, &p, "fresh_only", false)?;
    let snap = snapshot(&app, lang).await?;
    Ok(Json(answer::single_source(&snap, by, fresh_only, lang)))
}
