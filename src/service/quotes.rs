//! Top-up quotes (SPEC §6): raised by an account manager or automatically (SoW
//! shortfall, deficit, coverage lost), `open → ordered | lapsed | cancelled`.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::book::Book;
use super::{Ctx, ServiceError, ids};
use crate::domain::access::Action;
use crate::domain::deadline::days_after;
use crate::domain::units::Units;
use crate::dto::quotes::{Quote, QuoteInput};
use crate::dto::{Page, PageQuery, validate};
use crate::storage::db::{Tx, from_micros, to_micros};
use crate::storage::quotes::{self as store, QuoteRow};

/// Days a quote stays open for ordering.
pub const ORDER_WINDOW_DAYS: u32 = 30;

/// Raises a quote inside a customer's book; nothing when `units` is not positive.
/// Returns the quote id.
pub async fn raise(
    tx: &mut Tx,
    book: &mut Book,
    units: Units,
    reason: &str,
    origin: &'static str,
    sow_id: Option<&str>,
) -> Result<Option<String>, ServiceError> {
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
        json!({"quote_id": row.id, "units": units, "origin": origin, "sow_id": sow_id}),
    );
    Ok(Some(row.id))
}

fn new_quote(
    customer_id: &str,
    units: Units,
    reason: &str,
    origin: &str,
    sow_id: Option<&str>,
    now: DateTime<Utc>,
    by: &str,
) -> QuoteRow {
    QuoteRow {
        id: ids::quote().into_string(),
        customer_id: customer_id.to_string(),
        units: units.hundredths(),
        reason: reason.to_string(),
        origin: origin.to_string(),
        status: "open".into(),
        issued_at: to_micros(now),
        order_due: to_micros(days_after(now, ORDER_WINDOW_DAYS)),
        sow_id: sow_id.map(str::to_string),
        lot_id: None,
        closed_at: None,
        created_by: by.to_string(),
    }
}

/// `POST /v1/customers/{id}/quotes`.
pub async fn create(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &str,
    input: QuoteInput,
) -> Result<Quote, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    validate(&input)?;
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let row = new_quote(
        customer_id,
        input.units.0,
        input.reason.trim(),
        "manual",
        None,
        ctx.now,
        &ctx.actor(),
    );
    store::insert(tx, &row).await?;
    book.emit(
        "quote_raised",
        &row.id,
        ctx.now,
        json!({"quote_id": row.id, "units": input.units.0, "origin": "manual"}),
    );
    book.close(tx).await?;
    view(row)
}

/// `GET /v1/customers/{id}/quotes`.
pub async fn list(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &str,
    page: PageQuery,
) -> Result<Page<Quote>, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    ctx.require_customer(customer_id, "customer")?;
    super::customers::ensure_exists(tx, customer_id).await?;
    let limit = page.limit()?;
    let rows = store::list(tx, customer_id, page.after.as_deref(), i64::from(limit) + 1).await?;
    super::paginate(rows, limit, |r| r.id.clone(), view)
}

/// `GET /v1/quotes/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Quote, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    ctx.require_customer(&row.customer_id, "quote")?;
    view(row)
}

/// `POST /v1/quotes/{id}/cancel`.
pub async fn cancel(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Quote, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    let mut book = Book::open(tx, ctx, &row.customer_id).await?;
    if !store::close(tx, id, "cancelled", None, to_micros(ctx.now)).await? {
        return Err(ServiceError::conflict(
            "quote_not_open",
            format!(
                "quote {id} is {} and can no longer be cancelled",
                row.status
            ),
        ));
    }
    book.emit("quote_cancelled", id, ctx.now, json!({"quote_id": id}));
    book.close(tx).await?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("quote"))?;
    view(row)
}

/// Lapses one overdue quote, effective at its due instant (idempotent).
pub async fn lapse(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    customer_id: &str,
    due: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut book = Book::open(tx, ctx, customer_id).await?;
    if store::close(tx, id, "lapsed", None, to_micros(due)).await? {
        book.emit("quote_lapsed", id, due, json!({"quote_id": id}));
    }
    book.close(tx).await?;
    Ok(())
}

/// The wire view of a stored quote.
pub fn view(row: QuoteRow) -> Result<Quote, ServiceError> {
    Ok(Quote {
        id: row.id,
        customer_id: row.customer_id,
        units: Units::from_hundredths(row.units),
        reason: row.reason,
        origin: row.origin,
        status: row.status,
        issued_at: from_micros(row.issued_at)?,
        order_due: from_micros(row.order_due)?,
        sow_id: row.sow_id,
        lot_id: row.lot_id,
        closed_at: row.closed_at.map(from_micros).transpose()?,
    })
}
