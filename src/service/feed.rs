//! Reading the feeds: what a use case that shows feed positions (the ledger, the
//! events feed, statements, notifications) does before it reads.

use super::ServiceError;
use crate::storage::db::Db;
use crate::storage::feed;

/// Gives every entry and event committed before the call its feed position, so the
/// read that follows shows the caller's own writes (PostgreSQL positions rows after
/// commit; see `docs/feed.md`). Runs in transactions of its own, before the read's.
pub async fn catch_up(db: &Db) -> Result<(), ServiceError> {
    feed::catch_up(db).await?;
    Ok(())
}
