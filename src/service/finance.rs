//! Reads for account managers, customers and finance systems: balances (maintained,
//! or recomputed `as_of`), the ledger and events feeds, monthly statements and the
//! expiring-units report.

use chrono::{DateTime, Duration, Utc};

use super::{Ctx, ServiceError, timeline};
use crate::domain::access::Action;
use crate::domain::ids::{CustomerId, SessionId};
use crate::domain::ledger::EntryKind;
use crate::dto::ledger::{
    Balance, BalanceLot, Entry, EntryPage, Event, EventPage, EventQuery, ExpiringLot,
    ExpiringQuery, ExpiringReport, LedgerQuery,
};
use crate::storage::db::{Db, Reader, Tx};
use crate::storage::events::{self, EventRow};
use crate::storage::ledger::{self, EntryFilter, EntryRow};
use crate::storage::{accounts, lots};

/// The balance as the account maintains it, with its live lots.
fn maintained(ctx: &Ctx, account: &AccountFigures, lots: Vec<BalanceLot>) -> Balance {
    Balance {
        customer_id: account.customer_id.to_string(),
        total: account.total,
        reserved: account.reserved,
        available: account.total - account.reserved,
        deficit: account.deficit,
        lots,
        as_of: ctx.now,
    }
}

/// The figures [`maintained`] reads, whichever statement fetched them.
struct AccountFigures {
    customer_id: CustomerId,
    total: crate::domain::units::Units,
    reserved: crate::domain::units::Units,
    deficit: crate::domain::units::Units,
}

/// `GET /v1/customers/{id}/balance` without `as_of`: the maintained figures and live lots
/// in one statement, no transaction (one round trip; what finance systems poll).
pub async fn balance_now(
    db: &Db,
    ctx: &Ctx,
    customer_id: &CustomerId,
) -> Result<Balance, ServiceError> {
    ctx.require(Action::ReadBalance)?;
    ctx.require_customer(customer_id, "customer")?;
    let rows = accounts::balance_now(db, customer_id).await?;
    let first = rows.first().ok_or(ServiceError::NotFound("customer"))?;
    let account = AccountFigures {
        customer_id: first.customer_id.clone(),
        total: first.total,
        reserved: first.reserved,
        deficit: first.deficit,
    };
    let lots = rows
        .into_iter()
        .filter_map(|r| {
            Some(BalanceLot {
                id: r.lot_id?.into_string(),
                remaining: r.remaining?,
                expires_at: r.expires_at?,
                received_on: r.received_on?,
            })
        })
        .collect();
    Ok(maintained(ctx, &account, lots))
}

