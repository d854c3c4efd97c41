//! Settings from the command line and the environment.
//!
//! Every flag has an environment variable so replicas can be configured by their
//! orchestrator alone. Secrets are never printed: [`Settings`] implements `Debug` by hand.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

pub mod reference;

/// Default SQLite database when `DATABASE_URL` is unset: a file beside the working
/// directory, so a newcomer needs no setup.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/securehands.db";

/// Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size, 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

/// Token signature algorithms the service can be pinned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JwtAlgorithm {
    /// Shared secret (default).
    #[value(name = "HS256")]
    Hs256,
    /// RSA public key.
    #[value(name = "RS256")]
    Rs256,
    /// Ed25519 public key.
    #[value(name = "EdDSA")]
    EdDsa,
}

/// Settings shared by every subcommand that touches the database or tokens.
#[derive(Clone, Args)]
pub struct Settings {
    /// Database URL: `postgres://…` or `sqlite://path`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Address to listen on.
    #[arg(
        long,
        env = "SECUREHANDS_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// HS256 signing secret (at least 32 bytes). When unset, one is generated once and kept
    /// beside the SQLite database (or in the working directory) with 0600 permissions.
    #[arg(
        long,
        env = "SECUREHANDS_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// Algorithm every token must use; anything else (including `none`) is refused.
    #[arg(
        long,
        env = "SECUREHANDS_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256",
        global = true
    )]
    pub jwt_algorithm: JwtAlgorithm,

    /// PEM public key file for RS256/EdDSA verification.
    #[arg(long, env = "SECUREHANDS_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<PathBuf>,

    /// PEM private key file, only for `token` when RS256/EdDSA is configured.
    #[arg(long, env = "SECUREHANDS_JWT_PRIVATE_KEY", global = true)]
    pub jwt_private_key: Option<PathBuf>,

    /// Required `iss` claim, when set.
    #[arg(long, env = "SECUREHANDS_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, when set.
    #[arg(long, env = "SECUREHANDS_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,

    /// Enables `GET/POST /v1/test-clock` and drives time-driven rules from it instead of
    /// the background loop. Never enable in production.
    #[arg(
        long,
        env = "SECUREHANDS_TEST_CLOCK",
        default_value_t = false,
        global = true
    )]
    pub test_clock: bool,

    /// Whether the console's sign-in page offers the pasted-token form: an operator's
    /// fallback (people sign in through their provider or by an e-mailed link).
    #[arg(
        long,
        env = "SECUREHANDS_CONSOLE_TOKEN_LOGIN",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub console_token_login: bool,

    /// The organisation's OpenID provider (e.g. `https://login.example.com/realms/soc`):
    /// staff sign in to the console through it, and the API accepts its JWT access
    /// tokens. Unset: no single sign-on.
    #[arg(long, env = "SECUREHANDS_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,

    /// The service's client id at the provider.
    #[arg(long, env = "SECUREHANDS_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,

    /// The service's client secret at the provider.
    #[arg(
        long,
        env = "SECUREHANDS_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<String>,

    /// The `aud` of the provider's access tokens the API accepts (unset: the API
    /// accepts none of them).
    #[arg(long, env = "SECUREHANDS_OIDC_AUDIENCE", global = true)]
    pub oidc_audience: Option<String>,

    /// The claim listing a person's groups or roles at the provider.
    #[arg(
        long,
        env = "SECUREHANDS_OIDC_ROLES_CLAIM",
        default_value = "roles",
        global = true
    )]
    pub oidc_roles_claim: String,

    /// How the provider's groups or roles become the service's roles, e.g.
    /// `SOC-Leads=soc_lead,Finance=finance` (a name not listed gives nothing).
    #[arg(
        long,
        env = "SECUREHANDS_OIDC_ROLE_MAP",
        default_value = "",
        value_parser = parse_role_map,
        global = true
    )]
    pub oidc_role_map: crate::domain::identity::RoleMap,

    /// Initial value of the test clock (RFC 3339); defaults to the system time at start.
    #[arg(long, env = "SECUREHANDS_TEST_CLOCK_START", global = true)]
    pub test_clock_start: Option<chrono::DateTime<chrono::Utc>>,

    /// SQLite `synchronous` pragma (FULL, NORMAL, OFF).
    #[arg(
        long,
        env = "SECUREHANDS_SQLITE_SYNCHRONOUS",
        default_value = "FULL",
        global = true
    )]
    pub sqlite_synchronous: String,

    /// Maximum database connections per replica (1–1000).
    // Eight by default: past a few connections per database core, more connections
    // only move the queue from the pool into PostgreSQL (its locks, its scheduler),
    // where waiting costs CPU (docs/decisions.md, "Eight database connections").
    #[arg(
        long,
        env = "SECUREHANDS_DB_MAX_CONNECTIONS",
        default_value_t = 8,
        value_parser = parse_max_connections,
        global = true
    )]
    pub db_max_connections: u32,

    /// Seconds the first database connection may take at start before the service
    /// gives up with the driver's reason (1–300).
    #[arg(
        long,
        env = "SECUREHANDS_DB_CONNECT_TIMEOUT_SECS",
        default_value_t = 5,
        value_parser = parse_connect_timeout,
        global = true
    )]
    pub db_connect_timeout_secs: u64,

    /// Seconds between runs of the time-driven rules (expiry, auto-acceptance, lapses, SLA).
    #[arg(
        long,
        env = "SECUREHANDS_JOB_INTERVAL_SECS",
        default_value_t = 15,
        global = true
    )]
    pub job_interval_secs: u64,

    /// Public base URL used to build links in responses (evaluation form).
    #[arg(
        long,
        env = "SECUREHANDS_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,

    /// SMTP server for mails (`smtp://host:port`, `smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`). Unset: mails are recorded as `not_configured`.
    #[arg(
        long,
        env = "SECUREHANDS_SMTP_URL",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<String>,

    /// Sender of every mail.
    #[arg(
        long,
        env = "SECUREHANDS_MAIL_FROM",
        default_value = "SecureHands <securehands@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Account managers told of approvals, quotes, expiries and low balances
    /// (comma-separated addresses).
    #[arg(
        long,
        env = "SECUREHANDS_NOTIFY_ACCOUNT_MANAGERS",
        value_delimiter = ',',
        global = true
    )]
    pub notify_account_managers: Vec<String>,

    /// SOC addresses told of complaints (comma-separated).
    #[arg(
        long,
        env = "SECUREHANDS_NOTIFY_SOC",
        value_delimiter = ',',
        global = true
    )]
    pub notify_soc: Vec<String>,

    /// Admin addresses told when an API key is created or rolled (comma-separated);
    /// staff who signed in with the admin role are told too.
    #[arg(
        long,
        env = "SECUREHANDS_NOTIFY_ADMINS",
        value_delimiter = ',',
        global = true
    )]
    pub notify_admins: Vec<String>,

    /// Milliseconds the mail and webhook sender waits after a pass that found nothing to
    /// send (while work is waiting, passes follow one another at once); `0` runs no
    /// sender on this replica (mails and deliveries are still recorded, for other replicas).
    #[arg(
        long,
        env = "SECUREHANDS_NOTIFY_INTERVAL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub notify_interval_ms: u64,

    /// Requests handled at once by this replica; beyond it, 503 with `Retry-After`.
    #[arg(
        long,
        env = "SECUREHANDS_MAX_INFLIGHT",
        default_value_t = 256,
        global = true
    )]
    pub max_inflight: usize,

    /// Seconds a request may take before it is abandoned (503; nothing is committed).
    #[arg(
        long,
        env = "SECUREHANDS_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Seconds a request body may take to arrive (a slow sender gets 408).
    #[arg(
        long,
        env = "SECUREHANDS_BODY_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub body_timeout_secs: u64,

    /// Requests per second per token (bursts of twice as many); `0` disables the limit.
    #[arg(
        long,
        env = "SECUREHANDS_RATE_LIMIT_PER_SECOND",
        default_value_t = 100,
        global = true
    )]
    pub rate_limit_per_second: u32,

    /// Address ranges webhooks may be delivered to although they are loopback, private,
    /// link-local or otherwise internal (comma-separated CIDRs, e.g. `10.20.0.0/16`);
    /// by default only public addresses receive webhooks.
    #[arg(
        long,
        env = "SECUREHANDS_WEBHOOK_ALLOW_CIDRS",
        value_delimiter = ',',
        value_parser = parse_cidr,
        global = true
    )]
    pub webhook_allow_cidrs: Vec<ipnet::IpNet>,

    /// Seconds between SIGTERM and the listener closing, while `/readyz` answers 503
    /// so load balancers stop sending new requests (0–300).
    #[arg(
        long,
        env = "SECUREHANDS_SHUTDOWN_DRAIN_SECS",
        default_value_t = 2,
        value_parser = |t: &str| parse_seconds("SECUREHANDS_SHUTDOWN_DRAIN_SECS", t, 0, 300),
        global = true
    )]
    pub shutdown_drain_secs: u64,

    /// Seconds requests still in flight get to finish once the listener has closed;
    /// past it the process stops anyway (nothing half-done is committed) (1–3600).
    #[arg(
        long,
        env = "SECUREHANDS_SHUTDOWN_GRACE_SECS",
        default_value_t = 25,
        value_parser = |t: &str| parse_seconds("SECUREHANDS_SHUTDOWN_GRACE_SECS", t, 1, 3600),
        global = true
    )]
    pub shutdown_grace_secs: u64,

    /// Log format: `text` or `json`.
    #[arg(
        long,
        env = "SECUREHANDS_LOG_FORMAT",
        default_value = "text",
        value_parser = parse_log_format,
        global = true
    )]
    pub log_format: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwt_algorithm", &self.jwt_algorithm)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("test_clock", &self.test_clock)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL before it reaches a log line.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Where the generated secret lives: beside the SQLite file, or in `./data` for PostgreSQL.
