//! The change feed: `GET /api/v1/changes?since=SEQ`, for integrators who keep a copy of the
//! registry in step without scraping it.
//!
//! The feed is the outbox read in commit order. Every change of a resource the feed shows
//! has its own row, with what happened (create, update, delete) and the revision it left; a
//! change in how a resource reads made by another's write (a firm's new name or town, shown
//! on each of its offers) has a row too. A page carries `next`, the last sequence number
//! scanned: a reader that asks again from `next` gets every change exactly once, in order.
//!
//! Never skipping: on PostgreSQL, sequence numbers are taken when a row is written, not when
//! its transaction commits, so a later number can be visible before an earlier one. The feed
//! stops before a hole younger than [`wujin_store::outbox::GAP_GRACE_MS`] (the earlier transaction may still
//! commit) and steps over older ones (rolled back), exactly as the search index's follower
//! does. A page may therefore end early and `next` stay put for a moment.
//!
//! Retention: rows older than the retention (90 days by default) are pruned; a `since`
//! below what was pruned is 410 `gone`, and the reader starts again from an export.
//!
//! Who sees what: exactly what the caller would see through GET. Organisations and offers
//! are public, so their changes are the same for every caller; a demand's change shows only
//! to a caller whose GET of it answers (its own firm's, a published one open to the caller's
//! firms), read through that very handler, so the feed cannot show more than GET does.
//! Sealed quotes are no type of the feed. Other topics of the outbox (standing,
//! engagements) are internal and never shown, but `next` moves past them.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use wujin_domain::{Lang, msg};
use wujin_store::outbox::Event;

use super::AppState;
use super::auth::{Caller, caller};
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{OfferView, OrgView, rfc3339};

/// The most changes one page holds: API.md's exception for feeds (every other list stops at
/// 100). The shared conventions check knows no exceptions, so CI names this one
/// (`.ci/conventions-exceptions`).
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;
/// The longest a request waits for a change to arrive.
pub const MAX_WAIT_S: u64 = 25;
/// Outbox rows read per look: internal rows are skipped, so a page of visible changes may
/// need more rows than it holds.
const SCAN: i64 = 5000;
/// How often a waiting request looks again.
const POLL: Duration = Duration::from_millis(200);

/// The resource types the feed shows.
pub const TYPES: [&str; 3] = ["org", "offer", "demand"];

/// One change.
#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    /// Its place in the feed: resume after it with `since`.
    pub seq: i64,
    /// `org`, `offer` or `demand`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
    /// `create`, `update` or `delete` (a tombstone: no resource).
    pub op: String,
    /// The resource's revision after the change; absent on changes recorded before the
    /// feed existed.
    pub revision: Option<i64>,
    /// When the change was written (RFC 3339).
    pub at: String,
    /// The resource as its GET shows it now (which may be newer than this change: it then
    /// appears again later); null for a delete, or when it was deleted since.
    #[schema(value_type = Option<Object>)]
    pub resource: Option<Resource>,
}

/// A resource as its GET shows it, rendered straight into the page (no intermediate JSON
/// value: at a thousand changes a page that copy was a sixth of the time).
#[derive(Clone, Serialize)]
#[serde(untagged)]
pub enum Resource {
    Org(OrgView),
    Offer(OfferView),
    Demand(super::demands::DemandView),
}

#[derive(Serialize, ToSchema)]
pub struct ChangesPage {
    pub items: Vec<ChangeView>,
    /// The last sequence number scanned, visible to the caller or not: ask again with
    /// `since` = `next`.
    pub next: i64,
    /// `next` as the text every list of this API pages with (pass it as `since`). A feed
    /// has no last page, so it is never null.
    pub next_cursor: String,
}

fn bad(lang: Lang, field: &str, m: wujin_domain::messages::Msg) -> ApiError {
    ApiError::bad(lang, "invalid_parameter", field, m)
}

struct Query {
    since: i64,
    limit: i64,
    types: Vec<&'static str>,
    wait: u64,
}

