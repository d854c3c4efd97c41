//! The database handle shared by both backends.
//!
//! All SQL in this crate is written once (see [`super::sql`]) and runs through [`Db`] /
//! [`Tx`]. Only the few statements that genuinely differ (locking, transaction start)
//! branch on [`Backend`]; how values are stored is [`super::column`]'s business.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool};

use super::sql::Sql;

/// Which engine a handle talks to, for the rare statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (the default; one writer at a time).
    Sqlite,
    /// PostgreSQL (production; many replicas on one database).
    Postgres,
}

/// Rows that decode on both engines (derive `sqlx::FromRow` and use only i64, String,
/// bool and their options).
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                $crate::storage::sql::Arg::Int(v) => q.bind(v),
                $crate::storage::sql::Arg::Text(v) => q.bind(v),
                $crate::storage::sql::Arg::Bool(v) => q.bind(v),
            };
        }
        q
    }};
}

macro_rules! run_on {
    ($exec:expr, $db:ty, $sql:expr, execute) => {
        bind_all!(
            sqlx::query::<$db>(sqlx::AssertSqlSafe($sql.text)),
            $sql.args
        )
        .execute($exec)
        .await
        .map(|r| r.rows_affected())
    };
    ($exec:expr, $db:ty, $sql:expr, $method:ident, $t:ty) => {
        bind_all!(
            sqlx::query_as::<$db, $t>(sqlx::AssertSqlSafe($sql.text)),
            $sql.args
        )
        .$method($exec)
        .await
    };
}

/// The file of an SQLite URL (`sqlite://path`, `sqlite:path`, options dropped), or
/// `None` for any other database.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    path.split('?').next()
}

/// Runs one statement on a connection of a [`PgDb`]'s pool and gives the connection back
/// (or drops it, when the connection itself failed).
macro_rules! on_pooled {
    ($pg:expr, $sql:expr, $($method:tt)+) => {{
        let mut conn = pg_pool::take(&$pg.conns).await?;
        let outcome = run_on!(&mut *conn, Postgres, $sql, $($method)+);
        pg_pool::give_back(conn, &outcome);
        outcome?
    }};
}

/// A pool of connections to one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL connections.
    Postgres(PgDb),
}

/// The connections a replica keeps to PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgDb {
    /// Every unit of work and single statement ([`pg_pool`]: given back without a ping).
    conns: PgConnections,
    /// sqlx's own pool, for what needs one rather than a single connection: migrations at
    /// start, the change listener's long-lived connection, tools and tests running raw SQL.
    sqlx_pool: PgPool,
}

impl PgDb {
    /// sqlx's pool (see the field): not for units of work, which go through [`Db`].
    pub fn sqlx_pool(&self) -> &PgPool {
        &self.sqlx_pool
    }
}

/// Connections sqlx's own pool may open: the change listener and a migration or a tool.
const SQLX_POOL_CONNECTIONS: u32 = 2;

/// How long a PostgreSQL connection may sit idle in the pool and still be handed out
/// without a ping first. Under load a connection comes back within milliseconds, and the
/// ping would be one round trip more per transaction; after a pause, it is what finds a
/// connection the server or the network has closed.
pub const PING_AFTER_IDLE: Duration = Duration::from_millis(500);

/// Options that shape how the pool is opened.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `postgres://…` or `sqlite://…` / a file path.
    pub url: String,
    /// SQLite `synchronous` setting: FULL by default (durability over speed).
    pub sqlite_synchronous: String,
    /// Maximum pool size.
    pub max_connections: u32,
    /// How long the first connection may take before start gives up (PostgreSQL).
    pub connect_timeout: Duration,
    /// The URL as error messages show it (password redacted).
    pub display_url: String,
}

