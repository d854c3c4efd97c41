//! `/v1/calendars`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::dto::calendars::{Calendar, CalendarInput};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::{IdempotencyKey, JsonBody};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::calendars as service;
use crate::write_request;

/// Creates or replaces a business calendar.
#[utoipa::path(
    put, path = "/v1/calendars/{id}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id, `[a-z0-9-]{1,40}`")),
    request_body = CalendarInput,
    responses(
        (status = 201, description = "Created", body = Calendar),
        (status = 200, description = "Replaced", body = Calendar),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn put_calendar(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<CalendarInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        match service::put(tx, ctx, &id, body.value).await {
            Ok((true, c)) => Reply::created(&c),
            Ok((false, c)) => Reply::json(StatusCode::OK, &c),
            Err(e) => Err(e),
        }
    })
}

/// Reads a business calendar with its holidays.
#[utoipa::path(
    get, path = "/v1/calendars/{id}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id")),
    responses(
        (status = 200, description = "The calendar", body = Calendar),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ),
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
    params(("id" = String, Path, description = "Calendar id"), ("date" = String, Path, description = "Local date YYYY-MM-DD")),
    responses(
        (status = 200, description = "The calendar after the change", body = Calendar),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn put_holiday(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path((id, date)): Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        service::add_holiday(tx, ctx, &id, &date)
            .await
            .and_then(|c| Reply::ok(&c))
    })
}

/// Removes a public holiday.
#[utoipa::path(
    delete, path = "/v1/calendars/{id}/holidays/{date}", tag = "calendars",
    params(("id" = String, Path, description = "Calendar id"), ("date" = String, Path, description = "Local date YYYY-MM-DD")),
    responses(
        (status = 200, description = "The calendar after the change", body = Calendar),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn delete_holiday(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path((id, date)): Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        service::remove_holiday(tx, ctx, &id, &date)
            .await
            .and_then(|c| Reply::ok(&c))
    })
}
