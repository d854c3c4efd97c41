//! Requests, SoWs, sessions and the SLA report.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::domain::sow::SowAction;
use crate::dto::Page;
use crate::dto::work::{
    CancelInput, ComplaintInput, CompletionStatement, DecisionInput, DeliverInput, EvaluationInput,
    ReasonInput, RejectInput, Request, RequestInput, RescheduleInput, RespondInput, ScheduleInput,
    Session, SlaQuery, SlaReport, Sow, SowInput, SowPatch, WorkQuery,
};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::error::ApiError;
use crate::http::extract::{IdempotencyKey, IfMatch, JsonBody, QueryParams};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::{ServiceError, reports, requests, sessions, sows};
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

/// Logs a SecureHands request (SOC lead, or the customer for itself).
#[utoipa::path(post, path = "/v1/requests", tag = "requests",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    request_body(content = RequestInput, example = json!({"customer_id": "cus_…", "kind": "change_execution", "channel": "portal", "summary": "Firewall rule change", "identity_verified": true})),
    responses((status = 201, description = "Logged, with its SLA deadlines", body = Request),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn create_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::LogRequest>,
    key: IdempotencyKey,
    body: JsonBody<RequestInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::create(tx, ctx, body.value)
            .await
            .and_then(|r| Reply::created(&r))
    })
}

/// Lists requests.
#[utoipa::path(get, path = "/v1/requests", tag = "requests", params(WorkQuery),
    responses((status = 200, description = "A page of requests", body = Page<Request>),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn list_requests(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    QueryParams(q): QueryParams<WorkQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { requests::list(tx, &ctx, q).await })
    })
    .await
}

/// Reads a request.
#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound)),
    security(("bearer" = [])))]
pub async fn get_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { requests::get(tx, &ctx, &id).await })
    })
    .await
}

/// Records the initial response to a request.
#[utoipa::path(post, path = "/v1/requests/{id}/respond", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = RespondInput,
    responses((status = 200, description = "Responded", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn respond_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<RespondInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::respond(tx, ctx, &id, body.value)
            .await
            .and_then(|r| Reply::ok(&r))
    })
}

/// Declines a request (skills unavailable).
#[utoipa::path(post, path = "/v1/requests/{id}/decline", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Declined", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn decline_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<ReasonInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::close(tx, ctx, &id, "declined", body.value)
            .await
            .and_then(|r| Reply::ok(&r))
    })
}

/// Redirects a request to professional services.
#[utoipa::path(post, path = "/v1/requests/{id}/redirect", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Redirected", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn redirect_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<ReasonInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::close(tx, ctx, &id, "redirected", body.value)
            .await
            .and_then(|r| Reply::ok(&r))
    })
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

/// Schedules a session on an active SoW.
#[utoipa::path(post, path = "/v1/sows/{id}/sessions", tag = "sessions", params(("id" = String, Path, description = "SoW id")),
    request_body(content = ScheduleInput, example = json!({"starts_at": "2026-12-08T09:00:00Z", "ends_at": "2026-12-08T11:00:00Z"})),
    responses((status = 201, description = "Scheduled", body = Session),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict), (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn schedule_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<ScheduleInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sessions::schedule(tx, ctx, &id, body.value)
            .await
            .and_then(|s| Reply::created(&s))
    })
}

/// Lists the sessions of a SoW.
#[utoipa::path(get, path = "/v1/sows/{id}/sessions", tag = "sessions", params(("id" = String, Path, description = "SoW id")),
    responses((status = 200, description = "Sessions, in scheduling order (one page)", body = Page<Session>),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound)),
    security(("bearer" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::of_sow(tx, &ctx, &id).await })
    })
    .await
}

/// Reads a session.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = Session),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound)),
    security(("bearer" = [])))]
pub async fn get_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::get(tx, &ctx, &id).await })
    })
    .await
}

/// The completion statement of a delivered session.
#[utoipa::path(get, path = "/v1/sessions/{id}/statement", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The completion statement", body = CompletionStatement),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict)),
    security(("bearer" = [])))]
pub async fn session_statement(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
) -> Response {
    let url = state.public_url.clone();
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::statement(tx, &ctx, &id, &url).await })
    })
    .await
}

macro_rules! session_action {
    ($name:ident, $path:literal, $doc:literal, $perm:ident, $input:ty, $call:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "sessions", params(("id" = String, Path, description = "Session id")),
            request_body = $input,
            responses((status = 200, description = "The session after the action", body = Session),
                (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
                (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
                (status = 409, response = crate::http::openapi::Conflict), (status = 422, response = crate::http::openapi::Unprocessable)),
            security(("bearer" = [])))]
        pub async fn $name(State(state): State<AppState>, Authorized(principal, _): Authorized<can::$perm>, key: IdempotencyKey, Path(id): Path<String>, body: JsonBody<$input>) -> Response {
            write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
                $call(tx, ctx, &id, body.value).await.and_then(|s: Session| Reply::ok(&s))
            })
        }
    };
}

session_action!(
    reschedule_session,
    "/v1/sessions/{id}/reschedule",
    "New times for a scheduled session or one waiting to be rescheduled.",
    RunWork,
    RescheduleInput,
    sessions::reschedule
);
session_action!(
    cancel_session,
    "/v1/sessions/{id}/cancel",
    "Cancels a session: free before the late threshold, charged at or after it (customer request); force majeure or SOC: to be rescheduled.",
    CancelSession,
    CancelInput,
    sessions::cancel
);
session_action!(
    no_show_session,
    "/v1/sessions/{id}/no-show",
    "The customer was absent: the scheduled units are charged.",
    RunWork,
    Empty,
    |tx, ctx, id, _b: Empty| sessions::no_show(tx, ctx, id)
);
session_action!(
    accept_session,
    "/v1/sessions/{id}/accept",
    "The customer accepts a delivered session before the deadline.",
    CustomerDecision,
    Empty,
    |tx, ctx, id, _b: Empty| sessions::accept(tx, ctx, id)
);
session_action!(
    complain_session,
    "/v1/sessions/{id}/complaints",
    "The customer complains before the acceptance deadline; review due in 5 business days.",
    CustomerDecision,
    ComplaintInput,
    sessions::complain
);
session_action!(
    decide_complaint,
    "/v1/sessions/{id}/complaints/decision",
    "The SOC manager reverses all, part or none of the charged units.",
    DecideComplaint,
    DecisionInput,
    sessions::decide
);
session_action!(
    evaluate_session,
    "/v1/sessions/{id}/evaluation",
    "The customer's evaluation (rating 1–5, comment), once.",
    CustomerDecision,
    EvaluationInput,
    sessions::evaluate
);

/// Delivers a session: actual times → price (§3) → debit (SoW reservation first) →
/// completion statement.
#[utoipa::path(post, path = "/v1/sessions/{id}/deliver", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body(content = DeliverInput, example = json!({"started_at": "2026-12-08T09:00:00Z", "ended_at": "2026-12-08T11:20:00Z", "notes": "Rules migrated"})),
    responses((status = 200, description = "The completion statement", body = CompletionStatement),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict), (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn deliver_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<DeliverInput>,
) -> Response {
    let url = state.public_url.clone();
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        sessions::deliver(tx, ctx, &id, &url, body.value)
            .await
            .and_then(|s| Reply::ok(&s))
    })
}

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
