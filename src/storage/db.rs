//! The database handle shared by both backends.
//!
//! All SQL in this crate is written once (see [`super::sql`]) and runs through [`Db`] /
//! [`Tx`]. Only the few statements that genuinely differ (locking, transaction start)
//! branch on [`Backend`]; how values are stored is [`super::column`]'s business.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use super::batch::{self, Pending, Prelude, Queue};
use super::sql::{Arg, Sql};

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
    /// The database could not be reached or opened at start: where, and the driver's
    /// reason (refused, unknown host, authentication, missing database, no answer).
    #[error("cannot open the database at {target}: {reason}")]
    Unreachable {
        /// The redacted URL or the SQLite file.
        target: String,
        /// The driver's words.
        reason: String,
    },
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
        if let sqlx::Error::ColumnDecode { index, source } = &err {
            return StoreError::Corrupt(format!("column {index}: {source}"));
        }
        if matches!(err, sqlx::Error::PoolTimedOut) {
            return StoreError::Busy("connection pool timed out".into());
        }
        StoreError::Database(err)
    }
}

/// The driver's reason for a failed connection, without its wrapping.
fn driver_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Result type of every storage call.
pub type StoreResult<T> = Result<T, StoreError>;

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

/// The file of an SQLite URL (`sqlite://path`, `sqlite:path`, options dropped), or
/// `None` for any other database.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    path.split('?').next()
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
            let connect = PgConnectOptions::from_str(url)?;
            // One connection first, bounded: its error is the driver's real reason
            // (the pool would retry until its acquire timeout and only say "timed out").
            let unreachable = |reason: String| StoreError::Unreachable {
                target: options.display_url.clone(),
                reason,
            };
            match tokio::time::timeout(
                options.connect_timeout,
                <sqlx::PgConnection as sqlx::Connection>::connect_with(&connect),
            )
            .await
            {
                Err(_) => {
                    return Err(unreachable(format!(
                        "no answer within {} s",
                        options.connect_timeout.as_secs()
                    )));
                }
                Ok(Err(e)) => return Err(unreachable(driver_reason(&e))),
                Ok(Ok(conn)) => {
                    let _ = sqlx::Connection::close(conn).await;
                }
            }
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(connect)
                .await?;
            return Ok(Db::Postgres(pool));
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
            Db::Postgres(pool) => {
                let mut m = sqlx::migrate!("migrations/postgres");
                m.set_ignore_missing(true);
                m.run(pool).await
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
            Db::Postgres(pool) => Tx::new(TxConn::Postgres(pool.begin().await?)),
        };
        crate::telemetry::pool_acquired(start.elapsed());
        Ok(tx)
    }

    /// Starts a read-only unit of work (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        let start = std::time::Instant::now();
        let tx = match self {
            Db::Sqlite(pool) => Tx::new(TxConn::Sqlite(pool.begin().await?)),
            Db::Postgres(pool) => Tx::new(TxConn::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
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
            Db::Postgres(pool) => run_on!(pool, Postgres, sql, fetch_optional, T)?,
        })
    }

    /// Runs one statement on its own (see [`Db::fetch_optional`]) and returns its rows:
    /// a read that one statement answers needs no transaction around it (a statement
    /// sees one snapshot on both backends).
    pub async fn fetch_all<T: Record>(&self, sql: Sql) -> StoreResult<Vec<T>> {
        Ok(match self {
            Db::Sqlite(pool) => run_on!(pool, Sqlite, sql, fetch_all, T)?,
            Db::Postgres(pool) => run_on!(pool, Postgres, sql, fetch_all, T)?,
        })
    }

    /// Runs one statement on its own (see [`Db::fetch_optional`]); returns the rows it
    /// changed.
    pub async fn execute(&self, sql: Sql) -> StoreResult<u64> {
        Ok(match self {
            Db::Sqlite(pool) => run_on!(pool, Sqlite, sql, execute)?,
            Db::Postgres(pool) => run_on!(pool, Postgres, sql, execute)?,
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
            Db::Postgres(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
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
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// The driver's transaction on either backend.
enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// What to do once a transaction's writes are visible to everyone (tell the other
/// replicas' in-memory copies that they are stale).
type AfterCommit = Box<dyn FnOnce() + Send + Sync>;

/// An open transaction on either backend. Dropping it without `commit` rolls back
/// (and forgets what was to run after the commit).
pub struct Tx {
    conn: TxConn,
    after_commit: Vec<AfterCommit>,
    /// Writes held back to travel together (PostgreSQL; see [`super::batch`]).
    queue: Queue,
}

impl Tx {
    fn new(conn: TxConn) -> Tx {
        Tx {
            conn,
            after_commit: Vec::new(),
            queue: Queue::default(),
        }
    }

    /// Runs a write whose outcome nobody reads (no rows returned, no count checked):
    /// at once on SQLite; on PostgreSQL it waits and travels with the transaction's
    /// next statement or its commit ([`super::batch`]). `key` names the row it changes
    /// (`table:id`), none for an insert of a new row.
    pub async fn defer(&mut self, key: Option<String>, sql: Sql) -> StoreResult<()> {
        if self.backend() == Backend::Sqlite {
            self.execute(sql).await?;
            return Ok(());
        }
        if self.queue.holds(key.as_deref()) {
            self.send_queue().await?;
        }
        self.queue.push(Pending { key, sql });
        Ok(())
    }

    /// Adds a named `WITH` part that waiting writes refer to (PostgreSQL only: ids taken
    /// from a sequence inside the statement that uses them, see [`super::feed::number`]).
    /// A prelude of the same name still waiting is sent first, with the writes that
    /// refer to it.
    pub async fn prelude(&mut self, prelude: Prelude) -> StoreResult<()> {
        if self.queue.has_prelude(prelude.name) {
            self.send_queue().await?;
        }
        self.queue.push_prelude(prelude);
        Ok(())
    }

    /// Sends the waiting writes as one statement.
    async fn send_queue(&mut self) -> StoreResult<()> {
        if self.queue.is_empty() {
            return Ok(());
        }
        let (preludes, writes) = self.queue.take();
        let sql = batch::combine(preludes, writes, None);
        if let TxConn::Postgres(tx) = &mut self.conn {
            run_on!(&mut **tx, Postgres, sql, execute)?;
        }
        Ok(())
    }

    /// Runs a query that reads only `tables`: together with the waiting writes when
    /// none of them writes those tables (it then sees what it would have seen after
    /// them), after them otherwise.
    pub async fn fetch_all_reading<T: Record>(
        &mut self,
        tables: &[&str],
        sql: Sql,
    ) -> StoreResult<Vec<T>> {
        if self.queue.touches(tables) {
            self.send_queue().await?;
        }
        let (preludes, writes) = self.queue.take();
        let sql = batch::combine(preludes, writes, Some(sql));
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_all, T)?,
            TxConn::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_all, T)?,
        })
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` right after this transaction commits (not at all if it rolls back),
    /// before the request that made the change is answered.
    pub fn after_commit(&mut self, f: impl FnOnce() + Send + Sync + 'static) {
        self.after_commit.push(Box::new(f));
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&mut self, sql: Sql) -> StoreResult<u64> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, execute)?,
            TxConn::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, execute)?,
        })
    }

    /// Runs a query and returns every row.
    pub async fn fetch_all<T: Record>(&mut self, sql: Sql) -> StoreResult<Vec<T>> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_all, T)?,
            TxConn::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_all, T)?,
        })
    }

    /// Runs a query that returns at most one row.
    pub async fn fetch_optional<T: Record>(&mut self, sql: Sql) -> StoreResult<Option<T>> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_optional, T)?,
            TxConn::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_optional, T)?,
        })
    }

    /// Runs a query that returns exactly one row.
    pub async fn fetch_one<T: Record>(&mut self, sql: Sql) -> StoreResult<T> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_one, T)?,
            TxConn::Postgres(tx) => run_on!(&mut **tx, Postgres, sql, fetch_one, T)?,
        })
    }

    /// Commits.
    pub async fn commit(mut self) -> StoreResult<()> {
        self.send_queue().await?;
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        for f in self.after_commit {
            f();
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same, later).
    pub async fn rollback(self) -> StoreResult<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await?,
            TxConn::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// ` FOR UPDATE OF alias` on PostgreSQL (locks only that table's rows in a join);
    /// nothing on SQLite, as [`Tx::for_update`].
    pub fn for_update_of(&self, alias: &str) -> String {
        match self.backend() {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {alias}"),
        }
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
