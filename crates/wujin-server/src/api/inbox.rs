//! `GET /api/v1/inbox`: what the caller's organisations should know (invitations, responses
//! unsealed at the deadline, awards, work marked done, ratings), newest first, with the count
//! unread; `POST /api/v1/inbox/{id}/read` marks one read. Items never carry sealed content.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::{caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;

#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    pub id: i64,
    /// The organisation the item is for.
    pub org_id: i64,
    /// invitation, unsealed, awarded, not_awarded, cancelled, completed, rated, webhook_disabled, report_due,
    /// problem_due (a problem's deadline nears or passed), supervision (a task or problem).
    pub kind: String,
    pub demand_id: Option<i64>,
    /// The demand's title.
    pub demand_title: Option<String>,
    pub engagement_id: Option<i64>,
    /// The other firm: the buyer who invited, awarded or cancelled; the other side of the
    /// work that was completed or rated. None for news of one's own demand.
    pub other_org: Option<super::views::Named>,
    /// What the item is about (the demand's title, how many responses, a score, a reason).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The item in the request's language, naming the demand and the other firm.
    pub text: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
    pub unread: i64,
}

/// One line for an item, in the request's language, from the pages' message catalogue: every
/// kind names its demand, and the other firm where there is one.
pub fn text(lang: wujin_domain::Lang, i: &wujin_store::inbox::Item) -> String {
    let say = |key: &str, args: &[String]| crate::pages::catalogue::text(lang, key, args);
    let d = &i.detail;
    let title = i.demand_title.clone().or_else(|| d["title"].as_str().map(str::to_string)).unwrap_or_default();
    let other = i.counterpart.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| say("inbox_someone", &[]));
    match i.kind.as_str() {
        "unsealed" => say("inbox_unsealed", &[title, d["responses"].as_i64().unwrap_or(0).to_string()]),
        "rated" => say("inbox_rated", &[other, title, d["score"].as_i64().unwrap_or(0).to_string()]),
        "cancelled" => match d["reason_code"].as_str().and_then(wujin_domain::demand::CancelReason::from_code) {
            // A cancellation says why, in the reader's language, and the buyer's note.
            Some(reason) => {
                let words = reason.name(lang);
                let note = match d["reason_text"].as_str() {
                    Some(n) => say("inbox_cancel_note", &[n.to_string()]),
                    None => String::new(),
                };
                say("inbox_cancelled_reason", &[other, title, words, note])
            }
            None => say("inbox_cancelled", &[other, title]),
        },
        "webhook_disabled" => {
            let reason = d["reason"].as_str().unwrap_or("failing");
            let url = d["url"].as_str().unwrap_or_default().to_string();
            say("inbox_webhook_disabled", &[url, say(&format!("webhook_reason_{reason}"), &[])])
        }
        "report_due" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            say("inbox_report_due", &[text("month"), text("due")])
        }
        "problem_due" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            let stage = d["stage"].as_str().unwrap_or("week");
            say(&format!("inbox_problem_due_{stage}"), &[title, text("deadline")])
        }
        "pool" => pool_text(lang, d, title),
        "booking" => {
            let start =
                d["start"].as_i64().map(|ms| crate::pages::demands::china_time(&crate::api::views::rfc3339(ms)));
            let event = d["event"].as_str().unwrap_or("requested");
            say(&format!("inbox_booking_{event}"), &[title, start.unwrap_or_default()])
        }
        "standard" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            let sep = say("list_separator", &[]);
            let offers: Vec<String> = d["offers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["title"].as_str().map(String::from))
                .collect();
            let count = d["offers_total"].as_i64().unwrap_or(offers.len() as i64).to_string();
            match d["replaced_by"].as_str() {
                Some(by) => {
                    let from = d["applies_from"].as_str().map(String::from).unwrap_or_else(|| "—".into());
                    let labs: Vec<String> = d["labs"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l["name"].as_str().map(String::from))
                        .collect();
                    let labs = match labs.is_empty() {
                        true => say("inbox_standard_no_labs", &[]),
                        false => say("inbox_standard_labs", &[labs.join(&sep)]),
                    };
                    let args = [text("standard"), by.to_string(), from, count, offers.join(&sep), labs];
                    say("inbox_standard_replaced", &args)
                }
                None => say("inbox_standard_withdrawn", &[text("standard"), count, offers.join(&sep)]),
            }
        }
        "test_booking" => {
            let event = d["event"].as_str().unwrap_or("requested");
            let id = d["test_booking"].as_i64().unwrap_or(0).to_string();
            // A rating says its score where a step says its day.
            let on = match d["score"].as_i64() {
                Some(score) => score.to_string(),
                None => d["confirmed_on"].as_str().unwrap_or("—").to_string(),
            };
            say(&format!("inbox_test_{event}"), &[id, on])
        }
        "accreditation" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            match d["state"].as_str() {
                Some("verified") => say("inbox_accreditation_verified", &[text("scheme"), text("number")]),
                _ => say("inbox_accreditation_rejected", &[text("scheme"), text("number"), text("reason")]),
            }
        }
        "declaration" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            match d["stage"].as_str() {
                Some("lapsed") => say("inbox_declaration_lapsed", &[title, text("standard"), text("valid_until")]),
                _ => {
                    let left = d["days_left"].as_i64().unwrap_or(0).to_string();
                    say("inbox_declaration_expiring", &[title, text("standard"), text("valid_until"), left])
                }
            }
        }
        "certificate" => {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            let code = text("certificate");
            let name =
                wujin_domain::Taxonomy::get().certificate(&code).map(|e| e.name(lang).to_string()).unwrap_or(code);
            match d["stage"].as_str() {
                Some("lapsed") => say("inbox_certificate_lapsed", &[name, text("valid_until")]),
                _ => {
                    let left = d["days_left"].as_i64().unwrap_or(0).to_string();
                    say("inbox_certificate_expiring", &[name, text("valid_until"), left])
                }
            }
        }
        "supervision" if d["task"].is_i64() => say("inbox_supervision_task", &[title]),
        "supervision" => say("inbox_supervision_problem", &[title]),
        kind => say(&format!("inbox_{kind}"), &[other, title]),
    }
}