pub fn generated_secret_path(database_url: &str) -> PathBuf {
    let sqlite_path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p));
    match sqlite_path {
        Some(p) => {
            let parent = Path::new(p).parent().unwrap_or(Path::new(""));
            parent.join("jwt-secret")
        }
        None if !database_url.contains("://") => Path::new(database_url)
            .parent()
            .unwrap_or(Path::new(""))
            .join("jwt-secret"),
        None => PathBuf::from("data/jwt-secret"),
    }
}

/// `SECUREHANDS_DB_MAX_CONNECTIONS`: a pool of none would never serve.
fn parse_max_connections(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(format!(
            "SECUREHANDS_DB_MAX_CONNECTIONS must be a whole number from 1 to 1000 (got {text:?})"
        )),
    }
}

/// `SECUREHANDS_DB_CONNECT_TIMEOUT_SECS`.
fn parse_connect_timeout(text: &str) -> Result<u64, String> {
    parse_seconds("SECUREHANDS_DB_CONNECT_TIMEOUT_SECS", text, 1, 300)
}

/// A whole number of seconds within `min..=max`, or a message naming `variable`.
fn parse_seconds(variable: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{variable} must be a whole number of seconds from {min} to {max} (got {text:?})"
        )),
    }
}

/// `SECUREHANDS_LOG_FORMAT`.
fn parse_log_format(text: &str) -> Result<String, String> {
    match text.trim() {
        f @ ("text" | "json") => Ok(f.to_string()),
        _ => Err(format!(
            "SECUREHANDS_LOG_FORMAT must be `text` or `json` (got {text:?})"
        )),
    }
}

/// `SECUREHANDS_OIDC_ROLE_MAP`.
fn parse_role_map(text: &str) -> Result<crate::domain::identity::RoleMap, String> {
    crate::domain::identity::RoleMap::parse(text)
        .map_err(|e| format!("SECUREHANDS_OIDC_ROLE_MAP: {e}"))
}

/// One CIDR of `SECUREHANDS_WEBHOOK_ALLOW_CIDRS` (a bare address is its own /32 or /128).
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is not an address range such as 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn secret_lives_beside_sqlite_file() {
        assert_eq!(
            generated_secret_path("sqlite://data/securehands.db"),
            PathBuf::from("data/jwt-secret")
        );
        assert_eq!(
            generated_secret_path("postgres://h/db"),
            PathBuf::from("data/jwt-secret")
        );
    }
}
