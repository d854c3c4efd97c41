//! The SLA report.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::work::{SlaQuery, SlaReport};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::QueryParams;
use crate::http::openapi::ReadErrors;
use crate::http::routes::read;
use crate::service::reports;

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sla_report))
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
