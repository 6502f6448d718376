//! `GET /api/v1/search`: free text plus filters, one item per organisation with its best
//! offers, each with the words that matched, the filters that held and the signals that
//! moved it; facet counts for the filters. `POST /api/v1/match` (in `matching`) answers in
//! the same shape through [`answer`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use wujin_domain::messages::Msg;
use wujin_domain::sheet::normalise_standard;
use wujin_domain::standard::Library;
use wujin_domain::{Lang, OfferKind, Taxonomy, msg};
use wujin_match::{Facets, SearchQuery, Signal};

use super::error::{ApiError, ErrorBody};
use super::lang::ReqLang;
use super::page::limit;
use super::params::Params;
use super::views::Named;
use super::{AppState, unknown};

/// The longest query text, in characters.
pub const MAX_Q: usize = 500;
/// Offers shown under each organisation.
const PER_ORG: usize = 3;
/// Pages reach down to this many organisations (API.md, "Search and matching").
pub const MAX_ORGS: usize = 200;

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// The need in the user's words: 保温杯, 800吨压铸 铝合金, GB/T29606 检测, cordless drill.
    q: Option<String>,
    /// product, service or capacity.
    kind: Option<String>,
    /// Category code or name; subcategories included.
    category: Option<String>,
    /// Service family code or name (rd_design, testing …).
    family: Option<String>,
    /// Town code or name.
    town: Option<String>,
    /// A standard the offer meets, in any spacing.
    standard: Option<String>,
    /// A certificate the organisation holds (ISO 9001, CCC, CNAS …).
    certificate: Option<String>,
    /// `true` (or 1): only offers declared with a test report in force, for the `standard`
    /// asked, else for any standard.
    report: Option<bool>,
    /// The budget per unit in yuan: offers whose price range reaches into [price_min, price_max].
    price_min: Option<String>,
    price_max: Option<String>,
    /// Lead time at most this many days.
    lead_time_max: Option<u32>,
    /// Capacity offers with at least this many machine hours a week.
    hours_min: Option<u32>,
    /// Capacity with a machine free from this instant or day on: RFC 3339, `YYYY-MM-DD
    /// HH:MM` or `YYYY-MM-DD` in Yongkang time (now unless given).
    free_from: Option<String>,
    /// …until this instant or day (a day counts whole); at most 12 weeks ahead (the default).
    free_to: Option<String>,
    /// …for at least this many hours in one window, 1 to 336 (1 unless given). Any of the
    /// three asks for capacity with a free machine.
    #[param(minimum = 1, maximum = 336)]
    free_hours: Option<u32>,
    /// Organisations per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The next_cursor of the previous page.
    cursor: Option<String>,
    /// zh (default) or en.
    lang: Option<String>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct OrgSummary {
    pub id: i64,
    pub name: String,
    pub town: Option<Named>,
    pub certificates: Vec<String>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct OfferSummary {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub category: Named,
    /// Price range per unit in yuan, as text ("18.00–25.00"), when the offer has one.
    pub price: Option<String>,
    /// The same range in fen, lowest and highest.
    pub price_fen: Option<[u64; 2]>,
    /// What the price is per, when the offer says (件, 吨, 小时 …).
    pub unit: Option<Named>,
    pub lead_time_days: Option<i32>,
    pub standards: Vec<String>,
    /// The editions among them declared with a test report in force.
    pub declared: Vec<String>,
    pub score: f32,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct TermMatch {
    pub term: String,
    /// title, body, org_name, test_item (one of a lab's test items), or category (the word
    /// names the offer's category or family).
    pub field: String,
    /// The query word it stands in for, when matched through a synonym ("synonym 真空杯").
    pub via: Option<String>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct SignalEffect {
    /// certificates (the organisation holds `value` of them), same_town, rating (`value`
    /// ratings averaging `detail`), response_rate (`value` per cent of `detail` invitations
    /// answered), verified (its credit code was checked by a platform admin) or specialist
    /// (the need asks for work on a product: `value` 1 when this offer is that work for a
    /// product of the same industry, 0 when the firm's declared industries include it), or
    /// size (the need states a size, 400吨以上 or 500毫升左右, and the offer one in the same
    /// dimension: `value` is how well it fits, in per cent, and `detail` says which sizes, in
    /// both writers' units: "800 T ≥ 400 吨", several joined by "; ").
    pub name: String,
    pub value: Option<u64>,
    /// The figure behind the signal, as text ("4.5/5", "7/9", "520 ml ≈ 500 毫升").
    pub detail: Option<String>,
    /// How much the signal moved the score, to a tenth of a per cent: 0.09 is +9 %, -0.004 is -0.4 %.
    pub effect: f32,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub terms: Vec<TermMatch>,
    /// The filters every offer shown holds ("kind=product").
    pub filters: Vec<String>,
    /// Standards named in the query that this organisation's offers meet.
    pub standards: Vec<String>,
    /// A lab's test items the need names ("保温效能 GB/T 29606-2013 5.3": item, edition,
    /// clause when given).
    pub test_items: Vec<String>,
    pub signals: Vec<SignalEffect>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct SearchItem {
    pub org: OrgSummary,
    pub offers: Vec<OfferSummary>,
    /// Offers of this organisation that match, among the best a search looks at.
    pub matched_offers: usize,
    pub score: f32,
    pub explanation: Explanation,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<SearchItem>,
    /// Matching offers per filter value: kind, category (top-level), family, town, standard,
    /// certificate → {value: count}.
    #[schema(value_type = Object)]
    pub facets: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// The facet counts were counted on a sample of the matching offers (past the first
    /// 20,000, one in eight) and scaled: read them as "about". `offers_total` stays exact.
    pub facets_approximate: bool,
    pub next_cursor: Option<String>,
    /// Organisations found, as `items` counts them, up to the depth pages reach (200); a
    /// lower bound when `total_is_lower_bound` ("200+").
    pub total: usize,
    /// More organisations may match than `total` says: show it as "200+".
    pub total_is_lower_bound: bool,
    /// Offers matching the query and filters.
    pub offers_total: usize,
}

/// A need as the search runs it, with the filters it states in words for the explanation.
pub struct Prepared {
    pub query: SearchQuery,
    pub filters: Vec<String>,
    pub limit: usize,
    pub offset: usize,
    /// Whether the query log hears of it: not a later page, nor a filter link followed.
    pub log: bool,
    /// The town of the signed-in searcher's firm, for the log (never the person or firm).
    pub town: Option<String>,
}

/// The town of the signed-in caller's first firm, if any: where a search is placed in the
/// office's gaps.
pub async fn searcher_town(app: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    let me = super::auth::caller(app, Lang::Zh, headers).await.ok()?;
    let first = app.store.memberships(me.account_id).await.ok()?.into_iter().next()?;
    app.store.org(first.org_id).await.ok()??.record.town
}

fn bad(lang: Lang, field: &str, msg: Msg) -> ApiError {
    ApiError::bad(lang, "invalid_parameter", field, msg)
}

/// Reads yuan ("25", "18.50") as fen, refusing anything else with a 400 naming `field`.
pub fn yuan_param(lang: Lang, field: &str, raw: &str) -> Result<u64, ApiError> {
    match wujin_domain::Fen::parse_yuan(raw) {
        Ok(f) if f.0 >= 0 => Ok(f.0 as u64),
        _ => Err(bad(lang, field, msg!("yuan_param", field))),
    }
}

/// An instant as a search names it: RFC 3339, `YYYY-MM-DD HH:MM` or a day in Yongkang time
/// (its start, or with `day_end` the start of the next day, so that the day counts whole).
fn moment(lang: Lang, field: &str, raw: &str, day_end: bool) -> Result<i64, ApiError> {
    if let Some(day) = wujin_domain::tie::parse_date(raw) {
        let day = if day_end { day.next_day().unwrap_or(day) } else { day };
        return super::machines::instant(lang, field, &format!("{day} 00:00"));
    }
    super::machines::instant(lang, field, raw)
}

fn whole(lang: Lang, field: &str, raw: &str, max: u64) -> Result<u64, ApiError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(bad(lang, field, msg!("whole_range", field, 0, max))),
    }
}

pub fn text_param(lang: Lang, field: &str, raw: &str) -> Result<String, ApiError> {
    if raw.chars().count() > MAX_Q {
        return Err(ApiError::bad(lang, "too_long", field, msg!("search_text_long", field, MAX_Q)));
    }
    Ok(raw.to_string())
}

/// Filter readers shared by search and match: each checks its value against the taxonomy
/// and records it for the explanation.
pub struct Narrow<'a> {
    pub lang: Lang,
    pub q: &'a mut SearchQuery,
    pub filters: &'a mut Vec<String>,
}

impl Narrow<'_> {
    pub fn kind(&mut self, v: &str) -> Result<(), ApiError> {
        let k = Taxonomy::get().offer_kind(v).ok_or_else(|| unknown(self.lang, "kind", v))?;
        self.q.kind = Some(k);
        self.filters.push(format!("kind={}", k.code()));
        Ok(())
    }
    pub fn category(&mut self, v: &str) -> Result<(), ApiError> {
        let t = Taxonomy::get();
        // A family code in the category box is what the user meant by a family.
        if t.category(v).is_none() && t.family(v).is_some() {
            return self.family(v);
        }
        let c = t.category(v).ok_or_else(|| unknown(self.lang, "category", v))?.entry.code.clone();
        self.filters.push(format!("category={c}"));
        self.q.category = Some(c);
        Ok(())
    }
    pub fn family(&mut self, v: &str) -> Result<(), ApiError> {
        let f = Taxonomy::get().family(v).ok_or_else(|| unknown(self.lang, "family", v))?.entry.code.clone();
        self.filters.push(format!("family={f}"));
        self.q.family = Some(f);
        Ok(())
    }
    pub fn town(&mut self, v: &str) -> Result<(), ApiError> {
        let town = Taxonomy::get().town(v).ok_or_else(|| unknown(self.lang, "town", v))?.code.clone();
        self.filters.push(format!("town={town}"));
        self.q.town = Some(town);
        Ok(())
    }
    /// A standard asked for; a number without its year means the edition the stored
    /// `library` has in force, as for an offer citing it.
    pub fn standard(&mut self, field: &str, v: &str, library: &Library) -> Result<(), ApiError> {
        let s = normalise_standard(&library.pin(v)).ok_or_else(|| unknown(self.lang, field, v))?;
        if !self.q.standards.contains(&s) {
            self.filters.push(format!("standard={s}"));
            self.q.standards.push(s);
        }
        Ok(())
    }
    /// Only offers with a test report in force: for each standard asked (call it after
    /// them), else for any.
    pub fn reported(&mut self) {
        if self.q.reported {
            return;
        }
        self.q.reported = true;
        if self.q.standards.is_empty() {
            self.filters.push("report=any".into());
        }
        for s in &self.q.standards {
            self.filters.push(format!("report={s}"));
        }
    }

    pub fn certificate(&mut self, field: &str, v: &str) -> Result<(), ApiError> {
        let c = Taxonomy::get().certificate(v).ok_or_else(|| unknown(self.lang, field, v))?.code.clone();
        if !self.q.certificates.contains(&c) {
            self.filters.push(format!("certificate={c}"));
            self.q.certificates.push(c);
        }
        Ok(())
    }
    pub fn price(&mut self, min: Option<u64>, max: Option<u64>) -> Result<(), ApiError> {
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(bad(self.lang, "price_min", msg!("price_min_above_max")));
        }
        if let Some(lo) = min {
            self.filters.push(format!("price_max>={}", fen_text(lo)));
        }
        if let Some(hi) = max {
            self.filters.push(format!("price_min<={}", fen_text(hi)));
        }
        self.q.price_min = min;
        self.q.price_max = max;
        Ok(())
    }
    pub fn lead_time(&mut self, days: u64) {
        self.filters.push(format!("lead_time_days<={days}"));
        self.q.max_lead_days = Some(days);
    }
    /// "Free between `from` and `to` for at least `hours` in one window", each optional:
    /// from now, to the index's horizon, for an hour.
    pub fn free(&mut self, [from, to, hours]: [Option<&str>; 3], now: i64) -> Result<(), ApiError> {
        use wujin_domain::capacity::{FreeAsk, HORIZON_MS};
        let lang = self.lang;
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let start = given(from).map(|v| moment(lang, "free_from", v, false)).transpose()?.unwrap_or(now).max(now);
        let horizon = now + HORIZON_MS;
        let end = match given(to) {
            None => horizon,
            Some(v) => moment(lang, "free_to", v, true)?,
        };
        if end > horizon + 24 * 3_600_000 {
            return Err(bad(lang, "free_to", msg!("free_horizon", HORIZON_MS / (7 * 24 * 3_600_000))));
        }
        let end = end.min(horizon);
        if end <= start {
            return Err(bad(lang, "free_to", msg!("free_order")));
        }
        let hours = given(hours).map(|v| whole(lang, "free_hours", v, 336)).transpose()?.unwrap_or(1);
        if hours == 0 {
            return Err(bad(lang, "free_hours", msg!("whole_range", "free_hours", 1, 336)));
        }
        let day = |ms: i64| crate::pages::demands::china_time(&super::views::rfc3339(ms));
        self.filters.push(format!("free>={hours}h {}..{}", day(start), day(end)));
        self.q.free = Some(FreeAsk { from: start, to: end, minutes: hours as i64 * 60 });
        if self.q.kind.is_none() {
            self.q.kind = Some(OfferKind::Capacity);
        }
        Ok(())
    }

    pub fn hours(&mut self, hours: u64) {
        self.filters.push(format!("hours_per_week>={hours}"));
        self.q.min_hours = Some(hours);
        if self.q.kind.is_none() {
            self.q.kind = Some(OfferKind::Capacity);
        }
    }
}

