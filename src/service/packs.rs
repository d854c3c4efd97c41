//! Selling packs (SPEC §4): the SecureCall check, expiry from the customer's calendar,
//! the quote it orders, settlement of any deficit, then activation of waiting SoWs.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use super::book::{Book, Refs};
use super::{Ctx, ServiceError, coverage, ids, quotes};
use crate::domain::access::Action;
use crate::domain::allocation::plan_settlement;
use crate::domain::audit::AuditAction;
use crate::domain::deadline::lot_expiry;
use crate::domain::ids::{CustomerId, LotId, QuoteId};
use crate::domain::ledger::EntryKind;
use crate::domain::notification::first_expiry_warning;
use crate::domain::pack::{SaleRefused, check_received_on, check_sale};
use crate::domain::quote::QuoteStatus;
use crate::domain::units::Units;
use crate::dto::ledger::{Pack, PackInput, Price};
use crate::dto::{Page, PageQuery};
use crate::storage::customers::CustomerRow;
use crate::storage::db::Tx;
use crate::storage::deficits;
use crate::storage::lots::{self, LotRow};
use crate::validation::{Problems, validate};

/// `POST /v1/customers/{id}/packs`.
pub async fn sell(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    input: PackInput,
) -> Result<Pack, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let (customer, open_deficits) = deficits::customer_with_open_deficits(tx, customer_id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let calendar = book.calendar()?;
    let today = calendar.today(ctx.now);
    let received_on = input.received_on.unwrap_or(today);
    let expires_at = lot_expiry(&calendar, received_on);

    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    problems.check(
        "received_on",
        check_received_on(received_on, today, expires_at, ctx.now),
    );
    let price = input
        .price
        .as_ref()
        .and_then(|p| problems.check("price", parse_price(p)));
    problems.finish()?;

    check_securecall(&customer, received_on)?;
    let units = input.units.0;
    let quote = input.quote_id.as_deref().map(QuoteId::from);
    let ordered_quote = match &quote {
        Some(quote_id) => Some(match quotes::get_for_update(tx, quote_id).await? {
            Some(q) if &q.customer_id == customer_id && q.status == QuoteStatus::Open => q,
            Some(q) if &q.customer_id == customer_id => {
                return Err(ServiceError::conflict(
                    "quote_not_open",
                    format!("quote {quote_id} is {}", q.status),
                ));
            }
            _ => {
                return Err(ServiceError::conflict(
                    "quote_not_open",
                    format!("quote {quote_id} is not an open quote of this customer"),
                ));
            }
        }),
        None => None,
    };

    let lot_id = ids::lot();
    let open: Vec<(i64, Units)> = open_deficits
        .into_iter()
        .map(|d| (d.entry_id, d.outstanding))
        .collect();
    let settlement = plan_settlement(&open, units);
    let settled: Units = settlement.iter().map(|(_, u)| *u).sum();
    let row = LotRow {
        id: lot_id.clone(),
        customer_id: customer_id.clone(),
        units,
        remaining: units - settled,
        received_on,
        expires_at,
        order_reference: input.order_reference.trim().to_string(),
        quote_id: quote.clone(),
        price_amount: price.as_ref().map(|p| p.amount.clone()),
        price_currency: price.as_ref().map(|p| p.currency.clone()),
        expired: false,
        created_at: ctx.now,
        created_by: ctx.actor(),
        warn_at: Some(first_expiry_warning(expires_at)),
    };
    lots::insert(tx, &row).await?;
    for (deficit_id, pay) in &settlement {
        book.post(
            EntryKind::DeficitSettlement,
            *pay,
            ctx.now,
            Refs {
                lot_id: Some(lot_id.clone()),
                quote_id: quote.clone(),
                settles_id: Some(*deficit_id),
                ..Refs::default()
            },
        );
        deficits::reduce_deficit(tx, *deficit_id, *pay).await?;
        book.adjust_deficit(-*pay);
    }
    if settled.is_positive() {
        book.emit(
            "deficit_settled",
            &lot_id,
            ctx.now,
            json!({"lot_id": lot_id, "units": settled}),
        );
    }
    let granted = units - settled;
    if granted.is_positive() {
        book.post(
            EntryKind::Grant,
            granted,
            ctx.now,
            Refs {
                lot_id: Some(lot_id.clone()),
                quote_id: quote.clone(),
                ..Refs::default()
            },
        );
    }
    if let Some(q) = &ordered_quote {
        quotes::close(tx, q, QuoteStatus::Ordered, Some(&lot_id), ctx.now).await?;
        book.emit(
            "quote_ordered",
            &q.id,
            ctx.now,
            json!({"quote_id": q.id, "lot_id": lot_id}),
        );
    }
    book.emit(
        "pack_sold",
        &lot_id,
        ctx.now,
        json!({"lot_id": lot_id, "units": units, "received_on": received_on, "expires_at": expires_at, "order_reference": row.order_reference}),
    );
    coverage::rebalance(tx, &mut book).await?;
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::PackSold, view(row, settled)).await
}

