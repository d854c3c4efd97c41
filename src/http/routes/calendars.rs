//! `/v1/calendars`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::calendars::{Calendar, CalendarInput};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::service::calendars as service;

/// The calendar routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_calendar, get_calendar))
        .routes(routes!(put_holiday, delete_holiday))
}

/// Creates or replaces a business calendar.
#[utoipa::path(
    put, path = "/v1/calendars/{id}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id, `[a-z0-9-]{1,40}`", pattern = r"^[a-z0-9-]{1,40}$")),
    request_body = CalendarInput,
    responses(
        (status = 201, description = "Created", body = Calendar),
        (status = 200, description = "Replaced", body = Calendar), WriteErrors),
    security(("bearer" = []))
)]
pub async fn put_calendar(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<CalendarInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            match service::put(tx, ctx, &id, body.value).await {
                Ok((true, c)) => Reply::created(&c),
                Ok((false, c)) => Reply::json(StatusCode::OK, &c),
                Err(e) => Err(e),
            }
        })
    })
    .await
}

/// Reads a business calendar with its holidays.
#[utoipa::path(
    get, path = "/v1/calendars/{id}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id", pattern = r"^[a-z0-9-]{1,40}$")),
    responses(
        (status = 200, description = "The calendar", body = Calendar), ReadErrors),
    security(("bearer" = []))
)]
pub async fn get_calendar(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { service::get(tx, &ctx, &id).await })
    })
    .await
}

/// Adds a public holiday (idempotent).
#[utoipa::path(
    put, path = "/v1/calendars/{id}/holidays/{date}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id", pattern = r"^[a-z0-9-]{1,40}$"), ("date" = String, Path, description = "Local date YYYY-MM-DD", format = Date)),
    responses(
        (status = 200, description = "The calendar after the change", body = Calendar), ReadErrors),
    security(("bearer" = []))
)]
pub async fn put_holiday(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path((id, date)): Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            service::add_holiday(tx, ctx, &id, &date)
                .await
                .and_then(|c| Reply::ok(&c))
        })
    })
    .await
}

/// Removes a public holiday.
#[utoipa::path(
    delete, path = "/v1/calendars/{id}/holidays/{date}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id", pattern = r"^[a-z0-9-]{1,40}$"), ("date" = String, Path, description = "Local date YYYY-MM-DD", format = Date)),
    responses(
        (status = 200, description = "The calendar after the change", body = Calendar), ReadErrors),
    security(("bearer" = []))
)]
pub async fn delete_holiday(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path((id, date)): Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            service::remove_holiday(tx, ctx, &id, &date)
                .await
                .and_then(|c| Reply::ok(&c))
        })
    })
    .await
}
