//! Time-driven rules: everything that becomes due as time passes (lot expiry, quote
//! lapse, auto-acceptance, SLA breaches), applied effective at each item's own due
//! instant, exactly once, whoever runs it and however late.
//!
//! Each item is handled in its own transaction that locks the customer's account
//! first and re-checks the item, so two replicas running at once, or a catch-up after
//! downtime, apply every rule once.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::access::{Principal, Role};
use crate::http::AppState;
use crate::service::{Ctx, ServiceError, ledger, quotes, sessions};
use crate::storage::db::{Db, from_micros, to_micros};
use crate::storage::{
    accounts, idempotency, lots, quotes as quote_store, requests, sessions as session_store,
};

/// How long idempotency records are kept (at least the 24 hours the contract promises).
pub const IDEMPOTENCY_RETENTION: chrono::Duration = chrono::Duration::hours(48);

const BATCH: i64 = 200;

/// The actor of time-driven changes.
pub fn system_ctx(now: DateTime<Utc>) -> Ctx {
    Ctx {
        principal: Principal {
            subject: "system".into(),
            roles: BTreeSet::from([Role::Admin]),
            customer_id: None,
        },
        now,
    }
}

/// Applies every rule due at or before `now`.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let ctx = system_ctx(now);
    expire_lots(db, &ctx).await?;
    lapse_quotes(db, &ctx).await?;
    accept_sessions(db, &ctx).await?;
    mark_breaches(db, &ctx).await?;
    let mut tx = db.begin_write().await?;
    idempotency::purge_before(&mut tx, to_micros(now - IDEMPOTENCY_RETENTION)).await?;
    tx.commit().await?;
    Ok(())
}

async fn expire_lots(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = lots::due_for_expiry(&mut tx, to_micros(ctx.now), BATCH).await?;
        tx.commit().await?;
        if due.is_empty() {
            return Ok(());
        }
        for (lot_id, customer_id) in &due {
            let mut tx = db.begin_write().await?;
            ledger::expire_lot(&mut tx, ctx, lot_id, customer_id).await?;
            tx.commit().await?;
        }
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

async fn lapse_quotes(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = quote_store::due_for_lapse(&mut tx, to_micros(ctx.now), BATCH).await?;
        tx.commit().await?;
        if due.is_empty() {
            return Ok(());
        }
        for (id, customer_id, order_due) in &due {
            let mut tx = db.begin_write().await?;
            quotes::lapse(&mut tx, ctx, id, customer_id, from_micros(*order_due)?).await?;
            tx.commit().await?;
        }
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// Marks SLA targets whose deadline passed, customer by customer under the account
/// lock, so a concurrent response or decision (which rewrites the row) never undoes it.
async fn mark_breaches(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    let now = to_micros(ctx.now);
    let mut tx = db.begin_read().await?;
    let mut customers = requests::customers_with_breaches(&mut tx, now).await?;
    customers.extend(session_store::customers_with_review_breaches(&mut tx, now).await?);
    tx.commit().await?;
    customers.sort_unstable();
    customers.dedup();
    for customer_id in customers {
        let mut tx = db.begin_write().await?;
        accounts::lock(&mut tx, &customer_id).await?;
        requests::mark_breaches(&mut tx, &customer_id, now).await?;
        session_store::mark_review_breaches(&mut tx, &customer_id, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

async fn accept_sessions(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = session_store::due_for_acceptance(&mut tx, to_micros(ctx.now), BATCH).await?;
        tx.commit().await?;
        for (id, _customer) in &due {
            let mut tx = db.begin_write().await?;
            sessions::auto_accept(&mut tx, ctx, id).await?;
            tx.commit().await?;
        }
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// The production loop: runs the due rules every `interval` until shutdown.
pub async fn run_loop(
    state: AppState,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        {
            let _serial = state.jobs_lock.lock().await;
            if let Err(e) = run_due(&state.db, state.clock.now()).await {
                tracing::warn!(error = %e, "time-driven rules failed; will retry");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => break,
        }
    }
}
