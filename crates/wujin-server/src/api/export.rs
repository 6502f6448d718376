//! Bulk export for integrators: `GET /api/v1/export/orgs` and `/api/v1/export/offers`
//! stream the whole public registry, JSON Lines (each record as its GET shows it) or CSV
//! (the import's columns under their Chinese headers, as `wujin export` writes them).
//!
//! The response's `wujin-feed-seq` header is a change-feed position from which a mirror
//! reads on without a gap: every change up to it was committed before the export read
//! anything, so the export holds it (and perhaps newer states, which the feed then
//! repeats harmlessly). It is the settled position, not the highest number: on PostgreSQL
//! a higher one may still have a transaction in flight below it.
//!
//! The stream reads the store a page at a time, so memory stays flat whatever the size.
//! Each caller (an API token, a signed-in account, or else a client address) runs at most
//! [`MAX_CONCURRENT`] exports at once; another is 429 until one ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use wujin_domain::sheet::{OFFER_COLUMNS, ORG_COLUMNS, offer_to_row, org_to_row};
use wujin_domain::{Lang, msg};

use super::AppState;
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{OfferView, OrgView};

/// Records read from the store per page of the stream.
const PAGE: i64 = 1000;
/// The header that carries the feed position.
pub const FEED_SEQ: &str = "wujin-feed-seq";
/// Exports one caller may run at the same time.
pub const MAX_CONCURRENT: usize = 2;

/// The exports running now, by caller.
#[derive(Default)]
pub struct ExportSlots {
    held: Mutex<HashMap<String, usize>>,
}

/// One running export's place; it is given back when the stream ends or is dropped.
pub struct Slot {
    slots: Arc<ExportSlots>,
    key: String,
}

impl ExportSlots {
    fn take(self: &Arc<Self>, key: String) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.clone()).or_default();
        if *n >= MAX_CONCURRENT {
            return None;
        }
        *n += 1;
        Some(Slot { slots: self.clone(), key })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// Whom an export counts against: the token, else the signed-in account, else the client's
/// address (as the sign-in limit reads it behind trusted proxies).
async fn caller_key(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Result<String, ApiError> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        super::auth::caller(app, lang, headers).await?;
        return Ok(format!("token:{}", super::auth::token_hash(token.trim())));
    }
    if super::auth::session_token(headers).is_some()
        && let Ok(me) = super::auth::caller(app, lang, headers).await
    {
        return Ok(format!("account:{}", me.account_id));
    }
    Ok(match extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
        Some(peer) => format!("address:{}", app.sign_in_limit.client(peer.0.ip(), headers)),
        None => "address:local".to_string(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Orgs,
    Offers,
}

/// What an export is written as.
#[derive(Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Format {
    Jsonl,
    Csv,
}

/// The feed position every change up to which is committed and readable now.
pub async fn settled_position(app: &AppState) -> Result<i64, wujin_store::StoreError> {
    let floor = app.store.outbox_floor().await?;
    // The index only ever applies settled changes: start the walk from there.
    let from_index = app.index.as_ref().and_then(|i| i.applied_seq().ok()).unwrap_or(0);
    let mut at = floor.max(from_index);
    loop {
        let events = app.store.outbox_after(at, 5000).await?;
        let n = app.store.settled(at, &events).await?;
        if n == 0 {
            return Ok(at);
        }
        at = events[n - 1].seq;
        if n < events.len() {
            return Ok(at);
        }
    }
}

fn format_of(lang: Lang, p: &super::params::Params) -> Result<Format, ApiError> {
    match p.get("format").map(str::trim) {
        None | Some("jsonl") => Ok(Format::Jsonl),
        Some("csv") => Ok(Format::Csv),
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            Err(ApiError::bad(lang, "invalid_parameter", "format", msg!("export_format", shown)))
        }
    }
}

fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    // Writing to memory cannot fail.
    let _ = w.write_record(cells);
    w.into_inner().unwrap_or_default()
}

