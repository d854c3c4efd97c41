//! PostgreSQL connections kept by the service rather than by sqlx's pool, so that giving
//! one back costs nothing.
//!
//! sqlx's pool pings every connection it takes back (a `Sync` and its answer, from a task
//! spawned for it), to flush a rollback a cancelled transaction left queued and to find a
//! broken connection. That is one round trip more per unit of work: the second of a
//! balance read's two. Here a connection goes back as it is, and the two cases the ping
//! was for are handled where they arise:
//! - a transaction dropped before its `COMMIT` or `ROLLBACK` (a cancelled request, an
//!   error) sends its `ROLLBACK` from a task of its own before the connection is handed
//!   out again, so its row locks go at once ([`PgTx`]'s `Drop`);
//! - a statement that failed because the connection did (I/O, TLS, protocol) drops the
//!   connection instead of giving it back ([`give_back`]).
//!
//! A statement cancelled half-way leaves its answer unread; the driver reads it before the
//! connection's next statement. A connection idle for longer than [`PING_AFTER_IDLE`] is
//! pinged when it is handed out, as before.

use std::time::Duration;

use deadpool::Runtime;
use deadpool::managed::{self, Metrics, Object, QueueMode, RecycleError, RecycleResult, Timeouts};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::{PING_AFTER_IDLE, StoreError};

/// Opens connections for [`PgConnections`] and checks idle ones before reuse.
#[derive(Debug)]
pub struct Opener {
    options: PgConnectOptions,
}

impl managed::Manager for Opener {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect_with(&self.options).await
    }

    async fn recycle(
        &self,
        conn: &mut PgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        // A connection handed out less than `PING_AFTER_IDLE` ago is in use under load and
        // goes back to work unchecked; after a pause the server may have closed it.
        if metrics.last_used() < PING_AFTER_IDLE {
            return Ok(());
        }
        conn.ping().await.map_err(RecycleError::Backend)
    }
}

/// The connections one replica keeps open to PostgreSQL for its units of work.
pub type PgConnections = managed::Pool<Opener>;

/// A connection taken from [`PgConnections`]; dropping it gives it back.
pub type PgPooled = Object<Opener>;

/// The pool of at most `max` connections to `options`. A request waits up to 30 s for one
/// (then it is told the database is busy), as it did with sqlx's pool.
pub fn open(options: PgConnectOptions, max: u32) -> Result<PgConnections, StoreError> {
    let wait = Duration::from_secs(30);
    managed::Pool::builder(Opener { options })
        .max_size(max as usize)
        // The connection given back last is handed out first: it is the one most likely to
        // have the statement prepared and to need no ping, and under a light load the
        // others stay idle rather than each being woken in turn.
        .queue_mode(QueueMode::Lifo)
        .timeouts(Timeouts {
            wait: Some(wait),
            create: Some(wait),
            recycle: Some(wait),
        })
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| {
            StoreError::Database(sqlx::Error::Configuration(
                format!("cannot build the connection pool: {e}").into(),
            ))
        })
}

/// A connection from the pool, waiting for one if all are in use.
pub async fn take(pool: &PgConnections) -> Result<PgPooled, StoreError> {
    pool.get().await.map_err(|e| match e {
        managed::PoolError::Timeout(_) => StoreError::from(sqlx::Error::PoolTimedOut),
        managed::PoolError::Backend(e) => opening_failed(e),
        managed::PoolError::Closed => StoreError::ConnectionLost("the pool is closed".into()),
        other => StoreError::ConnectionLost(other.to_string()),
    })
}

/// What a failure to open a new connection means for the request that needed it: a
/// refusal the server words as an error of its own (`28000` authentication, `55000` a
/// database closed to connections, `3D000` a database gone) is no bug of the request
/// nor of the service, so it reads as [`StoreError::CannotConnect`] rather than as an
/// internal failure; a busy server (`53300`, too many clients) or a dropped socket keep
/// their own meaning.
fn opening_failed(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Database(e) => StoreError::CannotConnect(super::driver_reason(&e)),
        other => other,
    }
}

/// Gives `conn` back to the pool after `outcome`, or drops it (closing the socket) when the
/// error says the connection itself failed rather than the statement.
pub fn give_back<T>(conn: PgPooled, outcome: &Result<T, sqlx::Error>) {
    if let Err(e) = outcome
        && connection_failed(e)
    {
        drop(Object::take(conn));
    }
}

/// Whether `e` leaves the connection unusable. An error the server reported (a constraint,
/// a lock timeout) or one decoding a row leaves it ready for the next statement.
fn connection_failed(e: &sqlx::Error) -> bool {
    !matches!(
        e,
        sqlx::Error::Database(_)
            | sqlx::Error::RowNotFound
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::Encode(_)
    )
}

/// A transaction on a pooled connection, begun and ended with plain statements.
pub struct PgTx {
    /// `None` once it has committed or rolled back.
    conn: Option<PgPooled>,
}

impl PgTx {
    /// Takes a connection from `pool` and begins a transaction on it with `begin`.
    pub async fn start(pool: &PgConnections, begin: &'static str) -> Result<PgTx, StoreError> {
        let conn = take(pool).await?;
        Ok(PgTx::begin(conn, begin).await?)
    }

    /// Sends `begin` (`BEGIN` or `BEGIN ISOLATION LEVEL …`) on `conn`.
    async fn begin(mut conn: PgPooled, begin: &'static str) -> Result<PgTx, sqlx::Error> {
        let outcome = sqlx::raw_sql(begin).execute(&mut *conn).await;
        match outcome {
            Ok(_) => Ok(PgTx { conn: Some(conn) }),
            Err(e) => {
                let failed = Err(e);
                give_back(conn, &failed);
                failed
            }
        }
    }

    /// The connection, for the transaction's statements.
    pub fn conn(&mut self) -> &mut PgConnection {
        // Only `finish` takes it, and it consumes the transaction.
        self.conn
            .as_deref_mut()
            .expect("a transaction's connection is there until it ends")
    }

    /// Ends the transaction with `end` (`COMMIT` or `ROLLBACK`) and gives the connection back.
    pub async fn finish(mut self, end: &'static str) -> Result<(), sqlx::Error> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let outcome = sqlx::raw_sql(end).execute(&mut *conn).await.map(|_| ());
        give_back(conn, &outcome);
        outcome
    }
}

impl Drop for PgTx {
    /// A transaction that did not end (its request was cancelled, or a statement failed and
    /// the error went up) rolls back from a task of its own, so its locks go now and the
    /// connection goes back idle; with no runtime left to run that task, the connection is
    /// closed, which ends the transaction on the server as well.
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let outcome = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    give_back(conn, &outcome);
                });
            }
            Err(_) => drop(Object::take(conn)),
        }
    }
}
