//! Security headers on every response (SPEC §13 "Hardening"): a content security policy
//! per surface (the console, the API docs, the JSON API), `nosniff`, a same-origin
//! referrer policy, no framing, and HSTS when the service is published over https.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The console: its own scripts, styles and images only; no framing; forms post to
/// the service only.
pub const CONSOLE_CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Swagger UI sets inline styles and loads its icons as data URLs.
const DOCS_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// JSON and CSV answers are never rendered as documents.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Whether the service is published over https (HSTS is sent then).
#[derive(Clone, Copy, Debug)]
pub struct Https(pub bool);

/// The middleware setting the headers (existing values are kept).
pub async fn secure(State(https): State<Https>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let csp = if path.starts_with("/console") {
        CONSOLE_CSP
    } else if path.starts_with("/docs") {
        DOCS_CSP
    } else {
        API_CSP
    };
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, csp);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if https.0 {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}
