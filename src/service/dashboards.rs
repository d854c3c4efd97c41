//! What people see at a glance (SPEC §12): read models for the console's screens,
//! built from the same storage and the same access rules as the API.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Ctx, ServiceError, calendars, quotes, requests, sessions, sows};
use crate::domain::access::Action;
use crate::domain::deadline::is_late_cancellation;
use crate::domain::ids::CustomerId;
use crate::domain::pricing::price_session;
use crate::domain::quote::QuoteStatus;
use crate::domain::request::RequestStatus;
use crate::domain::session::{SessionStatus, check_interval};
use crate::domain::sow::SowStatus;
use crate::domain::units::Units;
use crate::dto::ledger::ExpiringQuery;
use crate::dto::quotes::Quote;
use crate::dto::work::{Request, Session, Sow};
use crate::storage::db::Tx;
use crate::storage::{accounts, customers, quotes as quote_store, requests as request_store};
use crate::storage::{sessions as session_store, sows as sow_store};

/// Rows per list on a screen.
const SCREEN: i64 = 200;

/// One customer's figures on the account manager's screen.
#[derive(Debug, Serialize)]
pub struct CustomerFigures {
    /// Customer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Posted balance.
    pub total: Units,
    /// Reserved for SoWs.
    pub reserved: Units,
    /// `total − reserved`.
    pub available: Units,
    /// Outstanding deficit.
    pub deficit: Units,
}

/// The account manager's (and finance's) overview.
#[derive(Debug, Serialize)]
pub struct Portfolio {
    /// Customers with their figures.
    pub customers: Vec<CustomerFigures>,
    /// Lots with units left expiring in the next 90 days.
    pub expiring: crate::dto::ledger::ExpiringReport,
    /// Open quotes, soonest deadline first.
    pub open_quotes: Vec<Quote>,
}

/// Customers, their balances, units expiring within 90 days and open quotes.
pub async fn portfolio(tx: &mut Tx, ctx: &Ctx) -> Result<Portfolio, ServiceError> {
    ctx.require(Action::ExportFinance)?;
    let rows = customers::list(tx, None, SCREEN, None).await?;
    let ids: Vec<CustomerId> = rows.iter().map(|r| r.id.clone()).collect();
    let accounts = accounts::of_customers(tx, &ids).await?;
    let customers = rows
        .into_iter()
        .map(|r| {
            let a = accounts.iter().find(|a| a.customer_id == r.id);
            let total = a.map_or(Units::ZERO, |a| a.total);
            let reserved = a.map_or(Units::ZERO, |a| a.reserved);
            CustomerFigures {
                id: r.id.into_string(),
                name: r.name,
                total,
                reserved,
                available: total - reserved,
                deficit: a.map_or(Units::ZERO, |a| a.deficit),
            }
        })
        .collect();
    let expiring = super::finance::expiring(
        tx,
        ctx,
        ExpiringQuery {
            within_days: Some(90),
            customer_id: None,
        },
    )
    .await?;
    let open_quotes = quote_store::in_status(tx, QuoteStatus::Open, None, SCREEN)
        .await?
        .into_iter()
        .map(quotes::view)
        .collect();
    Ok(Portfolio {
        customers,
        expiring,
        open_quotes,
    })
}

/// The SOC's overview.
#[derive(Debug, Serialize)]
pub struct SocDesk {
    /// Open requests with their SLA clocks, oldest first.
    pub requests: Vec<Request>,
    /// Drafts and submitted SoWs.
    pub drafts: Vec<Sow>,
    /// Active SoWs (sessions can be booked on them).
    pub active: Vec<Sow>,
    /// Sessions of the week, by start.
    pub week: Vec<Session>,
    /// First instant of the week shown.
    pub week_start: DateTime<Utc>,
    /// Complaints waiting for a decision.
    pub complaints: Vec<Session>,
}

/// Open requests, SoWs in progress, the week's sessions (from `week_start`) and open
/// complaints.
pub async fn soc_desk(
    tx: &mut Tx,
    ctx: &Ctx,
    week_start: DateTime<Utc>,
) -> Result<SocDesk, ServiceError> {
    ctx.require(Action::RunWork)?;
    let requests = request_store::in_status(tx, RequestStatus::Open, None, SCREEN)
        .await?
        .into_iter()
        .map(requests::view)
        .collect();
    let mut drafts = Vec::new();
    for status in [SowStatus::Draft, SowStatus::Submitted] {
        drafts.extend(
            sow_store::in_status(tx, status, None, SCREEN)
                .await?
                .into_iter()
                .map(sows::view),
        );
    }
    let active = sow_store::in_status(tx, SowStatus::Active, None, SCREEN)
        .await?
        .into_iter()
        .map(sows::view)
        .collect();
    let rows = session_store::starting_between(
        tx,
        week_start,
        week_start + Duration::days(7),
        None,
        SCREEN,
    )
    .await?;
    let week = with_calendars(tx, rows).await?;
    let disputed = session_store::in_status(tx, SessionStatus::Disputed, None, SCREEN).await?;
    let complaints = with_calendars(tx, disputed).await?;
    Ok(SocDesk {
        requests,
        drafts,
        active,
        week,
        week_start,
        complaints,
    })
}

