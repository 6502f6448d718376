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

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use wujin_domain::sheet::{OFFER_COLUMNS, ORG_COLUMNS, offer_to_row, org_to_row};
use wujin_domain::{Lang, msg};
use wujin_store::outbox::settled;

use super::AppState;
use super::error::ApiError;
use super::lang::ReqLang;
use super::views::{OfferView, OrgView};

/// Records read from the store per page of the stream.
const PAGE: i64 = 1000;
/// The header that carries the feed position.
pub const FEED_SEQ: &str = "wujin-feed-seq";

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
        let n = settled(at, &events, wujin_store::now_ms());
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
            for o in &offers {
                match format {
                    Format::Jsonl => {
                        out.extend(serde_json::to_vec(&OfferView::new(o, lang)).ok()?);
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

async fn stream(app: AppState, lang: Lang, kind: Kind, p: super::params::Params) -> Result<Response, ApiError> {
    let format = format_of(lang, &p)?;
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
    let rest = futures_util::stream::unfold(Some(0i64), move |after| {
        let app = app.clone();
        async move {
            let (bytes, last) = page(&app, lang, kind, format, after?).await?;
            Some((Ok::<Bytes, std::io::Error>(bytes), Some(last)))
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
        content((String = "application/x-ndjson"), (String = "text/csv"))), (status = 400)))]
pub async fn orgs(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    p: super::params::Params,
) -> Result<Response, ApiError> {
    stream(app, lang, Kind::Orgs, p).await
}

/// Every offer, streamed (JSON Lines as GET shows them, or CSV in the import's columns).
/// Header `wujin-feed-seq`: read the change feed on from there.
#[utoipa::path(get, path = "/api/v1/export/offers", tag = "registry",
    params(("format" = Option<Format>, Query, description = "jsonl (default) or csv")),
    responses((status = 200, description = "The whole registry's offers, one per line.",
        headers(("wujin-feed-seq" = i64, description = "The change-feed position to read on from.")),
        content((String = "application/x-ndjson"), (String = "text/csv"))), (status = 400)))]
pub async fn offers(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    p: super::params::Params,
) -> Result<Response, ApiError> {
    stream(app, lang, Kind::Offers, p).await
}
