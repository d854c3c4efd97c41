//! Request extractors that turn every client mistake into a problem response.
//!
//! * [`JsonBody`] — checks the content type, the 64 KiB limit and JSON syntax (400/413),
//!   deserializes into a typed body reporting the offending field (422), and keeps a
//!   fingerprint of the exact request for idempotency.
//! * [`QueryParams`] — query strings, with 422 per field.
//! * [`IdempotencyKey`] and [`IfMatch`] — the two conditional-request headers.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::validation::plain_message;

use crate::http::error::ApiError;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A SHA-256 of method, path, query and body: "the same request" for idempotency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint(pub String);

/// A JSON body parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The typed body.
    pub value: T,
    /// The request fingerprint.
    pub fingerprint: Fingerprint,
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Deserializes `bytes` as `T`, mapping syntax errors to 400 and shape errors to 422
/// on the JSON path of the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // PostgreSQL cannot store NUL in text; no field of the API has a use for it.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::invalid_field(
            "body",
            "text must not contain NUL characters",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(ApiError::bad_request(
                    "malformed_json",
                    format!(
                        "the body is not valid JSON (line {}, column {})",
                        inner.line(),
                        inner.column()
                    ),
                )),
                Category::Data => {
                    let message = strip_position(&inner.to_string());
                    let field = field_of(&path, &message);
                    Err(ApiError::invalid_field(&field, plain_message(&message)))
                }
            }
        }
    }
}

/// The JSON path a shape error is about: serde reports a missing field on its parent,
/// so the field's own name is taken from the message.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (field, None) => field.to_string(),
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn fingerprint(parts: &Parts, body: &[u8]) -> Fingerprint {
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"?");
    hasher.update(parts.uri.query().unwrap_or("").as_bytes());
    if let Some(v) = parts.headers.get(header::IF_MATCH) {
        hasher.update(b"\nif-match:");
        hasher.update(v.as_bytes());
    }
    hasher.update(b"\n");
    hasher.update(body);
    let digest = hasher.finalize();
    Fingerprint(digest.iter().map(|b| format!("{b:02x}")).collect())
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let deadline = parts
            .extensions
            .get::<super::limits::BodyDeadline>()
            .copied()
            .unwrap_or_default()
            .0;
        let read = tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES))
            .await
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!("the body did not arrive within {} s", deadline.as_secs()),
                )
            })?;
        let bytes: Bytes = read.map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body exceeds {MAX_BODY_BYTES} bytes"),
            )
        })?;
        let fingerprint = fingerprint(&parts, &bytes);
        // Action endpoints accept an empty body as `{}`.
        let effective: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            if !is_json(&parts.headers) {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_content_type",
                    "send the body as `Content-Type: application/json`",
                ));
            }
            &bytes
        };
        let value = parse_json::<T>(effective)?;
        Ok(JsonBody { value, fingerprint })
    }
}

/// Query parameters parsed into `T`; unknown or malformed values are a 422.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(QueryParams)
            .map_err(|err| {
                let path = err.path().to_string();
                let field = if path == "." {
                    "query".to_string()
                } else {
                    path
                };
                ApiError::invalid_field(&field, plain_message(&err.into_inner().to_string()))
            })
    }
}

/// A usable `Idempotency-Key`: 1–255 visible ASCII characters (what
/// [`crate::http::conventions::KEY_PATTERN`] documents).
pub fn is_valid_key(text: &str) -> bool {
    (1..=255).contains(&text.len()) && text.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The `Idempotency-Key` header, when present (1–255 visible ASCII characters).
#[derive(Clone, Debug)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let text = value
            .to_str()
            .ok()
            .filter(|t| is_valid_key(t))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )
            })?;
        Ok(IdempotencyKey(Some(text.to_string())))
    }
}

/// The `If-Match` header: the ETag of the SoW revision the caller read.
#[derive(Clone, Debug)]
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch(
            parts
                .headers
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn missing_fields_are_reported_under_their_own_name() {
        assert_eq!(field_of(".", "missing field `title`"), "title");
        assert_eq!(
            field_of("securecall", "missing field `ends_on`"),
            "securecall.ends_on"
        );
        assert_eq!(field_of("units", "must be a decimal string"), "units");
        assert_eq!(field_of(".", "invalid type: string"), "body");
    }
}