/// One page of the stream after `after`: the bytes and the last id, or None at the end.
async fn page(app: &AppState, lang: Lang, kind: Kind, format: Format, after: i64) -> Option<(Bytes, i64)> {
    let mut out: Vec<u8> = vec![];
    let last = match kind {
        Kind::Orgs => {
            let orgs = app.store.orgs_after(after, PAGE).await.ok()?;
            for o in &orgs {
                match format {
                    Format::Jsonl => {
                        out.extend(serde_json::to_vec(&OrgView::new(o, lang)).ok()?);
                        out.push(b'\n');
                    }
                    Format::Csv => out.extend(csv_line(&org_to_row(&o.record))),
                }
            }
            orgs.last()?.id
        }
        Kind::Offers => {
            let offers = app.store.offers_after(after, PAGE).await.ok()?;
            let library = match format {
                Format::Jsonl => app.store.library().await.ok()?,
                Format::Csv => Default::default(),
            };
            for o in &offers {
                match format {
                    Format::Jsonl => {
                        out.extend(serde_json::to_vec(&OfferView::new(o, lang, &library)).ok()?);
                        out.push(b'\n');
                    }
                    Format::Csv => out.extend(csv_line(&offer_to_row(&o.record))),
                }
            }
            offers.last()?.id
        }
    };
    Some((Bytes::from(out), last))
}

async fn stream(
    app: AppState,
    lang: Lang,
    kind: Kind,
    p: super::params::Params,
    headers: HeaderMap,
    extensions: Extensions,
) -> Result<Response, ApiError> {
    let format = format_of(lang, &p)?;
    let key = caller_key(&app, lang, &headers, &extensions).await?;
    let slot = app.exports.take(key).ok_or_else(|| {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_exports", lang, msg!("too_many_exports", MAX_CONCURRENT))
    })?;
    let seq = settled_position(&app).await.map_err(|e| ApiError::internal(lang, e))?;
    let head: Vec<u8> = match format {
        Format::Jsonl => vec![],
        Format::Csv => {
            let cols = if kind == Kind::Orgs { ORG_COLUMNS } else { OFFER_COLUMNS };
            let mut h = b"\xEF\xBB\xBF".to_vec();
            h.extend(csv_line(&cols.iter().map(|c| c.zh.to_string()).collect::<Vec<_>>()));
            h
        }
    };
    let first = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from(head)) });
    // The slot travels with the stream and is given back when it ends or is dropped.
    let rest = futures_util::stream::unfold((Some(0i64), slot), move |(after, slot)| {
        let app = app.clone();
        async move {
            let (bytes, last) = page(&app, lang, kind, format, after?).await?;
            Some((Ok::<Bytes, std::io::Error>(bytes), (Some(last), slot)))
        }
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, rest));
    let (content_type, name) = match (format, kind) {
        (Format::Jsonl, Kind::Orgs) => ("application/x-ndjson", "orgs.jsonl"),
        (Format::Jsonl, Kind::Offers) => ("application/x-ndjson", "offers.jsonl"),
        (Format::Csv, Kind::Orgs) => ("text/csv; charset=utf-8", "orgs.csv"),
        (Format::Csv, Kind::Offers) => ("text/csv; charset=utf-8", "offers.csv"),
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(HeaderName::from_static(FEED_SEQ), HeaderValue::from(seq));
    Ok(resp)
}

/// Every organisation, streamed (JSON Lines as GET shows them, or CSV in the import's
/// columns). Header `wujin-feed-seq`: read the change feed on from there.
#[utoipa::path(get, path = "/api/v1/export/orgs", tag = "registry",
    params(("format" = Option<Format>, Query, description = "jsonl (default) or csv")),
    responses((status = 200, description = "The whole registry's organisations, one per line.",
        headers(("wujin-feed-seq" = i64, description = "The change-feed position to read on from.")),
        content((String = "application/x-ndjson"), (String = "text/csv"))), (status = 400), (status = 401), (status = 429)))]
pub async fn orgs(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    extensions: Extensions,
    p: super::params::Params,
) -> Result<Response, ApiError> {
    stream(app, lang, Kind::Orgs, p, headers, extensions).await
}

/// Every offer, streamed (JSON Lines as GET shows them, or CSV in the import's columns).
/// Header `wujin-feed-seq`: read the change feed on from there.
#[utoipa::path(get, path = "/api/v1/export/offers", tag = "registry",
    params(("format" = Option<Format>, Query, description = "jsonl (default) or csv")),
    responses((status = 200, description = "The whole registry's offers, one per line.",
        headers(("wujin-feed-seq" = i64, description = "The change-feed position to read on from.")),
        content((String = "application/x-ndjson"), (String = "text/csv"))), (status = 400), (status = 401), (status = 429)))]
pub async fn offers(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    extensions: Extensions,
    p: super::params::Params,
) -> Result<Response, ApiError> {
    stream(app, lang, Kind::Offers, p, headers, extensions).await
}
