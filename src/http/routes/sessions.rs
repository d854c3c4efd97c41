//! Sessions: scheduling, changes, delivery, acceptance, complaints.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::{SessionId, SowId};
use crate::dto::Page;
use crate::dto::work::{
    CalendarFeedQuery, CancelInput, ComplaintInput, CompletionStatement, DecisionInput,
    DeliverInput, EvaluationInput, RescheduleInput, ScheduleInput, Session,
};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::error::ApiError;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::service::sessions;

type Empty = serde_json::Value;

/// The session routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_session, list_sessions))
        .routes(routes!(get_session))
        .routes(routes!(session_statement))
        .routes(routes!(reschedule_session))
        .routes(routes!(cancel_session))
        .routes(routes!(no_show_session))
        .routes(routes!(deliver_session))
        .routes(routes!(accept_session))
        .routes(routes!(complain_session))
        .routes(routes!(decide_complaint))
        .routes(routes!(evaluate_session))
        .routes(routes!(sessions_calendar))
}

/// The scheduled sessions as a subscribable iCalendar feed (RFC 5545, `METHOD:PUBLISH`):
/// one entry per session with the same `UID` and `SEQUENCE` as the invitation mails,
/// times in the customer's zone with its `VTIMEZONE`. Sessions that ended more than 30
/// days ago are left out. Staff see every customer (or one with `customer_id`);
/// customers and contacts their own. An API key works like any bearer token.
#[utoipa::path(get, path = "/v1/sessions.ics", tag = "sessions", params(CalendarFeedQuery),
    responses((status = 200, description = "The calendar", body = String, content_type = "text/calendar"), ReadErrors),
    security(("bearer" = [])))]
pub async fn sessions_calendar(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    QueryParams(q): QueryParams<CalendarFeedQuery>,
) -> Response {
    let ctx = state.ctx(principal);
    let feed = async {
        let mut tx = state.db.begin_read().await?;
        let text = sessions::calendar_feed(&mut tx, &ctx, q.customer_id.as_deref()).await?;
        tx.commit().await?;
        Ok::<_, crate::service::ServiceError>(text)
    }
    .await;
    match feed {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            text,
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Schedules a session on an active SoW.
#[utoipa::path(post, path = "/v1/sows/{id}/sessions", tag = "sessions", params(("id" = String, Path, description = "SoW id")),
    request_body(content = ScheduleInput, example = json!({"starts_at": "2026-12-08T09:00:00Z", "ends_at": "2026-12-08T11:00:00Z"})),
    responses((status = 201, description = "Scheduled", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn schedule_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SowId>,
    body: JsonBody<ScheduleInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let session = sessions::schedule(tx, ctx, &id, body.value).await?;
            Reply::created(&session)
        })
    })
    .await
}

/// Lists the sessions of a SoW.
#[utoipa::path(get, path = "/v1/sows/{id}/sessions", tag = "sessions", params(("id" = String, Path, description = "SoW id")),
    responses((status = 200, description = "Sessions, in scheduling order (one page)", body = Page<Session>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<SowId>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::of_sow(tx, &ctx, &id).await })
    })
    .await
}

/// Reads a session.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = Session), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<SessionId>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::get(tx, &ctx, &id).await })
    })
    .await
}

/// The completion statement of a delivered session.
#[utoipa::path(get, path = "/v1/sessions/{id}/statement", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The completion statement", body = CompletionStatement), ReadErrors,
        (status = 409, response = crate::http::openapi::Conflict)),
    security(("bearer" = [])))]
pub async fn session_statement(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<SessionId>,
) -> Response {
    let url = state.public_url.clone();
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { sessions::statement(tx, &ctx, &id, &url).await })
    })
    .await
}

/// New times for a scheduled session or one waiting to be rescheduled.
#[utoipa::path(post, path = "/v1/sessions/{id}/reschedule", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = RescheduleInput,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn reschedule_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<RescheduleInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::reschedule(tx, ctx, &id, body.value).await?) })
    })
    .await
}

/// Cancels a session: free before the late threshold, charged at or after it (customer
/// request); force majeure or SOC: to be rescheduled.
#[utoipa::path(post, path = "/v1/sessions/{id}/cancel", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = CancelInput,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn cancel_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::CancelSession>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<CancelInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::cancel(tx, ctx, &id, body.value).await?) })
    })
    .await
}

/// The customer was absent: the scheduled units are charged.
#[utoipa::path(post, path = "/v1/sessions/{id}/no-show", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = Empty,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn no_show_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::no_show(tx, ctx, &id).await?) })
    })
    .await
}

/// Delivers a session: actual times → price (§3) → debit (SoW reservation first) →
/// completion statement.
#[utoipa::path(post, path = "/v1/sessions/{id}/deliver", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body(content = DeliverInput, example = json!({"started_at": "2026-12-08T09:00:00Z", "ended_at": "2026-12-08T11:20:00Z", "notes": "Rules migrated"})),
    responses((status = 200, description = "The completion statement", body = CompletionStatement), WriteErrors),
    security(("bearer" = [])))]
pub async fn deliver_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::RunWork>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<DeliverInput>,
) -> Response {
    let url = state.public_url.clone();
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(
            async move { Reply::ok(&sessions::deliver(tx, ctx, &id, &url, body.value).await?) },
        )
    })
    .await
}

/// The customer accepts a delivered session before the deadline.
#[utoipa::path(post, path = "/v1/sessions/{id}/accept", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = Empty,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn accept_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ApproveWork>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::accept(tx, ctx, &id).await?) })
    })
    .await
}

/// The customer complains before the acceptance deadline; review due in 5 business
/// days.
#[utoipa::path(post, path = "/v1/sessions/{id}/complaints", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = ComplaintInput,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn complain_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ApproveWork>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<ComplaintInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::complain(tx, ctx, &id, body.value).await?) })
    })
    .await
}

/// The SOC manager reverses all, part or none of the charged units.
#[utoipa::path(post, path = "/v1/sessions/{id}/complaints/decision", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = DecisionInput,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn decide_complaint(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::DecideComplaint>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<DecisionInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::decide(tx, ctx, &id, body.value).await?) })
    })
    .await
}

/// The customer's evaluation (rating 1–5, comment), once.
#[utoipa::path(post, path = "/v1/sessions/{id}/evaluation", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body = EvaluationInput,
    responses((status = 200, description = "The session after the action", body = Session), WriteErrors),
    security(("bearer" = [])))]
pub async fn evaluate_session(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::EvaluateSession>,
    key: IdempotencyKey,
    Path(id): Path<SessionId>,
    body: JsonBody<EvaluationInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&sessions::evaluate(tx, ctx, &id, body.value).await?) })
    })
    .await
}
