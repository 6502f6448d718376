//! "我的供应链": a firm's own chain page (`/orgs/{id}/chain`) and what-if pages for an outage
//! (`/orgs/{id}/chain/outage`). Both read through the API's functions, so a page shows exactly
//! what the API answers the same person. The diagram is drawn on the server as SVG (no
//! script), two tiers up and down, with the same figures in a table behind it.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{Value, context};
use wujin_domain::Lang;

use super::account::back_to;
use super::catalogue::text;
use super::chart::{esc, text_width};
use super::demands::{json_of, write_headers};
use super::session::{PageUser, csrf_ok, form, page_user, sign_in_first};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::chain::{MyChainView, my_chain, run_outage};
use crate::api::params::Params;
use crate::chain::answer::ReachTier;

/// Catalogue keys made from values here and in the templates (`t("tie_" ~ verb)`), for the
/// catalogue test.
pub const KEYS: &[&str] = &[
    "tie_confirm",
    "tie_reject",
    "tie_reaffirm",
    "tie_end",
    "chain_firms",
    "chain_firm_one",
    "chain_others",
    "chain_public_firm",
    "chain_more",
    "chain_single_note",
    "chain_me",
    "chain_band_up2",
    "chain_band_up1",
    "chain_band_me",
    "chain_band_down1",
    "chain_band_down2",
    "chain_diagram_title",
];

