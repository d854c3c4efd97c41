//! Bearer-token authentication (SPEC §7).
//!
//! The algorithm is pinned by configuration: a token signed with anything else,
//! including `alg: none`, is refused. `exp` is required; `iss` and `aud` are checked
//! when configured. The extractor turns a valid token into a [`Principal`].

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::config::{JwtAlgorithm, MIN_SECRET_BYTES};
use crate::domain::access::{ActionMarker, Principal, Role};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::verified_tokens::VerifiedTokens;

mod claims;
pub use claims::Claims;
use claims::principal_of;

/// Why the token configuration could not be built (reported at start, before serving).
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    /// HS256 secret shorter than 32 bytes.
    #[error("SECUREHANDS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {0})")]
    SecretTooShort(usize),
    /// RS256/EdDSA without a public key file.
    #[error("SECUREHANDS_JWT_PUBLIC_KEY is required for {0:?}")]
    MissingPublicKey(JwtAlgorithm),
    /// A key file could not be read or parsed.
    #[error("cannot load key {path}: {reason}")]
    BadKey {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Minting needs a private key for asymmetric algorithms.
    #[error("SECUREHANDS_JWT_PRIVATE_KEY is required to mint {0:?} tokens")]
    MissingPrivateKey(JwtAlgorithm),
}

/// Verification (and, when possible, signing) material.
pub struct Auth {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    verified: VerifiedTokens,
}

/// The key material an [`Auth`] is built from.
pub enum KeyMaterial {
    /// HS256 shared secret.
    Secret(Vec<u8>),
    /// PEM public key (and optionally the private key, to mint tokens).
    Pem {
        /// RS256 or EdDSA.
        algorithm: JwtAlgorithm,
        /// Public key PEM.
        public: Vec<u8>,
        /// Private key PEM.
        private: Option<Vec<u8>>,
    },
}

impl Auth {
    /// Builds the verifier, refusing weak secrets.
    pub fn new(
        material: KeyMaterial,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Self, AuthConfigError> {
        let bad = |reason: jsonwebtoken::errors::Error| AuthConfigError::BadKey {
            path: "<key>".into(),
            reason: reason.to_string(),
        };
        let (algorithm, decoding, encoding) = match material {
            KeyMaterial::Secret(secret) => {
                if secret.len() < MIN_SECRET_BYTES {
                    return Err(AuthConfigError::SecretTooShort(secret.len()));
                }
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(&secret).map_err(bad)?,
                    Some(EncodingKey::from_secret(&secret).map_err(bad)?),
                )
            }
            KeyMaterial::Pem {
                algorithm,
                public,
                private,
            } => {
                let (alg, dec) = match algorithm {
                    JwtAlgorithm::Rs256 => (Algorithm::RS256, DecodingKey::from_rsa_pem(&public)),
                    JwtAlgorithm::EdDsa => (Algorithm::EdDSA, DecodingKey::from_ed_pem(&public)),
                    JwtAlgorithm::Hs256 => {
                        return Err(AuthConfigError::MissingPublicKey(algorithm));
                    }
                };
                let enc = match (&private, algorithm) {
                    (Some(p), JwtAlgorithm::Rs256) => {
                        Some(EncodingKey::from_rsa_pem(p).map_err(bad)?)
                    }
                    (Some(p), JwtAlgorithm::EdDsa) => {
                        Some(EncodingKey::from_ed_pem(p).map_err(bad)?)
                    }
                    _ => None,
                };
                (alg, dec.map_err(bad)?, enc)
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 30;
        validation.validate_aud = audience.is_some();
        if let Some(aud) = &audience {
            validation.set_audience(&[aud]);
        }
        if let Some(iss) = &issuer {
            validation.set_issuer(&[iss]);
        }
        Ok(Auth {
            decoding,
            encoding,
            algorithm,
            validation,
            issuer,
            audience,
            verified: VerifiedTokens::default(),
        })
    }

    /// Verifies a compact JWT and returns the caller it names.
    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        if let Some(principal) = self.verified.get(token, self.validation.leeway) {
            return Ok(principal);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| ApiError::unauthorized(token_refusal(&e)))?;
        let expires = data.claims.exp;
        let principal = principal_of(data.claims)?;
        self.verified.keep(token, &principal, expires);
        Ok(principal)
    }

    /// Mints a token (the `token` command and tests). Fails when only a public key is
    /// configured.
    pub fn mint(
        &self,
        subject: &str,
        roles: &[Role],
        customer_id: Option<&str>,
        ttl: Duration,
    ) -> Result<String, AuthConfigError> {
        self.mint_named(subject, None, roles, customer_id, ttl)
    }

    /// [`Self::mint`] with the person's name (the `name` claim).
    pub fn mint_named(
        &self,
        subject: &str,
        name: Option<&str>,
        roles: &[Role],
        customer_id: Option<&str>,
        ttl: Duration,
    ) -> Result<String, AuthConfigError> {
        let key = self
            .encoding
            .as_ref()
            .ok_or(AuthConfigError::MissingPrivateKey(match self.algorithm {
                Algorithm::EdDSA => JwtAlgorithm::EdDsa,
                _ => JwtAlgorithm::Rs256,
            }))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            sub: subject.to_string(),
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
            customer_id: customer_id.map(str::to_string),
            name: name.map(str::to_string),
            exp: now + ttl.as_secs(),
            iat: Some(now),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key).map_err(|e| {
            AuthConfigError::BadKey {
                path: "<signing key>".into(),
                reason: e.to_string(),
            }
        })
    }
}

