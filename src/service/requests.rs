//! SecureHands requests (SPEC §5): logging with the SLA clocks of
//! [`crate::domain::request`], responding, declining, redirecting.

use serde_json::json;

use super::book::Book;
use super::{Ctx, ServiceError, calendars, ids};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{CustomerId, RequestId};
use crate::domain::request::{
    Channel, RequestKind, RequestNotOpen, RequestStatus, clocks, response_sla, sow_sla_on_close,
    sow_sla_on_delivery,
};
use crate::domain::sla::state_without_event;
use crate::dto::work::{ReasonInput, Request, RequestInput, RespondInput, WorkQuery};
use crate::dto::{Page, PageQuery};
use crate::storage::db::Tx;
use crate::storage::requests::{self as store, RequestRow};
use crate::validation::{Problems, validate};

/// `POST /v1/requests`.
pub async fn create(tx: &mut Tx, ctx: &Ctx, input: RequestInput) -> Result<Request, ServiceError> {
    ctx.require(Action::LogRequest)?;
    let customer_id = CustomerId::from(input.customer_id.as_str());
    ctx.require_customer(&customer_id, "customer")?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    let kind = RequestKind::parse(&input.kind);
    if kind.is_none() {
        problems.add("kind", format!("must be one of {}", RequestKind::listed()));
    }
    let channel = Channel::parse(&input.channel);
    if channel.is_none() {
        problems.add("channel", format!("must be one of {}", Channel::listed()));
    }
    let received_at = input
        .received_at
        .map(crate::clock::truncate_to_micros)
        .unwrap_or(ctx.now);
    if received_at > ctx.now {
        problems.add("received_at", "must not be in the future");
    }
    problems.finish()?;
    let (Some(kind), Some(channel)) = (kind, channel) else {
        return Err(ServiceError::invalid("kind", "missing"));
    };
    let mut book = Book::open(tx, ctx, &customer_id).await?;
    let calendar = calendars::for_customer(tx, &customer_id).await?;
    let due = clocks(&calendar, received_at);
    let row = RequestRow {
        id: ids::request(),
        customer_id,
        kind,
        channel,
        summary: input.summary.trim().to_string(),
        received_at,
        identity_verified: input.identity_verified,
        status: RequestStatus::Open,
        initial_response_due: due.initial_response_due,
        sow_due: due.sow_due,
        responded_at: None,
        response_note: None,
        closed_reason: None,
        closed_at: None,
        sow_delivered_at: None,
        initial_response_sla: state_without_event(due.initial_response_due, ctx.now),
        sow_sla: state_without_event(due.sow_due, ctx.now),
        created_by: ctx.actor(),
        created_at: ctx.now,
    };
    store::insert(tx, &row).await?;
    book.emit(
        "request_logged",
        &row.id,
        received_at,
        json!({"request_id": row.id, "kind": kind.as_str(), "channel": channel.as_str()}),
    );
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::RequestLogged, view(row)).await
}

/// `GET /v1/requests/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &RequestId) -> Result<Request, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    ctx.require_customer(&row.customer_id, "request")?;
    Ok(view(row))
}

/// `GET /v1/requests`.
pub async fn list(tx: &mut Tx, ctx: &Ctx, q: WorkQuery) -> Result<Page<Request>, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let asked = q.customer_id.as_deref().map(CustomerId::from);
    let customer = ctx.list_scope(asked.as_ref())?;
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    };
    let limit = page.limit()?;
    let rows = store::list(
        tx,
        customer.as_ref(),
        page.after.as_deref(),
        i64::from(limit) + 1,
    )
    .await?;
    super::paginate(rows, limit, |r| r.id.to_string(), |r| Ok(view(r)))
}

