//! The `securehands` binary: serve (default), migrate, token, openapi, verify, config,
//! backup, restore.

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use securehands::config::Settings;
use securehands::domain::access::Role;

/// mimalloc instead of glibc's allocator: a request allocates and frees hundreds of
/// small buffers (JSON, SQL text, rows), and glibc's malloc and free took a fifth of the
/// service's CPU per delivery (`perf record` during P1, bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SecureHands units ledger service.
#[derive(Parser)]
#[command(name = "securehands", version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Mint a JWT signed with the configured key (for operators and tests).
    Token {
        /// Role to grant (repeatable).
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Customer the token speaks for (required with `--role customer`).
        #[arg(long)]
        customer: Option<String>,
        /// Subject (defaults to the first role).
        #[arg(long)]
        sub: Option<String>,
        /// The person's name, shown in the console's header and on what they change.
        #[arg(long)]
        name: Option<String>,
        /// Lifetime, e.g. `1h`, `30m`, `7d`.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// Say where to paste the token in the console (`SECUREHANDS_PUBLIC_URL`); for an
        /// operator on their own machine. Nothing signs in by a link (login CSRF).
        #[arg(long)]
        console: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Check the ledger invariants over the whole database; non-zero exit on any violation.
    Verify,
    /// Write a consistent copy of the SQLite database to FILE while the service keeps
    /// serving (PostgreSQL: prints the pg_dump procedure instead).
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup (stop the service first; PostgreSQL:
    /// prints the pg_restore procedure instead).
    Restore {
        /// The backup file.
        #[arg(long)]
        input: std::path::PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Print every setting: its variable, the value in force (secrets redacted) and
    /// where it came from.
    Config {
        /// Print the reference table instead (variable, flag, default, meaning), as
        /// docs/operations.md carries it.
        #[arg(long)]
        reference: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!(
            "unknown role {text:?}; expected one of {}",
            names.join(", ")
        )
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    securehands::telemetry::init_tracing(&cli.settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::Migrate => migrate(cli.settings).await,
        Command::Token {
            roles,
            customer,
            sub,
            name,
            ttl,
            console,
        } => token(&cli.settings, &roles, customer, (sub, name), ttl, console),
        Command::Openapi => print_openapi(),
        Command::Verify => verify(cli.settings).await,
        Command::Backup { output } => backup(&cli.settings, &output).await,
        Command::Restore { input, force } => restore(&cli.settings, &input, force).await,
        Command::Config { reference } => {
            use securehands::config::reference::{current_values, reference_table, settings};
            let rows = settings(&Cli::command(), &matches);
            if reference {
                print!("{}", reference_table(&rows));
            } else {
                print!("{}", current_values(&rows));
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<ExitCode, String> {
    tracing::info!(?settings, "starting");
    let app = securehands::app::build(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    tracing::info!(address = %settings.bind, test_clock = settings.test_clock, "listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let background = app.spawn_background(stop_rx);
    let drain = Duration::from_secs(settings.shutdown_drain_secs);
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let (signalled_tx, mut signalled) = tokio::sync::watch::channel(false);
    let draining = app.state.draining.clone();
    // SIGTERM: /readyz answers 503 for `drain` while requests are still served, then
    // the listener closes and requests in flight get `grace` to finish.
    let stop_listening = async move {
        shutdown_signal().await;
        draining.store(true, std::sync::atomic::Ordering::Release);
        let _ = signalled_tx.send(true);
        tracing::info!(
            drain_secs = drain.as_secs(),
            grace_secs = grace.as_secs(),
            "shutdown requested: readiness turns 503, then requests in flight finish"
        );
        tokio::time::sleep(drain).await;
    };
    let server = axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(stop_listening);
    let past_grace = async move {
        let _ = signalled.wait_for(|s| *s).await;
        tokio::time::sleep(drain + grace).await;
    };
    tokio::select! {
        served = server => served.map_err(|e| e.to_string())?,
        () = past_grace => {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "requests still in flight after the grace period are abandoned (nothing of theirs is committed)"
            );
        }
    }
    // The time-driven rules end their run; the sender finishes the mail or delivery
    // in hand and hands the rest of its claims back to other replicas.
    let _ = stop_tx.send(true);
    for handle in background {
        let _ = handle.await;
    }
    app.state.db.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

async fn migrate(settings: Settings) -> Result<ExitCode, String> {
    let db = securehands::app::connect(&settings)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    securehands::service::timeline::backfill(&db)
        .await
        .map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

fn token(
    settings: &Settings,
    roles: &[Role],
    customer: Option<String>,
    (sub, name): (Option<String>, Option<String>),
    ttl: Duration,
    console: bool,
) -> Result<ExitCode, String> {
    if roles.contains(&Role::Customer) && customer.is_none() {
        return Err("--customer is required with --role customer".into());
    }
    if settings.jwt_algorithm == securehands::config::JwtAlgorithm::Hs256
        && settings.jwt_secret.is_none()
    {
        // The service generates its secret beside its database on first start; a token
        // signed with a secret invented here would be refused by it.
        let path = securehands::config::generated_secret_path(&settings.database_url);
        if !path.exists() {
            return Err(format!(
                "no signing secret at {}: run `token` with the service's DATABASE_URL (the \
                 service creates the secret beside its database on first start) or set \
                 SECUREHANDS_JWT_SECRET",
                path.display()
            ));
        }
        eprintln!("token: signed with the secret in {}", path.display());
    } else if settings.jwt_secret.is_some() {
        eprintln!("token: signed with SECUREHANDS_JWT_SECRET");
    }
    let auth = securehands::app::load_auth(settings).map_err(|e| e.to_string())?;
    let subject = sub.unwrap_or_else(|| {
        roles
            .first()
            .map(|r| r.as_str())
            .unwrap_or("operator")
            .to_string()
    });
    let token = auth
        .mint_named(&subject, name.as_deref(), roles, customer.as_deref(), ttl)
        .map_err(|e| e.to_string())?;
    if console {
        // Nothing signs in by GET (login CSRF): the token is pasted on the sign-in page.
        eprintln!(
            "paste this token in the operator form of {}/console/login",
            settings.public_url.trim_end_matches('/')
        );
        println!("{token}");
    } else {
        println!("{token}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(settings: Settings) -> Result<ExitCode, String> {
    let db = securehands::app::connect(&settings)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let violations = securehands::service::verify::run(&db)
        .await
        .map_err(|e| e.to_string())?;
    if violations.is_empty() {
        println!("ok: every ledger invariant holds");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} violation(s):", violations.len());
    for v in &violations {
        println!("  - {v}");
    }
    Ok(ExitCode::from(2))
}

async fn backup(settings: &Settings, output: &std::path::Path) -> Result<ExitCode, String> {
    let display_url = securehands::config::redact_url(&settings.database_url);
    if securehands::storage::db::sqlite_path(&settings.database_url).is_none() {
        return Err(securehands::service::backup::BackupError::Postgres(display_url).to_string());
    }
    let db = securehands::app::connect(settings)
        .await
        .map_err(|e| e.to_string())?;
    let report = securehands::service::backup::backup(&db, &display_url, output).await;
    db.close().await;
    let report = report.map_err(|e| e.to_string())?;
    println!(
        "backup written: {} ({} bytes, schema {}, ledger position {})",
        report.path.display(),
        report.bytes,
        report.schema_version,
        report.ledger_seq
    );
    Ok(ExitCode::SUCCESS)
}

async fn restore(
    settings: &Settings,
    input: &std::path::Path,
    force: bool,
) -> Result<ExitCode, String> {
    let display_url = securehands::config::redact_url(&settings.database_url);
    let report =
        securehands::service::backup::restore(input, &settings.database_url, &display_url, force)
            .await
            .map_err(|e| e.to_string())?;
    println!(
        "restored into {} (schema {}, ledger position {}); migrations run at the next start",
        report.path.display(),
        report.schema_version,
        report.ledger_seq
    );
    Ok(ExitCode::SUCCESS)
}

fn print_openapi() -> Result<ExitCode, String> {
    let doc = securehands::http::openapi_document()
        .to_pretty_json()
        .map_err(|e| e.to_string())?;
    println!("{doc}");
    Ok(ExitCode::SUCCESS)
}
