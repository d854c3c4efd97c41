//! Reads for account managers, customers and finance systems: balances (maintained,
//! or recomputed `as_of`), the ledger and events feeds, monthly statements and the
//! expiring-units report.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::{Ctx, ServiceError, calendars};
use crate::domain::access::Action;
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::dto::ledger::{
    Balance, BalanceLot, Entry, EntryPage, Event, EventPage, EventQuery, ExpiringLot,
    ExpiringQuery, ExpiringReport, LedgerQuery, Statement, StatementLine,
};
use crate::storage::db::{Tx, from_micros, parse_date, to_micros};
use crate::storage::events::{self, EventRow};
use crate::storage::ledger::{self, EntryFilter, EntryRow};
use crate::storage::{accounts, lots};

/// `GET /v1/customers/{id}/balance[?as_of=]`. Without `as_of` it reads the maintained
/// figures and the live lots — its cost does not grow with the number of entries.
pub async fn balance(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &str,
    as_of: Option<DateTime<Utc>>,
) -> Result<Balance, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    ctx.require_customer(customer_id, "customer")?;
    let account = accounts::get(tx, customer_id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let Some(at) = as_of else {
        let rows = lots::live_for_customer(tx, customer_id).await?;
        let lots = rows
            .into_iter()
            .map(|l| {
                Ok(BalanceLot {
                    remaining: Units::from_hundredths(l.remaining),
                    expires_at: from_micros(l.expires_at)?,
                    received_on: parse_date(&l.received_on)?,
                    id: l.id,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let total = Units::from_hundredths(account.total);
        let reserved = Units::from_hundredths(account.reserved);
        return Ok(Balance {
            customer_id: customer_id.to_string(),
            total,
            reserved,
            available: total - reserved,
            deficit: Units::from_hundredths(account.deficit),
            lots,
            as_of: ctx.now,
        });
    };
    let at_micros = to_micros(at);
    let total = Units::from_hundredths(ledger::total_as_of(tx, customer_id, at_micros).await?);
    let reserved =
        Units::from_hundredths(ledger::reserved_as_of(tx, customer_id, at_micros).await?);
    let deficit = Units::from_hundredths(ledger::deficit_as_of(tx, customer_id, at_micros).await?);
    let sums = ledger::lots_as_of(tx, customer_id, at_micros).await?;
    let ids: Vec<String> = sums.iter().map(|(id, _)| id.clone()).collect();
    let rows = lots::by_ids(tx, &ids).await?;
    let mut lots = Vec::new();
    for row in rows {
        let expires_at = from_micros(row.expires_at)?;
        if expires_at <= at {
            continue;
        }
        let remaining = sums
            .iter()
            .find(|(id, _)| *id == row.id)
            .map(|(_, r)| *r)
            .unwrap_or(0);
        lots.push(BalanceLot {
            id: row.id,
            remaining: Units::from_hundredths(remaining),
            expires_at,
            received_on: parse_date(&row.received_on)?,
        });
    }
    lots.sort_by(|a, b| {
        (a.expires_at, a.received_on, &a.id).cmp(&(b.expires_at, b.received_on, &b.id))
    });
    Ok(Balance {
        customer_id: customer_id.to_string(),
        total,
        reserved,
        available: total - reserved,
        deficit,
        lots,
        as_of: at,
    })
}

/// Parses a feed cursor (a seq number; absent = from the start).
pub fn parse_cursor(after: Option<&str>) -> Result<i64, ServiceError> {
    match after {
        None | Some("") => Ok(0),
        Some(text) => text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ServiceError::invalid("after", "must be a cursor returned as next_cursor")
        }),
    }
}

fn feed_limit(limit: Option<u32>) -> Result<u32, ServiceError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n),
        Some(_) => Err(ServiceError::invalid("limit", "must be between 1 and 1000")),
    }
}

/// Checks the ledger query and applies the caller's scope: a customer sees only its
/// own entries (another customer's id is a 404).
pub fn ledger_filter(ctx: &Ctx, query: &LedgerQuery) -> Result<EntryFilter, ServiceError> {
    let after = parse_cursor(query.after.as_deref())?;
    if let Some(kind) = &query.kind
        && EntryKind::parse(kind).is_none()
    {
        {
            let kinds: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(ServiceError::invalid(
                "kind",
                format!("must be one of {}", kinds.join(", ")),
            ));
        }
    }
    let customer_id = match (ctx.principal.customer_scope(), &query.customer_id) {
        (Some(own), Some(asked)) if own != asked => return Err(ServiceError::NotFound("customer")),
        (Some(own), _) => Some(own.to_string()),
        (None, asked) => asked.clone(),
    };
    Ok(EntryFilter {
        customer_id,
        kind: query.kind.clone(),
        session_id: query.session_id.clone(),
        after,
    })
}

