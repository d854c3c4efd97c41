//! Business calendars: create or replace, read, add and remove holidays.

use std::str::FromStr;

use chrono::NaiveDate;

use super::{Ctx, Problems, ServiceError};
use crate::domain::access::Action;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::ids::CalendarId;
use crate::dto::calendars::{Calendar, CalendarInput};
use crate::dto::validate;
use crate::storage::calendars as store;
use crate::storage::db::{Tx, from_micros, parse_date, to_micros};

/// Parses an IANA zone name, refusing anything the tz database does not know.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    chrono_tz::Tz::from_str(name).map_err(|_| format!("{name:?} is not an IANA time zone name"))
}

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
    if let Err(ServiceError::Validation(errors)) = validate(&input) {
        for (field, messages) in errors {
            for m in messages {
                problems.add(&field, m);
            }
        }
    }
    problems.check("timezone", parse_timezone(&input.timezone));
    problems.finish()?;
    let id = id.ok_or(ServiceError::NotFound("calendar"))?;
    let created = store::upsert(
        tx,
        id.as_str(),
        input.name.trim(),
        &input.timezone,
        to_micros(ctx.now),
    )
    .await?;
    if let Some(days) = &input.holidays {
        store::replace_holidays(tx, id.as_str(), days).await?;
    }
    let calendar = load(tx, id.as_str()).await?;
    Ok((created, calendar))
}

/// `GET /v1/calendars/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Calendar, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let id = calendar_id(id)?;
    load(tx, id.as_str()).await
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
    store::add_holiday(
        tx,
        id.as_str(),
        &day.format("%Y-%m-%d").to_string(),
        to_micros(ctx.now),
    )
    .await?;
    load(tx, id.as_str()).await
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
    if !store::remove_holiday(
        tx,
        id.as_str(),
        &day.format("%Y-%m-%d").to_string(),
        to_micros(ctx.now),
    )
    .await?
    {
        return Err(ServiceError::NotFound("holiday"));
    }
    load(tx, id.as_str()).await
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
    if !store::lock(tx, id.as_str()).await? {
        return Err(ServiceError::NotFound("calendar"));
    }
    Ok((id, day))
}

/// Reads a calendar with its holidays.
pub async fn load(tx: &mut Tx, id: &str) -> Result<Calendar, ServiceError> {
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("calendar"))?;
    let holidays = store::holidays(tx, id)
        .await?
        .iter()
        .map(|d| parse_date(d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Calendar {
        id: row.id,
        name: row.name,
        timezone: row.timezone,
        holidays,
        created_at: from_micros(row.created_at)?,
        updated_at: from_micros(row.updated_at)?,
    })
}

/// The business calendar a customer's deadlines and prices are computed in (one query:
/// it is on the path of every session action).
pub async fn for_customer(
    tx: &mut Tx,
    customer_id: &str,
) -> Result<BusinessCalendar, ServiceError> {
    let rows = store::for_customer(tx, customer_id).await?;
    let Some((timezone, _)) = rows.first() else {
        return Err(ServiceError::NotFound("customer"));
    };
    build(timezone, rows.iter().filter_map(|(_, day)| day.as_deref()))
}

/// Loads a calendar as the domain type.
pub async fn business_calendar(
    tx: &mut Tx,
    calendar_id: &str,
) -> Result<BusinessCalendar, ServiceError> {
    let row = store::get(tx, calendar_id)
        .await?
        .ok_or(ServiceError::NotFound("calendar"))?;
    let days = store::holidays(tx, calendar_id).await?;
    build(&row.timezone, days.iter().map(String::as_str))
}

fn build<'a>(
    timezone: &str,
    days: impl Iterator<Item = &'a str>,
) -> Result<BusinessCalendar, ServiceError> {
    let tz = parse_timezone(timezone)
        .map_err(|e| ServiceError::Store(crate::storage::db::StoreError::Corrupt(e)))?;
    let holidays = days.map(parse_date).collect::<Result<Vec<_>, _>>()?;
    Ok(BusinessCalendar::new(tz, holidays))
}
