//! The HTTP edge: router assembly, shared state, middleware, OpenAPI and `/docs`.

pub mod auth;
pub mod conventions;
pub mod error;
pub mod extract;
pub mod headers;
pub mod limits;
pub mod links;
pub mod openapi;
pub mod routes;
pub mod uow;
pub mod verified_tokens;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::Clock;
use crate::domain::access::Principal;
use crate::http::error::{ApiError, PROBLEM_JSON};
use crate::http::routes::{
    accounts, assessment_reports, audit, calendars, customers, finance, identity, notify, ops,
    reports, requests, sessions, sows,
};
use crate::service::Ctx;
use crate::storage::db::Db;

/// Everything a handler needs. Cloned for every request (each extractor and middleware
/// takes its own copy), so it is one shared pointer: cloning the parts themselves meant a
/// score of atomic counts up and down per request, a twentieth of a balance read's time.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// The state made of `parts`.
    pub fn new(parts: AppParts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct AppParts {
    /// The database.
    pub db: Db,
    /// The one source of "now".
    pub clock: Clock,
    /// Token verification.
    pub auth: Arc<auth::Auth>,
    /// Prometheus renderer.
    pub metrics: PrometheusHandle,
    /// Idempotency keys being processed by this replica.
    pub inflight: Arc<uow::InFlight>,
    /// The time-driven rules (test-clock moves run them).
    pub jobs: crate::service::jobs::Jobs,
    /// Base URL for links in responses.
    pub public_url: Arc<str>,
    /// Request limits of this replica.
    pub limits: limits::Limits,
    /// Where webhooks may go.
    pub webhook_guard: crate::notify::guard::WebhookGuard,
    /// How people sign in to the console.
    pub sign_in: Arc<crate::identity::SignIn>,
    /// The API keys this replica resolved lately.
    pub key_cache: Arc<crate::identity::key_cache::KeyCache>,
    /// Set once this replica is stopping: `/readyz` answers 503 so load balancers
    /// send nothing new while requests in flight finish.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    /// The context of a use case: the caller and the instant, read once.
    pub fn ctx(&self, principal: Principal) -> Ctx {
        Ctx {
            principal,
            now: self.clock.now(),
            request: REQUEST.try_with(Clone::clone).unwrap_or_default(),
        }
    }
}

tokio::task_local! {
    /// Where the request being handled came from (set by [`request_meta`]).
    static REQUEST: crate::service::RequestMeta;
}

/// Keeps where a request came from for the use cases it runs (the audit log).
/// The `X-Request-Id` of the request being handled (none outside a request).
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|m| m.request_id.clone()).ok().flatten()
}

async fn request_meta(req: Request, next: Next) -> Response {
    let meta = meta_of(&req);
    REQUEST.scope(meta, next.run(req)).await
}

fn meta_of(req: &Request) -> crate::service::RequestMeta {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    crate::service::RequestMeta {
        request_id: header("x-request-id"),
        user_agent: header("user-agent"),
        client_ip: req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    }
}

/// Every API route, one router per resource, with the document they generate.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(calendars::router())
        .merge(customers::router())
        .merge(accounts::router())
        .merge(finance::router())
        .merge(requests::router())
        .merge(sows::router())
        .merge(assessment_reports::router())
        .merge(sessions::router())
        .merge(reports::router())
        .merge(notify::router())
        .merge(ops::router())
        .merge(audit::router())
        .merge(identity::router())
}

/// The OpenAPI document generated from the handlers (what `/openapi.json` serves and
/// `openapi/openapi.json` must equal).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().split_for_parts().1;
    conventions::complete(&mut doc);
    doc
}

/// The complete application: API routes, `/docs`, the screens given in `screens`
/// (the console), fallbacks and middleware.
pub fn router(state: AppState, screens: Router<AppState>) -> Router {
    let (api, mut doc) = api_router().split_for_parts();
    conventions::complete(&mut doc);
    let api = api.with_state(state.clone());
    Router::new()
        .merge(api)
        .merge(screens.with_state(state.clone()))
        .merge(
            SwaggerUi::new("/docs")
                .url("/openapi.json", doc)
                // No call to validator.swagger.io: the document is validated in CI.
                .config(utoipa_swagger_ui::Config::default().validator_url("none")),
        )
        .fallback(|| async { ApiError::not_found("no such route").into_response() })
        .layer(middleware::from_fn(problem_for_bare_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::enforce,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        }))
        .layer(middleware::from_fn_with_state(
            headers::Https(state.public_url.starts_with("https://")),
            headers::secure,
        ))
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn(request_meta))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let request_id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    path = %req.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Rewrites error responses produced outside our handlers (405, axum's own path
/// rejections, …) into problem documents, so every error has the same shape.
async fn problem_for_bare_errors(req: Request, next: Next) -> Response {
    // The console answers in HTML, errors included.
    if req.uri().path().starts_with("/console") {
        return next.run(req).await;
    }
    let uri = req.uri();
    let has_nul = |text: &str| text.to_ascii_lowercase().contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return ApiError::bad_request("bad_request", "the URL must not contain NUL characters")
            .into_response();
    }
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_content_type",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let detail = if detail.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        detail
    };
    let mut rebuilt = ApiError::new(status, code, detail).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        rebuilt.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rebuilt
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    // Labels take known values only, so a client cannot create series at will.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let path: String = req.uri().path().chars().take(256).collect();
    let mut response = next.run(req).await;
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or(route);
    let status = response.status().as_u16().to_string();
    let labels = [
        ("method", method.clone()),
        ("route", route.clone()),
        ("status", status),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    let elapsed = start.elapsed();
    // The access log: one line per request, inside the request's span (its id).
    tracing::info!(
        target: "access",
        method = %method,
        path = %path,
        route = %route,
        status = response.status().as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
    );
    metrics::histogram!(
        "http_request_duration_seconds",
        &[("method", method), ("route", route)]
    )
    .record(elapsed.as_secs_f64());
    response
        .headers_mut()
        .entry("cache-control")
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