/// `GET /v1/customers/{id}/balance[?as_of=]`. Without `as_of` it reads the maintained
/// figures and the live lots; with it, the effective timeline from the newest
/// checkpoint before the instant — neither cost grows with the number of entries.
pub async fn balance(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
    as_of: Option<DateTime<Utc>>,
) -> Result<Balance, ServiceError> {
    ctx.require(Action::ReadBalance)?;
    ctx.require_customer(customer_id, "customer")?;
    let account = accounts::get(tx, customer_id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let Some(at) = as_of else {
        let rows = lots::live_for_customer(tx, customer_id).await?;
        let lots = rows
            .into_iter()
            .map(|l| BalanceLot {
                remaining: l.remaining,
                expires_at: l.expires_at,
                received_on: l.received_on,
                id: l.id.into_string(),
            })
            .collect();
        let figures = AccountFigures {
            customer_id: account.customer_id.clone(),
            total: account.total,
            reserved: account.reserved,
            deficit: account.deficit,
        };
        return Ok(maintained(ctx, &figures, lots));
    };
    let b = timeline::balance(tx, customer_id, at).await?;
    Ok(Balance {
        customer_id: customer_id.to_string(),
        total: b.total,
        reserved: b.reserved,
        available: b.available,
        deficit: b.deficit,
        lots: b
            .lots
            .into_iter()
            .map(|l| BalanceLot {
                id: l.lot.id.into_string(),
                remaining: l.remaining,
                expires_at: l.lot.expires_at,
                received_on: l.lot.received_on,
            })
            .collect(),
        as_of: at,
    })
}

/// Parses a feed cursor (a seq number; absent = from the start).
pub fn parse_cursor(after: Option<&str>) -> Result<i64, ServiceError> {
    match after {
        None | Some("") => Ok(0),
        Some(text) => Some(text)
            .filter(|t| t.len() <= 18 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| {
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
    let kind = match &query.kind {
        None => None,
        Some(text) => Some(EntryKind::parse(text).ok_or_else(|| {
            let kinds: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
            ServiceError::invalid("kind", format!("must be one of {}", kinds.join(", ")))
        })?),
    };
    let asked = query.customer_id.as_deref().map(CustomerId::from);
    Ok(EntryFilter {
        customer_id: ctx.list_scope(asked.as_ref())?,
        kind,
        session_id: query.session_id.as_deref().map(SessionId::from),
        after,
    })
}

/// `GET /v1/ledger` as JSON: one statement, so it runs in the caller's transaction or
/// on its own.
pub async fn ledger_page(
    reader: &mut impl Reader,
    ctx: &Ctx,
    query: LedgerQuery,
) -> Result<EntryPage, ServiceError> {
    ctx.require(Action::ReadAccount)?;
    let filter = ledger_filter(ctx, &query)?;
    let limit = feed_limit(query.limit)?;
    let rows = ledger::list(reader, &filter, i64::from(limit)).await?;
    let next = rows.last().and_then(|r| r.seq).unwrap_or(filter.after);
    let data = rows.into_iter().map(entry_view).collect();
    Ok(EntryPage {
        data,
        next_cursor: (next > 0).then(|| next.to_string()),
    })
}

/// The wire view of an entry.
pub fn entry_view(row: EntryRow) -> Entry {
    Entry {
        seq: row.seq.unwrap_or_default(),
        kind: row.kind.as_str().to_string(),
        customer_id: row.customer_id.into_string(),
        lot_id: row.lot_id.map(|l| l.into_string()),
        units: row.units.to_string(),
        balance_after: row.balance_after.to_string(),
        effective_at: row.effective_at,
        recorded_at: row.recorded_at,
        actor: (&row
            .actor_record
            .clone()
            .unwrap_or_else(|| crate::domain::identity::Actor::legacy(&row.actor)))
            .into(),
        session_id: row.session_id.map(|s| s.into_string()),
        sow_id: row.sow_id.map(|s| s.into_string()),
        quote_id: row.quote_id.map(|q| q.into_string()),
        reverses_seq: row.reverses_seq,
        settles_seq: row.settles_seq,
    }
}

/// `GET /v1/events`: one statement, in the caller's transaction or on its own.
pub async fn events_page(
    reader: &mut impl Reader,
    ctx: &Ctx,
    query: EventQuery,
) -> Result<EventPage, ServiceError> {
    ctx.require(Action::ExportFinance)?;
    let after = parse_cursor(query.after.as_deref())?;
    let limit = feed_limit(query.limit)?;
    let asked = query.customer_id.as_deref().map(CustomerId::from);
    let customer = ctx.list_scope(asked.as_ref())?;
    let rows = events::list(reader, after, customer.as_ref(), i64::from(limit)).await?;
    let next = rows.last().map(|r| r.seq).unwrap_or(after);
    let data = rows.into_iter().map(event_view).collect();
    Ok(EventPage {
        data,
        next_cursor: (next > 0).then(|| next.to_string()),
    })
}

fn event_view(row: EventRow) -> Event {
    Event {
        seq: row.seq,
        kind: row.kind,
        customer_id: row.customer_id.map(|c| c.into_string()),
        subject_id: row.subject_id,
        occurred_at: row.occurred_at,
        recorded_at: row.recorded_at,
        data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
    }
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
    let asked = query.customer_id.as_deref().map(CustomerId::from);
    let customer = ctx.list_scope(asked.as_ref())?;
    let rows = lots::expiring(tx, ctx.now, until, customer.as_ref()).await?;
    let lots: Vec<ExpiringLot> = rows
        .into_iter()
        .map(|l| ExpiringLot {
            remaining: l.remaining,
            expires_at: l.expires_at,
            received_on: l.received_on,
            lot_id: l.id.into_string(),
            customer_id: l.customer_id.into_string(),
        })
        .collect();
    Ok(ExpiringReport {
        as_of: ctx.now,
        until,
        within_days: days,
        total_units: lots.iter().map(|l| l.remaining).sum(),
        lots,
    })
}
