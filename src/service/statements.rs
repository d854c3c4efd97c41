//! Monthly statements per customer (SPEC §8): opening, movements per kind, closing —
//! reconciling to the ledger.

use chrono::{Datelike, NaiveDate};

use super::finance::entry_view;
use super::{Ctx, ServiceError, calendars, timeline};
use crate::domain::access::Action;
use crate::domain::ids::CustomerId;
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::dto::ledger::{Statement, StatementLine};
use crate::storage::db::Tx;
use crate::storage::ledger;

/// What [`parse_month`] accepts (the statement's path parameter says the same): a
/// month of the years 1970 to 2999, so the period's bounds are ordinary instants.
pub const MONTH_PATTERN: &str = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$";

/// Parses `YYYY-MM` (years 1970 to 2999).
pub fn parse_month(text: &str) -> Result<NaiveDate, ServiceError> {
    let bad = || ServiceError::invalid("month", "must be YYYY-MM, between 1970-01 and 2999-12");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if !(1970..=2999).contains(&y.parse::<i32>().map_err(|_| bad())?) {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)
}

/// `GET /v1/customers/{id}/statements/{YYYY-MM}`: the month runs from 00:00 local on
/// its first day (exclusive) to 00:00 local on the next month's first day
/// (inclusive), so an expiry at the month's last midnight belongs to it and
/// `closing` equals the balance `as_of` the period end.
pub async fn statement(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    month: &str,
) -> Result<Statement, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    ctx.require_customer(customer_id, "customer")?;
    let first = parse_month(month)?;
    let calendar = calendars::for_customer(tx, customer_id).await?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .ok_or_else(|| ServiceError::invalid("month", "out of range"))?;
    let start = calendar.start_of_day(first);
    let end = calendar.start_of_day(next);
    let opening = timeline::figures_at(tx, customer_id, start).await?.total;
    let rows = ledger::in_period(tx, customer_id, start, end).await?;
    let mut lines: Vec<StatementLine> = EntryKind::ALL
        .iter()
        .map(|k| StatementLine {
            kind: k.as_str().to_string(),
            count: 0,
            units: Units::ZERO,
        })
        .collect();
    for r in &rows {
        if let Some(line) = lines.iter_mut().find(|l| l.kind == r.kind.as_str()) {
            line.count += 1;
            line.units += r.units;
        }
    }
    let sum_of = |k: EntryKind| {
        lines
            .iter()
            .find(|l| l.kind == k.as_str())
            .map(|l| l.units)
            .unwrap_or_default()
    };
    let movements: Units = lines.iter().map(|l| l.units).sum();
    Ok(Statement {
        customer_id: customer_id.to_string(),
        month: first.format("%Y-%m").to_string(),
        period_start: start,
        period_end: end,
        opening,
        grants: sum_of(EntryKind::Grant),
        deficit_settlements: sum_of(EntryKind::DeficitSettlement),
        debits: sum_of(EntryKind::Debit),
        cancellation_debits: sum_of(EntryKind::CancellationDebit),
        deficits: sum_of(EntryKind::Deficit),
        reversals: sum_of(EntryKind::Reversal),
        expiries: sum_of(EntryKind::Expiry),
        closing: opening + movements,
        entries: rows.into_iter().map(entry_view).collect(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_pattern_is_what_the_parser_accepts() {
        let re = regex::Regex::new(MONTH_PATTERN).expect("pattern compiles");
        for m in [
            "2026-12",
            "2026-01",
            "1970-01",
            "1969-12",
            "2999-12",
            "3000-01",
            "0000-01",
            "2026-13",
            "2026-00",
            "2026-1",
            "+202-01",
            "2026-+1",
            "202612",
            "",
            "2026-12-01",
        ] {
            assert_eq!(re.is_match(m), parse_month(m).is_ok(), "disagree on {m:?}");
        }
    }
}