fn fen_text(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Reads a search or match cursor.
pub fn decode_offset(lang: Lang, raw: Option<&str>) -> Result<usize, ApiError> {
    super::page::decode_offset(lang, raw, MAX_ORGS)
}

/// Search offers and group them by organisation.
///
/// One item per organisation, in the order of its best offer. Pages reach the first 200
/// organisations, and walking them at any `limit` lists the same organisations in the same
/// order. `total` counts organisations (at most 200; with `total_is_lower_bound` there may be
/// more, shown as "200+"); `offers_total` counts the matching offers.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn search(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: axum::http::HeaderMap,
    p: Params,
) -> Result<Json<SearchPage>, ApiError> {
    let library = library_for(&app, lang, p.get("standard").is_some()).await?;
    let mut prepared = prepare(lang, &p, &library)?;
    if prepared.log {
        prepared.town = searcher_town(&app, &headers).await;
    }
    answer(&app, lang, prepared, "search").await.map(Json)
}

/// The stored standards library when a search names a standard (most do not, and are spared
/// the read); else an empty one, which pins nothing.
pub async fn library_for(app: &AppState, lang: Lang, wanted: bool) -> Result<Library, ApiError> {
    if !wanted {
        return Ok(Library::default());
    }
    app.store.library().await.map_err(|e| ApiError::internal(lang, e))
}