fn read_query(lang: Lang, p: &super::params::Params) -> Result<Query, ApiError> {
    let since = match p.get("since") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad(lang, "since", msg!("whole_range", "since", 0, i64::MAX)))?,
    };
    let limit = match p.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad(lang, "limit", msg!("whole_range", "limit", 1, MAX_LIMIT)))?,
    };
    let wait = match p.get("wait") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= MAX_WAIT_S)
            .ok_or_else(|| bad(lang, "wait", msg!("whole_range", "wait", 0, MAX_WAIT_S)))?,
    };
    let types = match p.get("types") {
        None => TYPES.to_vec(),
        Some(v) => {
            let mut out = vec![];
            for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let known = TYPES.iter().find(|k| **k == t).ok_or_else(|| {
                    let shown: String = t.chars().take(40).collect();
                    bad(lang, "types", msg!("feed_unknown_type", shown, TYPES.join(", ")))
                })?;
                if !out.contains(known) {
                    out.push(*known);
                }
            }
            out
        }
    };
    Ok(Query { since, limit, types, wait })
}

/// The changes after `since` that may be read now, up to `limit` the caller sees, and the
/// last sequence number scanned.
async fn read(
    app: &AppState,
    lang: Lang,
    me: Option<&Caller>,
    q: &Query,
    since: i64,
) -> Result<(Vec<ChangeView>, i64), ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let mut next = since;
    let mut items: Vec<ChangeView> = vec![];
    let mut scanned = 0;
    // Read a page's worth of rows at a time, on until the page is full, the settled
    // changes end, or SCAN rows were read (internal rows in between are skipped).
    let chunk = q.limit.max(200);
    loop {
        let mut events: Vec<Event> = app.store.outbox_after(next, chunk).await.map_err(internal)?;
        let read = events.len();
        let n = app.store.settled(next, &events).await.map_err(internal)?;
        events.truncate(n);
        scanned += n as i64;
        let last = events.last().map(|e| e.seq);
        events.retain(|e| q.types.contains(&e.topic.as_str()));
        let seen = views(app, lang, me, &events).await?;
        let room = (q.limit as usize).saturating_sub(items.len());
        if seen.len() >= room {
            // The page fills here: it ends at the last change it holds.
            items.extend(seen.into_iter().take(room));
            next = items.last().map(|c| c.seq).unwrap_or(next);
            break;
        }
        items.extend(seen);
        next = last.unwrap_or(next);
        if n < read || (read as i64) < chunk || scanned >= SCAN {
            break;
        }
    }
    Ok((items, next))
}

