//! Sessions: scheduling, changes, delivery, acceptance, complaints.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::dto::Page;
use crate::dto::work::{
    CancelInput, ComplaintInput, CompletionStatement, DecisionInput, DeliverInput, EvaluationInput,
    RescheduleInput, ScheduleInput, Session,
};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::{IdempotencyKey, JsonBody};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::sessions;
use crate::write_request;

type Empty = serde_json::Value;

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
