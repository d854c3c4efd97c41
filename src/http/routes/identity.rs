//! `/v1/api-keys` and `/v1/users` (admin; SPEC §13).

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::identity::{ApiKey, ApiKeyInput, RollInput, User};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::identity::{api_keys, users};

type Empty = serde_json::Value;

/// The API key and people routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
        .routes(routes!(roll_key))
        .routes(routes!(list_users))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
}

/// Creates an API key for a system. Its `secret` (`shk_…`) is in this response only;
/// use it as `Authorization: Bearer shk_…`. Admins are mailed. A retry with the same
/// `Idempotency-Key` creates nothing and answers 409 `secret_already_shown` naming the
/// key: the secret is not kept anywhere, not even for a replay.
#[utoipa::path(post, path = "/v1/api-keys", tag = "access",
    request_body(content = ApiKeyInput, example = json!({"name": "ERP ledger sync", "roles": ["finance"]})),
    responses((status = 201, description = "Created, with its secret", body = ApiKey), WriteErrors),
    security(("bearer" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    key: IdempotencyKey,
    body: JsonBody<ApiKeyInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let created = api_keys::create(tx, ctx, body.value).await?;
            Ok(Reply::created(&created)?.secret_shown_once(created.id))
        })
    })
    .await
}

/// Lists every API key, revoked ones included, without secrets.
#[utoipa::path(get, path = "/v1/api-keys", tag = "access", params(PageQuery),
    responses((status = 200, description = "A page of keys", body = Page<ApiKey>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_keys(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { api_keys::list(tx, &ctx, page).await })
    })
    .await
}

/// Revokes an API key: refused from the next request on, on every replica.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "access",
    params(("id" = String, Path, description = "Key id")),
    responses((status = 200, description = "Revoked", body = ApiKey), WriteErrors),
    security(("bearer" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    let cache = state.key_cache.clone();
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&api_keys::revoke(tx, ctx, &cache, &id).await?) })
    })
    .await
}

/// Issues a new secret (in this response only); the current one keeps working for
/// `grace_hours` (at most 168). Admins are mailed. A retry with the same
/// `Idempotency-Key` answers 409 `secret_already_shown` (the secret is not kept).
#[utoipa::path(post, path = "/v1/api-keys/{id}/roll", tag = "access",
    params(("id" = String, Path, description = "Key id")),
    request_body(content = RollInput, example = json!({"grace_hours": 24})),
    responses((status = 200, description = "Rolled, with the new secret", body = ApiKey), WriteErrors),
    security(("bearer" = [])))]
pub async fn roll_key(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<RollInput>,
) -> Response {
    let cache = state.key_cache.clone();
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let rolled = api_keys::roll(tx, ctx, &cache, &id, body.value).await?;
            Ok(Reply::ok(&rolled)?.secret_shown_once(rolled.id))
        })
    })
    .await
}

/// Staff who signed in through the organisation's provider, with the roles of their
/// last sign-in.
#[utoipa::path(get, path = "/v1/users", tag = "access", params(PageQuery),
    responses((status = 200, description = "A page of people", body = Page<User>), ReadErrors),
    security(("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { users::list(tx, &ctx, page).await })
    })
    .await
}

/// Disables a person: every console session of theirs ends at once, on every
/// replica, and the provider can no longer sign them in here.
#[utoipa::path(post, path = "/v1/users/{id}/disable", tag = "access",
    params(("id" = String, Path, description = "The provider's subject")),
    request_body = Empty,
    responses((status = 200, description = "Disabled", body = User), WriteErrors),
    security(("bearer" = [])))]
pub async fn disable_user(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&users::set_disabled(tx, ctx, &id, true).await?) })
    })
    .await
}

/// Enables a disabled person again.
#[utoipa::path(post, path = "/v1/users/{id}/enable", tag = "access",
    params(("id" = String, Path, description = "The provider's subject")),
    request_body = Empty,
    responses((status = 200, description = "Enabled", body = User), WriteErrors),
    security(("bearer" = [])))]
pub async fn enable_user(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageAccess>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<Empty>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&users::set_disabled(tx, ctx, &id, false).await?) })
    })
    .await
}