/// The person and the firm of the path, if they belong to it; else the page to answer with.
pub(super) async fn own_firm(
    app: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    raw: &str,
    here: &str,
) -> Result<(PageUser, wujin_store::orgs::Org), Response> {
    let Some(user) = page_user(app, headers).await else { return Err(sign_in_first(here)) };
    let id: i64 = raw.parse().unwrap_or(0);
    if !user.orgs.iter().any(|m| m.org_id == id) {
        return Err(super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", ""));
    }
    match app.store.org(id).await {
        Ok(Some(org)) => Ok((user, org)),
        _ => Err(super::message(StatusCode::NOT_FOUND, lang, here, "not_found_title", "")),
    }
}

/// Weeks as a sentence says them: "4", "2.5".
pub(super) fn weeks_text(w: f32) -> String {
    if w.fract() == 0.0 { format!("{w:.0}") } else { format!("{w:.1}") }
}

/// The query's parameters (at most 50).
pub(super) fn params(query: Option<&str>) -> Params {
    Params(
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .take(50)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// `/orgs/{id}/chain`: my inputs (single-sourced first, with local alternatives), my
/// customers, the diagram two tiers each way, and a what-if form per supplier.
pub async fn mine(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = if query.as_deref().is_some_and(|q| q.contains("fresh_only=true")) {
        format!("/orgs/{raw}/chain?fresh_only=true")
    } else {
        format!("/orgs/{raw}/chain")
    };
    let (user, org) = match own_firm(&app, lang, &headers, &raw, &here).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let fresh_only = params(query.as_deref()).get("fresh_only") == Some("true");
    let view = match my_chain(&app, lang, &org, fresh_only, true).await {
        Ok(v) => v,
        Err(e) => return super::message(e.status, lang, &here, "error_title", &e.message),
    };
    let name = org.record.name.clone();
    let name = match lang {
        Lang::En => org.record.name_en.clone().filter(|n| !n.is_empty()).unwrap_or(name),
        Lang::Zh => name,
    };
    let single = view.inputs.iter().filter(|i| i.single_source).count();
    let error = params(query.as_deref()).get("error").map(str::to_string);
    let may_act = user.orgs.iter().any(|m| m.org_id == org.id && m.role.may_act());
    let svg = Value::from_safe_string(diagram(&view, &name, lang));
    let ctx = context! {
        user => user.view(), org_id => org.id, name, svg, fresh_only,
        single, chain => Value::from(minijinja::value::Serde(&view)), error, may_act,
    };
    render(StatusCode::OK, "chain.html", lang, &here, ctx)
}

/// `POST /orgs/{id}/chain/{action}`: declare a tie (`declare`), act on one (`confirm`,
/// `reject`, `end`, `reaffirm` with the tie's id in the form) or choose who may see this
/// firm named (`settings`), through the API's handlers; back to the chain page, with the
/// API's message when it refused.
pub async fn act(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    use crate::api::lang::ReqLang;
    use crate::api::ties;
    let lang = page_lang(&headers, None);
    let here = format!("/orgs/{raw}/chain");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let f = form(&body);
    let field = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let result = if !csrf_ok(&user, &f) {
        Err(text(lang, "form_expired", &[]))
    } else {
        let h = write_headers(&headers, &user);
        let path = || Ok(Path(raw.clone()));
        let r = match action.as_str() {
            "declare" => {
                let mine =
                    app.store.org(raw.parse().unwrap_or(0)).await.ok().flatten().map(|o| o.record.uscc.to_string());
                let counterpart = field("counterpart_uscc");
                let as_supplier = field("side").as_deref() == Some("supplier");
                let b = serde_json::json!({
                    "supplier_uscc": if as_supplier { mine.clone() } else { counterpart.clone() },
                    "supplier_name": if as_supplier { None } else { field("supplier_name") },
                    "region": if as_supplier { None } else { field("region") },
                    "customer_uscc": if as_supplier { counterpart } else { mine },
                    "input": field("input").unwrap_or_default(),
                    "share": field("share").map(|v| v.trim_end_matches('%').parse::<i64>().unwrap_or(-1)),
                    "buffer_weeks": field("buffer_weeks").map(|v| v.parse::<f64>().unwrap_or(-1.0)),
                    "since": field("since"),
                });
                json_of(ties::declare(State(app.clone()), ReqLang(lang), h, path(), Bytes::from(b.to_string())).await)
                    .await
            }
            "settings" => {
                let b = serde_json::json!({"public": f.contains_key("public"), "helps": f.contains_key("helps")});
                json_of(
                    ties::set_settings(State(app.clone()), ReqLang(lang), h, path(), Bytes::from(b.to_string())).await,
                )
                .await
            }
            verb @ ("confirm" | "reject" | "end" | "reaffirm") => {
                let tie = Ok(Path(field("tie").unwrap_or_default()));
                let (state, rl, none) = (State(app.clone()), ReqLang(lang), Bytes::new());
                let done = match verb {
                    "confirm" => ties::confirm(state, rl, h, tie, none).await,
                    "reject" => ties::reject(state, rl, h, tie, none).await,
                    "end" => ties::end(state, rl, h, tie, none).await,
                    _ => ties::reaffirm(state, rl, h, tie, none).await,
                };
                json_of(done).await
            }
            _ => return super::message(StatusCode::NOT_FOUND, lang, &here, "not_found_title", ""),
        };
        r.map_err(|e| e.message)
    };
    back_to(&here, result.map(|_| ()))
}

/// `/orgs/{id}/chain/outage?stopped=…&weeks=…`: what happens to the cluster, and to my
/// firm, if these firms stop.
pub async fn outage(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    // The language switch comes back to the same question.
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
                .filter(|(k, _)| k == "stopped" || k == "weeks"),
        )
        .finish();
    let here = format!("/orgs/{raw}/chain/outage?{kept}");
    let (user, org) = match own_firm(&app, lang, &headers, &raw, &here).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let p = params(query.as_deref());
    let (view, error) = match run_outage(&app, lang, &p, Some(&org)).await {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e.message)),
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let ctx = context! {
        user => user.view(), org_id => org.id, error,
        stopped => p.get("stopped").unwrap_or("").to_string(), weeks => p.get("weeks").unwrap_or("").to_string(),
        weeks_text => view.as_ref().and_then(|v| v.weeks).map(weeks_text),
        outage => view.as_ref().map(|v| Value::from(minijinja::value::Serde(v))),
    };
    render(status, "chain_outage.html", lang, &here, ctx)
}

const W: f64 = 360.0;
const BOX_W: f64 = 172.0;
const BOX_H: f64 = 36.0;
const GAP: f64 = 8.0;
const LABEL_H: f64 = 20.0;
/// Tier-1 firms drawn before "and N more".
const MAX_NAMED: usize = 8;
/// Tier-2 groups drawn before "others".
const MAX_GROUPS: usize = 6;

/// One box of the diagram.
struct Node {
    title: String,
    note: String,
    /// Single-sourced: drawn in red.
    alert: bool,
    /// Stale: drawn dashed.
    stale: bool,
    href: Option<String>,
}

/// Cuts `s` to what fits `width` px at `size` px, with "…" when cut.
fn fit(s: &str, width: f64, size: f64) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&out, size) + text_width(&c.to_string(), size) + size > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A band of boxes, two to a row; returns its SVG and the centres of its boxes' top and
/// bottom edges.
fn band(label: &str, nodes: &[Node], y: f64) -> (String, Vec<(f64, f64, f64)>, f64) {
    let mut svg = format!(r##"<text x="4" y="{:.0}" class="band">{}</text>"##, y + 14.0, esc(label));
    let mut anchors = vec![];
    let mut bottom = y + LABEL_H;
    for (i, n) in nodes.iter().enumerate() {
        let (col, row) = (i % 2, i / 2);
        let x = if nodes.len() == 1 { (W - BOX_W) / 2.0 } else { 4.0 + col as f64 * (BOX_W + GAP) };
        let top = y + LABEL_H + row as f64 * (BOX_H + GAP);
        let class = match (n.alert, n.stale) {
            (true, true) => "node alert stale",
            (true, false) => "node alert",
            (false, true) => "node stale",
            (false, false) => "node",
        };
        let body = format!(
            r##"<rect x="{x:.0}" y="{top:.0}" width="{BOX_W:.0}" height="{BOX_H:.0}" rx="5" class="{class}"/><text x="{:.0}" y="{:.0}" class="name">{}</text><text x="{:.0}" y="{:.0}" class="note">{}</text>"##,
            x + 7.0,
            top + 15.0,
            esc(&fit(&n.title, BOX_W - 14.0, 12.0)),
            x + 7.0,
            top + 29.0,
            esc(&fit(&n.note, BOX_W - 14.0, 11.0)),
        );
        match &n.href {
            Some(h) => svg.push_str(&format!(r##"<a href="{}">{body}</a>"##, esc(h))),
            None => svg.push_str(&body),
        }
        anchors.push((x + BOX_W / 2.0, top, top + BOX_H));
        bottom = top + BOX_H;
    }
    (svg, anchors, bottom + 14.0)
}

fn groups(tier: Option<&ReachTier>, lang: Lang) -> Vec<Node> {
    let Some(tier) = tier else { return vec![] };
    let firms = |n: u32| text(lang, if n == 1 { "chain_firm_one" } else { "chain_firms" }, &[n.to_string()]);
    let mut out: Vec<Node> = tier
        .by_sector
        .iter()
        .take(MAX_GROUPS)
        .map(|g| Node {
            title: g.name.clone(),
            note: firms(g.firms.unwrap_or(0)),
            alert: false,
            stale: false,
            href: None,
        })
        .collect();
    let rest: u32 = tier.by_sector.iter().skip(MAX_GROUPS).filter_map(|g| g.firms).sum::<u32>() + tier.outside;
    if rest > 0 {
        out.push(Node {
            title: text(lang, "chain_others", &[]),
            note: firms(rest),
            alert: false,
            stale: false,
            href: None,
        });
    }
    // Firms beyond tier 1 that made their relations public are named beside the groups.
    for n in tier.named.iter().take(MAX_NAMED) {
        out.push(Node {
            title: n.firm.name.clone(),
            note: text(lang, "chain_public_firm", &[]),
            alert: false,
            stale: n.stale,
            href: n.firm.id.map(|id| format!("/orgs/{id}")),
        });
    }
    out
}

/// The chain two tiers up and down as one SVG: tier-1 firms named, tier 2 as groups by
/// sector with counts (and the firms that chose to be named), single-sourced suppliers in
/// red, stale ties dashed.
pub fn diagram(view: &MyChainView, me: &str, lang: Lang) -> String {
    let mut suppliers: Vec<Node> = vec![];
    for input in &view.inputs {
        for tie in &input.ties {
            if suppliers.iter().any(|s| s.title == tie.supplier.name) {
                continue;
            }
            suppliers.push(Node {
                title: tie.supplier.name.clone(),
                note: if input.single_source {
                    text(lang, "chain_single_note", std::slice::from_ref(&input.input.name))
                } else {
                    input.input.name.clone()
                },
                alert: input.single_source,
                stale: tie.stale,
                href: tie.supplier.org_id.map(|id| format!("/orgs/{id}")),
            });
        }
    }
    let more = |n: usize| Node {
        title: text(lang, "chain_more", &[n.to_string()]),
        note: String::new(),
        alert: false,
        stale: false,
        href: None,
    };
    if suppliers.len() > MAX_NAMED {
        let n = suppliers.len() - (MAX_NAMED - 1);
        suppliers.truncate(MAX_NAMED - 1);
        suppliers.push(more(n));
    }
    let mut customers: Vec<Node> = view
        .customers
        .iter()
        .map(|c| Node {
            title: c.customer.name.clone(),
            note: c.ties.iter().map(|t| t.input.name.clone()).collect::<Vec<_>>().join("、"),
            alert: false,
            stale: c.ties.iter().all(|t| t.stale),
            href: c.customer.id.map(|id| format!("/orgs/{id}")),
        })
        .collect();
    if customers.len() > MAX_NAMED {
        let n = customers.len() - (MAX_NAMED - 1);
        customers.truncate(MAX_NAMED - 1);
        customers.push(more(n));
    }
    let me_node =
        [Node { title: me.to_string(), note: text(lang, "chain_me", &[]), alert: false, stale: false, href: None }];
    let bands: [(String, Vec<Node>); 5] = [
        (text(lang, "chain_band_up2", &[]), groups(view.up.get(1), lang)),
        (text(lang, "chain_band_up1", &[]), suppliers),
        (text(lang, "chain_band_me", &[]), me_node.into_iter().collect()),
        (text(lang, "chain_band_down1", &[]), customers),
        (text(lang, "chain_band_down2", &[]), groups(view.down.get(1), lang)),
    ];
    let mut body = String::new();
    let mut y = 4.0;
    let mut anchors: Vec<Vec<(f64, f64, f64)>> = vec![];
    for (label, nodes) in &bands {
        if nodes.is_empty() {
            anchors.push(vec![]);
            continue;
        }
        let (svg, a, next) = band(label, nodes, y);
        body.push_str(&svg);
        anchors.push(a);
        y = next;
    }
    // Lines between neighbouring bands that are both drawn, upstream to downstream; drawn
    // under the boxes.
    let mut lines = String::new();
    let drawn: Vec<&Vec<(f64, f64, f64)>> = anchors.iter().filter(|a| !a.is_empty()).collect();
    for pair in drawn.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let to_top = to.iter().map(|a| a.1).fold(f64::INFINITY, f64::min);
        let to_x = to.iter().map(|a| a.0).sum::<f64>() / to.len() as f64;
        for a in from {
            lines.push_str(&format!(
                r##"<line x1="{:.0}" y1="{:.0}" x2="{:.0}" y2="{:.0}" class="edge"/>"##,
                a.0, a.2, to_x, to_top
            ));
        }
    }
    let title = text(lang, "chain_diagram_title", &[me.to_string()]);
    format!(
        r##"<svg viewBox="0 0 {W:.0} {:.0}" width="100%" role="img" aria-labelledby="chain-diagram-title" class="chain-diagram" id="chain-diagram" xmlns="http://www.w3.org/2000/svg"><title id="chain-diagram-title">{}</title><style>.band{{font-size:11px;fill:#5a6370}}.node{{fill:#fff;stroke:#0b5cad;stroke-width:1.2}}.alert{{stroke:#b3261e;stroke-width:2}}.stale{{stroke-dasharray:4 3}}.name{{font-size:12px;fill:#1b1f24}}.note{{font-size:11px;fill:#5a6370}}.edge{{stroke:#9aa5b1;stroke-width:1}}</style>{lines}{body}</svg>"##,
        y,
        esc(&title),
    )
}