/// `GET /v1/customers/{id}/packs`.
pub async fn list(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    page: PageQuery,
) -> Result<Page<Pack>, ServiceError> {
    ctx.require(Action::ReadBalance)?;
    ctx.require_customer(customer_id, "customer")?;
    super::customers::ensure_exists(tx, customer_id).await?;
    let limit = page.limit()?;
    let rows = lots::list(tx, customer_id, page.after.as_deref(), i64::from(limit) + 1).await?;
    let ids: Vec<LotId> = rows.iter().map(|r| r.id.clone()).collect();
    let settled = deficits::settled_by_lots(tx, &ids).await?;
    let settled_of = |id: &LotId| {
        settled
            .iter()
            .find(|s| &s.lot_id == id)
            .map(|s| s.units)
            .unwrap_or(Units::ZERO)
    };
    super::paginate(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| {
            let s = settled_of(&r.id);
            Ok(view(r, s))
        },
    )
}

/// Refuses a sale outside the customer's SecureCall contract, unless agreed otherwise.
fn check_securecall(customer: &CustomerRow, received_on: NaiveDate) -> Result<(), ServiceError> {
    let window = customer
        .securecall_starts_on
        .zip(customer.securecall_ends_on);
    check_sale(customer.standalone_agreed, window, received_on)
        .map_err(|e| ServiceError::conflict(SaleRefused::CODE, e.to_string()))
}

fn parse_price(price: &Price) -> Result<Price, String> {
    let amount: Decimal = price
        .amount
        .parse()
        .map_err(|_| "amount must be a decimal string such as \"4800.00\"".to_string())?;
    if amount.is_sign_negative()
        || amount.scale() > 2
        || amount > Decimal::from(1_000_000_000_000i64)
    {
        return Err("amount must be between 0 and 1000000000000 with at most 2 decimals".into());
    }
    let currency = price.currency.trim();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("currency must be an ISO 4217 code such as EUR".into());
    }
    Ok(Price {
        amount: format!("{:.2}", amount),
        currency: currency.to_string(),
    })
}

/// The wire view of a stored lot.
pub fn view(row: LotRow, settled: Units) -> Pack {
    Pack {
        price: match (row.price_amount, row.price_currency) {
            (Some(amount), Some(currency)) => Some(Price { amount, currency }),
            _ => None,
        },
        id: row.id.into_string(),
        customer_id: row.customer_id.into_string(),
        units: row.units,
        remaining: row.remaining,
        settled_deficit: settled,
        received_on: row.received_on,
        expires_at: row.expires_at,
        expired: row.expired,
        order_reference: row.order_reference,
        quote_id: row.quote_id.map(|q| q.into_string()),
        created_at: row.created_at,
    }
}