/// The search the query parameters stand for, every value checked (the search page reads
/// the same parameters).
pub fn prepare(lang: Lang, p: &Params, library: &Library) -> Result<Prepared, ApiError> {
    let mut q = SearchQuery { text: text_param(lang, "q", p.get("q").unwrap_or(""))?, ..Default::default() };
    let mut filters = vec![];
    let mut n = Narrow { lang, q: &mut q, filters: &mut filters };
    if let Some(v) = p.get("kind") {
        n.kind(v)?;
    }
    if let Some(v) = p.get("category") {
        n.category(v)?;
    }
    if let Some(v) = p.get("family") {
        n.family(v)?;
    }
    if let Some(v) = p.get("town") {
        n.town(v)?;
    }
    if let Some(v) = p.get("standard") {
        n.standard("standard", v, library)?;
    }
    if let Some(v) = p.get("certificate") {
        n.certificate("certificate", v)?;
    }
    match p.get("report").map(str::trim) {
        None | Some("" | "0" | "false") => {}
        Some("1" | "true") => n.reported(),
        Some(_) => return Err(ApiError::bad(lang, "invalid_parameter", "report", msg!("flag_form", "report"))),
    }
    let min = p.get("price_min").map(|v| yuan_param(lang, "price_min", v)).transpose()?;
    let max = p.get("price_max").map(|v| yuan_param(lang, "price_max", v)).transpose()?;
    n.price(min, max)?;
    if let Some(v) = p.get("lead_time_max") {
        n.lead_time(whole(lang, "lead_time_max", v, 3650)?);
    }
    if let Some(v) = p.get("hours_min") {
        n.hours(whole(lang, "hours_min", v, 168)?);
    }
    let free = [p.get("free_from"), p.get("free_to"), p.get("free_hours")];
    if free.iter().any(|v| v.is_some_and(|v| !v.trim().is_empty())) {
        n.free(free, wujin_store::now_ms())?;
    }
    let offset = decode_offset(lang, p.get("cursor"))?;
    let prepared = Prepared {
        query: q,
        filters,
        limit: limit(lang, p.get("limit"))? as usize,
        offset,
        // The search page marks the links it makes of its own results (`refine=1`).
        log: offset == 0 && p.get("refine").is_none(),
        town: None,
    };
    Ok(prepared)
}

