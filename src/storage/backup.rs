//! SQL for online backups of an SQLite database (PostgreSQL is backed up with its own
//! tools, see docs/operations.md).

use super::db::{Db, StoreError, StoreResult};
use super::sql::Sql;

crate::stored_row! {
    /// The newest migration a database has applied.
    #[derive(Clone, Copy, Debug)]
    pub struct SchemaVersion {
        /// `_sqlx_migrations.version` (0 when none).
        pub version: i64,
    }
}

/// Writes a consistent copy of the whole SQLite database to `path` while it keeps
/// serving (`VACUUM INTO` reads one snapshot; writers are not blocked for long in WAL
/// mode). `path` must not exist.
pub async fn vacuum_into(db: &Db, path: &str) -> StoreResult<()> {
    match db {
        Db::Sqlite(_) => {
            db.execute(Sql::new("VACUUM INTO $1").bind(path)).await?;
            Ok(())
        }
        Db::Postgres(_) => Err(StoreError::Corrupt(
            "VACUUM INTO is an SQLite statement".into(),
        )),
    }
}

/// The newest migration applied to `db`.
pub async fn schema_version(db: &Db) -> StoreResult<i64> {
    let row: Option<SchemaVersion> = db
        .fetch_optional(Sql::new(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS version FROM _sqlx_migrations \
             WHERE success",
        ))
        .await?;
    Ok(row.map_or(0, |r| r.version))
}

/// The newest ledger position recorded in `db` (0 when the ledger is empty).
pub async fn last_ledger_seq(db: &Db) -> StoreResult<i64> {
    let row: Option<super::sql::Count> = db
        .fetch_optional(Sql::new(
            "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS n FROM ledger_entries",
        ))
        .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// The newest migration this release knows for SQLite.
pub fn latest_sqlite_migration() -> i64 {
    sqlx::migrate!("migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}
