//! Time-driven alerts (SPEC §11), raised by the job loop as domain events under the
//! customer's account lock, exactly once each (a key per alert in `alerts_sent`, or the
//! session's `reminded_at`), and effective on the test clock like every rule.

use chrono::Duration;
use serde_json::json;

use super::book::Book;
use super::{Ctx, ServiceError};
use crate::domain::notification::{
    QUOTE_DUE_SOON_DAYS, QUOTE_DUE_SOON_PREFIX, expiry_alert_prefix, expiry_warning_superseded,
    expiry_warnings_reached, next_expiry_warning,
};
use crate::domain::quote::QuoteStatus;
use crate::domain::session::{SessionStatus, acceptance_window_open};
use crate::storage::accounts::Owner;
use crate::storage::db::{Db, Tx};
use crate::storage::notifications::mark_alert;
use crate::storage::{lots, quotes, sessions};

const BATCH: i64 = 200;

/// Raises every alert due at `ctx.now`.
pub async fn run_due(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    acceptance_reminders(db, ctx).await?;
    expiry_warnings(db, ctx).await?;
    quotes_due_soon(db, ctx).await?;
    Ok(())
}

/// One business day before an acceptance deadline, if the session is still open.
async fn acceptance_reminders(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = sessions::reminders_due_by(&mut tx, ctx.now, BATCH).await?;
        tx.commit().await?;
        super::due_work::per_customer(
            db,
            &due,
            |s| &s.customer_id,
            |s| async move {
                let mut tx = db.begin_write().await?;
                remind(&mut tx, ctx, &s.id).await?;
                Ok(tx.commit().await?)
            },
        )
        .await?;
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

async fn remind(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &crate::domain::ids::SessionId,
) -> Result<(), ServiceError> {
    let mut book = Book::open_for(tx, ctx, Owner::Session, id.as_str(), "session").await?;
    let Some(mut session) = sessions::get(tx, id).await? else {
        return Ok(());
    };
    if session.status != SessionStatus::Delivered || session.reminded_at.is_some() {
        return Ok(());
    }
    session.reminded_at = Some(ctx.now);
    sessions::update(tx, &session).await?;
    // A reminder the loop reaches after the deadline would only confuse: the session
    // is being accepted.
    if let Some(due) = session
        .acceptance_due
        .filter(|due| acceptance_window_open(*due, ctx.now))
    {
        book.emit(
            "acceptance_reminder",
            id,
            ctx.now,
            json!({"session_id": id, "acceptance_due": due, "units": session.units_debited}),
        );
    }
    book.close(tx).await?;
    Ok(())
}

/// Units expiring in 90 and in 30 days, once per lot and threshold: the lots whose
/// next warning is due (`warn_at`), each under its customer's lock. A warning made moot
/// by a nearer one reached at the same time is marked sent but not told.
async fn expiry_warnings(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    loop {
        let mut tx = db.begin_read().await?;
        let due = lots::warnings_due(&mut tx, ctx.now, BATCH).await?;
        tx.commit().await?;
        for lot in &due {
            let mut tx = db.begin_write().await?;
            let mut book = Book::open(&mut tx, ctx, &lot.customer_id).await?;
            for days in expiry_warnings_reached(lot.expires_at, ctx.now) {
                let key = format!("{}{}", expiry_alert_prefix(days), lot.id);
                let first = mark_alert(&mut tx, &key, &lot.customer_id, ctx.now).await?;
                if first && !expiry_warning_superseded(days, lot.expires_at, ctx.now) {
                    book.emit(
                        "units_expiring",
                        &lot.id,
                        ctx.now,
                        json!({"lot_id": lot.id, "units": lot.remaining, "expires_at": lot.expires_at, "days": days}),
                    );
                }
            }
            let next = next_expiry_warning(lot.expires_at, ctx.now);
            lots::set_warn_at(&mut tx, &lot.id, next).await?;
            book.close(&mut tx).await?;
            tx.commit().await?;
        }
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

/// Open quotes whose order deadline is within 7 days, once per quote.
async fn quotes_due_soon(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    let horizon = ctx.now + Duration::days(i64::from(QUOTE_DUE_SOON_DAYS));
    loop {
        let mut tx = db.begin_read().await?;
        let due = quotes::due_unannounced(
            &mut tx,
            QuoteStatus::Open,
            horizon,
            QUOTE_DUE_SOON_PREFIX,
            BATCH,
        )
        .await?;
        tx.commit().await?;
        for quote in &due {
            let mut tx = db.begin_write().await?;
            let mut book = Book::open(&mut tx, ctx, &quote.customer_id).await?;
            let key = format!("{QUOTE_DUE_SOON_PREFIX}{}", quote.id);
            let still_open = quotes::get(&mut tx, &quote.id)
                .await?
                .is_some_and(|q| q.status == QuoteStatus::Open && ctx.now < q.order_due);
            if mark_alert(&mut tx, &key, &quote.customer_id, ctx.now).await? && still_open {
                book.emit(
                    "quote_due_soon",
                    &quote.id,
                    ctx.now,
                    json!({"quote_id": quote.id, "units": quote.units, "reason": quote.reason, "order_due": quote.order_due}),
                );
            }
            book.close(&mut tx).await?;
            tx.commit().await?;
        }
        if (due.len() as i64) < BATCH {
            return Ok(());
        }
    }
}
