//! A firm's catalogue from its spreadsheet: `/orgs/{id}/catalogue/upload`.
//!
//! Three steps on one page: choose a file (with the template beside it), read the row report
//! the server made of it, confirm the write. The checks, the holding and the write are the
//! API's ([`crate::api::uploads`]); this module only shows them.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use wujin_domain::Lang;
use wujin_domain::sheet::{Column, OFFER_COLUMNS};

use super::catalogue::text;
use super::session::{PageUser, not_found, page_user, path_id, posted, sign_in_first};
use super::{page_lang, render};
use crate::api::AppState;
use crate::api::uploads::{self, UploadView};
use crate::transfer::import::Firm;

/// The columns a firm fills: every offer column but the credit code, which is the firm's.
fn firm_columns() -> impl Iterator<Item = &'static Column> {
    OFFER_COLUMNS.iter().filter(|c| c.key != "org_uscc")
}

fn columns(lang: Lang) -> Vec<Value> {
    firm_columns()
        .map(|c| context! { zh => c.zh, required => c.required, hint => text(lang, &format!("upload_hint_{}", c.key), &[]) })
        .collect()
}

/// The firm `raw` names and the person, if they keep its catalogue; otherwise the page to
/// show instead.
async fn keeper(
    app: &AppState,
    headers: &HeaderMap,
    raw: &str,
    lang: Lang,
) -> Result<(PageUser, Firm, String), Response> {
    let here = format!("/orgs/{raw}/catalogue/upload");
    let Some(user) = page_user(app, headers).await else { return Err(sign_in_first(&here)) };
    let Some(id) = path_id(raw) else { return Err(not_found(lang, &here)) };
    let org = match app.store.org(id).await {
        Ok(Some(o)) => o,
        Ok(None) => return Err(not_found(lang, &here)),
        Err(e) => {
            tracing::error!(error = %e, "catalogue upload page");
            return Err(super::message(StatusCode::SERVICE_UNAVAILABLE, lang, &here, "error_title", ""));
        }
    };
    if !user.keeps(id) {
        return Err(super::message(StatusCode::FORBIDDEN, lang, &here, "forbidden_title", ""));
    }
    let name = match lang {
        Lang::En => org.record.name_en.clone().filter(|n| !n.is_empty()).unwrap_or(org.record.name.clone()),
        Lang::Zh => org.record.name.clone(),
    };
    Ok((user, Firm { id, uscc: org.record.uscc.clone() }, name))
}

fn page(status: StatusCode, lang: Lang, user: &PageUser, firm: &Firm, name: &str, more: Value) -> Response {
    let upload = more.get_attr("report").ok().and_then(|r| r.get_attr("id").ok()).filter(|v| !v.is_undefined());
    let here = match upload {
        Some(id) => format!("/orgs/{}/catalogue/upload/{id}", firm.id),
        None => format!("/orgs/{}/catalogue/upload", firm.id),
    };
    let base = context! {
        user => user.view(), org => context! { id => firm.id, name }, columns => columns(lang),
    };
    render(status, "catalogue_upload.html", lang, &here, context! { ..base, ..more })
}

/// The upload form.
pub async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(raw): Path<String>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    match keeper(&app, &headers, &raw, lang).await {
        Ok((user, firm, name)) => page(StatusCode::OK, lang, &user, &firm, &name, context! {}),
        Err(r) => r,
    }
}

/// A sheet sent: its row report, and the confirm.
pub async fn check(State(app): State<AppState>, headers: HeaderMap, Path(raw): Path<String>, body: Bytes) -> Response {
    let lang = page_lang(&headers, None);
    let (user, firm, name) = match keeper(&app, &headers, &raw, lang).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let refused = |status: StatusCode, error: String| page(status, lang, &user, &firm, &name, context! { error });
    let sent = match uploads::multipart(lang, &headers, body).await {
        Ok(s) => s,
        Err(e) => return refused(e.status, e.message),
    };
    if sent.fields.get("csrf").is_none_or(|t| t.is_empty() || *t != user.csrf) {
        return refused(StatusCode::FORBIDDEN, text(lang, "form_expired", &[]));
    }
    let checked = match uploads::check(&app, lang, &firm, &sent.file).await {
        Ok(c) => c,
        Err(e) => return refused(e.status, e.message),
    };
    let id = app.uploads.hold(firm.id, user.account_id, sent.file_name, checked);
    // The report has an address of its own: reloading it, or reading it in the other
    // language, never sends the file again.
    super::account::see_other(&format!("/orgs/{}/catalogue/upload/{id}", firm.id), None)
}