/// One signal as the API shows it; `sizes` is the hit's comparison of its sizes with the
/// need's ("800 T ≥ 400 吨"), the size signal's detail.
fn signal_view(s: Signal, sizes: Option<&str>) -> SignalEffect {
    let effect = ((s.factor() - 1.0) * 1000.0).round() / 1000.0;
    let (name, value, detail) = match s {
        Signal::Certificates(n) => ("certificates", Some(n), None),
        Signal::SameTown => ("same_town", None, None),
        Signal::Rating { tenths, count } => ("rating", Some(count), Some(format!("{}.{}/5", tenths / 10, tenths % 10))),
        Signal::ResponseRate { answered, invited } => {
            ("response_rate", Some(answered * 100 / invited.max(1)), Some(format!("{answered}/{invited}")))
        }
        Signal::Verified => ("verified", None, None),
        Signal::Specialist(done) => ("specialist", Some(done as u64), None),
        Signal::Size(percent) => ("size", Some(percent), sizes.map(str::to_string)),
    };
    SignalEffect { name: name.into(), value, detail, effect }
}

fn facets_view(f: &Facets) -> BTreeMap<&'static str, BTreeMap<String, u64>> {
    let t = Taxonomy::get();
    let mut out: BTreeMap<&'static str, BTreeMap<String, u64>> = BTreeMap::new();
    for (field, values) in &f.fields {
        for (value, n) in values {
            let name = match *field {
                "grp" if t.family(value).is_some() => "family",
                "grp" => "category",
                other => other,
            };
            out.entry(name).or_default().insert(value.clone(), *n);
        }
    }
    for name in ["kind", "category", "family", "town", "standard", "certificate"] {
        out.entry(name).or_default();
    }
    out
}

