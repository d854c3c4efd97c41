//! Business calendars: create or replace, read, add and remove holidays.

use chrono::NaiveDate;

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::calendar::{BusinessCalendar, parse_timezone};
use crate::domain::ids::{CalendarId, CustomerId};
use crate::dto::calendars::{Calendar, CalendarInput};
use crate::storage::calendars as store;
use crate::storage::db::{StoreError, Tx};
use crate::validation::{Problems, validate};

/// Parses a calendar id from a path, as a 404 when it cannot exist.
pub fn calendar_id(raw: &str) -> Result<CalendarId, ServiceError> {
    CalendarId::parse(raw).map_err(|_| ServiceError::NotFound("calendar"))
}

/// `PUT /v1/calendars/{id}`: creates or replaces; returns whether it was created.
pub async fn put(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: CalendarInput,
) -> Result<(bool, Calendar), ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let mut problems = Problems::default();
    let id = problems.check("id", CalendarId::parse(id));
    problems.absorb(validate(&input));
    problems.check("timezone", parse_timezone(&input.timezone));
    problems.finish()?;
    let id = id.ok_or(ServiceError::NotFound("calendar"))?;
    let created = store::upsert(tx, &id, input.name.trim(), &input.timezone, ctx.now).await?;
    if let Some(days) = &input.holidays {
        store::replace_holidays(tx, &id, days).await?;
    }
    let calendar = load(tx, &id).await?;
    super::audit::done(tx, ctx, AuditAction::CalendarSaved, (created, calendar)).await
}

/// `GET /v1/calendars/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Calendar, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let id = calendar_id(id)?;
    load(tx, &id).await
}

/// `PUT /v1/calendars/{id}/holidays/{date}`: adds a holiday (idempotent).
pub async fn add_holiday(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    date: &str,
) -> Result<Calendar, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let (id, day) = holiday_target(tx, id, date).await?;
    store::add_holiday(tx, &id, day, ctx.now).await?;
    let done = load(tx, &id).await?;
    super::audit::done(tx, ctx, AuditAction::HolidayAdded, done).await
}

/// `DELETE /v1/calendars/{id}/holidays/{date}`: removes a holiday (404 when absent).
pub async fn remove_holiday(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    date: &str,
) -> Result<Calendar, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let (id, day) = holiday_target(tx, id, date).await?;
    if !store::remove_holiday(tx, &id, day, ctx.now).await? {
        return Err(ServiceError::NotFound("holiday"));
    }
    let done = load(tx, &id).await?;
    super::audit::done(tx, ctx, AuditAction::HolidayRemoved, done).await
}

async fn holiday_target(
    tx: &mut Tx,
    id: &str,
    date: &str,
) -> Result<(CalendarId, NaiveDate), ServiceError> {
    let id = calendar_id(id)?;
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| ServiceError::invalid("date", "must be a date YYYY-MM-DD"))?;
    if !store::lock(tx, &id).await? {
        return Err(ServiceError::NotFound("calendar"));
    }
    Ok((id, day))
}

/// Reads a calendar with its holidays.
pub async fn load(tx: &mut Tx, id: &CalendarId) -> Result<Calendar, ServiceError> {
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("calendar"))?;
    let holidays = store::holidays(tx, id).await?;
    Ok(Calendar {
        id: row.id.as_str().to_string(),
        name: row.name,
        timezone: row.timezone,
        holidays,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The business calendar a customer's deadlines and prices are computed in (one query:
/// it is on the path of every session action).
pub async fn for_customer(
    tx: &mut Tx,
    customer_id: &CustomerId,
) -> Result<BusinessCalendar, ServiceError> {
    let rows = store::for_customer(tx, customer_id).await?;
    let Some(first) = rows.first() else {
        return Err(ServiceError::NotFound("customer"));
    };
    build(&first.timezone, rows.iter().filter_map(|r| r.day))
}

/// Loads a calendar as the domain type.
pub async fn business_calendar(
    tx: &mut Tx,
    calendar_id: &CalendarId,
) -> Result<BusinessCalendar, ServiceError> {
    let row = store::get(tx, calendar_id)
        .await?
        .ok_or(ServiceError::NotFound("calendar"))?;
    let days = store::holidays(tx, calendar_id).await?;
    build(&row.timezone, days)
}

/// The business calendar of a zone name and holidays as stored.
pub fn build(
    timezone: &str,
    days: impl IntoIterator<Item = NaiveDate>,
) -> Result<BusinessCalendar, ServiceError> {
    let tz = parse_timezone(timezone).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(BusinessCalendar::new(tz, days))
}