/// Loads an open request under its customer's lock, for an answer that moves it to
/// `to`.
async fn load_for_answer(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &RequestId,
    to: RequestStatus,
) -> Result<(Book, RequestRow), ServiceError> {
    ctx.require(Action::HandleRequest)?;
    let found = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    let book = Book::open(tx, ctx, &found.customer_id).await?;
    let mut row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    row.status = row
        .status
        .answer(to)
        .map_err(|e| ServiceError::conflict(RequestNotOpen::CODE, e.to_string()))?;
    Ok((book, row))
}

fn record_response(row: &mut RequestRow, ctx: &Ctx) {
    if row.responded_at.is_none() {
        row.responded_at = Some(ctx.now);
        row.initial_response_sla =
            response_sla(row.initial_response_sla, row.initial_response_due, ctx.now);
    }
}

/// `POST /v1/requests/{id}/respond`.
pub async fn respond(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &RequestId,
    input: RespondInput,
) -> Result<Request, ServiceError> {
    validate(&input)?;
    let (mut book, mut row) = load_for_answer(tx, ctx, id, RequestStatus::Responded).await?;
    record_response(&mut row, ctx);
    row.response_note = input.note;
    store::update(tx, &row).await?;
    book.emit("request_responded", id, ctx.now, json!({"request_id": id}));
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::RequestResponded, view(row)).await
}

/// `POST /v1/requests/{id}/decline` (skills unavailable) and `/redirect` (to
/// professional services): both answer the request and close it; no SoW is expected.
pub async fn close(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &RequestId,
    status: RequestStatus,
    input: ReasonInput,
) -> Result<Request, ServiceError> {
    validate(&input)?;
    let (mut book, mut row) = load_for_answer(tx, ctx, id, status).await?;
    record_response(&mut row, ctx);
    row.closed_reason = Some(input.reason.trim().to_string());
    row.closed_at = Some(ctx.now);
    row.sow_sla = sow_sla_on_close(row.sow_sla);
    store::update(tx, &row).await?;
    book.emit(
        if status == RequestStatus::Declined {
            "request_declined"
        } else {
            "request_redirected"
        },
        id,
        ctx.now,
        json!({"request_id": id, "reason": row.closed_reason}),
    );
    book.close(tx).await?;
    super::audit::done(
        tx,
        ctx,
        if status == RequestStatus::Declined {
            AuditAction::RequestDeclined
        } else {
            AuditAction::RequestRedirected
        },
        view(row),
    )
    .await
}

/// Records that a SoW answering the request was submitted (the SoW-delivery target);
/// it also counts as the initial response when none was given.
pub async fn sow_delivered(
    tx: &mut Tx,
    ctx: &Ctx,
    request_id: &RequestId,
) -> Result<(), ServiceError> {
    let Some(mut row) = store::get(tx, request_id).await? else {
        return Ok(());
    };
    if row.sow_delivered_at.is_some() {
        return Ok(());
    }
    record_response(&mut row, ctx);
    row.status = row.status.on_sow_delivered();
    row.sow_delivered_at = Some(ctx.now);
    row.sow_sla = sow_sla_on_delivery(row.sow_sla, row.sow_due, ctx.now);
    store::update(tx, &row).await.map_err(ServiceError::from)
}

/// The wire view of a stored request.
pub fn view(row: RequestRow) -> Request {
    Request {
        id: row.id.into_string(),
        customer_id: row.customer_id.into_string(),
        kind: row.kind.as_str().to_string(),
        channel: row.channel.as_str().to_string(),
        summary: row.summary,
        received_at: row.received_at,
        identity_verified: row.identity_verified,
        status: row.status.as_str().to_string(),
        initial_response_due: row.initial_response_due,
        sow_due: row.sow_due,
        responded_at: row.responded_at,
        response_note: row.response_note,
        closed_reason: row.closed_reason,
        sow_delivered_at: row.sow_delivered_at,
        initial_response_sla: row.initial_response_sla.as_str().to_string(),
        sow_sla: row.sow_sla.as_str().to_string(),
        created_at: row.created_at,
    }
}
