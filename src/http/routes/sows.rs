//! `/v1/sows`: drafting, revisions, submission, approval, rejection, closing.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::domain::sow::SowAction;
use crate::dto::Page;
use crate::dto::work::{RejectInput, Sow, SowInput, SowPatch, WorkQuery};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::error::ApiError;
use crate::http::extract::{IdempotencyKey, IfMatch, JsonBody, QueryParams};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::ServiceError;
use crate::service::sows;
use crate::write_request;

type Empty = serde_json::Value;

fn sow_reply(
    status: axum::http::StatusCode,
    sow: Result<Sow, ServiceError>,
) -> Result<Reply, ServiceError> {
    let sow = sow?;
    let tag = sow.etag.clone();
    Ok(Reply::json(status, &sow)?.with_header(header::ETAG, tag))
}

/// Drafts a SoW (revision 1).
#[utoipa::path(post, path = "/v1/sows", tag = "sows",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    request_body(content = SowInput, example = json!({"customer_id": "cus_…", "title": "Firewall migration", "activities": "Migrate rules", "planned_sessions": 3, "planned_units": "12.00", "acceptance_criteria": "Rules active", "rate_card": {"out_of_hours": "1.50", "weekend": "2.00", "holiday": "2.00"}})),
    responses((status = 201, description = "Draft created; `ETag` names revision 1", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn create_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    body: JsonBody<SowInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sow_reply(
            axum::http::StatusCode::CREATED,
            sows::create(tx, ctx, body.value).await,
        )
    })
}

/// Lists SoWs.
#[utoipa::path(get, path = "/v1/sows", tag = "sows", params(WorkQuery),
    responses((status = 200, description = "A page of SoWs", body = Page<Sow>),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 422, response = crate::http::openapi::Unprocessable)),
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
    responses((status = 200, description = "The SoW", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound)),
    security(("bearer" = [])))]
pub async fn get_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
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
    responses((status = 200, description = "New revision", body = Sow, headers(("ETag" = String, description = "New revision tag"))),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict), (status = 412, response = crate::http::openapi::PreconditionFailed),
        (status = 422, response = crate::http::openapi::Unprocessable), (status = 428, response = crate::http::openapi::PreconditionRequired)),
    security(("bearer" = [])))]
pub async fn patch_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    if_match: IfMatch,
    Path(id): Path<String>,
    body: JsonBody<SowPatch>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sow_reply(
            axum::http::StatusCode::OK,
            sows::patch(tx, ctx, &id, if_match.0.as_deref(), body.value).await,
        )
    })
}

macro_rules! sow_action {
    ($name:ident, $path:literal, $doc:literal, $perm:ident, $call:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "sows", params(("id" = String, Path, description = "SoW id")),
            responses((status = 200, description = "The SoW after the action", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
                (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
                (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict)),
            security(("bearer" = [])))]
        pub async fn $name(State(state): State<AppState>, Authorized(principal, _): Authorized<can::$perm>, key: IdempotencyKey, Path(id): Path<String>, body: JsonBody<Empty>) -> Response {
            write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
                sow_reply(axum::http::StatusCode::OK, $call(tx, ctx, &id).await)
            })
        }
    };
}

sow_action!(
    submit_sow,
    "/v1/sows/{id}/submit",
    "Submits a draft (the SOC signs it).",
    RunWork,
    sows::submit
);
sow_action!(
    cancel_sow,
    "/v1/sows/{id}/cancel",
    "Cancels a SoW; what is left of its reservation is released.",
    RunWork,
    |tx, ctx, id| sows::close(tx, ctx, id, SowAction::Cancel)
);
sow_action!(
    complete_sow,
    "/v1/sows/{id}/complete",
    "Completes a SoW; what is left of its reservation is released.",
    RunWork,
    |tx, ctx, id| sows::close(tx, ctx, id, SowAction::Complete)
);

/// Drafts a replacement SoW that supersedes this one once approved.
#[utoipa::path(post, path = "/v1/sows/{id}/supersede", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    responses((status = 200, description = "The new draft", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict)),
    security(("bearer" = [])))]
pub async fn supersede_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sow_reply(
            axum::http::StatusCode::OK,
            sows::supersede(tx, ctx, &id).await,
        )
    })
}

/// The customer approves the revision named by `If-Match`; the SoW becomes `active`
/// (units provisioned) or `awaiting_units` (a top-up quote is raised).
#[utoipa::path(post, path = "/v1/sows/{id}/approve", tag = "sows",
    params(("id" = String, Path, description = "SoW id"), ("If-Match" = String, Header, description = "ETag of the revision approved")),
    responses((status = 200, description = "Approved", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 412, response = crate::http::openapi::PreconditionFailed), (status = 428, response = crate::http::openapi::PreconditionRequired)),
    security(("bearer" = [])))]
pub async fn approve_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::CustomerDecision>,
    key: IdempotencyKey,
    if_match: IfMatch,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sow_reply(
            axum::http::StatusCode::OK,
            sows::approve(tx, ctx, &id, if_match.0.as_deref()).await,
        )
    })
}

/// The customer rejects a submitted SoW with a comment; it goes back to draft.
#[utoipa::path(post, path = "/v1/sows/{id}/reject", tag = "sows", params(("id" = String, Path, description = "SoW id")),
    request_body = RejectInput,
    responses((status = 200, description = "Back to draft", body = Sow, headers(("ETag" = String, description = "Revision tag"))),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn reject_sow(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::CustomerDecision>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<RejectInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sow_reply(
            axum::http::StatusCode::OK,
            sows::reject(tx, ctx, &id, body.value).await,
        )
    })
}