/// Why a token was refused, in the API's words (never the library's).
fn token_refusal(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidSignature => "the token's signature does not verify".into(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the token is not signed with the configured algorithm".into()
        }
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".into(),
        ErrorKind::InvalidAudience => "the token's audience is not accepted".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the `{claim}` claim"),
        _ => "the token cannot be read".into(),
    }
}

/// The bearer token of a request, if it sends one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The caller a bearer secret stands for: an API key (`shk_…`, see
/// [`crate::identity::key_cache`] for how a revocation holds at once on every replica)
/// or a JWT signed with the service's key.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if token.starts_with(crate::domain::identity::KEY_PREFIX) {
        return crate::identity::api_keys::resolve(
            &state.db,
            &state.key_cache,
            token,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            crate::identity::api_keys::KeyRefusal::Store(e) => {
                ApiError::from(crate::service::ServiceError::Store(e))
            }
            refusal => ApiError::unauthorized(refusal.to_string()),
        });
    }
    if let Some(oidc) = &state.sign_in.oidc
        && oidc.claims_to_be_ours(token)
    {
        let person = oidc.verify_access_token(token).await.map_err(|e| match e {
            crate::identity::oidc::OidcError::Refused(why) => ApiError::unauthorized(format!(
                "the provider's token is not accepted: {}",
                provider_refusal(&why)
            )),
            other => ApiError::unavailable(other.to_string()),
        })?;
        return crate::identity::users::caller_for_token(&state.db, person)
            .await
            .map_err(|e| match e {
                crate::service::ServiceError::Forbidden => {
                    ApiError::unauthorized("this person is disabled or has no role here")
                }
                other => ApiError::from(other),
            });
    }
    state.auth.verify(token)
}

/// A provider token's refusal in the API's words.
fn provider_refusal(why: &str) -> &'static str {
    let why = why.to_ascii_lowercase();
    if why.contains("expired") {
        "it has expired"
    } else if why.contains("audience") {
        "its audience is not this service"
    } else if why.contains("issuer") {
        "its issuer is not accepted"
    } else if why.contains("immature") || why.contains("nbf") {
        "it is not valid yet (nbf)"
    } else if why.contains("key") {
        "it is signed with a key the provider does not publish"
    } else if why.contains("signature") {
        "its signature does not verify"
    } else {
        "it cannot be verified"
    }
}

/// A caller already verified by the limits middleware (so the token is checked once).
#[derive(Clone, Debug)]
pub struct Verified(pub Principal);

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(Verified(principal)) = parts.extensions.get::<Verified>() {
            return Ok(principal.clone());
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("expected `Authorization: Bearer <token>`"))?;
        authenticate(state, token).await
    }
}

/// An authenticated caller whose roles allow `P` (403 otherwise): checked from the
/// token alone, before the body is read, so a caller whose roles do not allow an
/// action gets 403 whatever it sends. `P` is one of [`crate::domain::access::can`].
pub struct Authorized<P>(pub Principal, pub std::marker::PhantomData<P>);

impl<P: ActionMarker> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if !principal.may(P::ACTION) {
            return Err(crate::service::ServiceError::Forbidden.into());
        }
        Ok(Authorized(principal, std::marker::PhantomData))
    }
}
