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

use crate::clock::Clock;
use crate::domain::access::{Principal, Role};
use crate::domain::identity::Actor;
use crate::domain::quote::QuoteStatus;
use crate::domain::sla::{SlaState, mark_if_overdue};
use crate::service::due_work::per_customer;
use crate::service::{Ctx, ServiceError, ledger, quotes, sessions};
use crate::storage::db::Db;
use crate::storage::sessions as session_store;
use crate::storage::{accounts, idempotency, lots, quotes as quote_store, requests};

/// How long idempotency records are kept (at least the 24 hours the contract promises).
pub const IDEMPOTENCY_RETENTION: chrono::Duration = chrono::Duration::hours(48);

const BATCH: i64 = 200;

/// The actor of time-driven changes.
pub fn system_ctx(now: DateTime<Utc>) -> Ctx {
    Ctx {
        principal: Principal {
            actor: Actor::system(),
            ..Principal::from_token("system".into(), BTreeSet::from([Role::Admin]), None)
        },
        now,
        request: Default::default(),
    }
}

/// Applies every rule due at or before `now`.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let ctx = system_ctx(now);
    timed("lot_expiry", expire_lots(db, &ctx)).await?;
    timed("alerts", super::alerts::run_due(db, &ctx)).await?;
    timed("quote_lapse", lapse_quotes(db, &ctx)).await?;
    timed("auto_acceptance", accept_sessions(db, &ctx)).await?;
    timed("sla_breaches", mark_breaches(db, &ctx)).await?;
    timed("uncovered_digest", super::uncovered::send_digest(db, &ctx)).await?;
    timed("housekeeping", housekeeping(db, now)).await
}

/// Runs one rule, counting it for the metrics (runs, errors, duration, last success).
async fn timed(
    job: &'static str,
    rule: impl Future<Output = Result<(), ServiceError>>,
) -> Result<(), ServiceError> {
    let start = std::time::Instant::now();
    let outcome = rule.await;
    crate::telemetry::job_ran(job, start.elapsed(), outcome.is_ok());
    outcome
}

/// Old idempotency records go; feed positions are given to whatever no reader has
/// asked for yet (also what a replica killed between its commit and anyone's read
/// left behind).
async fn housekeeping(db: &Db, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let mut tx = db.begin_write().await?;
    idempotency::purge_before(&mut tx, now - IDEMPOTENCY_RETENTION).await?;
    tx.commit().await?;
    crate::storage::feed::catch_up(db).await?;
    Ok(())
}

async fn expire_lots(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = lots::due_for_expiry(&mut tx, ctx.now, BATCH).await?;
        tx.commit().await?;
        per_customer(
            db,
            &due,
            |lot| &lot.customer_id,
            |lot| async move {
                let mut tx = db.begin_write().await?;
                ledger::expire_lot(&mut tx, ctx, &lot.id, &lot.customer_id).await?;
                Ok(tx.commit().await?)
            },
        )
        .await?;
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

async fn lapse_quotes(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = quote_store::due_by(&mut tx, QuoteStatus::Open, ctx.now, BATCH).await?;
        tx.commit().await?;
        per_customer(
            db,
            &due,
            |quote| &quote.customer_id,
            |quote| async move {
                let mut tx = db.begin_write().await?;
                quotes::lapse(&mut tx, ctx, &quote.id).await?;
                Ok(tx.commit().await?)
            },
        )
        .await?;
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// Marks SLA targets whose deadline passed, customer by customer under the account
/// lock, so a concurrent response or decision (which rewrites the row) never undoes
/// it. Storage finds the pending targets due before `now`; the domain decides.
async fn mark_breaches(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    let pending = SlaState::Pending;
    let mut tx = db.begin_read().await?;
    let mut customers =
        requests::customers_with_targets_due_before(&mut tx, pending, ctx.now).await?;
    customers
        .extend(session_store::customers_with_reviews_due_before(&mut tx, pending, ctx.now).await?);
    tx.commit().await?;
    customers.sort_unstable();
    customers.dedup();
    for customer_id in customers {
        let mut tx = db.begin_write().await?;
        accounts::lock(&mut tx, &customer_id).await?;
        for mut row in
            requests::with_targets_due_before(&mut tx, &customer_id, pending, ctx.now).await?
        {
            row.initial_response_sla =
                mark_if_overdue(row.initial_response_sla, row.initial_response_due, ctx.now);
            row.sow_sla = mark_if_overdue(row.sow_sla, row.sow_due, ctx.now);
            requests::update(&mut tx, &row).await?;
        }
        for review in
            session_store::reviews_due_before(&mut tx, &customer_id, pending, ctx.now).await?
        {
            let state = mark_if_overdue(review.review_sla, review.review_due, ctx.now);
            session_store::set_review_sla(&mut tx, &review.id, state).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn accept_sessions(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = session_store::delivered_due_by(&mut tx, ctx.now, BATCH).await?;
        tx.commit().await?;
        per_customer(
            db,
            &due,
            |s| &s.customer_id,
            |session| async move {
                let mut tx = db.begin_write().await?;
                sessions::auto_accept(&mut tx, ctx, &session.id).await?;
                Ok(tx.commit().await?)
            },
        )
        .await?;
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// The time-driven rules of one replica: runs are serialized inside the replica (the
/// background loop and test-clock moves never overlap); across replicas each item is
/// applied once under its customer's account lock.
#[derive(Clone)]
pub struct Jobs {
    db: Db,
    clock: Clock,
    serial: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Why the test clock was not moved.
#[derive(Debug, thiserror::Error)]
pub enum ClockMoveError {
    /// The clock only moves forward (or is the system clock).
    #[error(transparent)]
    Clock(#[from] crate::clock::ClockError),
    /// A rule failed while catching up.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl Jobs {
    /// The rules over this database, timed by this clock.
    pub fn new(db: Db, clock: Clock) -> Self {
        Jobs {
            db,
            clock,
            serial: std::sync::Arc::default(),
        }
    }

    /// The production loop: runs the due rules every `interval` until shutdown.
    pub async fn run_loop(
        self,
        interval: Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            {
                let _serial = self.serial.lock().await;
                if let Err(e) = run_due(&self.db, self.clock.now()).await {
                    tracing::warn!(error = %e, "time-driven rules failed; will retry");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
        }
    }

    /// Moves the test clock forward to `target`, applying every rule due up to it
    /// first, so the answer reflects everything that became due.
    pub async fn advance_test_clock(
        &self,
        target: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, ClockMoveError> {
        let _serial = self.serial.lock().await;
        let target = crate::clock::truncate_to_micros(target);
        let current = self.clock.now();
        if target < current {
            return Err(crate::clock::ClockError::Backwards {
                current,
                requested: target,
            }
            .into());
        }
        run_due(&self.db, target).await?;
        Ok(self.clock.set(target)?)
    }
}