async fn with_calendars(
    tx: &mut Tx,
    rows: Vec<crate::storage::sessions::SessionRow>,
) -> Result<Vec<Session>, ServiceError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut cache: Vec<(CustomerId, crate::domain::calendar::BusinessCalendar)> = Vec::new();
    for row in rows {
        let cal = match cache.iter().find(|(c, _)| *c == row.customer_id) {
            Some((_, cal)) => cal.clone(),
            None => {
                let cal = calendars::for_customer(tx, &row.customer_id).await?;
                cache.push((row.customer_id.clone(), cal.clone()));
                cal
            }
        };
        out.push(sessions::view(row, &cal));
    }
    Ok(out)
}

/// A customer's overview.
#[derive(Debug, Serialize)]
pub struct CustomerDesk {
    /// SoWs waiting for approval, with what approving reserves.
    pub to_approve: Vec<Sow>,
    /// SoWs in force.
    pub active: Vec<Sow>,
    /// Delivered sessions waiting for acceptance, with their deadlines.
    pub to_accept: Vec<Session>,
    /// Sessions to come.
    pub upcoming: Vec<Session>,
}

/// What waits for the customer: approvals and acceptances.
pub async fn customer_desk(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: &CustomerId,
) -> Result<CustomerDesk, ServiceError> {
    ctx.require(Action::ReadWork)?;
    ctx.require_customer(customer_id, "customer")?;
    let to_approve = sow_store::in_status(tx, SowStatus::Submitted, Some(customer_id), SCREEN)
        .await?
        .into_iter()
        .map(sows::view)
        .collect();
    let mut active = Vec::new();
    for status in [SowStatus::Active, SowStatus::AwaitingUnits] {
        active.extend(
            sow_store::in_status(tx, status, Some(customer_id), SCREEN)
                .await?
                .into_iter()
                .map(sows::view),
        );
    }
    let delivered =
        session_store::in_status(tx, SessionStatus::Delivered, Some(customer_id), SCREEN).await?;
    let to_accept = with_calendars(tx, delivered).await?;
    let scheduled =
        session_store::in_status(tx, SessionStatus::Scheduled, Some(customer_id), SCREEN).await?;
    let upcoming = with_calendars(tx, scheduled).await?;
    Ok(CustomerDesk {
        to_approve,
        active,
        to_accept,
        upcoming,
    })
}

/// What an action on a session would cost, shown before it is confirmed.
#[derive(Debug, Serialize)]
pub struct PricePreview {
    /// Minutes.
    pub duration_minutes: i64,
    /// Billable hours.
    pub billable_hours: i64,
    /// Units that would be charged.
    pub units: Units,
    /// For a cancellation: whether it would be late (charged).
    pub late: bool,
}

/// The price of delivering a session with these actual times (§3), computed by the
/// same rule the delivery applies.
pub async fn preview_delivery(
    tx: &mut Tx,
    ctx: &Ctx,
    session_id: &crate::domain::ids::SessionId,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> Result<PricePreview, ServiceError> {
    ctx.require(Action::RunWork)?;
    check_interval(started, ended).map_err(|e| ServiceError::invalid("ended_at", e))?;
    let (session, sow, cal) = load(tx, ctx, session_id).await?;
    let _ = session;
    let price = price_session(&cal, &sows::terms(&sow)?, started, ended)
        .map_err(|e| ServiceError::invalid("ended_at", e.to_string()))?;
    Ok(PricePreview {
        duration_minutes: price.duration_minutes,
        billable_hours: price.billable_hours,
        units: price.units,
        late: false,
    })
}

/// What cancelling a session now would cost: free before the late threshold, the
/// scheduled price at or after it.
pub async fn preview_cancellation(
    tx: &mut Tx,
    ctx: &Ctx,
    session_id: &crate::domain::ids::SessionId,
) -> Result<PricePreview, ServiceError> {
    ctx.require(Action::CancelSession)?;
    let (session, sow, cal) = load(tx, ctx, session_id).await?;
    let late = is_late_cancellation(&cal, session.starts_at, ctx.now);
    let price = price_session(
        &cal,
        &sows::terms(&sow)?,
        session.starts_at,
        session.ends_at,
    )
    .map_err(|e| ServiceError::invalid("ends_at", e.to_string()))?;
    Ok(PricePreview {
        duration_minutes: price.duration_minutes,
        billable_hours: price.billable_hours,
        units: if late { price.units } else { Units::ZERO },
        late,
    })
}

async fn load(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &crate::domain::ids::SessionId,
) -> Result<
    (
        crate::storage::sessions::SessionRow,
        crate::storage::sows::SowRow,
        crate::domain::calendar::BusinessCalendar,
    ),
    ServiceError,
> {
    let session = session_store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    ctx.require_customer(&session.customer_id, "session")?;
    let sow = sow_store::get(tx, &session.sow_id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    let cal = calendars::for_customer(tx, &session.customer_id).await?;
    Ok((session, sow, cal))
}
