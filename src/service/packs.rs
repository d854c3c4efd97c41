//! Selling packs (SPEC §4): the SecureCall check, expiry from the customer's calendar,
//! the quote it orders, settlement of any deficit, then activation of waiting SoWs.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;

use super::book::{Book, Refs};
use super::{Ctx, Problems, ServiceError, calendars, ids};
use crate::domain::access::Action;
use crate::domain::allocation::plan_settlement;
use crate::domain::deadline::lot_expiry;
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::dto::ledger::{Pack, PackInput, Price};
use crate::dto::{Page, PageQuery, validate};
use crate::storage::customers::{self, CustomerRow};
use crate::storage::db::{Tx, from_micros, parse_date, to_micros};
use crate::storage::lots::{self, LotRow};
use crate::storage::{ledger, quotes};

/// `POST /v1/customers/{id}/packs`.
pub async fn sell(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &str,
    input: PackInput,
) -> Result<Pack, ServiceError> {
    ctx.require(Action::ManageCommercial)?;
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let customer = customers::get(tx, customer_id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let calendar = calendars::business_calendar(tx, &customer.calendar_id).await?;
    let today = calendar.today(ctx.now);
    let received_on = input.received_on.unwrap_or(today);
    let expires_at = lot_expiry(&calendar, received_on);

    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    if received_on > today {
        problems.add("received_on", "must not be in the future");
    } else if expires_at <= ctx.now {
        problems.add(
            "received_on",
            "a pack received then would already have expired",
        );
    }
    let price = input
        .price
        .as_ref()
        .and_then(|p| problems.check("price", parse_price(p)));
    problems.finish()?;

    check_securecall(&customer, received_on)?;
    let units = input.units.0;
    if let Some(quote_id) = &input.quote_id {
        let quote = quotes::get_for_update(tx, quote_id).await?;
        match quote {
            Some(q) if q.customer_id == customer_id && q.status == "open" => {}
            Some(q) if q.customer_id == customer_id => {
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
        }
    }

    let lot_id = ids::lot().into_string();
    let open: Vec<(i64, Units)> = ledger::open_deficits(tx, customer_id)
        .await?
        .into_iter()
        .map(|(seq, owed)| (seq, Units::from_hundredths(owed)))
        .collect();
    let settlement = plan_settlement(&open, units);
    let settled: Units = settlement.iter().map(|(_, u)| *u).sum();
    let row = LotRow {
        id: lot_id.clone(),
        customer_id: customer_id.to_string(),
        units: units.hundredths(),
        remaining: (units - settled).hundredths(),
        received_on: received_on.to_string(),
        expires_at: to_micros(expires_at),
        order_reference: input.order_reference.trim().to_string(),
        quote_id: input.quote_id.clone(),
        price_amount: price.as_ref().map(|p| p.amount.clone()),
        price_currency: price.as_ref().map(|p| p.currency.clone()),
        expired: false,
        created_at: to_micros(ctx.now),
        created_by: ctx.actor(),
    };
    lots::insert(tx, &row).await?;
    for (deficit_seq, pay) in &settlement {
        book.post(
            EntryKind::DeficitSettlement,
            *pay,
            ctx.now,
            Refs {
                lot_id: Some(lot_id.clone()),
                quote_id: input.quote_id.clone(),
                settles_seq: Some(*deficit_seq),
                ..Refs::default()
            },
        );
        ledger::reduce_deficit(tx, *deficit_seq, pay.hundredths()).await?;
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
                quote_id: input.quote_id.clone(),
                ..Refs::default()
            },
        );
    }
    if let Some(quote_id) = &input.quote_id {
        quotes::close(tx, quote_id, "ordered", Some(&lot_id), to_micros(ctx.now)).await?;
        book.emit(
            "quote_ordered",
            quote_id,
            ctx.now,
            json!({"quote_id": quote_id, "lot_id": lot_id}),
        );
    }
    book.emit(
        "pack_sold",
        &lot_id,
        ctx.now,
        json!({"lot_id": lot_id, "units": units, "received_on": received_on, "expires_at": expires_at, "order_reference": row.order_reference}),
    );
    book.close(tx).await?;
    view(row, settled)
}

/// `GET /v1/customers/{id}/packs`.
pub async fn list(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &str,
    page: PageQuery,
) -> Result<Page<Pack>, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    ctx.require_customer(customer_id, "customer")?;
    super::customers::ensure_exists(tx, customer_id).await?;
    let limit = page.limit()?;
    let rows = lots::list(tx, customer_id, page.after.as_deref(), i64::from(limit) + 1).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let settled = ledger::settled_by_lots(tx, &ids).await?;
    let settled_of = |id: &str| {
        Units::from_hundredths(
            settled
                .iter()
                .find(|(l, _)| l == id)
                .map(|(_, s)| *s)
                .unwrap_or(0),
        )
    };
    super::paginate(
        rows,
        limit,
        |r| r.id.clone(),
        |r| {
            let s = settled_of(&r.id);
            view(r, s)
        },
    )
}

/// Refuses a sale outside the customer's SecureCall contract, unless agreed otherwise.
fn check_securecall(customer: &CustomerRow, received_on: NaiveDate) -> Result<(), ServiceError> {
    if customer.standalone_agreed {
        return Ok(());
    }
    let window = match (&customer.securecall_starts_on, &customer.securecall_ends_on) {
        (Some(s), Some(e)) => Some((parse_date(s)?, parse_date(e)?)),
        _ => None,
    };
    match window {
        Some((starts, ends)) if starts <= received_on && received_on <= ends => Ok(()),
        Some(_) => Err(ServiceError::conflict(
            "no_active_securecall",
            format!("the customer's SecureCall contract is not active on {received_on}"),
        )),
        None => Err(ServiceError::conflict(
            "no_active_securecall",
            "the customer has no SecureCall contract and no standalone agreement",
        )),
    }
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
pub fn view(row: LotRow, settled: Units) -> Result<Pack, ServiceError> {
    Ok(Pack {
        price: match (row.price_amount, row.price_currency) {
            (Some(amount), Some(currency)) => Some(Price { amount, currency }),
            _ => None,
        },
        id: row.id,
        customer_id: row.customer_id,
        units: Units::from_hundredths(row.units),
        remaining: Units::from_hundredths(row.remaining),
        settled_deficit: settled,
        received_on: parse_date(&row.received_on)?,
        expires_at: from_micros(row.expires_at)?,
        expired: row.expired,
        order_reference: row.order_reference,
        quote_id: row.quote_id,
        created_at: from_micros(row.created_at)?,
    })
}
