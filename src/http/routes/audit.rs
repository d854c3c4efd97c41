//! The audit log (admin): JSON pages, or the same page as CSV.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::audit::{AuditPage, AuditQuery};
use crate::dto::csv_text;
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::openapi::ReadErrors;
use crate::http::routes::read;
use crate::service::audit;

/// The audit route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_events))
}

const CSV_HEADER: &str = "id,at,actor_type,actor_id,actor_name,actor_email,action,resource_type,resource_id,customer_id,request_id,client_ip,user_agent,outcome\n";

/// Who did what: every change, sign-in, failed sign-in, sign-out and key or person
/// lifecycle event, oldest first, with filters and a cursor (`after` = the last `id`).
/// `Accept: text/csv` returns the same page as CSV, with `Securehands-Next-Cursor`.
#[utoipa::path(get, path = "/v1/audit-events", tag = "operations", params(AuditQuery),
    responses((status = 200, description = "A page of the audit log", body = AuditPage,
        content((AuditPage = "application/json"), (String = "text/csv"))), ReadErrors),
    security(("bearer" = [])))]
pub async fn audit_events(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAudit>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Response {
    let csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/csv"));
    if !csv {
        return read(&state, principal, |tx, ctx| {
            Box::pin(async move { audit::list(tx, &ctx, q).await })
        })
        .await;
    }
    let ctx = state.ctx(principal);
    let page = async {
        let mut tx = state.db.begin_read().await?;
        let page = audit::list(&mut tx, &ctx, q).await?;
        tx.commit().await?;
        Ok::<_, crate::service::ServiceError>(page)
    }
    .await;
    let page = match page {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(CSV_HEADER.as_bytes().to_vec());
    for e in &page.data {
        let opt = |v: &Option<String>| csv_text(v.as_deref().unwrap_or_default()).into_owned();
        let _ = w.write_record([
            e.id.to_string(),
            crate::dto::instant(e.at),
            e.actor.kind.clone(),
            csv_text(&e.actor.id).into_owned(),
            csv_text(&e.actor.name).into_owned(),
            opt(&e.actor.email),
            e.action.clone(),
            e.resource_type.clone(),
            opt(&e.resource_id),
            opt(&e.customer_id),
            opt(&e.request_id),
            opt(&e.client_ip),
            opt(&e.user_agent),
            e.outcome.clone(),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::HeaderName::from_static("securehands-next-cursor"),
                page.next_cursor.unwrap_or_default(),
            ),
        ],
        body,
    )
        .into_response()
}
