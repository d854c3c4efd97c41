//! Webhooks (SPEC §11): which events an endpoint receives, which targets are
//! allowed, and how a delivery is signed (Stripe's scheme: HMAC-SHA256 over
//! `"<t>.<raw body>"`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every endpoint secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Every event type of the feed an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "acceptance_reminder",
    "balance_low",
    "complaint_decided",
    "complaint_received",
    "deficit_recorded",
    "deficit_settled",
    "pack_sold",
    "quote_cancelled",
    "quote_due_soon",
    "quote_lapsed",
    "quote_ordered",
    "quote_raised",
    "request_declined",
    "request_logged",
    "request_redirected",
    "request_responded",
    "session_accepted",
    "session_cancelled",
    "session_delivered",
    "session_evaluated",
    "session_no_show",
    "session_rescheduled",
    "session_scheduled",
    "sow_activated",
    "sow_approved",
    "sow_awaiting_units",
    "sow_cancelled",
    "sow_completed",
    "sow_coverage_lost",
    "sow_drafted",
    "sow_rejected",
    "sow_revised",
    "sow_submitted",
    "sow_superseded",
    "units_expired",
    "units_expiring",
];

/// Checks a subscription list: `["*"]` or known event types.
pub fn check_events(events: &[String]) -> Result<(), String> {
    for e in events {
        if e != "*" && !EVENT_TYPES.contains(&e.as_str()) {
            return Err(format!(
                "{e:?} is not an event type (see /v1/events) nor \"*\""
            ));
        }
    }
    Ok(())
}

/// True when an endpoint subscribed to `events` receives an event of `kind` (`"*"`
/// subscribes to everything).
pub fn subscribes(events: &[String], kind: &str) -> bool {
    events.iter().any(|e| e == "*" || e == kind)
}

/// Checks a target URL: only `http` and `https`, with a host.
pub fn check_target(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("must be an absolute http or https URL")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err("only http and https URLs are allowed");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return Err("must name a host");
    }
    Ok(())
}

/// The `Securehands-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256
/// (secret, "<t>.<raw body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return format!("t={timestamp},v1="),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, b"{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    #[test]
    fn only_http_targets() {
        assert!(check_target("https://hooks.example.com/securehands").is_ok());
        assert!(check_target("http://127.0.0.1:9000/x").is_ok());
        assert!(check_target("ftp://example.com").is_err());
        assert!(check_target("file:///etc/passwd").is_err());
        assert!(check_target("https://").is_err());
        assert!(check_target("not a url").is_err());
    }

    #[test]
    fn star_subscribes_to_everything() {
        assert!(subscribes(&["*".into()], "pack_sold"));
        assert!(subscribes(&["pack_sold".into()], "pack_sold"));
        assert!(!subscribes(&["quote_raised".into()], "pack_sold"));
    }
}