/// `GET /v1/ledger` as JSON.
pub async fn ledger_page(
    tx: &mut Tx,
    ctx: &Ctx,
    query: LedgerQuery,
) -> Result<EntryPage, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    let filter = ledger_filter(ctx, &query)?;
    let limit = feed_limit(query.limit)?;
    let rows = ledger::list(tx, &filter, i64::from(limit)).await?;
    let next = rows.last().map(|r| r.seq).unwrap_or(filter.after);
    let data = rows
        .into_iter()
        .map(entry_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EntryPage {
        data,
        next_cursor: (next > 0).then(|| next.to_string()),
    })
}

/// The wire view of an entry.
pub fn entry_view(row: EntryRow) -> Result<Entry, ServiceError> {
    Ok(Entry {
        seq: row.seq,
        kind: row.kind,
        customer_id: row.customer_id,
        lot_id: row.lot_id,
        units: Units::from_hundredths(row.units).to_string(),
        balance_after: Units::from_hundredths(row.balance_after).to_string(),
        effective_at: from_micros(row.effective_at)?,
        recorded_at: from_micros(row.recorded_at)?,
        actor: row.actor,
        session_id: row.session_id,
        sow_id: row.sow_id,
        quote_id: row.quote_id,
        reverses_seq: row.reverses_seq,
        settles_seq: row.settles_seq,
    })
}

/// `GET /v1/events`.
pub async fn events_page(
    tx: &mut Tx,
    ctx: &Ctx,
    query: EventQuery,
) -> Result<EventPage, ServiceError> {
    ctx.require(Action::ExportFinance)?;
    let after = parse_cursor(query.after.as_deref())?;
    let limit = feed_limit(query.limit)?;
    let rows = events::list(tx, after, query.customer_id.as_deref(), i64::from(limit)).await?;
    let next = rows.last().map(|r| r.seq).unwrap_or(after);
    let data = rows
        .into_iter()
        .map(event_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EventPage {
        data,
        next_cursor: (next > 0).then(|| next.to_string()),
    })
}

fn event_view(row: EventRow) -> Result<Event, ServiceError> {
    Ok(Event {
        seq: row.seq,
        kind: row.kind,
        customer_id: row.customer_id,
        subject_id: row.subject_id,
        occurred_at: from_micros(row.occurred_at)?,
        recorded_at: from_micros(row.recorded_at)?,
        data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
    })
}

/// Parses `YYYY-MM`.
pub fn parse_month(text: &str) -> Result<NaiveDate, ServiceError> {
    let bad = || ServiceError::invalid("month", "must be YYYY-MM");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
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
    customer_id: &str,
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
    let opening =
        Units::from_hundredths(ledger::total_as_of(tx, customer_id, to_micros(start)).await?);
    let rows = ledger::in_period(tx, customer_id, to_micros(start), to_micros(end)).await?;
    let mut lines: Vec<StatementLine> = EntryKind::ALL
        .iter()
        .map(|k| StatementLine {
            kind: k.as_str().to_string(),
            count: 0,
            units: Units::ZERO,
        })
        .collect();
    for r in &rows {
        if let Some(line) = lines.iter_mut().find(|l| l.kind == r.kind) {
            line.count += 1;
            line.units += Units::from_hundredths(r.units);
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
        entries: rows
            .into_iter()
            .map(entry_view)
            .collect::<Result<Vec<_>, _>>()?,
        lines,
    })
}

/// `GET /v1/reports/expiring?within_days=`.
pub async fn expiring(
    tx: &mut Tx,
    ctx: &Ctx,
    query: ExpiringQuery,
) -> Result<ExpiringReport, ServiceError> {
    ctx.require(Action::ExportFinance)?;
    let days = match query.within_days {
        None => 30,
        Some(n) if (1..=366).contains(&n) => n,
        Some(_) => {
            return Err(ServiceError::invalid(
                "within_days",
                "must be between 1 and 366",
            ));
        }
    };
    let until = ctx.now + Duration::days(i64::from(days));
    let rows = lots::expiring(
        tx,
        to_micros(ctx.now),
        to_micros(until),
        query.customer_id.as_deref(),
    )
    .await?;
    let lots = rows
        .into_iter()
        .map(|l| {
            Ok(ExpiringLot {
                remaining: Units::from_hundredths(l.remaining),
                expires_at: from_micros(l.expires_at)?,
                received_on: parse_date(&l.received_on)?,
                lot_id: l.id,
                customer_id: l.customer_id,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(ExpiringReport {
        as_of: ctx.now,
        until,
        within_days: days,
        total_units: lots.iter().map(|l| l.remaining).sum(),
        lots,
    })
}
