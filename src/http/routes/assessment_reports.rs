//! Baseline assessment reports (SPEC §14): the draft, issued versions, reading them.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::SowId;
use crate::dto::reports::{Report, ReportInput, ReportQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::reports;

type Empty = serde_json::Value;

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(save_report, get_report))
        .routes(routes!(issue_report))
}

/// Saves the whole draft of a baseline assessment's report (SOC). Allowed once the SoW
/// is approved (active, waiting for units, or completed: a corrected version); other
/// SoWs have no report (409 `not_an_assessment`).
#[utoipa::path(put, path = "/v1/sows/{id}/report", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body(content = ReportInput, example = json!({"summary": "Two exposed services; patching lags.", "findings": [{"title": "RDP open to the Internet", "severity": "critical", "assets": "fw-edge-01", "observation": "TCP 3389 is reachable from any address.", "recommendation": "Close it; use the VPN."}]})),
    responses((status = 200, description = "The draft", body = Report), WriteErrors),
    security(("bearer" = [])))]
pub async fn save_report(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<ReportInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let report = reports::save_draft(tx, ctx, &id, body.value).await?;
            Reply::ok(&report)
        })
    })
    .await
}

/// Issues the draft as the next version: immutable, it supersedes the previous one
/// (which stays readable). The approver and technical contacts are mailed
/// (`report_issued`). 409 `no_report_draft` without a draft, `report_unchanged` when
/// the draft is what the latest version says.
#[utoipa::path(post, path = "/v1/sows/{id}/report/issue", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = Empty,
    responses((status = 201, description = "The issued version", body = Report), WriteErrors),
    security(("bearer" = [])))]
pub async fn issue_report(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let report = reports::issue(tx, ctx, &id).await?;
            Reply::created(&report)
        })
    })
    .await
}

/// A report: the latest issued version, an older one with `version`, or the draft with
/// `draft=true` (SOC staff). 404 until a version is issued.
#[utoipa::path(get, path = "/v1/sows/{id}/report", tag = "sows", params(("id" = String, Path, description = "SoW id"), ReportQuery),
    responses((status = 200, description = "The report", body = Report), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<SowId>,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(
            async move { reports::get(tx, &ctx, &id, q.version, q.draft.unwrap_or(false)).await },
        )
    })
    .await
}
