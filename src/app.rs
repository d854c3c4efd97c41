//! Assembling the application: database, keys, clock, state and router, from the
//! settings. The binary and the tests both start here.

use std::io::Write;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{JwtAlgorithm, MIN_SECRET_BYTES, Settings, generated_secret_path};
use crate::http::auth::{Auth, AuthConfigError, KeyMaterial};
use crate::http::{AppParts, AppState};
use crate::storage::db::{Db, DbOptions, StoreError};
use crate::{console, http, notify, service, telemetry};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Token configuration.
    #[error(transparent)]
    Auth(#[from] AuthConfigError),
    /// Database connection or migration.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The OpenID provider cannot be used.
    #[error("single sign-on: {0}")]
    Oidc(#[from] crate::identity::oidc::OidcError),
    /// The SMTP configuration cannot work.
    #[error("notifications: {0}")]
    Notify(String),
    /// Reading or writing the generated secret.
    #[error("secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A built application: its router and shared state.
pub struct App {
    /// The axum router with every route and middleware.
    pub router: axum::Router,
    /// The shared state (database, clock, …), for jobs and tests.
    pub state: AppState,
    /// The mail and webhook sender.
    pub notifier: notify::worker::Worker,
    /// Pause between runs of the time-driven rules.
    pub job_interval: std::time::Duration,
}

impl App {
    /// Starts the background work of this replica until `shutdown` turns true: the
    /// mail and webhook sender and the API keys' change listener always, the time-driven rules unless the test clock
    /// drives them.
    pub fn spawn_background(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![
            tokio::spawn(self.notifier.clone().run(shutdown.clone())),
            tokio::spawn(self.state.key_cache.listen(shutdown.clone())),
            tokio::spawn(telemetry::keep_metrics_bounded(
                self.state.metrics.clone(),
                shutdown.clone(),
            )),
        ];
        if !self.state.clock.is_test() {
            tasks.push(tokio::spawn(
                self.state
                    .jobs
                    .clone()
                    .run_loop(self.job_interval, shutdown),
            ));
        }
        tasks
    }
}

/// Connects (and migrates) the database, loads the keys and builds the router.
pub async fn build(settings: &Settings) -> Result<App, StartError> {
    let db = connect(settings).await?;
    db.migrate().await?;
    let auth = Arc::new(load_auth(settings)?);
    let clock = if settings.test_clock {
        Clock::test_at(settings.test_clock_start.unwrap_or_else(chrono::Utc::now))
    } else {
        Clock::System
    };
    // Databases written before timeline checkpoints existed get theirs (once).
    service::timeline::backfill(&db).await?;
    let state = AppState::new(AppParts {
        key_cache: Arc::new(crate::identity::key_cache::KeyCache::new(&db)),
        draining: Arc::default(),
        jobs: service::jobs::Jobs::new(db.clone(), clock.clone()),
        db,
        clock,
        auth,
        metrics: telemetry::metrics_handle(),
        inflight: Arc::default(),
        public_url: Arc::from(settings.public_url.trim_end_matches('/')),
        limits: http::limits::Limits::new(
            settings.max_inflight,
            std::time::Duration::from_secs(settings.request_timeout_secs.max(1)),
            settings.rate_limit_per_second,
            std::time::Duration::from_secs(settings.body_timeout_secs.max(1)),
        ),
        webhook_guard: notify::guard::WebhookGuard::new(&settings.webhook_allow_cidrs),
        sign_in: Arc::new(crate::identity::SignIn::from_settings(settings).await?),
    });
    let notifier = notify::worker::Worker::new(
        state.db.clone(),
        state.clock.clone(),
        notify::NotifySettings::from_settings(settings),
    )
    .map_err(StartError::Notify)?;
    Ok(App {
        router: http::router(state.clone(), console::router()),
        state,
        notifier,
        job_interval: std::time::Duration::from_secs(settings.job_interval_secs.max(1)),
    })
}

/// Opens the database pool described by the settings.
pub async fn connect(settings: &Settings) -> Result<Db, StoreError> {
    Db::connect(&DbOptions {
        url: settings.database_url.clone(),
        sqlite_synchronous: settings.sqlite_synchronous.clone(),
        max_connections: settings.db_max_connections,
        connect_timeout: std::time::Duration::from_secs(settings.db_connect_timeout_secs),
        display_url: crate::config::redact_url(&settings.database_url),
    })
    .await
}

/// Builds the token verifier: the configured secret or key, or a secret generated once
/// and kept beside the database with 0600 permissions.
pub fn load_auth(settings: &Settings) -> Result<Auth, StartError> {
    let material = match settings.jwt_algorithm {
        JwtAlgorithm::Hs256 => KeyMaterial::Secret(resolve_secret(settings)?),
        algorithm => {
            let path = settings
                .jwt_public_key
                .as_ref()
                .ok_or(AuthConfigError::MissingPublicKey(algorithm))?;
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|source| StartError::SecretFile {
                    path: p.display().to_string(),
                    source,
                })
            };
            KeyMaterial::Pem {
                algorithm,
                public: read(path)?,
                private: settings.jwt_private_key.as_deref().map(read).transpose()?,
            }
        }
    };
    Ok(Auth::new(
        material,
        settings.jwt_issuer.clone(),
        settings.jwt_audience.clone(),
    )?)
}

fn resolve_secret(settings: &Settings) -> Result<Vec<u8>, StartError> {
    if let Some(secret) = &settings.jwt_secret {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(AuthConfigError::SecretTooShort(secret.len()).into());
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = generated_secret_path(&settings.database_url);
    let io_err = |source| StartError::SecretFile {
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing.into_bytes());
        }
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err)?;
    }
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| io_err(std::io::Error::other(e.to_string())))?;
    let secret: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io_err)?;
    file.write_all(secret.as_bytes()).map_err(io_err)?;
    tracing::warn!(
        path = %path.display(),
        "SECUREHANDS_JWT_SECRET is not set: generated a signing secret and stored it (0600); set the variable in production"
    );
    Ok(secret.into_bytes())
}
