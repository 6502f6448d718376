//! A firm's profile in the browser (`/orgs/{id}/edit`), for its owners and admins. The form
//! calls the API's handler with the person's session and shows its refusals on their fields;
//! the choices (kinds, towns, sizes, revenue bands, chain stages) come from the taxonomy.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::{Value as Json, json};
use wujin_domain::{Lang, Taxonomy};

use super::account::see_other;
use super::demands::{json_of, write_headers};
use super::session::{PageUser, Posted, form_all, not_found, page_user, path_id, posted, sign_in_first, whole};
use super::{page_lang, render};
use crate::api::lang::ReqLang;
use crate::api::{AppState, org_writes, orgs as api_orgs};

/// The form's fields, as the API names them (`contact/phone` is the form's `phone`).
const FIELDS: [&str; 15] = [
    "name",
    "name_en",
    "kind",
    "town",
    "sectors",
    "chain",
    "size_class",
    "founded_year",
    "employees",
    "revenue_band",
    "certificates",
    "contact_name",
    "phone",
    "email",
    "address",
];

/// The taxonomy's choices for the selects and the chain boxes, in `lang`.
fn choices(lang: Lang) -> Value {
    let t = Taxonomy::get();
    let named = |entries: &[wujin_domain::taxonomy::Entry]| -> Vec<Value> {
        entries.iter().map(|e| context! { code => e.code.clone(), name => e.name(lang).to_string() }).collect()
    };
    context! {
        kinds => named(&t.org_kinds), towns => named(&t.towns), sizes => named(&t.size_classes),
        bands => named(&t.revenue_bands), stages => named(&t.chain), certificates => named(&t.certificates),
    }
}

fn page(
    status: StatusCode,
    lang: Lang,
    here: &str,
    user: &PageUser,
    org: i64,
    values: &HashMap<String, Json>,
    errors: &HashMap<String, String>,
) -> Response {
    let ctx = context! {
        org, choices => choices(lang), values => Value::from(Serde(values.clone())),
        errors => Value::from(Serde(errors.clone())), user => user.view(),
    };
    render(status, "profile.html", lang, here, ctx)
}

/// Blank rows the certificate table offers for adding certificates.
const BLANK_CERT_ROWS: usize = 2;

/// The certificate table's rows (code, number, issuer, last day), then blank ones to add to.
fn cert_rows(rows: impl Iterator<Item = [String; 4]>) -> Vec<Json> {
    let mut out: Vec<Json> = rows
        .filter(|r| !r[0].is_empty())
        .map(|[code, number, issuer, until]| json!({"code": code, "number": number, "issuer": issuer, "until": until}))
        .collect();
    out.extend((0..BLANK_CERT_ROWS).map(|_| json!({})));
    out
}

/// The certificate table as posted: one row per position of its four columns.
fn posted_cert_rows(body: &[u8]) -> Vec<[String; 4]> {
    let cols = ["cert_code", "cert_number", "cert_issuer", "cert_until"].map(|k| form_all(body, k));
    let at = |c: usize, i: usize| cols[c].get(i).map(|v| v.trim().to_string()).unwrap_or_default();
    (0..cols[0].len()).map(|i| [at(0, i), at(1, i), at(2, i), at(3, i)]).collect()
}

