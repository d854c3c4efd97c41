//! The database handle shared by both backends.
//!
//! All SQL in this crate is written once, with `$1`-style placeholders that SQLite and
//! PostgreSQL both understand, and runs through [`Db`] / [`Tx`]. Only the few statements
//! that genuinely differ (locking, transaction start) branch on [`Backend`]. Values are
//! restricted to integers, text and booleans ([`Arg`]) so that the same rows decode on
//! both engines: units are integer hundredths, instants are microseconds since the Unix
//! epoch, dates are `YYYY-MM-DD` text.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::domain::units::Units;

/// Which engine a handle talks to, for the rare statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (the default; one writer at a time).
    Sqlite,
    /// PostgreSQL (production; many replicas on one database).
    Postgres,
}

/// Errors from the storage layer. Constraint violations are surfaced separately so
/// services can turn a lost race on a unique key into a clean conflict.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique or primary key constraint refused the write.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// The database was busy or a lock could not be taken in time.
    #[error("database busy: {0}")]
    Busy(String),
    /// Anything else from the driver.
    #[error(transparent)]
    Database(sqlx::Error),
    /// A stored value could not be read back into a domain type.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::UniqueViolation(db.message().to_string());
            }
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED (and extended codes);
            // PostgreSQL: 40001 serialization failure, 40P01 deadlock, 55P03 lock not available.
            if matches!(
                code.as_str(),
                "5" | "6" | "261" | "517" | "40001" | "40P01" | "55P03"
            ) {
                return StoreError::Busy(db.message().to_string());
            }
        }
        if matches!(err, sqlx::Error::PoolTimedOut) {
            return StoreError::Busy("connection pool timed out".into());
        }
        StoreError::Database(err)
    }
}

/// Result type of every storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A bound query argument. Only the three types both engines store identically.
#[derive(Clone, Debug)]
pub enum Arg {
    /// 64-bit integer (units in hundredths, instants in microseconds, counts).
    Int(Option<i64>),
    /// UTF-8 text (ids, names, dates, JSON documents).
    Text(Option<String>),
    /// Boolean flag.
    Bool(Option<bool>),
}

macro_rules! arg_from {
    ($ty:ty, $variant:ident, $conv:expr) => {
        impl From<$ty> for Arg {
            fn from(v: $ty) -> Self {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$ty>> for Arg {
            fn from(v: Option<$ty>) -> Self {
                Arg::$variant(v.map($conv))
            }
        }
    };
}

arg_from!(i64, Int, |v| v);
arg_from!(u32, Int, i64::from);
arg_from!(bool, Bool, |v| v);
arg_from!(String, Text, |v| v);
arg_from!(&str, Text, |v: &str| v.to_string());
arg_from!(&String, Text, |v: &String| v.clone());
arg_from!(Units, Int, Units::hundredths);
arg_from!(DateTime<Utc>, Int, to_micros);
arg_from!(NaiveDate, Text, |d: NaiveDate| d
    .format("%Y-%m-%d")
    .to_string());

/// Converts an instant to the stored representation (microseconds since the epoch, UTC).
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Reads a stored instant back; out-of-range values are reported as corruption.
pub fn from_micros(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {micros} out of range")))
}

/// Reads a stored `YYYY-MM-DD` date back.
pub fn parse_date(text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
}

/// A SQL statement with its arguments, runnable on either backend.
#[derive(Clone, Debug)]
pub struct Sql {
    text: Cow<'static, str>,
    args: Vec<Arg>,
}

impl Sql {
    /// A statement with `$n` placeholders.
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Sql {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Appends the next positional argument.
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Appends the next positional argument in place (for builders with optional filters).
    pub fn push_bind(&mut self, value: impl Into<Arg>) -> usize {
        self.args.push(value.into());
        self.args.len()
    }

    /// Appends raw SQL text (only ever constant fragments chosen by the code).
    pub fn push_sql(&mut self, fragment: &str) {
        self.text.to_mut().push_str(fragment);
    }
}

/// `INSERT INTO table (columns) VALUES ($1, …, $n)` for a comma-separated column list.
pub fn insert_statement(table: &str, columns: &str) -> String {
    let n = columns.split(',').count();
    let placeholders: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({columns}) VALUES ({})",
        placeholders.join(", ")
    )
}

/// `UPDATE table SET c2 = $2, … WHERE c1 = $1`: writes every column of a row keyed by
/// its first column, binding in the same order as [`insert_statement`].
pub fn update_statement(table: &str, columns: &str) -> String {
    let mut names = columns.split(',').map(str::trim);
    let key = names.next().unwrap_or("id");
    let sets: Vec<String> = names
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 2))
        .collect();
    format!("UPDATE {table} SET {} WHERE {key} = $1", sets.join(", "))
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
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
            };
        }
        q
    }};
}