/// A pool's news: the event, and what it says (quantity and price, the stage of a reminder,
/// the reason of a cancellation).
fn pool_text(lang: wujin_domain::Lang, d: &serde_json::Value, title: String) -> String {
    let say = |key: &str, args: &[String]| crate::pages::catalogue::text(lang, key, args);
    let num = |k: &str| d[k].as_i64().map(|v| v.to_string()).unwrap_or_default();
    let price = d["unit_price_fen"].as_i64().map(wujin_domain::pool::yuan).unwrap_or_else(|| "—".into());
    match d["event"].as_str().unwrap_or("opened") {
        "allocated" => {
            let key = if d["provisional"].as_bool() == Some(true) {
                "inbox_pool_allocated_provisional"
            } else {
                "inbox_pool_allocated"
            };
            say(key, &[title, num("allocated"), num("committed"), price])
        }
        "settled" => say("inbox_pool_settled", &[title, price]),
        "failed" => say("inbox_pool_failed", &[title, num("total")]),
        "closed" => say("inbox_pool_closed", &[title, num("allocated_total"), num("firms")]),
        "cancelled" => say("inbox_pool_cancelled", &[title, d["reason"].as_str().unwrap_or_default().to_string()]),
        "extended" => {
            let at = d["deadline"]
                .as_i64()
                .map(|ms| crate::pages::demands::china_time(&crate::api::views::rfc3339(ms)))
                .unwrap_or_default();
            say("inbox_pool_extended", &[title, at])
        }
        "due" if d["stage"] == "1d" => say("inbox_pool_due_1d", &[title]),
        "due" => say("inbox_pool_due_3d", &[title]),
        _ => say("inbox_pool_opened", &[title]),
    }
}