impl Db {
    /// Opens the pool, creating the SQLite file (and its folder) when missing.
    pub async fn connect(options: &DbOptions) -> StoreResult<Db> {
        let url = options.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = pg_connect::options(options).await?;
            let sqlx_pool = PgPoolOptions::new()
                .max_connections(SQLX_POOL_CONNECTIONS)
                .acquire_timeout(Duration::from_secs(30))
                // The migrations' connection is not kept once they are done.
                .idle_timeout(Duration::from_secs(30))
                .connect_lazy_with(connect.clone());
            let conns = pg_pool::open(connect, options.max_connections)?;
            return Ok(Db::Postgres(PgDb { conns, sqlx_pool }));
        }
        let path = sqlite_path(url).unwrap_or(url);
        if let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot create database folder {}: {e}", parent.display()).into(),
                ))
            })?;
        }
        let synchronous = SqliteSynchronous::from_str(&options.sqlite_synchronous)
            .map_err(|e| StoreError::Database(sqlx::Error::Configuration(e.to_string().into())))?;
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let opened = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(60))
            // A file on this machine does not go stale between two uses: no ping on
            // every acquire (each one is a round trip to the connection's thread).
            .test_before_acquire(false)
            .connect_with(connect)
            .await;
        match opened {
            Ok(pool) => Ok(Db::Sqlite(pool)),
            Err(e) => Err(StoreError::Unreachable {
                target: path.to_string(),
                reason: driver_reason(&e),
            }),
        }
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the backend's migrations (idempotent; safe with several replicas on
    /// PostgreSQL, where sqlx takes an advisory lock).
    ///
    /// Migrations a newer release applied are tolerated: during a rolling upgrade the
    /// previous release's replicas keep starting against the migrated database, which
    /// expand-then-contract migrations keep readable for them (docs/operations.md).
    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match self {
            Db::Sqlite(pool) => {
                let mut m = sqlx::migrate!("migrations/sqlite");
                m.set_ignore_missing(true);
                m.run(pool).await
            }
            Db::Postgres(pg) => {
                let mut m = sqlx::migrate!("migrations/postgres");
                m.set_ignore_missing(true);
                m.run(&pg.sqlx_pool).await
            }
        };
        result.map_err(|e| StoreError::Database(sqlx::Error::Migrate(Box::new(e))))
    }

    /// Starts a transaction that will write. On SQLite the write lock is taken up front
    /// (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock; on
    /// PostgreSQL writers serialize on the rows they lock explicitly.
    pub async fn begin_write(&self) -> StoreResult<Tx> {
        let start = std::time::Instant::now();
        let tx = match self {
            Db::Sqlite(pool) => Tx::new(TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
            Db::Postgres(pg) => Tx::new(TxConn::Postgres(PgTx::start(&pg.conns, "BEGIN").await?)),
        };
        crate::telemetry::pool_acquired(start.elapsed());
        Ok(tx)
    }

    /// Starts a read-only unit of work (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        let start = std::time::Instant::now();
        let tx = match self {
            Db::Sqlite(pool) => Tx::new(TxConn::Sqlite(pool.begin().await?)),
            Db::Postgres(pg) => Tx::new(TxConn::Postgres(
                PgTx::start(&pg.conns, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
            )),
        };
        crate::telemetry::pool_acquired(start.elapsed());
        Ok(tx)
    }

    /// Runs one statement on its own (no transaction around it: one round trip), for
    /// lookups on every request such as an API key or a console session.
    pub async fn fetch_optional<T: Record>(&self, sql: Sql) -> StoreResult<Option<T>> {
        Ok(match self {
            Db::Sqlite(pool) => run_on!(pool, Sqlite, sql, fetch_optional, T)?,
            Db::Postgres(pg) => on_pooled!(pg, sql, fetch_optional, T),
        })
    }

    /// Runs one statement on its own (see [`Db::fetch_optional`]) and returns its rows:
    /// a read that one statement answers needs no transaction around it (a statement
    /// sees one snapshot on both backends).
    pub async fn fetch_all<T: Record>(&self, sql: Sql) -> StoreResult<Vec<T>> {
        Ok(match self {
            Db::Sqlite(pool) => run_on!(pool, Sqlite, sql, fetch_all, T)?,
            Db::Postgres(pg) => on_pooled!(pg, sql, fetch_all, T),
        })
    }

    /// Runs one statement on its own (see [`Db::fetch_optional`]); returns the rows it
    /// changed.
    pub async fn execute(&self, sql: Sql) -> StoreResult<u64> {
        Ok(match self {
            Db::Sqlite(pool) => run_on!(pool, Sqlite, sql, execute)?,
            Db::Postgres(pg) => on_pooled!(pg, sql, execute),
        })
    }

    /// Connections open, idle, and the most the pool may open (for the metrics).
    pub fn pool_stats(&self) -> (u32, usize, u32) {
        match self {
            Db::Sqlite(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
            Db::Postgres(pg) => {
                let status = pg.conns.status();
                (
                    u32::try_from(status.size).unwrap_or(u32::MAX),
                    status.available,
                    u32::try_from(status.max_size).unwrap_or(u32::MAX),
                )
            }
        }
    }

    /// Checks that the database answers (readiness probe).
    pub async fn ping(&self) -> StoreResult<()> {
        let mut tx = self.begin_read().await?;
        let _: (i64,) = tx.fetch_one(Sql::new("SELECT CAST(1 AS BIGINT)")).await?;
        tx.commit().await
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pg) => {
                pg.conns.close();
                pg.sqlx_pool.close().await;
            }
        }
    }
}

mod error;
mod pg_connect;
mod pg_pool;
mod reader;
mod tx;

use error::driver_reason;
pub use error::{StoreError, StoreResult};

use pg_pool::{PgConnections, PgTx};

pub use reader::Reader;

pub use tx::Tx;
use tx::TxConn;
