//! Staff single sign-on with the organisation's OpenID provider (SPEC §13), through the
//! `openidconnect` crate: discovery and JWKS at start, refreshed when a token names a
//! key the service does not know (key rotation); the authorization-code flow with PKCE
//! (S256), `state` and `nonce`; roles from a configurable claim through a role map. The
//! API also accepts the provider's JWT access tokens (client credentials for finance
//! systems), checked against the same JWKS, issuer and the configured audience.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use crate::domain::access::Role;
use crate::domain::identity::RoleMap;

/// The redirect back from the provider, under the public URL.
pub const CALLBACK_PATH: &str = "/console/auth/callback";
/// The JWKS is fetched again at most this often (an unknown `kid` could be sent on
/// purpose, to make the service hammer the provider).
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(5);

/// What is configured for the provider.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// `SECUREHANDS_OIDC_ISSUER`.
    pub issuer: String,
    /// `SECUREHANDS_OIDC_CLIENT_ID`.
    pub client_id: String,
    /// `SECUREHANDS_OIDC_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// The service's public URL (the callback is under it).
    pub public_url: String,
    /// `SECUREHANDS_OIDC_AUDIENCE`: the `aud` of access tokens the API accepts.
    pub audience: Option<String>,
    /// `SECUREHANDS_OIDC_ROLES_CLAIM` (default `roles`).
    pub roles_claim: String,
    /// `SECUREHANDS_OIDC_ROLE_MAP`.
    pub role_map: RoleMap,
}

/// Why the provider could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery, JWKS or the token endpoint failed.
    #[error("the OpenID provider at {issuer} could not be reached or answered wrongly: {reason}")]
    Provider {
        /// The issuer.
        issuer: String,
        /// What went wrong.
        reason: String,
    },
    /// The provider's answer does not prove who signed in.
    #[error("the sign-in could not be verified: {0}")]
    Refused(String),
}

/// A person the provider vouched for.
#[derive(Clone, Debug)]
pub struct Person {
    /// The provider's subject.
    pub subject: String,
    /// `name` claim (the subject when absent).
    pub name: String,
    /// `email` claim.
    pub email: Option<String>,
    /// The service roles the role map gives the roles claim.
    pub roles: BTreeSet<Role>,
    /// Whether the token names a person (`name` or `email`) rather than a system.
    pub is_person: bool,
}

/// A sign-in under way: kept in the browser's cookie between the two redirects.
#[derive(Clone, Debug)]
pub struct Flow {
    /// `state`.
    pub state: String,
    /// `nonce`.
    pub nonce: String,
    /// The PKCE verifier.
    pub verifier: String,
}

impl Flow {
    /// The cookie's value.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.state, self.nonce, self.verifier)
    }

    /// From the cookie's value.
    pub fn decode(text: &str) -> Option<Flow> {
        let mut parts = text.split('.');
        let flow = Flow {
            state: parts.next()?.to_string(),
            nonce: parts.next()?.to_string(),
            verifier: parts.next()?.to_string(),
        };
        (parts.next().is_none() && !flow.state.is_empty()).then_some(flow)
    }
}

struct Discovered {
    metadata: CoreProviderMetadata,
    keys: JwkSet,
    fetched: Instant,
}

/// The provider, discovered.
pub struct Oidc {
    config: OidcConfig,
    http: openidconnect::reqwest::Client,
    discovered: RwLock<Discovered>,
    refreshing: Mutex<()>,
}

fn provider_error(issuer: &str, e: impl std::fmt::Display) -> OidcError {
    OidcError::Provider {
        issuer: issuer.to_string(),
        reason: e.to_string(),
    }
}

