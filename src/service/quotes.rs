//! Top-up quotes (SPEC §6): raised by an account manager or automatically (SoW
//! shortfall, deficit, coverage lost), `open → ordered | lapsed | cancelled`.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::book::Book;
use super::{Ctx, ServiceError, ids};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{CustomerId, LotId, QuoteId, SowId};
use crate::domain::quote::{QuoteNotOpen, QuoteOrigin, QuoteStatus, order_due};
use crate::domain::units::Units;
use crate::dto::quotes::{Quote, QuoteInput};
use crate::dto::{Page, PageQuery};
use crate::storage::db::Tx;
use crate::storage::quotes::{self as store, QuoteRow};
use crate::validation::validate;

/// Raises a quote inside a customer's book; nothing when `units` is not positive.
/// Returns the quote id.
pub async fn raise(
    tx: &mut Tx,
    book: &mut Book,
    units: Units,
    reason: &str,
    origin: QuoteOrigin,
    sow_id: Option<&SowId>,
) -> Result<Option<QuoteId>, ServiceError> {
    if !units.is_positive() {
        return Ok(None);
    }
    let row = new_quote(
        book.customer_id(),
        units,
        reason,
        origin,
        sow_id,
        book.now(),
        "system",
    );
    store::insert(tx, &row).await?;
    book.emit(
        "quote_raised",
        &row.id,
        book.now(),
        json!({"quote_id": row.id, "units": units, "origin": origin.as_str(), "sow_id": sow_id,
            "reason": row.reason, "order_due": row.order_due}),
    );
    Ok(Some(row.id))
}

fn new_quote(
    customer_id: &CustomerId,
    units: Units,
    reason: &str,
    origin: QuoteOrigin,
    sow_id: Option<&SowId>,
    now: DateTime<Utc>,
    by: &str,
) -> QuoteRow {
    QuoteRow {
        id: ids::quote(),
        customer_id: customer_id.clone(),
        units,
        reason: reason.to_string(),
        origin,
        status: QuoteStatus::Open,
        issued_at: now,
        order_due: order_due(now),
        sow_id: sow_id.cloned(),
        lot_id: None,
        closed_at: None,
        created_by: by.to_string(),
    }
}

/// `POST /v1/customers/{id}/quotes`.
pub async fn create(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    input: QuoteInput,
) -> Result<Quote, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    validate(&input)?;
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let row = new_quote(
        customer_id,
        input.units.0,
        input.reason.trim(),
        QuoteOrigin::Manual,
        None,
        ctx.now,
        &ctx.actor(),
    );
    store::insert(tx, &row).await?;
    book.emit(
        "quote_raised",
        &row.id,
        ctx.now,
        json!({"quote_id": row.id, "units": input.units.0, "origin": QuoteOrigin::Manual.as_str(),
            "reason": row.reason, "order_due": row.order_due}),
    );
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::QuoteRaised, view(row)).await
}

/// `GET /v1/customers/{id}/quotes`.
pub async fn list(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    page: PageQuery,
) -> Result<Page<Quote>, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    ctx.require_customer(customer_id, "customer")?;
    super::customers::ensure_exists(tx, customer_id).await?;
    let limit = page.limit()?;
    let rows = store::list(tx, customer_id, page.after.as_deref(), i64::from(limit) + 1).await?;
    super::paginate(rows, limit, |r| r.id.to_string(), |r| Ok(view(r)))
}

/// `GET /v1/quotes/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &QuoteId) -> Result<Quote, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    ctx.require_customer(&row.customer_id, "quote")?;
    Ok(view(row))
}

/// A quote read under its customer's account lock, for a change.
pub async fn get_for_update(tx: &mut Tx, id: &QuoteId) -> Result<Option<QuoteRow>, ServiceError> {
    Ok(store::get_for_update(tx, id).await?)
}

/// Moves an open quote to `to` (ordered by `lot_id`, lapsed or cancelled), effective
/// at `at`; refused when it is no longer open.
pub async fn close(
    tx: &mut Tx,
    row: &QuoteRow,
    to: QuoteStatus,
    lot_id: Option<&LotId>,
    at: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let refused = |e: QuoteNotOpen| {
        ServiceError::conflict(QuoteNotOpen::CODE, format!("quote {} {e}", row.id))
    };
    row.status.close(to).map_err(refused)?;
    if !store::close(tx, &row.id, to, lot_id, at).await? {
        return Err(refused(QuoteNotOpen(row.status, "changed")));
    }
    Ok(())
}

/// `POST /v1/quotes/{id}/cancel`.
pub async fn cancel(tx: &mut Tx, ctx: &Ctx, id: &QuoteId) -> Result<Quote, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    let found = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    let mut book = Book::open(tx, ctx, &found.customer_id).await?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    close(tx, &row, QuoteStatus::Cancelled, None, ctx.now).await?;
    book.emit("quote_cancelled", id, ctx.now, json!({"quote_id": id}));
    book.close(tx).await?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    super::audit::done(tx, ctx, AuditAction::QuoteCancelled, view(row)).await
}

/// Lapses one overdue quote, effective at its due instant (idempotent: a quote
/// ordered or cancelled in the meantime is left alone).
pub async fn lapse(tx: &mut Tx, ctx: &Ctx, id: &QuoteId) -> Result<(), ServiceError> {
    let Some(found) = store::get(tx, id).await? else {
        return Ok(());
    };
    let mut book = Book::open(tx, ctx, &found.customer_id).await?;
    let Some(row) = store::get(tx, id).await? else {
        return Ok(());
    };
    if !row.status.lapses_at(row.order_due, ctx.now) {
        return Ok(());
    }
    close(tx, &row, QuoteStatus::Lapsed, None, row.order_due).await?;
    book.emit(
        "quote_lapsed",
        id,
        row.order_due,
        json!({"quote_id": id, "units": row.units, "reason": row.reason, "order_due": row.order_due}),
    );
    book.close(tx).await?;
    Ok(())
}

/// The wire view of a stored quote.
pub fn view(row: QuoteRow) -> Quote {
    Quote {
        id: row.id.into_string(),
        customer_id: row.customer_id.into_string(),
        units: row.units,
        reason: row.reason,
        origin: row.origin.as_str().to_string(),
        status: row.status.as_str().to_string(),
        issued_at: row.issued_at,
        order_due: row.order_due,
        sow_id: row.sow_id.map(|s| s.into_string()),
        lot_id: row.lot_id.map(|l| l.into_string()),
        closed_at: row.closed_at,
    }
}
