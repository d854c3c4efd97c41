//! `/v1/notifications` and `/v1/webhook-endpoints`.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::notify::{
    Delivery, DeliveryQuery, Endpoint, EndpointInput, Notification, NotificationQuery,
};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::{read, read_feed};
use crate::http::uow::{Reply, write};
use crate::service::{notifications, webhooks};

type Empty = serde_json::Value;

/// The notification and webhook routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(create_endpoint, list_endpoints))
        .routes(routes!(get_endpoint, delete_endpoint))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

/// Mails recorded for customers and staff, newest last, with every attempt.
#[utoipa::path(get, path = "/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, description = "A page of mails", body = Page<Notification>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadNotifications>,
    QueryParams(q): QueryParams<NotificationQuery>,
) -> Response {
    read_feed(&state, principal, |tx, ctx| {
        Box::pin(async move { notifications::list(tx, &ctx, q).await })
    })
    .await
}

/// Registers a webhook endpoint; the `secret` that signs its deliveries is shown only
/// in this response (a retry with the same `Idempotency-Key` answers 409
/// `secret_already_shown`).
#[utoipa::path(post, path = "/v1/webhook-endpoints", tag = "notifications",
    request_body(content = EndpointInput, example = json!({"url": "https://erp.example.com/hooks/securehands", "events": ["session_delivered", "quote_raised"], "description": "ERP"})),
    responses((status = 201, description = "Registered, with its secret", body = Endpoint), WriteErrors),
    security(("bearer" = [])))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    key: IdempotencyKey,
    body: JsonBody<EndpointInput>,
) -> Response {
    // Resolved before any transaction opens (a name may take a while to resolve).
    let reach = state.webhook_guard.check_url(body.value.url.trim()).await;
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let created = webhooks::create(tx, ctx, body.value, reach).await?;
            Ok(Reply::created(&created)?.secret_shown_once(created.id))
        })
    })
    .await
}

/// Lists the live webhook endpoints (without their secrets).
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "notifications", params(PageQuery),
    responses((status = 200, description = "A page of endpoints", body = Page<Endpoint>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { webhooks::list(tx, &ctx, page).await })
    })
    .await
}

/// Reads a webhook endpoint.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}", tag = "notifications",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = Endpoint), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { webhooks::get(tx, &ctx, &id).await })
    })
    .await
}

/// Removes a webhook endpoint: nothing more is delivered to it; its log stays.
#[utoipa::path(delete, path = "/v1/webhook-endpoints/{id}", tag = "notifications",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "Removed", body = Endpoint), WriteErrors),
    security(("bearer" = [])))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&webhooks::delete(tx, ctx, &id).await?) })
    })
    .await
}

/// The deliveries of an endpoint, newest event first, with every attempt.
#[utoipa::path(get, path = "/v1/webhook-endpoints/{id}/deliveries", tag = "notifications",
    params(("id" = String, Path, description = "Endpoint id"), DeliveryQuery),
    responses((status = 200, description = "A page of deliveries", body = Page<Delivery>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<DeliveryQuery>,
) -> Response {
    let page = PageQuery {
        limit: query.limit,
        after: query.after,
    };
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { webhooks::deliveries(tx, &ctx, &id, page).await })
    })
    .await
}

/// Sends a delivery again now.
#[utoipa::path(post, path = "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry", tag = "notifications",
    params(("id" = String, Path, description = "Endpoint id"), ("delivery_id" = String, Path, description = "Delivery id")),
    request_body = Empty,
    responses((status = 200, description = "Scheduled again", body = Delivery), WriteErrors),
    security(("bearer" = [])))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageWebhooks>,
    key: IdempotencyKey,
    Path((id, delivery_id)): Path<(String, String)>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&webhooks::retry(tx, ctx, &id, &delivery_id).await?) })
    })
    .await
}
