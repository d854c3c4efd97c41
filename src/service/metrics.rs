//! What `/metrics` reads from the database at each scrape: the mail and webhook
//! backlogs (shared by every replica, so every replica reports the same figures) and
//! this replica's connection pool.

use chrono::{DateTime, Utc};

use crate::service::ServiceError;
use crate::storage::db::Db;
use crate::storage::sql::Backlog;
use crate::storage::{notifications, webhooks};

/// Refreshes the gauges read from the database, `now` being the service's time.
pub async fn refresh(db: &Db, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let mut tx = db.begin_read().await?;
    let mails = notifications::backlog(&mut tx).await?;
    let deliveries = webhooks::backlog(&mut tx).await?;
    tx.commit().await?;
    for (kind, backlog) in [("mail", mails), ("webhook", deliveries)] {
        crate::telemetry::set_backlog(kind, backlog.n, oldest_age(&backlog, now));
    }
    let (size, idle, max) = db.pool_stats();
    crate::telemetry::set_pool(size, idle, max);
    Ok(())
}

fn oldest_age(backlog: &Backlog, now: DateTime<Utc>) -> f64 {
    backlog.oldest.map_or(0.0, |at| {
        ((now - at).num_milliseconds() as f64 / 1000.0).max(0.0)
    })
}