/// The inbox of the caller's organisations.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "demands",
    params(("limit" = Option<u32>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Inbox), (status = 400), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    p: super::params::Params,
) -> Result<Json<Inbox>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    let limit = super::page::limit(lang, p.get("limit"))?;
    let before = super::page::decode_cursor(lang, p.get("cursor"))?;
    let internal = |e| ApiError::internal(lang, e);
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    let mut rows = app.store.inbox(&orgs, before, limit + 1).await.map_err(internal)?;
    if lang == wujin_domain::Lang::En {
        // An English reader reads the other firm by its English name, where it gave one.
        let ids: Vec<i64> = rows.iter().filter_map(|i| i.counterpart.as_ref().map(|(id, _)| *id)).collect();
        let english = app.store.org_names_en(&ids).await.map_err(internal)?;
        for (id, name) in rows.iter_mut().filter_map(|i| i.counterpart.as_mut()) {
            if let Some(en) = english.get(id) {
                *name = en.clone();
            }
        }
    }
    let more = rows.len() as i64 > limit;
    let items: Vec<InboxItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|i| InboxItem {
            text: text(lang, &i),
            id: i.id,
            org_id: i.org_id,
            kind: i.kind,
            demand_id: i.demand_id,
            demand_title: i.demand_title,
            engagement_id: i.engagement_id,
            other_org: i.counterpart.map(|(id, name)| super::views::Named { code: id.to_string(), name }),
            detail: i.detail,
            at: super::views::rfc3339(i.at),
            read: i.read,
        })
        .collect();
    let next_cursor = if more { items.last().map(|i| super::page::encode_cursor(i.id)) } else { None };
    let unread = app.store.unread(&orgs).await.map_err(internal)?;
    Ok(Json(Inbox { items, next_cursor, unread }))
}

/// Mark an item read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "demands",
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn read(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    raw: super::RawId,
) -> Result<StatusCode, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    let id = super::parse_id(lang, raw)?;
    let internal = |e| ApiError::internal(lang, e);
    let orgs = super::auth::org_ids(&app, lang, &me).await?;
    if app.store.mark_read(id, &orgs).await.map_err(internal)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(lang))
    }
}

#[cfg(test)]
mod tests {
    use wujin_domain::Lang;
    use wujin_store::inbox::{Item, Kind};

    use super::text;

    const KINDS: [Kind; 7] = [
        Kind::Invitation,
        Kind::Unsealed,
        Kind::Awarded,
        Kind::NotAwarded,
        Kind::Cancelled,
        Kind::Completed,
        Kind::Rated,
    ];

    fn item(kind: Kind, detail: serde_json::Value, other: bool) -> Item {
        Item {
            id: 1,
            org_id: 7,
            kind: kind.code().to_string(),
            demand_id: Some(3),
            engagement_id: None,
            detail,
            at: 0,
            read: false,
            demand_title: Some("铝合金压铸外壳 5000 件".into()),
            counterpart: other.then(|| (9, "永康市恒达杯业有限公司".to_string())),
        }
    }

    #[test]
    fn every_kind_of_message_names_its_demand_and_the_other_firm_in_both_languages() {
        for kind in KINDS {
            for (detail, reason) in [
                (serde_json::json!({"responses": 4, "score": 5}), false),
                (serde_json::json!({"reason_code": "price_too_high", "reason_text": "预算调整", "score": 4}), true),
            ] {
                for lang in [Lang::Zh, Lang::En] {
                    let other = kind != Kind::Unsealed;
                    let t = text(lang, &item(kind, detail.clone(), other));
                    assert!(!t.contains('{') && !t.contains('}'), "{kind:?} {lang:?}: an empty place in {t}");
                    assert!(
                        !t.trim_end().ends_with('：') && !t.trim_end().ends_with(':'),
                        "{kind:?}: ends at a colon: {t}"
                    );
                    assert!(t.contains("铝合金压铸外壳 5000 件"), "{kind:?} {lang:?}: names the demand: {t}");
                    if other {
                        assert!(t.contains("永康市恒达杯业有限公司"), "{kind:?} {lang:?}: names the other firm: {t}");
                    }
                    if kind == Kind::Rated {
                        assert!(t.contains('5') || t.contains('4'), "{t}");
                    }
                    if kind == Kind::Cancelled && reason {
                        assert!(
                            t.contains("预算调整") && (t.contains("报价过高") || t.contains("prices too high")),
                            "{t}"
                        );
                    }
                }
            }
        }
    }
}