/// The row report of a held upload, and its confirm.
pub async fn report(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path((raw, upload)): Path<(String, String)>,
) -> Response {
    let lang = page_lang(&headers, query.as_deref());
    let (user, firm, name) = match keeper(&app, &headers, &raw, lang).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let held = path_id(&upload).and_then(|id| app.uploads.get(id, firm.id, user.account_id).map(|h| (id, h)));
    let Some((id, held)) = held else {
        let error = text(lang, "upload_gone_page", &[]);
        return page(StatusCode::NOT_FOUND, lang, &user, &firm, &name, context! { error });
    };
    let report = UploadView::new(id, firm.id, &held, lang);
    page(StatusCode::OK, lang, &user, &firm, &name, context! { report => Value::from(Serde(report)) })
}

/// The confirm: writes what the report showed.
pub async fn confirm(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, upload)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers, None);
    let (user, firm, name) = match keeper(&app, &headers, &raw, lang).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let here = format!("/orgs/{raw}/catalogue/upload");
    let p = match posted(&app, &headers, &body, &here).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(expired) = p.errors.get("form") {
        return page(StatusCode::FORBIDDEN, lang, &user, &firm, &name, context! { error => expired });
    }
    let Some(upload) = path_id(&upload) else { return not_found(lang, &here) };
    let skip = p.form.get("skip_invalid").is_some_and(|v| v == "1");
    match uploads::write(&app, lang, &user.login, firm.id, user.account_id, upload, skip).await {
        Ok(done) => page(StatusCode::OK, lang, &user, &firm, &name, context! { done => Value::from(Serde(done)) }),
        Err(e) => page(e.status, lang, &user, &firm, &name, context! { error => e.message }),
    }
}

/// `/orgs/{id}/catalogue/template.xlsx` (or `.csv`): the columns to fill, headed in Chinese
/// as the cluster's own sheets are; the workbook explains each column on a second sheet.
pub async fn template(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((raw, file)): Path<(String, String)>,
) -> Response {
    let lang = page_lang(&headers, None);
    if let Err(r) = keeper(&app, &headers, &raw, lang).await {
        return r;
    }
    let (kind, bytes) = match file.as_str() {
        "template.csv" => ("text/csv; charset=utf-8", Ok(template_csv())),
        "template.xlsx" => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", template_xlsx(lang)),
        _ => return not_found(lang, &format!("/orgs/{raw}/catalogue/upload")),
    };
    match bytes {
        Ok(bytes) => {
            let name = if file.ends_with(".csv") { "catalogue-template.csv" } else { "catalogue-template.xlsx" };
            (
                [(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "catalogue template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The header row as CSV: UTF-8 with a byte-order mark, which Excel needs to read Chinese.
pub fn template_csv() -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(firm_columns().map(|c| c.zh).collect::<Vec<_>>().join(",").into_bytes());
    out.extend(b"\r\n");
    out
}

pub fn template_xlsx(lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("产品目录")?;
    for (i, c) in firm_columns().enumerate() {
        sheet.write_string_with_format(0, i as u16, c.zh, &bold)?;
        sheet.set_column_width(i as u16, if c.key == "title" || c.key == "description" { 30 } else { 14 })?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let help = book.add_worksheet();
    help.set_name(text(lang, "upload_help_sheet", &[]))?;
    let heads = ["upload_col_column", "upload_required", "upload_help_what"];
    for (i, h) in heads.iter().enumerate() {
        help.write_string_with_format(0, i as u16, text(lang, h, &[]), &bold)?;
    }
    for (i, c) in firm_columns().enumerate() {
        let row = i as u32 + 1;
        help.write_string(row, 0, c.zh)?;
        help.write_string(row, 1, if c.required { text(lang, "upload_required", &[]) } else { String::new() })?;
        help.write_string(row, 2, text(lang, &format!("upload_hint_{}", c.key), &[]))?;
    }
    help.set_column_width(0, 16)?;
    help.set_column_width(2, 80)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_read_back_as_a_catalogue_header_without_the_credit_code() {
        for bytes in [template_csv(), template_xlsx(Lang::Zh).unwrap()] {
            let t = crate::transfer::read::read_upload(&bytes).unwrap();
            assert!(t.rows.is_empty(), "headers only: nothing to delete before filling in");
            assert_eq!(t.header.first().map(String::as_str), Some("外部编号"));
            assert!(t.header.contains(&"标题".to_string()) && t.header.contains(&"最低价(元)".to_string()));
            assert!(!t.header.iter().any(|h| h.contains("信用代码")), "the firm's own code is never asked for");
        }
    }

    #[test]
    fn every_column_is_explained_in_both_languages() {
        for c in firm_columns() {
            for lang in [Lang::Zh, Lang::En] {
                let hint = text(lang, &format!("upload_hint_{}", c.key), &[]);
                assert!(!hint.is_empty() && !hint.starts_with("upload_hint"), "{} {lang:?}", c.key);
            }
        }
    }
}