macro_rules! run_on {
    ($exec:expr, $db:ty, $sql:expr, execute) => {
        bind_all!(sqlx::query::<$db>(AssertSqlSafe($sql.text)), $sql.args)
            .execute($exec)
            .await
            .map(|r| r.rows_affected())
    };
    ($exec:expr, $db:ty, $sql:expr, $method:ident, $t:ty) => {
        bind_all!(
            sqlx::query_as::<$db, $t>(AssertSqlSafe($sql.text)),
            $sql.args
        )
        .$method($exec)
        .await
    };
}

/// A pool of connections to one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

/// Options that shape how the pool is opened.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `postgres://…` or `sqlite://…` / a file path.
    pub url: String,
    /// SQLite `synchronous` setting: FULL by default (durability over speed).
    pub sqlite_synchronous: String,
    /// Maximum pool size.
    pub max_connections: u32,
}

impl Db {
    /// Opens the pool, creating the SQLite file (and its folder) when missing.
    pub async fn connect(options: &DbOptions) -> StoreResult<Db> {
        let url = options.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(connect)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
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
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(connect)
            .await?;
        Ok(Db::Sqlite(pool))
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
    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        };
        result.map_err(|e| StoreError::Database(sqlx::Error::Migrate(Box::new(e))))
    }

    /// Starts a transaction that will write. On SQLite the write lock is taken up front
    /// (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock; on
    /// PostgreSQL writers serialize on the rows they lock explicitly.
    pub async fn begin_write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a read-only unit of work (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
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
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// An open transaction on either backend. Dropping it without `commit` rolls back.
pub enum Tx {
    /// SQLite transaction.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&mut self, sql: Sql) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, execute)?,
            Tx::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, execute)?,
        })
    }

    /// Runs a query and returns every row.
    pub async fn fetch_all<T: Record>(&mut self, sql: Sql) -> StoreResult<Vec<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_all, T)?,
            Tx::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_all, T)?,
        })
    }

    /// Runs a query that returns at most one row.
    pub async fn fetch_optional<T: Record>(&mut self, sql: Sql) -> StoreResult<Option<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_optional, T)?,
            Tx::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_optional, T)?,
        })
    }

    /// Runs a query that returns exactly one row.
    pub async fn fetch_one<T: Record>(&mut self, sql: Sql) -> StoreResult<T> {
        Ok(match self {
            Tx::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_one, T)?,
            Tx::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_one, T)?,
        })
    }

    /// Commits.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same, later).
    pub async fn rollback(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// `FOR UPDATE` on PostgreSQL (row lock until commit); nothing on SQLite, where the
    /// transaction already holds the database write lock.
    pub fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_bind_every_column_in_order() {
        assert_eq!(
            insert_statement("t", "id, a, b"),
            "INSERT INTO t (id, a, b) VALUES ($1, $2, $3)"
        );
        assert_eq!(
            update_statement("t", "id, a, b"),
            "UPDATE t SET a = $2, b = $3 WHERE id = $1"
        );
    }
}
