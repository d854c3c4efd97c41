//! Webhooks (SPEC §11): which events an endpoint receives, which targets are
//! allowed, and how a delivery is signed (Stripe's scheme: HMAC-SHA256 over
//! `"<t>.<raw body>"`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
    "report_issued",
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

/// Why webhooks may not go to `ip` (SPEC §13): loopback, private, link-local, multicast,
/// unspecified and other internal ranges are refused — a webhook must not reach the
/// service's own network — unless an operator allowed a range that contains it.
/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
pub fn address_refusal(ip: IpAddr, allowed: &[ipnet::IpNet]) -> Option<&'static str> {
    if allowed.iter().any(|net| net.contains(&ip)) {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => {
                if allowed.iter().any(|net| net.contains(&IpAddr::V4(v4))) {
                    None
                } else {
                    v4_refusal(v4)
                }
            }
            None => v6_refusal(v6),
        },
    }
}

fn v4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn v6_refusal(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else {
        None
    }
}

/// The host of a webhook URL that [`check_target`] accepted: a name, or an IP literal
/// (brackets removed), without port or credentials.
pub fn target_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(host_port.rsplit_once(':').map_or(host_port, |(h, _)| h))
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
    fn internal_addresses_are_refused_unless_allowed() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(address_refusal(ip(refused), &[]).is_some(), "{refused}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert_eq!(address_refusal(ip(public), &[]), None, "{public}");
        }
        let lan: ipnet::IpNet = "10.20.0.0/16".parse().expect("net");
        assert_eq!(address_refusal(ip("10.20.3.4"), &[lan]), None);
        assert!(address_refusal(ip("10.21.3.4"), &[lan]).is_some());
        assert_eq!(target_host("http://user:pw@[::1]:8080/x"), Some("::1"));
        assert_eq!(
            target_host("https://erp.example.com:8443/h?x#y"),
            Some("erp.example.com")
        );
        assert_eq!(
            target_host("http://169.254.169.254/latest"),
            Some("169.254.169.254")
        );
    }

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
