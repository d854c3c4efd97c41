//! Limits that keep one client from hurting the others: URL and header sizes, a cap
//! on requests in flight (503 with `Retry-After` beyond it), a deadline per request
//! (503), and a rate per verified caller — per client address for anonymous and invalid
//! requests — (429 with `Retry-After` and `RateLimit-*` headers).
//! Bodies are read under their own deadline by [`super::extract::JsonBody`] before any
//! transaction opens, so a client trickling its body holds no database resource.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::AppState;
use super::auth::{Verified, authenticate, bearer};
use super::error::ApiError;

/// Longest request target accepted (path and query).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The configured limits of one replica.
#[derive(Clone)]
pub struct Limits {
    inflight: Arc<Semaphore>,
    timeout: Duration,
    body_deadline: BodyDeadline,
    rate: Option<Arc<DefaultKeyedRateLimiter<[u8; 16], StateInformationMiddleware>>>,
    per_second: u32,
    checks: Arc<AtomicU64>,
}

impl Limits {
    /// `max_inflight` requests at once, `timeout` each, `per_second` requests per token
    /// (bursts of twice as many; `0`: no rate limit).
    pub fn new(
        max_inflight: usize,
        timeout: Duration,
        per_second: u32,
        body_deadline: Duration,
    ) -> Limits {
        let rate = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
            Arc::new(
                RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                    .with_middleware::<StateInformationMiddleware>(),
            )
        });
        Limits {
            inflight: Arc::new(Semaphore::new(max_inflight.max(1))),
            timeout,
            body_deadline: BodyDeadline(body_deadline),
            rate,
            per_second,
            checks: Arc::default(),
        }
    }

    /// How many callers the limiter holds a bucket for.
    pub fn rate_keys(&self) -> usize {
        self.rate.as_ref().map_or(0, |rate| rate.len())
    }

    /// Forgets the keys of callers idle long enough to have a full bucket again, and
    /// says how many remain (tests and the metrics).
    pub fn prune_rate_keys(&self) -> usize {
        self.rate.as_ref().map_or(0, |rate| {
            rate.retain_recent();
            rate.shrink_to_fit();
            rate.len()
        })
    }
}

/// The key of a caller for the rate limit: the verified caller (its subject), so a
/// client cannot escape the limit by sending junk tokens; anonymous and invalid
/// requests count against their client address. The verified caller is left on the
/// request for the handlers (the token is checked once).
async fn caller_key(req: &mut Request, state: &AppState) -> [u8; 16] {
    let verified = match bearer(req.headers()) {
        Some(token) => authenticate(state, token).await.ok(),
        None => None,
    };
    let identity = match verified {
        Some(principal) => {
            let id = format!("caller:{}", principal.subject);
            req.extensions_mut().insert(Verified(principal));
            id
        }
        None => {
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into());
            format!("client:{peer}")
        }
    };
    let digest = Sha256::digest(identity.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// Checks between two prunings of the limiter's idle keys.
const PRUNE_EVERY: u64 = 4096;

fn refuse(
    status: StatusCode,
    code: &'static str,
    detail: &str,
    retry_after: Option<u64>,
) -> Response {
    crate::telemetry::count_rejected(code);
    let mut response = ApiError::new(status, code, detail).into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The middleware applying every limit.
pub async fn enforce(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let limits = &state.limits;
    req.extensions_mut().insert(limits.body_deadline);
    let uri_len = req.uri().path().len() + req.uri().query().map_or(0, |q| q.len() + 1);
    if uri_len > MAX_URI_BYTES {
        return refuse(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            &format!("the request target exceeds {MAX_URI_BYTES} bytes"),
            None,
        );
    }
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_len > MAX_HEADER_BYTES {
        return refuse(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            &format!("the headers exceed {MAX_HEADER_BYTES} bytes"),
            None,
        );
    }
    let mut rate_headers = None;
    if let Some(rate) = &limits.rate {
        let key = caller_key(&mut req, &state).await;
        if limits.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == 0 {
            // Keys whose bucket is full again are forgotten: the map stays as small as
            // the set of callers seen in the last couple of seconds.
            rate.retain_recent();
            rate.shrink_to_fit();
            metrics::gauge!("http_rate_limit_keys").set(rate.len() as f64);
        }
        match rate.check_key(&key) {
            Ok(snapshot) => rate_headers = Some(snapshot.remaining_burst_capacity()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let mut r = refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many requests for this token; slow down",
                    Some(secs),
                );
                set_rate_headers(&mut r, limits.per_second, 0, secs);
                return r;
            }
        }
    }
    let Ok(_permit) = limits.inflight.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the service is at capacity; retry shortly",
            Some(1),
        );
    };
    let mut response = match tokio::time::timeout(limits.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                &format!(
                    "the request took longer than {} s and was abandoned (nothing was committed)",
                    limits.timeout.as_secs()
                ),
                Some(1),
            );
        }
    };
    if let Some(remaining) = rate_headers {
        set_rate_headers(&mut response, limits.per_second, remaining, 1);
    }
    response
}

fn set_rate_headers(r: &mut Response, limit: u32, remaining: u32, reset: u64) {
    let h = r.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", limit.to_string()),
        ("ratelimit-remaining", remaining.to_string()),
        ("ratelimit-reset", reset.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
}

/// How long a request body may take to arrive (set on each request by [`enforce`]).
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline(pub Duration);

impl Default for BodyDeadline {
    fn default() -> Self {
        BodyDeadline(Duration::from_secs(10))
    }
}
