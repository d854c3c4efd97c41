//! Who signs in (SPEC §13): API keys for systems, console sessions kept by the service,
//! e-mailed sign-in links for customers' contacts, and the staff who signed in through
//! the organisation's provider. It sits beside the service layer: it uses the same
//! transactions, audit log and outbox, and the HTTP layer and the console call it.
//! Secrets are random, shown once, and stored only as hashes
//! ([`crate::domain::identity::secret_hash`]).

pub mod api_keys;
pub mod key_cache;
pub mod links;
pub mod oidc;
pub mod sessions;
pub mod users;

use crate::service::ServiceError;

/// How people may sign in to the console on this service.
pub struct SignIn {
    /// The pasted-token form is offered (`SECUREHANDS_CONSOLE_TOKEN_LOGIN`).
    pub token_login: bool,
    /// Sign-in link requests per client address (this replica's count).
    pub link_requests: governor::DefaultKeyedRateLimiter<String>,
    /// The organisation's OpenID provider, when configured.
    pub oidc: Option<oidc::Oidc>,
}

impl SignIn {
    /// From the service settings; discovers the OpenID provider when one is set.
    ///
    /// # Errors
    /// The provider is configured but cannot be reached, or the setting is incomplete.
    pub async fn from_settings(s: &crate::config::Settings) -> Result<SignIn, oidc::OidcError> {
        let oidc = match s
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            None => None,
            Some(issuer) => {
                let client_id = s.oidc_client_id.clone().unwrap_or_default();
                if client_id.trim().is_empty() {
                    return Err(oidc::OidcError::Provider {
                        issuer: issuer.to_string(),
                        reason:
                            "SECUREHANDS_OIDC_CLIENT_ID is required with SECUREHANDS_OIDC_ISSUER"
                                .into(),
                    });
                }
                Some(
                    oidc::Oidc::discover(oidc::OidcConfig {
                        issuer: issuer.to_string(),
                        client_id,
                        client_secret: s.oidc_client_secret.clone().filter(|c| !c.is_empty()),
                        public_url: s.public_url.clone(),
                        audience: s.oidc_audience.clone().filter(|a| !a.is_empty()),
                        roles_claim: s.oidc_roles_claim.clone(),
                        role_map: s.oidc_role_map.clone(),
                    })
                    .await?,
                )
            }
        };
        Ok(Self::with(s, oidc))
    }

    fn with(s: &crate::config::Settings, oidc: Option<oidc::Oidc>) -> SignIn {
        use crate::domain::identity::{LINK_REQUESTS_PER_CLIENT, LINK_WINDOW};
        let per = LINK_WINDOW.to_std().unwrap_or_default() / LINK_REQUESTS_PER_CLIENT;
        let burst = std::num::NonZeroU32::new(LINK_REQUESTS_PER_CLIENT)
            .unwrap_or(std::num::NonZeroU32::MIN);
        let quota = governor::Quota::with_period(per)
            .unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN))
            .allow_burst(burst);
        SignIn {
            token_login: s.console_token_login,
            link_requests: governor::RateLimiter::keyed(quota),
            oidc,
        }
    }
}
use crate::storage::db::StoreError;

/// `bytes` random bytes as lower-case hex (a secret, a session identifier, a link).
pub fn random_hex(bytes: usize) -> Result<String, ServiceError> {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw)
        .map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

/// Mails of the sign-in rules are recorded like every mail sent outside the domain
/// events' (see [`crate::service::notifications::record_mail`]).
pub use crate::service::notifications::{DirectMail, record_mail};
