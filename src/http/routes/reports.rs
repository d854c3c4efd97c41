//! The SLA report and the units no SoW covers.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::work::{SlaQuery, SlaReport, UncoveredReport};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::QueryParams;
use crate::http::openapi::ReadErrors;
use crate::http::routes::read;
use crate::service::{reports, uncovered};

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sla_report))
        .routes(routes!(uncovered_units))
}

/// SLA figures per target for items started in `[from, to)`.
#[utoipa::path(get, path = "/v1/reports/sla", tag = "finance", params(SlaQuery),
    responses((status = 200, description = "The report", body = SlaReport), ReadErrors),
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

/// Customers holding units no approved SoW covers, the soonest expiry first: whom to
/// contact to schedule sessions before the units expire.
#[utoipa::path(get, path = "/v1/reports/uncovered-units", tag = "finance",
    responses((status = 200, description = "The customers to contact", body = UncoveredReport), ReadErrors),
    security(("bearer" = [])))]
pub async fn uncovered_units(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadUncovered>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { uncovered::report(tx, &ctx).await })
    })
    .await
}
