//! "This changed": a signal shared by every replica on one database, so that a replica
//! may keep a copy of something in memory (the API keys it resolved) and drop it as
//! soon as any replica changes the original.
//!
//! - PostgreSQL: `LISTEN`/`NOTIFY`. The change's transaction sends a notification,
//!   which PostgreSQL delivers to every listening replica when (and only if) the
//!   transaction commits. While a replica's listener is not connected the signal is
//!   *unknown* and copies must not be used: the replica reads the database instead.
//! - SQLite: replicas on one SQLite file share a machine, so a small file beside the
//!   database (`<database>-<channel>.signal`) is rewritten after each change commits,
//!   and read on every use of a copy (a read of a few bytes in the page cache).
//!
//! Either way the replica that made the change moves on at once, before it answers.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::db::{Db, StoreResult, Tx};
use super::sql::Sql;

/// Where the signal stands; a copy taken at one epoch is good only while the epoch
/// is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    local: u64,
    shared: u64,
}

/// A change signal for one kind of thing (one channel).
#[derive(Debug)]
pub struct ChangeSignal {
    channel: &'static str,
    /// Moves on every change this replica makes or hears of, and on every
    /// (re)connection of the PostgreSQL listener.
    local: AtomicU64,
    /// Whether changes made elsewhere are heard (always on SQLite).
    live: AtomicBool,
    /// SQLite: the file other replicas rewrite.
    file: Option<PathBuf>,
    pool: Option<PgPool>,
}

impl ChangeSignal {
    /// The signal of `channel` on `db`. On PostgreSQL it stays unknown until
    /// [`ChangeSignal::listen`] runs.
    pub fn new(db: &Db, channel: &'static str) -> Arc<ChangeSignal> {
        let (file, pool, live) = match db {
            Db::Sqlite(pool) => {
                let filename = pool.connect_options().get_filename().to_path_buf();
                let in_memory = filename.as_os_str().is_empty()
                    || filename.to_string_lossy().contains(":memory:");
                let file = (!in_memory).then(|| {
                    let mut name = filename.into_os_string();
                    name.push(format!("-{channel}.signal"));
                    PathBuf::from(name)
                });
                (file, None, true)
            }
            Db::Postgres(pg) => (None, Some(pg.sqlx_pool().clone()), false),
        };
        Arc::new(ChangeSignal {
            channel,
            local: AtomicU64::new(0),
            live: AtomicBool::new(live),
            file,
            pool,
        })
    }

    /// The current epoch, or `None` when changes made elsewhere may go unheard.
    pub fn epoch(&self) -> Option<Epoch> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let shared = match &self.file {
            None => 0,
            Some(path) => match std::fs::read(path) {
                Ok(bytes) => bytes
                    .iter()
                    .fold(0u64, |acc, b| acc.rotate_left(8) ^ u64::from(*b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(_) => return None,
            },
        };
        Some(Epoch {
            local: self.local.load(Ordering::Acquire),
            shared,
        })
    }

    /// Announces, in `tx`, a change every replica must hear of once `tx` commits.
    pub async fn announce(self: &Arc<Self>, tx: &mut Tx) -> StoreResult<()> {
        if self.pool.is_some() {
            tx.execute(Sql::new("SELECT pg_notify($1, '')").bind(self.channel))
                .await?;
        }
        let signal = self.clone();
        tx.after_commit(move || signal.changed_here());
        Ok(())
    }

    fn changed_here(&self) {
        self.local.fetch_add(1, Ordering::AcqRel);
        if let Some(path) = &self.file {
            let mut token = [0u8; 16];
            if getrandom::fill(&mut token).is_err() {
                token = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos()
                    .to_le_bytes();
            }
            let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
            let mut tmp = path.clone().into_os_string();
            tmp.push(format!(".{}-{hex}", std::process::id()));
            let written = std::fs::write(&tmp, &hex).and_then(|()| std::fs::rename(&tmp, path));
            if let Err(e) = written {
                // Other replicas would keep their copies: stop trusting the signal here
                // too, so this misconfiguration shows as slower requests, not stale ones.
                self.live.store(false, Ordering::Release);
                tracing::error!(file = %path.display(), error = %e, "cannot write the change signal");
            }
        }
    }

    /// Listens for changes made by other replicas until `shutdown` turns true or the
    /// pool closes (PostgreSQL; returns at once on SQLite). Reconnects after a second
    /// when the connection drops, the signal being unknown meanwhile.
    pub async fn listen(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let Some(pool) = self.pool.clone() else {
            return;
        };
        loop {
            tokio::select! {
                _ = self.listen_once(&pool) => {}
                _ = shutdown.changed() => {}
            }
            self.live.store(false, Ordering::Release);
            self.local.fetch_add(1, Ordering::AcqRel);
            if *shutdown.borrow() || shutdown.has_changed().is_err() || pool.is_closed() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn listen_once(&self, pool: &PgPool) {
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, channel = self.channel, "change listener cannot connect");
                return;
            }
        };
        if let Err(e) = listener.listen(self.channel).await {
            tracing::warn!(error = %e, channel = self.channel, "change listener cannot listen");
            return;
        }
        // Anything changed before this point was not heard: start a new epoch.
        self.local.fetch_add(1, Ordering::AcqRel);
        self.live.store(true, Ordering::Release);
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    self.local.fetch_add(1, Ordering::AcqRel);
                }
                Ok(None) => {
                    tracing::warn!(
                        channel = self.channel,
                        "change listener lost its connection"
                    );
                    return;
                }
                Err(e) => {
                    if !pool.is_closed() {
                        tracing::warn!(error = %e, channel = self.channel, "change listener failed");
                    }
                    return;
                }
            }
        }
    }
}
