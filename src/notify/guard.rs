//! Where webhooks may go (SPEC §13): a URL whose host resolves to a loopback, private,
//! link-local, multicast or otherwise internal address is refused at registration, and
//! every delivery connects only to addresses checked at that moment — the resolver the
//! sender's HTTP client uses drops refused addresses, so a name that re-resolves to an
//! internal address later (DNS rebinding) reaches nothing. Operators allow internal
//! ranges with `SECUREHANDS_WEBHOOK_ALLOW_CIDRS`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhook::{address_refusal, target_host};

/// The webhook address policy of this replica.
#[derive(Clone, Debug, Default)]
pub struct WebhookGuard {
    allowed: Arc<[ipnet::IpNet]>,
}

impl WebhookGuard {
    /// Internal addresses refused except in `allowed`.
    pub fn new(allowed: &[ipnet::IpNet]) -> WebhookGuard {
        WebhookGuard {
            allowed: allowed.into(),
        }
    }

    /// Why `ip` may not receive webhooks, in words for the caller.
    pub fn refusal(&self, ip: IpAddr) -> Option<String> {
        address_refusal(ip, &self.allowed).map(|why| {
            format!(
                "resolves to {ip}, a {why} address: webhooks go to public addresses \
                 (an operator may allow ranges with SECUREHANDS_WEBHOOK_ALLOW_CIDRS)"
            )
        })
    }

    /// Checks a URL's host now: an IP literal, or every address its name resolves to. A
    /// name that does not resolve is let through (a delivery checks again; DNS may be
    /// briefly unavailable at registration).
    pub async fn check_url(&self, url: &str) -> Result<(), String> {
        let Some(host) = target_host(url) else {
            return Ok(());
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.refusal(ip).map_or(Ok(()), Err);
        }
        let Ok(addrs) = tokio::net::lookup_host((host, 443)).await else {
            return Ok(());
        };
        for addr in addrs {
            if let Some(why) = self.refusal(addr.ip()) {
                return Err(why);
            }
        }
        Ok(())
    }

    /// Refuses a URL whose host is an IP literal the policy refuses (the resolver is not
    /// asked for literals).
    pub fn check_literal(&self, url: &str) -> Result<(), String> {
        match target_host(url).and_then(|h| h.parse::<IpAddr>().ok()) {
            Some(ip) => self.refusal(ip).map_or(Ok(()), Err),
            None => Ok(()),
        }
    }
}

impl Resolve for WebhookGuard {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusals = Vec::new();
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|a| match guard.refusal(a.ip()) {
                    Some(why) => {
                        refusals.push(why);
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                let why = refusals
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "resolves to no address".into());
                return Err(format!("refused: {host} {why}").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}