/// `events` (of the feed's types) as the caller sees them, in their order: each resource as
/// its GET shows it to `me` now (None: anonymous). A demand the caller's GET would not
/// answer is left out; a delete is a tombstone.
pub(crate) async fn views(
    app: &AppState,
    lang: Lang,
    me: Option<&Caller>,
    events: &[Event],
) -> Result<Vec<ChangeView>, ApiError> {
    let internal = |e| ApiError::internal(lang, e);
    let ids = |topic: &str| -> Vec<i64> {
        let mut ids: Vec<i64> =
            events.iter().filter(|e| e.topic == topic && e.op != "delete").map(|e| e.entity_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut now: HashMap<(&str, i64), Resource> = HashMap::new();
    for o in app.store.orgs_by_ids(&ids("org")).await.map_err(internal)? {
        now.insert(("org", o.id), Resource::Org(OrgView::new(&o, lang)));
    }
    let offers = app.store.offers_by_ids(&ids("offer")).await.map_err(internal)?;
    if !offers.is_empty() {
        let library = app.store.library().await.map_err(internal)?;
        for o in offers {
            now.insert(("offer", o.id), Resource::Offer(OfferView::new(&o, lang, &library)));
        }
    }
    // A demand as the caller's own GET answers it (through the same check); one it does not
    // answer is not shown, and an anonymous caller's GET answers none.
    let mut hidden = vec![];
    for id in ids("demand") {
        let Some(me) = me else {
            hidden.push(id);
            continue;
        };
        match super::demands::visible(app, lang, me, id).await {
            Ok((d, _)) => {
                now.insert(("demand", id), Resource::Demand(super::demands::view(d, lang)));
            }
            Err(e) if e.status.is_client_error() => hidden.push(id),
            Err(e) => return Err(e),
        }
    }
    let shown: Vec<&Event> = events
        .iter()
        .filter(|e| TYPES.contains(&e.topic.as_str()))
        .filter(|e| !(e.topic == "demand" && hidden.contains(&e.entity_id)))
        .collect();
    // A resource changed twice in one page shows (its present state) at both changes: the
    // last of them takes the rendered view, the others a copy.
    let mut uses: HashMap<(&str, i64), usize> = HashMap::new();
    for e in &shown {
        *uses.entry((e.topic.as_str(), e.entity_id)).or_default() += 1;
    }
    Ok(shown
        .into_iter()
        .map(|e| {
            // Rows written before the feed existed say only "upsert".
            let op = if e.op == "upsert" { "update".to_string() } else { e.op.clone() };
            let key = (e.topic.as_str(), e.entity_id);
            let left = uses.get_mut(&key).map(|n| {
                *n -= 1;
                *n
            });
            let resource = match (op.as_str(), left) {
                ("delete", _) => None,
                (_, Some(0)) => now.remove(&key),
                _ => now.get(&key).cloned(),
            };
            ChangeView {
                seq: e.seq,
                kind: e.topic.clone(),
                id: e.entity_id,
                op,
                revision: e.revision,
                at: rfc3339(e.at),
                resource,
            }
        })
        .collect())
}

/// The changes of public resources after `since`, in commit order.
#[utoipa::path(get, path = "/api/v1/changes", tag = "registry",
    description = "Changes of organisations, offers and demands (those the caller's GET shows) in commit order, up to 1,000 a page (100 unless `limit` says otherwise). Resume with `since` = the page's `next` to get every change exactly once: the feed holds back at a hole in the sequence younger than 30 s (a transaction that may still commit on PostgreSQL), so a page may end early. `wait` (up to 25 s) holds the request until a change arrives. A `since` older than the retention (90 days) is 410 `gone`: start again from an export.",
    params(
        ("since" = Option<i64>, Query, minimum = 0, description = "The last sequence number seen (0: from the start)."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1 to 1,000 (default 100)."),
        ("types" = Option<String>, Query, pattern = "^(org|offer|demand)(,(org|offer|demand))*$", description = "A comma list of org, offer, demand (default all)."),
        ("wait" = Option<i64>, Query, minimum = 0, maximum = 25, description = "Seconds to wait for a change when there is none (default 0).")
    ),
    responses((status = 200, body = ChangesPage), (status = 400), (status = 410)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<ChangesPage>, ApiError> {
    let q = read_query(lang, &p)?;
    // Anonymous unless the request proves who it is; credentials that prove nobody read as
    // anonymous too (the feed's public part), as a demand's GET would refuse them.
    let me = match caller(&app, lang, &headers).await {
        Ok(me) => Some(me),
        Err(e) if e.status.is_server_error() => return Err(e),
        Err(_) => None,
    };
    let floor = app.store.outbox_floor().await.map_err(|e| ApiError::internal(lang, e))?;
    if q.since < floor {
        return Err(ApiError {
            field: Some("since".into()),
            ..ApiError::new(StatusCode::GONE, "gone", lang, msg!("feed_gone", q.since, floor))
        });
    }
    let until = tokio::time::Instant::now() + Duration::from_secs(q.wait);
    let mut since = q.since;
    loop {
        let (items, next) = read(&app, lang, me.as_ref(), &q, since).await?;
        if !items.is_empty() || tokio::time::Instant::now() + POLL > until {
            return Ok(Json(ChangesPage { items, next, next_cursor: next.to_string() }));
        }
        since = next;
        tokio::time::sleep(POLL).await;
    }
}