fn split(v: &str) -> Vec<String> {
    v.split([',', '，', ';', '；', '、']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

/// `/orgs/{id}/edit`: the profile form, filled with what the registry holds now.
pub async fn edit_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let here = format!("/orgs/{raw}/edit");
    let Some(user) = page_user(&app, &headers).await else { return sign_in_first(&here) };
    let Some(org) = raw.parse::<i64>().ok().filter(|o| *o > 0 && user.keeps(*o)) else {
        return super::message(StatusCode::FORBIDDEN, lang, &here, "forbidden_title", "");
    };
    let o = match json_of(api_orgs::get(State(app.clone()), ReqLang(lang), Ok(Path(org.to_string()))).await).await {
        Ok(o) => o,
        Err(e) => return super::message(e.status, lang, &here, "not_found_title", &e.message),
    };
    let code = |v: &Json| v["code"].clone();
    let codes =
        |v: &Json| v.as_array().map(|a| a.iter().map(|x| x["code"].clone()).collect::<Vec<_>>()).unwrap_or_default();
    let joined =
        |v: &Json| codes(v).iter().filter_map(|c| c.as_str().map(str::to_string)).collect::<Vec<_>>().join("，");
    let values: HashMap<String, Json> = [
        ("revision".to_string(), o["revision"].clone()),
        ("name".into(), o["name"].clone()),
        ("name_en".into(), o["name_en"].clone()),
        ("kind".into(), code(&o["kind"])),
        ("town".into(), code(&o["town"])),
        ("sectors".into(), json!(joined(&o["sectors"]))),
        ("chain".into(), json!(codes(&o["chain"]))),
        ("size_class".into(), code(&o["size_class"])),
        ("founded_year".into(), o["founded_year"].clone()),
        ("employees".into(), o["employees"].clone()),
        ("revenue_band".into(), code(&o["revenue_band"])),
        (
            "cert_rows".into(),
            json!(cert_rows(o["certificates"].as_array().into_iter().flatten().map(|c| {
                let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                [text("code"), text("number"), text("issuer"), text("valid_until")]
            }),)),
        ),
        ("contact_name".into(), o["contact"]["name"].clone()),
        ("phone".into(), o["contact"]["phone"].clone()),
        ("email".into(), o["contact"]["email"].clone()),
        ("address".into(), o["contact"]["address"].clone()),
    ]
    .into_iter()
    // A field the registry leaves empty is an empty box, not the word "none".
    .map(|(k, v)| (k, if v.is_null() { json!("") } else { v }))
    .collect();
    page(StatusCode::OK, lang, &here, &user, org, &values, &HashMap::new())
}

pub async fn edit(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let here = format!("/orgs/{raw}/edit");
    let Posted { lang, user, form: f, mut errors } = match posted(&app, &headers, &body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(org) = path_id(&raw) else { return not_found(lang, &here) };
    let stages = form_all(&body, "chain");
    // A row without a certificate is a blank one, or one cleared to remove it.
    let certs = posted_cert_rows(&body);
    let cert_objects: Vec<Json> = certs
        .iter()
        .filter(|r| !r[0].is_empty())
        .map(|[code, number, issuer, until]| {
            let opt = |v: &String| if v.is_empty() { Json::Null } else { json!(v) };
            json!({"code": code, "number": opt(number), "issuer": opt(issuer), "valid_until": opt(until)})
        })
        .collect();
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let founded = whole(lang, &f, "founded_year", &mut errors);
    let employees = whole(lang, &f, "employees", &mut errors);
    let request = json!({
        "revision": get("revision").and_then(|r| r.parse::<i64>().ok()),
        "name": get("name").unwrap_or_default(), "name_en": get("name_en"), "kind": get("kind"), "town": get("town"),
        "sectors": split(&get("sectors").unwrap_or_default()), "chain": stages,
        "size_class": get("size_class"), "founded_year": founded, "employees": employees,
        "revenue_band": get("revenue_band"), "certificates": cert_objects,
        "contact": {"name": get("contact_name"), "phone": get("phone"), "email": get("email"), "address": get("address")},
    });
    if errors.is_empty() {
        let h = write_headers(&headers, &user);
        let answer = org_writes::edit(
            State(app.clone()),
            ReqLang(lang),
            h,
            Ok(Path(org.to_string())),
            request.to_string().into(),
        );
        match json_of(answer.await).await {
            Ok(_) => return see_other(&format!("/orgs/{org}"), None),
            Err(e) => {
                let field = e.field.as_deref().unwrap_or("").replace("contact/name", "contact_name");
                let field =
                    field.strip_prefix("contact/").unwrap_or(&field).split('/').next().unwrap_or("").to_string();
                let key = if FIELDS.contains(&field.as_str()) { field } else { "form".to_string() };
                errors.insert(key, e.message);
            }
        }
    }
    let mut values: HashMap<String, Json> = f
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "chain" && !k.starts_with("cert_"))
        .map(|(k, v)| (k, json!(v)))
        .collect();
    values.insert("chain".into(), json!(stages));
    values.insert("cert_rows".into(), json!(cert_rows(certs.into_iter())));
    page(StatusCode::BAD_REQUEST, lang, &here, &user, org, &values, &errors)
}
