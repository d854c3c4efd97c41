//! The API keys this replica resolved lately, kept in memory so that a request made
//! with a key costs no more than one made with a signed token.
//!
//! A copy is used only while the keys' change signal (see [`crate::storage::signal`])
//! stands where it stood when the copy was read: revoking or rolling a key on any
//! replica moves it, so every replica drops its copies at once. When the signal is
//! unknown (the PostgreSQL listener is reconnecting) every request reads the database,
//! as it does on a miss. Copies are also dropped after ten seconds whatever happens, which bounds how long
//! a replica whose listener hangs without noticing could miss a revocation.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::storage::db::{Db, StoreResult, Tx};
use crate::storage::identity::api_keys::ApiKeyRow;
use crate::storage::signal::{ChangeSignal, Epoch};

/// How many keys a replica keeps (beyond that it starts again from empty).
const CAPACITY: usize = 10_000;

/// How long a copy may be used at most, signal or not.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(10);

struct Kept {
    row: Arc<ApiKeyRow>,
    epoch: Epoch,
    read_at: std::time::Instant,
}

/// Resolved keys by secret hash, valid for one epoch of the change signal.
pub struct KeyCache {
    signal: Arc<ChangeSignal>,
    copies: RwLock<HashMap<String, Kept>>,
}

/// The channel revocations and rolls are announced on.
pub const CHANNEL: &str = "securehands_api_keys";

impl KeyCache {
    /// An empty cache listening on `db`'s key channel (see [`KeyCache::listen`]).
    pub fn new(db: &Db) -> KeyCache {
        KeyCache {
            signal: ChangeSignal::new(db, CHANNEL),
            copies: RwLock::default(),
        }
    }

    /// Hears other replicas' changes until `shutdown` (PostgreSQL; nothing to do on
    /// SQLite). Until it runs, every request reads the database.
    pub fn listen(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send + 'static {
        self.signal.clone().listen(shutdown)
    }

    /// Where the signal stands now, if it can be trusted (read before the database, so
    /// a change committed meanwhile makes the copy stale at once).
    pub fn epoch(&self) -> Option<Epoch> {
        self.signal.epoch()
    }

    /// The copy of the key whose secret hashes to `hash`, if it is still good.
    pub fn get(&self, hash: &str, epoch: Epoch) -> Option<Arc<ApiKeyRow>> {
        let copies = self.copies.read().unwrap_or_else(|e| e.into_inner());
        copies
            .get(hash)
            .filter(|c| c.epoch == epoch && c.read_at.elapsed() < MAX_AGE)
            .map(|c| c.row.clone())
    }

    /// Keeps a copy read from the database at `epoch`.
    pub fn put(&self, hash: String, row: Arc<ApiKeyRow>, epoch: Epoch) {
        let mut copies = self.copies.write().unwrap_or_else(|e| e.into_inner());
        if copies.len() >= CAPACITY && !copies.contains_key(&hash) {
            copies.retain(|_, c| c.epoch == epoch && c.read_at.elapsed() < MAX_AGE);
            if copies.len() >= CAPACITY {
                copies.clear();
            }
        }
        copies.insert(
            hash,
            Kept {
                row,
                epoch,
                read_at: std::time::Instant::now(),
            },
        );
    }

    /// Notes in the copy that the key was used at `at` (as written to the database).
    pub fn used(&self, hash: &str, at: DateTime<Utc>) {
        let mut copies = self.copies.write().unwrap_or_else(|e| e.into_inner());
        if let Some(copy) = copies.get_mut(hash) {
            let mut row = (*copy.row).clone();
            row.last_used_at = Some(at);
            copy.row = Arc::new(row);
        }
    }

    /// Tells every replica, once `tx` commits, that a key changed in it.
    pub async fn changed(&self, tx: &mut Tx) -> StoreResult<()> {
        self.signal.announce(tx).await
    }
}
