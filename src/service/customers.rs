//! Customers: create, list, read, patch.

use super::{Ctx, ServiceError, ids};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::identity::{contact_actor, contacts_to_sign_out};
use crate::domain::ids::{CalendarId, CustomerId};
use crate::domain::notification::{Contact, ContactRole, Language};
use crate::domain::units::Units;
use crate::dto::customers::{ContactInput, Customer, CustomerInput, CustomerPatch, SecureCall};
use crate::dto::{Page, PageQuery};
use crate::storage::customers::{self as store, CustomerRow};
use crate::storage::db::Tx;
use crate::storage::identity::console_sessions;
use crate::storage::{accounts, calendars};
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
    let contacts = check_contacts(&mut problems, &input.contacts);
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
        contacts,
        created_at: now,
        updated_at: now,
    };
    store::insert(tx, &row).await?;
    let threshold = input.low_balance_threshold.map_or(Units::ZERO, |u| u.0);
    accounts::set_threshold(tx, &row.id, threshold).await?;
    super::audit::done(tx, ctx, AuditAction::CustomerCreated, view(row, threshold)).await
}

/// `GET /v1/customers/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &CustomerId) -> Result<Customer, ServiceError> {
    ctx.require(Action::ManageReferenceData)?;
    ctx.require_customer(id, "customer")?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let threshold = threshold_of(tx, id).await?;
    Ok(view(row, threshold))
}

async fn threshold_of(tx: &mut Tx, id: &CustomerId) -> Result<Units, ServiceError> {
    Ok(accounts::get(tx, id)
        .await?
        .map_or(Units::ZERO, |a| a.low_balance_threshold))
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
    let ids: Vec<CustomerId> = rows.iter().map(|r| r.id.clone()).collect();
    let accounts = accounts::of_customers(tx, &ids).await?;
    let threshold = |id: &CustomerId| {
        accounts
            .iter()
            .find(|a| &a.customer_id == id)
            .map_or(Units::ZERO, |a| a.low_balance_threshold)
    };
    super::paginate(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| {
            let t = threshold(&r.id);
            Ok(view(r, t))
        },
    )
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
    let contacts = patch
        .contacts
        .as_ref()
        .map(|c| check_contacts(&mut problems, c));
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
    if let Some(contacts) = contacts {
        // A contact removed, or whose roles changed, is signed out at once.
        for gone in contacts_to_sign_out(&row.contacts, &contacts) {
            let actor = contact_actor(id.as_str(), gone);
            console_sessions::end_all_of(tx, actor.kind.as_str(), &actor.id, ctx.now).await?;
        }
        row.contacts = contacts;
    }
    if let Some(threshold) = patch.low_balance_threshold {
        accounts::set_threshold(tx, id, threshold.0).await?;
    }
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    let threshold = threshold_of(tx, id).await?;
    super::audit::done(tx, ctx, AuditAction::CustomerUpdated, view(row, threshold)).await
}

/// Checks each contact's language and roles (the address was checked by the wire
/// type) and keeps them in their canonical spelling.
fn check_contacts(problems: &mut Problems, input: &[ContactInput]) -> Vec<Contact> {
    input
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let language = Language::parse(&c.language).unwrap_or_else(|| {
                problems.add(
                    &format!("contacts[{i}].language"),
                    format!("must be {}", Language::choices()),
                );
                Language::En
            });
            if c.roles.is_empty() {
                problems.add(
                    &format!("contacts[{i}].roles"),
                    "must name at least one role",
                );
            }
            let mut roles: Vec<String> = Vec::new();
            for role in &c.roles {
                match ContactRole::parse(role) {
                    Some(r) if !roles.iter().any(|x| x == r.as_str()) => {
                        roles.push(r.as_str().to_string())
                    }
                    Some(_) => {}
                    None => problems.add(
                        &format!("contacts[{i}].roles"),
                        format!("{role:?} is not one of {}", ContactRole::listed()),
                    ),
                }
            }
            Contact {
                name: c.name.trim().to_string(),
                email: c.email.trim().to_string(),
                language: language.as_str().to_string(),
                roles,
            }
        })
        .collect()
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
pub fn view(row: CustomerRow, low_balance_threshold: Units) -> Customer {
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
    Customer {
        id: row.id.into_string(),
        name: row.name,
        calendar_id: row.calendar_id.as_str().to_string(),
        securecall,
        standalone_agreed: row.standalone_agreed,
        contacts: row
            .contacts
            .into_iter()
            .map(|c| ContactInput {
                name: c.name,
                email: c.email,
                language: c.language,
                roles: c.roles,
            })
            .collect(),
        low_balance_threshold,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// 404 unless the customer exists.
pub async fn ensure_exists(tx: &mut Tx, id: &CustomerId) -> Result<(), ServiceError> {
    store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    Ok(())
}
