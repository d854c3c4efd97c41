//! The SLA report.

use axum::extract::State;
use axum::response::Response;

use crate::dto::work::{SlaQuery, SlaReport};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::QueryParams;
use crate::http::routes::read;
use crate::service::reports;

/// SLA figures per target for items started in `[from, to)`.
#[utoipa::path(get, path = "/v1/reports/sla", tag = "finance", params(SlaQuery),
    responses((status = 200, description = "The report", body = SlaReport),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn sla_report(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadSla>,
    QueryParams(q): QueryParams<SlaQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { reports::sla(tx, &ctx, q).await })
    })
    .await
}
