//! The audit log (SPEC §13): every change records who made it, from where, in its own
//! transaction; admins read the log with filters, cursor pages and CSV.

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::audit::{AuditAction, SUCCEEDED};
use crate::domain::identity::{Actor, ActorKind};
use crate::domain::ids::CustomerId;
use crate::dto::ActorView;
use crate::dto::audit::{AuditEvent, AuditPage, AuditQuery};
use crate::storage::audit_log::{self, AuditFilter, AuditRow};
use crate::storage::db::Tx;

/// Records that the caller of `ctx` did `action` on `resource_id` (of the action's
/// resource type), in the transaction of the change.
pub async fn record(
    tx: &mut Tx,
    ctx: &Ctx,
    action: AuditAction,
    resource_id: Option<&str>,
    customer: Option<&CustomerId>,
) -> Result<(), ServiceError> {
    record_as(
        tx,
        ctx,
        &ctx.principal.actor,
        action,
        resource_id,
        customer,
        SUCCEEDED,
    )
    .await
}

/// As [`record`], for an actor other than the caller (a sign-in names who signed in)
/// and with an outcome (`succeeded` or `failed`).
#[allow(clippy::too_many_arguments)]
pub async fn record_as(
    tx: &mut Tx,
    ctx: &Ctx,
    actor: &Actor,
    action: AuditAction,
    resource_id: Option<&str>,
    customer: Option<&CustomerId>,
    outcome: &str,
) -> Result<(), ServiceError> {
    audit_log::insert(
        tx,
        &AuditRow {
            id: 0,
            at: ctx.now,
            actor_type: actor.kind.as_str().to_string(),
            actor_id: actor.id.clone(),
            actor_name: actor.name.clone(),
            actor_email: actor.email.clone(),
            action: action.as_str().to_string(),
            resource_type: action.resource_type().to_string(),
            resource_id: resource_id.map(str::to_string),
            customer_id: customer.map(|c| c.to_string()),
            request_id: ctx.request.request_id.clone(),
            client_ip: ctx.request.client_ip.clone(),
            user_agent: ctx.request.user_agent.clone(),
            outcome: outcome.to_string(),
        },
    )
    .await?;
    if let Some((method, ok)) = action.sign_in() {
        crate::telemetry::count_sign_in(method, ok && outcome == SUCCEEDED);
    }
    Ok(())
}

/// What the audit log names of a use case's result: the resource and its customer.
pub trait Named {
    /// The resource's id.
    fn audit_id(&self) -> Option<&str>;
    /// Its customer, when it has one.
    fn audit_customer(&self) -> Option<&str> {
        None
    }
}

macro_rules! named {
    ($($ty:ty => |$v:ident| ($id:expr, $customer:expr);)+) => {$(
        impl Named for $ty {
            fn audit_id(&self) -> Option<&str> {
                let $v = self;
                $id
            }
            #[allow(unused_variables)]
            fn audit_customer(&self) -> Option<&str> {
                let $v = self;
                $customer
            }
        }
    )+};
}

named! {
    crate::dto::calendars::Calendar => |v| (Some(&v.id), None);
    crate::dto::customers::Customer => |v| (Some(&v.id), Some(&v.id));
    crate::dto::ledger::Pack => |v| (Some(&v.id), Some(&v.customer_id));
    crate::dto::quotes::Quote => |v| (Some(&v.id), Some(&v.customer_id));
    crate::dto::work::Request => |v| (Some(&v.id), Some(&v.customer_id));
    crate::dto::work::Sow => |v| (Some(&v.id), Some(&v.customer_id));
    crate::dto::reports::Report => |v| (Some(&v.sow_id), Some(&v.customer_id));
    crate::dto::work::Session => |v| (Some(&v.id), Some(&v.customer_id));
    crate::dto::work::CompletionStatement => |v| (Some(&v.session_id), Some(&v.customer_id));
    crate::dto::notify::Endpoint => |v| (Some(&v.id), None);
    crate::dto::notify::Delivery => |v| (Some(&v.id), None);
}

impl<T: Named> Named for (bool, T) {
    fn audit_id(&self) -> Option<&str> {
        self.1.audit_id()
    }
    fn audit_customer(&self) -> Option<&str> {
        self.1.audit_customer()
    }
}

/// Records that the caller did `action` on what the use case returns, and returns it:
/// the last step of every audited use case.
pub async fn done<T: Named>(
    tx: &mut Tx,
    ctx: &Ctx,
    action: AuditAction,
    value: T,
) -> Result<T, ServiceError> {
    let customer = value.audit_customer().map(CustomerId::from);
    record(tx, ctx, action, value.audit_id(), customer.as_ref()).await?;
    Ok(value)
}

/// `GET /v1/audit-events` (admin).
pub async fn list(tx: &mut Tx, ctx: &Ctx, q: AuditQuery) -> Result<AuditPage, ServiceError> {
    ctx.require(Action::ReadAudit)?;
    let limit = match q.limit {
        None => 100,
        Some(n) if (1..=1000).contains(&n) => n,
        Some(_) => return Err(ServiceError::invalid("limit", "must be between 1 and 1000")),
    };
    let after = super::finance::parse_cursor(q.after.as_deref())?;
    if let Some(action) = &q.action
        && AuditAction::parse(action).is_none()
    {
        return Err(ServiceError::invalid(
            "action",
            format!("must be one of {}", AuditAction::listed()),
        ));
    }
    for (field, value, max) in [
        ("actor_id", &q.actor_id, 500),
        ("resource_type", &q.resource_type, 100),
        ("resource_id", &q.resource_id, 500),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ServiceError::invalid(
                field,
                format!("must be at most {max} characters"),
            ));
        }
    }
    let filter = AuditFilter {
        actor_id: q.actor_id,
        resource_type: q.resource_type,
        resource_id: q.resource_id,
        action: q.action,
        from: q.from,
        to: q.to,
        after,
    };
    let rows = audit_log::list(tx, &filter, i64::from(limit)).await?;
    let next = rows.last().map(|r| r.id).unwrap_or(after);
    Ok(AuditPage {
        data: rows.into_iter().map(view).collect(),
        next_cursor: (next > 0).then(|| next.to_string()),
    })
}

/// The wire view of a row.
pub fn view(r: AuditRow) -> AuditEvent {
    AuditEvent {
        id: r.id,
        at: r.at,
        actor: ActorView {
            kind: ActorKind::parse(&r.actor_type)
                .map_or(r.actor_type.clone(), |k| k.as_str().to_string()),
            id: r.actor_id,
            name: r.actor_name,
            email: r.actor_email,
        },
        action: r.action,
        resource_type: r.resource_type,
        resource_id: r.resource_id,
        customer_id: r.customer_id,
        request_id: r.request_id,
        client_ip: r.client_ip,
        user_agent: r.user_agent,
        outcome: r.outcome,
    }
}
