//! Government departments: `GET`/`POST /api/v1/departments`. A department is an
//! organisation of kind `government` whose members are officers; the officer who sets it up
//! is its owner and adds other officers through the members route. Only officers (and
//! platform admins) set one up; nobody turns a firm into a department or back.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wujin_domain::sheet::{Cells, org_from_cells};
use wujin_domain::{Lang, OrgKind, msg};
use wujin_store::departments::NewDepartment;

use super::AppState;
use super::auth::{caller, writer};
use super::error::ApiError;
use super::lang::ReqLang;
use super::tasks::UnitView;

#[derive(Serialize, ToSchema)]
pub struct DepartmentList {
    pub items: Vec<UnitView>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// A department as it is set up.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentBody {
    /// Its unified social credit code (a government body's begins with 11).
    pub uscc: String,
    #[schema(min_length = 2, max_length = 100)]
    pub name: String,
    pub name_en: Option<String>,
    /// Its town code, if it sits in one.
    pub town: Option<String>,
}

/// Every department, by name (officers).
#[utoipa::path(get, path = "/api/v1/departments", tag = "office",
    responses((status = 200, body = DepartmentList), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<DepartmentList>, ApiError> {
    let me = caller(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let all = app.store.departments().await.map_err(|e| ApiError::internal(lang, e))?;
    let items: Vec<UnitView> = all.into_iter().map(|(id, name)| UnitView { id, name }).collect();
    let total = items.len();
    Ok(Json(DepartmentList { items, next_cursor: None, total }))
}

/// Set up a department, with the caller (an officer) as its owner.
#[utoipa::path(post, path = "/api/v1/departments", tag = "office", request_body = DepartmentBody,
    responses((status = 201, body = UnitView), (status = 400), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn create(
    State(app): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let me = writer(&app, lang, &headers).await?;
    super::overview::officers_only(&app, lang, &me).await?;
    let b: DepartmentBody = super::accounts::read(lang, &body)?;
    let cells = Cells::from_pairs([
        ("uscc", Some(b.uscc.clone())),
        ("name", Some(b.name.clone())),
        ("name_en", b.name_en.clone()),
        ("kind", Some(OrgKind::Government.code().to_string())),
        ("town", b.town.clone()),
    ]);
    let record = org_from_cells(&cells).map_err(|errs| super::accounts::row_refused(lang, errs, &[]))?;
    let internal = |e| ApiError::internal(lang, e);
    match app.store.create_department(&record, me.account_id).await.map_err(internal)? {
        NewDepartment::Done(id) => {
            Ok((StatusCode::CREATED, Json(UnitView { id, name: record.name.clone() })).into_response())
        }
        NewDepartment::Exists(_) => Err(ApiError {
            field: Some("uscc".into()),
            ..ApiError::new(StatusCode::CONFLICT, "org_exists", lang, msg!("department_exists"))
        }),
    }
}

/// A government department is set up by the office, never by signing up or editing a
/// profile: 422 naming `kind`.
pub fn not_government(lang: Lang, kind: OrgKind) -> Result<(), ApiError> {
    if kind == OrgKind::Government {
        Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..ApiError::bad(lang, "invalid_kind", "kind", msg!("government_by_office"))
        })
    } else {
        Ok(())
    }
}
