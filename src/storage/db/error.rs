//! What can go wrong in the storage layer, in the terms services act on (a lost race, a
//! busy database, a connection gone) rather than the driver's.

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
    /// A connection went away under a statement: the server closed it (a restart, an
    /// administrator) or the network dropped it. Before the `COMMIT` nothing of the unit of
    /// work is kept; a `COMMIT` cut off may or may not have landed, which is what retrying
    /// with the same `Idempotency-Key` settles.
    #[error("database connection lost: {0}")]
    ConnectionLost(String),
    /// No connection could be opened while the service runs: the server refused it
    /// (credentials changed, the database closed to connections, too many clients) or did
    /// not answer. Nothing was done, so the request may be retried; an operator has to
    /// look, which is why it is not mistaken for a lost connection.
    #[error("cannot open a connection to the database: {0}")]
    CannotConnect(String),
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
            // PostgreSQL: 40001 serialization failure, 40P01 deadlock, 55P03 lock not
            // available, 53300 too many connections (a new one refused until others close).
            if matches!(
                code.as_str(),
                "5" | "6" | "261" | "517" | "40001" | "40P01" | "55P03" | "53300"
            ) {
                return StoreError::Busy(db.message().to_string());
            }
            // PostgreSQL: class 08 (connection exception), 57P01–57P03 (the server is
            // shutting down or starting).
            if code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03") {
                return StoreError::ConnectionLost(db.message().to_string());
            }
        }
        if let sqlx::Error::Io(io) = &err {
            return StoreError::ConnectionLost(io.to_string());
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
pub(super) fn driver_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Result type of every storage call.
pub type StoreResult<T> = Result<T, StoreError>;