/// Runs a prepared search and renders one page of organisations. `source` (search or
/// match) is recorded with the query.
pub async fn answer(app: &AppState, lang: Lang, p: Prepared, source: &'static str) -> Result<SearchPage, ApiError> {
    let Some(index) = app.index.clone() else {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "index_unavailable", lang, msg!("index_not_ready")));
    };
    let wanted = p.offset + p.limit;
    let mut query = p.query;
    // The same best offers ranked for every page, whatever its size: organisations are then
    // listed in one order, and walking pages of 7 or of 100 reaches the same ones.
    query.limit = wujin_match::query::MAX_HITS;
    query.facets = true;
    let started = std::time::Instant::now();
    let (offset, limit) = (p.offset, p.limit);
    let (result, query) =
        tokio::task::spawn_blocking(move || (index.search_orgs(&query, offset, limit, PER_ORG), query))
            .await
            .map_err(|e| ApiError::internal(lang, e))?;
    let result = result.map_err(|e| ApiError::internal(lang, e))?;
    // Only a need in words is a search worth remembering: browsing, paging and refining by
    // a filter link are not (and would count as needs that found nothing).
    if let Some(log) = &app.queries
        && p.log
        && !query.text.trim().is_empty()
    {
        log.record(source, &query, &p.filters, result.total, started.elapsed(), p.town.clone());
    }
    let more = result.more && wanted < MAX_ORGS;
    let total = result.orgs_found.min(MAX_ORGS);
    let total_is_lower_bound = result.orgs_found > MAX_ORGS || result.orgs_cut;
    let page = result.orgs;
    // Everything shown comes from the index: a page of results costs no trip to the store.
    let items = page.into_iter().filter_map(|org| item(org, &p.filters, lang)).collect();
    Ok(SearchPage {
        items,
        facets: result.facets.as_ref().map(facets_view).unwrap_or_default(),
        facets_approximate: result.facets.as_ref().is_some_and(|f| f.approximate),
        next_cursor: more.then(|| super::page::encode_offset(wanted)),
        total,
        total_is_lower_bound,
        offers_total: result.total,
    })
}