impl Oidc {
    /// Discovers the provider and fetches its keys (at start: a provider that cannot be
    /// reached is reported before the service serves anything).
    pub async fn discover(config: OidcConfig) -> Result<Oidc, OidcError> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| provider_error(&config.issuer, e))?;
        let discovered = fetch(&config.issuer, &http).await?;
        Ok(Oidc {
            config,
            http,
            discovered: RwLock::new(discovered),
            refreshing: Mutex::new(()),
        })
    }

    /// The issuer (tokens naming it are checked here, not as the service's own).
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    fn redirect_url(&self) -> String {
        format!(
            "{}{CALLBACK_PATH}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    async fn client(
        &self,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let metadata = self.discovered.read().await.metadata.clone();
        let redirect = RedirectUrl::new(self.redirect_url())
            .map_err(|e| provider_error(&self.config.issuer, e))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Fetches discovery and keys again, unless done in the last few seconds.
    async fn refresh(&self) -> Result<(), OidcError> {
        let _one_at_a_time = self.refreshing.lock().await;
        if self.discovered.read().await.fetched.elapsed() < REFRESH_AT_MOST_EVERY {
            return Ok(());
        }
        let fresh = fetch(&self.config.issuer, &self.http).await?;
        *self.discovered.write().await = fresh;
        tracing::info!(issuer = %self.config.issuer, "OpenID provider keys refreshed");
        Ok(())
    }

    /// Starts a sign-in: where to send the browser, and what to keep for the return.
    pub async fn begin(&self) -> Result<(String, Flow), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.to_string(),
            Flow {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
            },
        ))
    }

    /// Ends a sign-in: exchanges the code (with the PKCE verifier), verifies the ID
    /// token (signature, issuer, audience, expiry, nonce) and reads who signed in. A key
    /// the service does not know yet makes it fetch the provider's keys once more.
    pub async fn finish(&self, code: &str, flow: &Flow) -> Result<Person, OidcError> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| provider_error(&self.config.issuer, e))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Refused(format!("the code was not accepted: {e}")))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| OidcError::Refused("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        if let Err(e) = id_token.claims(&client.id_token_verifier(), &nonce) {
            use openidconnect::{ClaimsVerificationError, SignatureVerificationError};
            match e {
                ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                ) => {
                    self.refresh().await?;
                    let client = self.client().await?;
                    id_token
                        .claims(&client.id_token_verifier(), &nonce)
                        .map_err(|e| OidcError::Refused(e.to_string()))?;
                }
                other => return Err(OidcError::Refused(other.to_string())),
            }
        }
        // Verified above: its claims can be read as they are.
        let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(id_token.to_string())
            .map_err(|e| OidcError::Refused(e.to_string()))?;
        Ok(self.person(&claims))
    }

    fn person(&self, claims: &Value) -> Person {
        let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
        let subject = text("sub").unwrap_or_default();
        let values: Vec<String> = match claims.get(&self.config.roles_claim) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(one)) => one.split_whitespace().map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let name = text("name");
        let email = text("email");
        Person {
            is_person: name.is_some() || email.is_some(),
            name: name
                .or_else(|| text("client_id"))
                .or_else(|| text("azp"))
                .unwrap_or_else(|| subject.clone()),
            email,
            roles: self.config.role_map.roles(&values),
            subject,
        }
    }

    /// Whether a bearer token claims to come from this provider (its unverified `iss`).
    pub fn claims_to_be_ours(&self, token: &str) -> bool {
        jsonwebtoken::dangerous::insecure_decode_claims::<Value>(token)
            .ok()
            .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_string))
            .is_some_and(|iss| iss == self.config.issuer)
    }

    /// Verifies one of the provider's JWT access tokens: signature by its JWKS, `iss`,
    /// `aud` (the configured audience), `exp`, `nbf`.
    pub async fn verify_access_token(&self, token: &str) -> Result<Person, OidcError> {
        let Some(audience) = &self.config.audience else {
            return Err(OidcError::Refused(
                "the provider's tokens are not accepted (SECUREHANDS_OIDC_AUDIENCE is not set)"
                    .into(),
            ));
        };
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| OidcError::Refused("the token cannot be read".into()))?;
        let kid = header
            .kid
            .ok_or_else(|| OidcError::Refused("the token names no key (kid)".into()))?;
        let mut key = self.key(&kid).await;
        if key.is_none() {
            self.refresh().await?;
            key = self.key(&kid).await;
        }
        let (key, algorithm) =
            key.ok_or_else(|| OidcError::Refused(format!("the provider has no key {kid:?}")))?;
        if algorithm != header.alg {
            return Err(OidcError::Refused(
                "the token's algorithm is not its key's".into(),
            ));
        }
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[audience]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| OidcError::Refused(e.to_string()))?;
        Ok(self.person(&data.claims))
    }

    async fn key(&self, kid: &str) -> Option<(DecodingKey, jsonwebtoken::Algorithm)> {
        let discovered = self.discovered.read().await;
        let jwk = discovered.keys.find(kid)?;
        let algorithm = jwk
            .common
            .key_algorithm
            .and_then(|a| serde_json::to_value(a).ok())
            .and_then(|v| v.as_str().and_then(|name| name.parse().ok()))
            .unwrap_or(jsonwebtoken::Algorithm::RS256);
        Some((DecodingKey::from_jwk(jwk).ok()?, algorithm))
    }
}

async fn fetch(
    issuer: &str,
    http: &openidconnect::reqwest::Client,
) -> Result<Discovered, OidcError> {
    let url = IssuerUrl::new(issuer.to_string()).map_err(|e| provider_error(issuer, e))?;
    let metadata = CoreProviderMetadata::discover_async(url, http)
        .await
        .map_err(|e| provider_error(issuer, e))?;
    let keys: JwkSet = serde_json::to_value(metadata.jwks())
        .and_then(serde_json::from_value)
        .map_err(|e| provider_error(issuer, e))?;
    Ok(Discovered {
        metadata,
        keys,
        fetched: Instant::now(),
    })
}
