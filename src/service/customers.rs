//! Customers: create, list, read, patch.

use super::{Ctx, ServiceError, ids};
use crate::domain::access::Action;
use crate::domain::ids::{CalendarId, CustomerId};
use crate::dto::customers::{Customer, CustomerInput, CustomerPatch, SecureCall};
use crate::dto::{Page, PageQuery};
use crate::storage::calendars;
use crate::storage::customers::{self as store, CustomerRow};
use crate::storage::db::Tx;
use crate::validation::{Problems, validate};

/// `POST /v1/customers`.
pub async fn create(
    tx: &mut Tx,
    ctx: &Ctx,
    input: CustomerInput,
) -> Result<Customer, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    check_securecall(&mut problems, input.securecall.as_ref());
    let calendar_id = check_calendar(tx, &mut problems, &input.calendar_id).await?;
    problems.finish()?;
    let calendar_id = calendar_id.ok_or(ServiceError::NotFound("calendar"))?;
    let now = ctx.now;
    let row = CustomerRow {
        id: ids::customer(),
        name: input.name.trim().to_string(),
        calendar_id,
        securecall_reference: input
            .securecall
            .as_ref()
            .map(|s| s.reference.trim().to_string()),
        securecall_starts_on: input.securecall.as_ref().map(|s| s.starts_on),
        securecall_ends_on: input.securecall.as_ref().map(|s| s.ends_on),
        standalone_agreed: input.standalone_agreed,
        created_at: now,
        updated_at: now,
    };
    store::insert(tx, &row).await?;
    view(row)
}

/// `GET /v1/customers/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &CustomerId) -> Result<Customer, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    ctx.require_customer(id, "customer")?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    view(row)
}

/// `GET /v1/customers`: keyset pagination on the id (creation order).
pub async fn list(tx: &mut Tx, ctx: &Ctx, page: PageQuery) -> Result<Page<Customer>, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    let limit = page.limit()?;
    let scope = ctx.list_scope(None)?;
    let rows = store::list(
        tx,
        page.after.as_deref(),
        i64::from(limit) + 1,
        scope.as_ref(),
    )
    .await?;
    super::paginate(rows, limit, |r| r.id.to_string(), view)
}

/// `PATCH /v1/customers/{id}`: JSON merge patch of the editable fields.
pub async fn patch(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &CustomerId,
    patch: CustomerPatch,
) -> Result<Customer, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    ctx.require_customer(id, "customer")?;
    let mut row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let mut problems = Problems::default();
    problems.absorb(validate(&patch));
    if let Some(Some(sc)) = &patch.securecall {
        problems.absorb(validate(sc).map_err(|e| e.prefixed("securecall")));
        check_securecall(&mut problems, Some(sc));
    }
    let calendar_id = match &patch.calendar_id {
        Some(cal) => check_calendar(tx, &mut problems, cal).await?,
        None => None,
    };
    problems.finish()?;
    if let Some(name) = patch.name {
        row.name = name.trim().to_string();
    }
    if let Some(cal) = calendar_id {
        row.calendar_id = cal;
    }
    if let Some(sc) = patch.securecall {
        row.securecall_reference = sc.as_ref().map(|s| s.reference.trim().to_string());
        row.securecall_starts_on = sc.as_ref().map(|s| s.starts_on);
        row.securecall_ends_on = sc.as_ref().map(|s| s.ends_on);
    }
    if let Some(flag) = patch.standalone_agreed {
        row.standalone_agreed = flag;
    }
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    view(row)
}

fn check_securecall(problems: &mut Problems, securecall: Option<&SecureCall>) {
    if securecall.is_some_and(|sc| sc.starts_on > sc.ends_on) {
        problems.add("securecall.ends_on", "must not be before starts_on");
    }
}

async fn check_calendar(
    tx: &mut Tx,
    problems: &mut Problems,
    calendar_id: &str,
) -> Result<Option<CalendarId>, ServiceError> {
    let found = match CalendarId::parse(calendar_id) {
        Ok(id) => calendars::get(tx, &id).await?.map(|_| id),
        Err(_) => None,
    };
    if found.is_none() {
        problems.add(
            "calendar_id",
            format!("calendar {calendar_id:?} does not exist"),
        );
    }
    Ok(found)
}

/// The wire view of a stored customer.
pub fn view(row: CustomerRow) -> Result<Customer, ServiceError> {
    let securecall = match (
        row.securecall_reference,
        row.securecall_starts_on,
        row.securecall_ends_on,
    ) {
        (Some(reference), Some(starts_on), Some(ends_on)) => Some(SecureCall {
            reference,
            starts_on,
            ends_on,
        }),
        _ => None,
    };
    Ok(Customer {
        id: row.id.into_string(),
        name: row.name,
        calendar_id: row.calendar_id.as_str().to_string(),
        securecall,
        standalone_agreed: row.standalone_agreed,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// 404 unless the customer exists.
pub async fn ensure_exists(tx: &mut Tx, id: &CustomerId) -> Result<(), ServiceError> {
    store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    Ok(())
}