/// One organisation of a result as the API shows it, read from the index alone; None for one
/// whose offers were not explained.
pub fn item(org: wujin_match::OrgMatch, filters: &[String], lang: Lang) -> Option<SearchItem> {
    let t = Taxonomy::get();
    let first = org.hits.first().and_then(|h| h.shown.as_ref())?;
    let mut explanation = Explanation {
        terms: vec![],
        filters: filters.to_vec(),
        standards: vec![],
        test_items: vec![],
        signals: vec![],
    };
    if let Some(first) = org.hits.first() {
        for &s in &first.signals {
            explanation.signals.push(signal_view(s, first.sizes.as_deref()));
        }
    }
    let mut summaries = vec![];
    for hit in &org.hits {
        let Some(shown) = &hit.shown else { continue };
        summaries.push(OfferSummary {
            id: hit.offer_id as i64,
            kind: shown.kind.clone(),
            title: shown.title.clone(),
            category: Named {
                code: shown.category.clone(),
                name: t.category(&shown.category).map(|c| c.entry.name(lang).to_string()).unwrap_or_default(),
            },
            price: shown.price.map(|(lo, hi)| format!("{}–{}", fen_text(lo), fen_text(hi))),
            price_fen: shown.price.map(|(lo, hi)| [lo, hi]),
            unit: shown.unit.as_deref().map(|u| Named {
                code: u.to_string(),
                name: t.unit(u).map(|e| e.name(lang).to_string()).unwrap_or_else(|| u.to_string()),
            }),
            lead_time_days: shown.lead_time_days.map(|d| d as i32),
            standards: shown.standards.clone(),
            declared: shown.declared.clone(),
            score: hit.score,
        });
        for m in &hit.matched {
            if !explanation.terms.iter().any(|x| x.term == m.term && x.field == m.field) {
                explanation.terms.push(TermMatch {
                    term: m.term.clone(),
                    field: m.field.to_string(),
                    via: m.via.as_ref().map(|v| format!("synonym {v}")),
                });
            }
        }
        for s in &hit.standards {
            if !explanation.standards.contains(s) {
                explanation.standards.push(s.clone());
            }
        }
        for i in &hit.tests {
            if !explanation.test_items.contains(i) {
                explanation.test_items.push(i.clone());
            }
        }
    }
    Some(SearchItem {
        org: OrgSummary {
            id: org.org_id as i64,
            name: first.org_name.clone(),
            town: first
                .town
                .as_deref()
                .and_then(|c| t.town(c))
                .map(|e| Named { code: e.code.clone(), name: e.name(lang).to_string() }),
            certificates: first.certificates.clone(),
        },
        offers: summaries,
        matched_offers: org.matched_offers,
        score: org.score,
        explanation,
    })
}
