//! Backing up and restoring the embedded SQLite database (`securehands backup` and
//! `securehands restore`). A backup is taken online, while the service serves, as one
//! consistent snapshot; a restore replaces a stopped service's database file. A
//! PostgreSQL database is backed up with `pg_dump` and restored with `pg_restore`: the
//! commands say how instead of doing anything (docs/operations.md).

use std::path::{Path, PathBuf};

use crate::storage::backup as store;
use crate::storage::db::{Db, DbOptions, StoreError, sqlite_path};

/// Why a backup or restore was not made (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A backup never overwrites a file.
    #[error("{0} exists already: a backup never overwrites a file; choose another name")]
    OutputExists(String),
    /// PostgreSQL has its own tools.
    #[error(
        "PostgreSQL is backed up with its own tools, online: \
         pg_dump --format=custom --file=FILE '{0}'; restore into an empty database with \
         pg_restore --clean --if-exists --no-owner --dbname='{0}' FILE, then run \
         `securehands migrate` and `securehands verify` (docs/operations.md)"
    )]
    Postgres(String),
    /// The input is not a database this release can restore.
    #[error("{path} is not a securehands backup: {reason}")]
    NotABackup {
        /// The input.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Replacing a database needs the operator's explicit word.
    #[error(
        "the database {0} exists already: stop every replica using it, then pass --force \
         to replace it with the backup"
    )]
    TargetExists(String),
    /// A file could not be read, written or moved.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The system's words.
        reason: String,
    },
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a backup or restore produced.
#[derive(Debug)]
pub struct BackupReport {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The newest ledger position it holds (its balances are those at this position).
    pub ledger_seq: i64,
    /// The newest migration it had applied.
    pub schema_version: i64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes a consistent copy of the database `db` (reached at `display_url`) to
/// `output`, while the service keeps serving.
pub async fn backup(
    db: &Db,
    display_url: &str,
    output: &Path,
) -> Result<BackupReport, BackupError> {
    if let Db::Postgres(_) = db {
        return Err(BackupError::Postgres(display_url.to_string()));
    }
    if output.exists() {
        return Err(BackupError::OutputExists(output.display().to_string()));
    }
    let target = output.to_string_lossy().into_owned();
    store::vacuum_into(db, &target).await?;
    describe(output).await
}

/// Replaces the SQLite database of `database_url` with the backup `input` (the
/// service must be stopped; an existing database is replaced only with `force`).
/// Migrations run at the next start, so a backup from an earlier release is brought up
/// to date then.
pub async fn restore(
    input: &Path,
    database_url: &str,
    display_url: &str,
    force: bool,
) -> Result<BackupReport, BackupError> {
    let Some(target) = sqlite_path(database_url).map(PathBuf::from) else {
        return Err(BackupError::Postgres(display_url.to_string()));
    };
    if !input.is_file() {
        return Err(BackupError::NotABackup {
            path: input.display().to_string(),
            reason: "no such file".into(),
        });
    }
    if target.exists() && !force {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    // Checked on a copy beside the target, then moved into place in one rename.
    let staging = with_suffix(&target, ".restoring");
    std::fs::copy(input, &staging).map_err(io(&staging))?;
    let checked = check(&staging, input).await;
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&staging);
        return Err(e);
    }
    for stale in [with_suffix(&target, "-wal"), with_suffix(&target, "-shm")] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(io(&stale))?;
        }
    }
    std::fs::rename(&staging, &target).map_err(io(&target))?;
    describe(&target).await
}

/// Refuses a file that is not a securehands database this release can open.
async fn check(staging: &Path, input: &Path) -> Result<(), BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: input.display().to_string(),
        reason,
    };
    let db = open(staging)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let version = store::schema_version(&db).await;
    db.close().await;
    let version = version.map_err(|e| not_a_backup(e.to_string()))?;
    let known = store::latest_sqlite_migration();
    if version == 0 {
        return Err(not_a_backup("it holds no securehands schema".into()));
    }
    if version > known {
        return Err(not_a_backup(format!(
            "it was written by a newer release (schema {version}, this release knows up to \
             {known}); restore it with that release"
        )));
    }
    Ok(())
}

async fn describe(path: &Path) -> Result<BackupReport, BackupError> {
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    let db = open(path).await?;
    let ledger_seq = store::last_ledger_seq(&db).await;
    let schema_version = store::schema_version(&db).await;
    db.close().await;
    Ok(BackupReport {
        path: path.to_path_buf(),
        bytes,
        ledger_seq: ledger_seq?,
        schema_version: schema_version?,
    })
}

async fn open(path: &Path) -> Result<Db, StoreError> {
    Db::connect(&DbOptions {
        url: format!("sqlite://{}", path.display()),
        sqlite_synchronous: "FULL".into(),
        max_connections: 1,
        connect_timeout: std::time::Duration::from_secs(5),
        display_url: path.display().to_string(),
    })
    .await
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
