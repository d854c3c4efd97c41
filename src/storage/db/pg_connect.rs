//! How the service's PostgreSQL connections are opened: with the URL's options, except
//! that a server on the same machine is reached without TLS unless the URL asks for it.
//!
//! libpq's default, `sslmode=prefer`, which sqlx follows, encrypts every connection to a
//! server that offers TLS — also one to `127.0.0.1`, whose traffic never leaves the
//! kernel: whoever could read it could read the service's memory as well. There TLS
//! protects nothing and costs every round trip an encryption and a decryption on both
//! sides (about a fifth of PostgreSQL's CPU for a balance read, bench/RESULTS.md). So
//! when the URL names no TLS setting at all (no `sslmode`, `sslrootcert`, `sslcert` or
//! `sslkey`, in either spelling, and no `PGSSLMODE`) and its host is a loopback address,
//! the service connects in plain text first and falls back to the URL's own options only
//! when the server refuses that (a `pg_hba.conf` with `hostssl` lines only): libpq's
//! `sslmode=allow`. A URL that says anything about TLS is taken as it is.

use std::net::IpAddr;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::error::driver_reason;
use super::{DbOptions, StoreError, StoreResult};

/// The options every PostgreSQL connection of the service is opened with, checked by
/// opening one (start fails here, with the driver's reason, when the database cannot be
/// reached).
pub async fn options(db: &DbOptions) -> StoreResult<PgConnectOptions> {
    let url = db.url.as_str();
    let given = PgConnectOptions::from_str(url)?;
    let pg_sslmode = std::env::var("PGSSLMODE").ok();
    if let Some(plain) = plain_first(url, &given, pg_sslmode.as_deref()) {
        match first_connection(&plain, db).await {
            Ok(()) => return Ok(plain),
            // The server refused plain text: the URL's own options, as libpq's
            // `sslmode=allow` does.
            Err(Refusal::Server(_)) => {}
            Err(other) => return Err(other.into_error(db)),
        }
    }
    first_connection(&given, db)
        .await
        .map_err(|r| r.into_error(db))?;
    Ok(given)
}

/// Why the first connection failed.
enum Refusal {
    /// The server answered and said no (authentication, `pg_hba.conf`, no such database).
    Server(sqlx::Error),
    /// Anything else: unreachable, refused at the socket, TLS, a protocol error.
    Other(sqlx::Error),
    /// No answer within the connect timeout.
    Silent,
}

impl Refusal {
    /// The error start reports, with the driver's real reason.
    fn into_error(self, options: &DbOptions) -> StoreError {
        let reason = match self {
            Refusal::Server(e) | Refusal::Other(e) => driver_reason(&e),
            Refusal::Silent => format!("no answer within {} s", options.connect_timeout.as_secs()),
        };
        StoreError::Unreachable {
            target: options.display_url.clone(),
            reason,
        }
    }
}

/// Opens and closes one connection, bounded by the connect timeout: its error is the
/// driver's real reason (the pool would retry until its acquire timeout and only say
/// "timed out").
async fn first_connection(connect: &PgConnectOptions, options: &DbOptions) -> Result<(), Refusal> {
    match tokio::time::timeout(
        options.connect_timeout,
        <sqlx::PgConnection as sqlx::Connection>::connect_with(connect),
    )
    .await
    {
        Err(_) => Err(Refusal::Silent),
        Ok(Err(e @ sqlx::Error::Database(_))) => Err(Refusal::Server(e)),
        Ok(Err(e)) => Err(Refusal::Other(e)),
        Ok(Ok(conn)) => {
            let _ = sqlx::Connection::close(conn).await;
            Ok(())
        }
    }
}

/// The query parameters that show the URL's author chose how TLS is used.
const TLS_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
];

/// The options to try first, in plain text, when `url` reaches a loopback host and says
/// nothing about TLS (`pg_sslmode`: the `PGSSLMODE` variable, which counts as saying
/// something); `None` when the URL's options are to be used as they are.
fn plain_first(
    url: &str,
    options: &PgConnectOptions,
    pg_sslmode: Option<&str>,
) -> Option<PgConnectOptions> {
    if pg_sslmode.is_some_and(|m| !m.trim().is_empty()) || names_tls(url) {
        return None;
    }
    if !is_loopback(options.get_host()) {
        return None;
    }
    Some(options.clone().ssl_mode(PgSslMode::Disable))
}

/// True when the URL's query names any TLS setting.
fn names_tls(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        // Unparseable here means sqlx's own parser decides; take it as it is.
        return true;
    };
    parsed
        .query_pairs()
        .any(|(key, _)| TLS_PARAMETERS.contains(&key.as_ref()))
}

/// True for `localhost` and loopback addresses (IPv4 `127.0.0.0/8`, IPv6 `::1`); false
/// for a Unix socket folder (no TLS there anyway) and every other host.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn first(url: &str, env: Option<&str>) -> Option<PgSslMode> {
        let options = PgConnectOptions::from_str(url).expect("a valid URL");
        plain_first(url, &options, env).map(|o| o.get_ssl_mode())
    }

    #[test]
    fn a_loopback_url_that_says_nothing_of_tls_tries_plain_text_first() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/db",
            "postgres://postgres@127.0.0.2/db",
            "postgresql://u:p@localhost/db",
            "postgres://u@LOCALHOST:5433/db?application_name=x",
            "postgres://u@[::1]:5432/db",
        ] {
            assert!(
                matches!(first(url, None), Some(PgSslMode::Disable)),
                "{url}"
            );
        }
    }

    #[test]
    fn a_url_that_names_a_tls_setting_is_taken_as_it_is() {
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=prefer",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@127.0.0.1/db?ssl-mode=verify-full",
            "postgres://u@localhost/db?sslrootcert=/etc/ca.pem",
            "postgres://u@localhost/db?sslcert=/c.pem&sslkey=/k.pem",
        ] {
            assert!(first(url, None).is_none(), "{url}");
        }
    }

    #[test]
    fn pgsslmode_counts_as_naming_one() {
        assert!(first("postgres://u@127.0.0.1/db", Some("require")).is_none());
        assert!(first("postgres://u@127.0.0.1/db", Some("")).is_some());
    }

    #[test]
    fn other_hosts_and_sockets_keep_the_urls_options() {
        for url in [
            "postgres://u@db.internal/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@[2001:db8::1]/db",
            "postgres://u@128.0.0.1/db",
            "postgres://u@localhost.example.com/db",
            "postgres:///db?host=/var/run/postgresql",
        ] {
            assert!(first(url, None).is_none(), "{url}");
        }
    }
}
