//! The OpenAPI document: metadata, security scheme and the shared problem responses.
//! Operations are collected from the handlers' `#[utoipa::path]` by the router.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToResponse};

use crate::http::error::Problem;

/// 400: malformed JSON, wrong content type, bad header.
#[derive(ToResponse)]
#[response(
    description = "Malformed request (not JSON, wrong content type, bad header)",
    content_type = "application/problem+json"
)]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// 401: missing or invalid token.
#[derive(ToResponse)]
#[response(
    description = "Missing, expired or invalid bearer token",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// 403: the caller's roles do not allow the action.
#[derive(ToResponse)]
#[response(
    description = "The caller's roles do not allow this action",
    content_type = "application/problem+json"
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// 404: no such resource, or one the caller may not see.
#[derive(ToResponse)]
#[response(
    description = "Not found (or belongs to another customer)",
    content_type = "application/problem+json"
)]
pub struct NotFound(#[allow(dead_code)] Problem);

/// 409: the state does not allow the action.
#[derive(ToResponse)]
#[response(
    description = "Refused in the current state (the `code` tells why), or an idempotent request still in flight",
    content_type = "application/problem+json"
)]
pub struct Conflict(#[allow(dead_code)] Problem);

/// 412: `If-Match` names a stale revision.
#[derive(ToResponse)]
#[response(
    description = "The If-Match revision is no longer current",
    content_type = "application/problem+json"
)]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// 428: `If-Match` is required.
#[derive(ToResponse)]
#[response(
    description = "If-Match is required",
    content_type = "application/problem+json"
)]
pub struct PreconditionRequired(#[allow(dead_code)] Problem);

/// 408: the body did not arrive in time.
#[derive(ToResponse)]
#[response(
    description = "The request body did not arrive within the body deadline",
    content_type = "application/problem+json"
)]
pub struct RequestTimeout(#[allow(dead_code)] Problem);

/// 413: the body is too large.
#[derive(ToResponse)]
#[response(
    description = "The body exceeds 64 KiB",
    content_type = "application/problem+json"
)]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// 415: the body is not JSON.
#[derive(ToResponse)]
#[response(
    description = "The body must be `application/json`",
    content_type = "application/problem+json"
)]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// 429: the token's rate is exceeded.
#[derive(ToResponse)]
#[response(
    description = "Too many requests for this token; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(
        ("Retry-After" = u32, description = "Seconds to wait"),
        ("RateLimit-Limit" = u32, description = "Requests per second allowed for this token"),
        ("RateLimit-Remaining" = u32, description = "Requests left in the current burst"),
        ("RateLimit-Reset" = u32, description = "Seconds until the burst refills"),
    )
)]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

/// 503: overloaded, timed out or the database is busy.
#[derive(ToResponse)]
#[response(
    description = "At capacity, too slow, or the database is busy; retry after `Retry-After` seconds (nothing was committed)",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait"))
)]
pub struct Unavailable(#[allow(dead_code)] Problem);

/// 422: validation failed.
#[derive(ToResponse)]
#[response(
    description = "Validation failed; `errors` lists messages per field",
    content_type = "application/problem+json"
)]
pub struct Unprocessable(#[allow(dead_code)] Problem);

/// The refusals every read can answer: a malformed query, no or a bad token, a role
/// without the right, an unknown resource (or another customer's), a parameter out of
/// range, the token's rate exceeded, the replica at capacity.
#[derive(IntoResponses)]
pub enum ReadErrors {
    /// 400.
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    /// 401.
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    /// 403.
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    /// 404.
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    /// 422.
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    /// 429.
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
    /// 503.
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The refusals every state-changing request can answer: those of a read, plus a
/// malformed, slow, large or non-JSON body and a refusal in the current state (or a
/// key still in flight).
#[derive(IntoResponses)]
pub enum WriteErrors {
    /// 400.
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    /// 401.
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    /// 403.
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    /// 404.
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    /// 408.
    #[response(status = 408)]
    RequestTimeout(#[ref_response] RequestTimeout),
    /// 409.
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    /// 413.
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    /// 415.
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    /// 422.
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    /// 429.
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
    /// 503.
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// What a change bound to a revision adds to [`WriteErrors`]: `If-Match` missing or
/// stale.
#[derive(IntoResponses)]
pub enum RevisionErrors {
    /// 412.
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    /// 428.
    #[response(status = 428)]
    PreconditionRequired(#[ref_response] PreconditionRequired),
}

/// Document metadata and shared components.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SecureHands units ledger",
        description = "Unit packs, statements of work, sessions, acceptance, complaints and finance reads for the SecureHands remote-expert option. Units are decimal strings with two decimals (\"12.50\"); instants are RFC 3339 in UTC; every error is application/problem+json with a stable `code`. State-changing POSTs honour `Idempotency-Key`."
    ),
    components(responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Unprocessable, RequestTimeout, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Unavailable)),
    modifiers(&BearerAuth),
    tags(
        (name = "calendars", description = "Business calendars and public holidays"),
        (name = "customers", description = "Customers and their SecureCall contract"),
        (name = "requests", description = "SecureHands requests and their SLA clocks"),
        (name = "sows", description = "Statements of work: drafting, approval, provisioning"),
        (name = "sessions", description = "Scheduling, delivery, acceptance, complaints"),
        (name = "ledger", description = "Packs, balances and monthly statements"),
        (name = "quotes", description = "Top-up quotes"),
        (name = "finance", description = "Ledger export, events feed, reports"),
        (name = "notifications", description = "Mails sent to contacts and staff, webhook endpoints and their deliveries"),
        (name = "operations", description = "Health, readiness, metrics, test clock"),
        (name = "access", description = "API keys for systems and the staff who signed in"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "JWT with `sub`, `roles` and, for customers, `customer_id`; `exp` required",
                    ))
                    .build(),
            ),
        );
    }
}
