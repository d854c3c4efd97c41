//! Webhook endpoints (SPEC §11): registration with a secret shown once, listing,
//! removal, the delivery log and manual retries.

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::webhook::{SECRET_PREFIX, check_events, check_target};
use crate::dto::notify::{Delivery, DeliveryAttempt, Endpoint, EndpointInput};
use crate::dto::{Page, PageQuery};
use crate::storage::db::Tx;
use crate::storage::webhooks::{self as store, DeliveryRow, EndpointRow, WebhookAttemptRow};
use crate::validation::{Problems, validate};

/// `POST /v1/webhook-endpoints`: registers an endpoint; it receives events recorded
/// from now on. `reach` is the webhook guard's verdict on where the URL points
/// ([`crate::notify::guard::WebhookGuard::check_url`], resolved before the transaction).
pub async fn create(
    tx: &mut Tx,
    ctx: &Ctx,
    input: EndpointInput,
    reach: Result<(), String>,
) -> Result<Endpoint, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    match check_target(input.url.trim()) {
        Err(why) => problems.add("url", why),
        Ok(()) => {
            if let Err(why) = reach {
                problems.add("url", why);
            }
        }
    }
    problems.check("events", check_events(&input.events));
    problems.finish()?;
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw)
        .map_err(|e| ServiceError::Store(crate::storage::db::StoreError::Corrupt(e.to_string())))?;
    let secret: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let mut events = input.events.clone();
    events.sort();
    events.dedup();
    let row = EndpointRow {
        id: format!("we_{}", uuid::Uuid::now_v7().simple()),
        url: input.url.trim().to_string(),
        events,
        description: input.description.map(|d| d.trim().to_string()),
        secret: format!("{SECRET_PREFIX}{secret}"),
        feed_cursor: store::last_event_seq(tx).await?,
        created_by: ctx.actor(),
        created_at: ctx.now,
        deleted_at: None,
    };
    store::insert_endpoint(tx, &row).await?;
    let secret = row.secret.clone();
    let mut out = view(row);
    out.secret = Some(secret);
    super::audit::done(tx, ctx, AuditAction::WebhookCreated, out).await
}

/// `GET /v1/webhook-endpoints`.
pub async fn list(tx: &mut Tx, ctx: &Ctx, page: PageQuery) -> Result<Page<Endpoint>, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    let limit = page.limit()?;
    let rows = store::endpoints(tx, page.after.as_deref(), i64::from(limit) + 1).await?;
    super::paginate(rows, limit, |r| r.id.clone(), |r| Ok(view(r)))
}

async fn found(tx: &mut Tx, id: &str) -> Result<EndpointRow, ServiceError> {
    store::endpoint(tx, id)
        .await?
        .filter(|e| e.deleted_at.is_none())
        .ok_or(ServiceError::NotFound("webhook endpoint"))
}

/// `GET /v1/webhook-endpoints/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Endpoint, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    Ok(view(found(tx, id).await?))
}

/// `DELETE /v1/webhook-endpoints/{id}`: no more deliveries; the log stays readable.
pub async fn delete(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Endpoint, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    found(tx, id).await?;
    store::delete_endpoint(tx, id, ctx.now).await?;
    let row = store::endpoint(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("webhook endpoint"))?;
    super::audit::done(tx, ctx, AuditAction::WebhookDeleted, view(row)).await
}

/// `GET /v1/webhook-endpoints/{id}/deliveries`: newest first, with every attempt.
/// The cursor is an event seq.
pub async fn deliveries(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    page: PageQuery,
) -> Result<Page<Delivery>, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    let limit = page.limit()?;
    let before = match page.after.as_deref() {
        None | Some("") => None,
        after => Some(super::finance::parse_cursor(after)?),
    };
    store::endpoint(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("webhook endpoint"))?;
    let rows = store::deliveries(tx, id, before, i64::from(limit) + 1).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attempts = store::attempts_of(tx, &ids).await?;
    super::paginate(
        rows,
        limit,
        |r| r.event_seq.to_string(),
        |r| Ok(delivery_view(r, &attempts)),
    )
}

/// `POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry`: sends it again now
/// (also after success: receivers de-duplicate by event id).
pub async fn retry(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    delivery_id: &str,
) -> Result<Delivery, ServiceError> {
    ctx.require(Action::ManageWebhooks)?;
    found(tx, id).await?;
    store::delivery(tx, id, delivery_id)
        .await?
        .ok_or(ServiceError::NotFound("delivery"))?;
    store::retry_now(tx, delivery_id, ctx.now).await?;
    let row = store::delivery(tx, id, delivery_id)
        .await?
        .ok_or(ServiceError::NotFound("delivery"))?;
    let attempts = store::attempts_of(tx, std::slice::from_ref(&row.id)).await?;
    super::audit::done(
        tx,
        ctx,
        AuditAction::WebhookRetried,
        delivery_view(row, &attempts),
    )
    .await
}

fn view(row: EndpointRow) -> Endpoint {
    Endpoint {
        id: row.id,
        url: row.url,
        events: row.events,
        description: row.description,
        secret: None,
        created_at: row.created_at,
        deleted_at: row.deleted_at,
    }
}

fn delivery_view(row: DeliveryRow, attempts: &[WebhookAttemptRow]) -> Delivery {
    Delivery {
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| DeliveryAttempt {
                attempt: a.attempt,
                at: a.at,
                status_code: a.status_code,
                error: a.error.clone(),
                duration_ms: a.duration_ms,
            })
            .collect(),
        next_attempt_at: (row.status == "pending").then_some(row.next_attempt_at),
        event_id: format!("evt_{}", row.event_seq),
        id: row.id,
        endpoint_id: row.endpoint_id,
        event_type: row.event_type,
        customer_id: row.customer_id.map(|c| c.into_string()),
        status: row.status,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at,
        completed_at: row.completed_at,
    }
}
