//! `/v1/sows`: drafting, revisions, submission, approval, rejection, closing.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::SowId;
use crate::domain::sow::SowAction;
use crate::dto::Page;
use crate::dto::work::{RejectInput, Sow, SowInput, SowPatch, WorkQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::error::ApiError;
use crate::http::extract::{IdempotencyKey, IfMatch, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, RevisionErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::service::{ServiceError, sows};

type Empty = serde_json::Value;

/// The SoW routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_sow, list_sows))
        .routes(routes!(get_sow, patch_sow))
        .routes(routes!(submit_sow))
        .routes(routes!(approve_sow))
        .routes(routes!(reject_sow))
        .routes(routes!(cancel_sow))
        .routes(routes!(complete_sow))
        .routes(routes!(supersede_sow))
}

/// A SoW response carries its revision's `ETag`.
fn sow_reply(status: StatusCode, sow: Sow) -> Result<Reply, ServiceError> {
    let tag = sow.etag.clone();
    Ok(Reply::json(status, &sow)?.with_header(header::ETAG, tag))
}

/// Drafts a SoW (revision 1).
#[utoipa::path(post, path = "/v1/sows", tag = "sows",
    request_body(content = SowInput, example = json!({"customer_id": "cus_…", "title": "Firewall migration", "activities": "Migrate rules", "planned_sessions": 3, "planned_units": "12.00", "acceptance_criteria": "Rules active", "rate_card": {"out_of_hours": "1.50", "weekend": "2.00", "holiday": "2.00"}})),
    responses((status = 201, description = "Draft created; `ETag` names revision 1", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn create_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    body: JsonBody<SowInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            sow_reply(
                StatusCode::CREATED,
                sows::create(tx, ctx, body.value).await?,
            )
        })
    })
    .await
}

/// Lists SoWs.
#[utoipa::path(get, path = "/v1/sows", tag = "sows", params(WorkQuery),
    responses((status = 200, description = "A page of SoWs", body = Page<Sow>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_sows(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    QueryParams(q): QueryParams<WorkQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sows::list(tx, &ctx, q).await })
    })
    .await
}

/// Reads a SoW; the `ETag` header names its current revision.
#[utoipa::path(get, path = "/v1/sows/{id}", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    responses((status = 200, description = "The SoW", body = Sow, headers(("ETag" = String, description = "Revision tag"))), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<SowId>,
) -> Response {
    let ctx = state.ctx(principal);
    let result = async {
        let mut tx = state.db.begin_read().await?;
        let sow = sows::get(&mut tx, &ctx, &id).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(sow)
    }
    .await;
    match result {
        Ok(sow) => {
            let tag = sow.etag.clone();
            ([(header::ETAG, tag)], axum::Json(sow)).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Edits a draft (JSON merge patch); requires `If-Match` with the current ETag.
#[utoipa::path(patch, path = "/v1/sows/{id}", tag = "sows",
    params(("id" = String, Path, description = "SoW id"), ("If-Match" = String, Header, description = "ETag of the revision being edited")),
    request_body = SowPatch,
    responses((status = 200, description = "New revision", body = Sow, headers(("ETag" = String, description = "New revision tag"))), WriteErrors, RevisionErrors),
    security(("bearer" = [])))]
pub async fn patch_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    if_match: IfMatch,
    Path(id): Path<SowId>,
    body: JsonBody<SowPatch>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let sow = sows::patch(tx, ctx, &id, if_match.0.as_deref(), body.value).await?;
            sow_reply(StatusCode::OK, sow)
        })
    })
    .await
}

/// Submits a draft (the SOC signs it).
#[utoipa::path(post, path = "/v1/sows/{id}/submit", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = Empty,
    responses((status = 200, description = "The SoW after the action", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn submit_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { sow_reply(StatusCode::OK, sows::submit(tx, ctx, &id).await?) })
    })
    .await
}

/// Cancels a SoW; what is left of its reservation is released.
#[utoipa::path(post, path = "/v1/sows/{id}/cancel", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = Empty,
    responses((status = 200, description = "The SoW after the action", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn cancel_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            sow_reply(
                StatusCode::OK,
                sows::close(tx, ctx, &id, SowAction::Cancel).await?,
            )
        })
    })
    .await
}

/// Completes a SoW; what is left of its reservation is released.
#[utoipa::path(post, path = "/v1/sows/{id}/complete", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = Empty,
    responses((status = 200, description = "The SoW after the action", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn complete_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            sow_reply(
                StatusCode::OK,
                sows::close(tx, ctx, &id, SowAction::Complete).await?,
            )
        })
    })
    .await
}

/// Drafts a replacement SoW that supersedes this one once approved.
#[utoipa::path(post, path = "/v1/sows/{id}/supersede", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = Empty,
    responses((status = 200, description = "The new draft", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn supersede_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { sow_reply(StatusCode::OK, sows::supersede(tx, ctx, &id).await?) })
    })
    .await
}

/// The customer approves the revision named by `If-Match`; the SoW becomes `active`
/// (units provisioned) or `awaiting_units` (a top-up quote is raised).
#[utoipa::path(post, path = "/v1/sows/{id}/approve", tag = "sows",
    params(("id" = String, Path, description = "SoW id"), ("If-Match" = String, Header, description = "ETag of the revision approved")),
    request_body = Empty,
    responses((status = 200, description = "Approved", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors, RevisionErrors),
    security(("bearer" = [])))]
pub async fn approve_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ApproveWork>,
    key: IdempotencyKey,
    if_match: IfMatch,
    Path(id): Path<SowId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let sow = sows::approve(tx, ctx, &id, if_match.0.as_deref()).await?;
            sow_reply(StatusCode::OK, sow)
        })
    })
    .await
}

/// The customer rejects a submitted SoW with a comment; it goes back to draft.
#[utoipa::path(post, path = "/v1/sows/{id}/reject", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = RejectInput,
    responses((status = 200, description = "Back to draft", body = Sow, headers(("ETag" = String, description = "Revision tag"))), WriteErrors),
    security(("bearer" = [])))]
pub async fn reject_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ApproveWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<RejectInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            sow_reply(
                StatusCode::OK,
                sows::reject(tx, ctx, &id, body.value).await?,
            )
        })
    })
    .await
}
