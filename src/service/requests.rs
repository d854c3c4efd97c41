//! SecureHands requests (SPEC §5): logging with the SLA clocks (initial response in 8
//! business hours, SoW in 2 business days), responding, declining, redirecting.

use serde_json::json;

use super::book::Book;
use super::{Ctx, Problems, ServiceError, calendars, ids};
use crate::domain::access::Action;
use crate::domain::deadline::{business_days_after, business_hours_after};
use crate::domain::sla::{SlaState, outcome, state_without_event};
use crate::dto::work::{ReasonInput, Request, RequestInput, RespondInput, WorkQuery};
use crate::dto::{Page, PageQuery, validate};
use crate::storage::db::{Tx, from_micros, to_micros};
use crate::storage::requests::{self as store, RequestRow};

/// Request kinds of the service description.
pub const KINDS: [&str; 6] = [
    "remote_technician",
    "change_execution",
    "update_upgrade",
    "baseline_assessment",
    "custom",
    "training",
];

/// Channels a request can arrive through.
pub const CHANNELS: [&str; 3] = ["phone", "email", "portal"];

/// Business hours to the initial response.
pub const INITIAL_RESPONSE_HOURS: u32 = 8;
/// Business days to the SoW.
pub const SOW_DAYS: u32 = 2;

/// `POST /v1/requests`.
pub async fn create(tx: &mut Tx, ctx: &Ctx, input: RequestInput) -> Result<Request, ServiceError> {
    ctx.require(Action::LogRequest)?;
    ctx.require_customer(&input.customer_id, "customer")?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    if !KINDS.contains(&input.kind.as_str()) {
        problems.add("kind", format!("must be one of {}", KINDS.join(", ")));
    }
    if !CHANNELS.contains(&input.channel.as_str()) {
        problems.add("channel", format!("must be one of {}", CHANNELS.join(", ")));
    }
    let received_at = input
        .received_at
        .map(crate::clock::truncate_to_micros)
        .unwrap_or(ctx.now);
    if received_at > ctx.now {
        problems.add("received_at", "must not be in the future");
    }
    problems.finish()?;
    let mut book = Book::open(tx, ctx, &input.customer_id).await?;
    let calendar = calendars::for_customer(tx, &input.customer_id).await?;
    let response_due = business_hours_after(&calendar, received_at, INITIAL_RESPONSE_HOURS);
    let sow_due = business_days_after(&calendar, received_at, SOW_DAYS);
    let row = RequestRow {
        id: ids::request().into_string(),
        customer_id: input.customer_id.clone(),
        kind: input.kind,
        channel: input.channel,
        summary: input.summary.trim().to_string(),
        received_at: to_micros(received_at),
        identity_verified: input.identity_verified,
        status: "open".into(),
        initial_response_due: to_micros(response_due),
        sow_due: to_micros(sow_due),
        responded_at: None,
        response_note: None,
        closed_reason: None,
        closed_at: None,
        sow_delivered_at: None,
        initial_response_sla: state_without_event(response_due, ctx.now).as_str().into(),
        sow_sla: state_without_event(sow_due, ctx.now).as_str().into(),
        created_by: ctx.actor(),
        created_at: to_micros(ctx.now),
    };
    store::insert(tx, &row).await?;
    book.emit(
        "request_logged",
        &row.id,
        received_at,
        json!({"request_id": row.id, "kind": row.kind, "channel": row.channel}),
    );
    book.close(tx).await?;
    view(row)
}

/// `GET /v1/requests/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Request, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    ctx.require_customer(&row.customer_id, "request")?;
    view(row)
}

/// `GET /v1/requests`.
pub async fn list(tx: &mut Tx, ctx: &Ctx, q: WorkQuery) -> Result<Page<Request>, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let customer = scoped_customer(ctx, q.customer_id.as_deref())?;
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    };
    let limit = page.limit()?;
    let rows = store::list(
        tx,
        customer.as_deref(),
        page.after.as_deref(),
        i64::from(limit) + 1,
    )
    .await?;
    super::paginate(rows, limit, |r| r.id.clone(), view)
}

/// The customer filter of a list: a customer sees only itself.
pub fn scoped_customer(ctx: &Ctx, asked: Option<&str>) -> Result<Option<String>, ServiceError> {
    match (ctx.principal.customer_scope(), asked) {
        (Some(own), Some(a)) if own != a => Err(ServiceError::NotFound("customer")),
        (Some(own), _) => Ok(Some(own.to_string())),
        (None, a) => Ok(a.map(str::to_string)),
    }
}

async fn load_for_change(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
) -> Result<(Book, RequestRow), ServiceError> {
    ctx.require(Action::HandleRequest)?;
    let found = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    let book = Book::open(tx, ctx, &found.customer_id).await?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("request"))?;
    if row.status != "open" {
        return Err(ServiceError::conflict(
            "request_not_open",
            format!("the request is already {}", row.status),
        ));
    }
    Ok((book, row))
}

fn record_response(row: &mut RequestRow, ctx: &Ctx) -> Result<(), ServiceError> {
    if row.responded_at.is_none() {
        row.responded_at = Some(to_micros(ctx.now));
        if row.initial_response_sla != SlaState::Breached.as_str() {
            row.initial_response_sla = outcome(from_micros(row.initial_response_due)?, ctx.now)
                .as_str()
                .into();
        }
    }
    Ok(())
}

/// `POST /v1/requests/{id}/respond`.
pub async fn respond(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: RespondInput,
) -> Result<Request, ServiceError> {
    validate(&input)?;
    let (mut book, mut row) = load_for_change(tx, ctx, id).await?;
    record_response(&mut row, ctx)?;
    row.status = "responded".into();
    row.response_note = input.note;
    store::update(tx, &row).await?;
    book.emit("request_responded", id, ctx.now, json!({"request_id": id}));
    book.close(tx).await?;
    view(row)
}

/// `POST /v1/requests/{id}/decline` (skills unavailable) and `/redirect` (to
/// professional services): both answer the request and close it; no SoW is expected.
pub async fn close(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    status: &'static str,
    input: ReasonInput,
) -> Result<Request, ServiceError> {
    validate(&input)?;
    let (mut book, mut row) = load_for_change(tx, ctx, id).await?;
    record_response(&mut row, ctx)?;
    row.status = status.into();
    row.closed_reason = Some(input.reason.trim().to_string());
    row.closed_at = Some(to_micros(ctx.now));
    if row.sow_sla == SlaState::Pending.as_str() {
        row.sow_sla = "not_applicable".into();
    }
    store::update(tx, &row).await?;
    book.emit(
        if status == "declined" {
            "request_declined"
        } else {
            "request_redirected"
        },
        id,
        ctx.now,
        json!({"request_id": id, "reason": row.closed_reason}),
    );
    book.close(tx).await?;
    view(row)
}

/// Records that a SoW answering the request was submitted (the SoW-delivery target);
/// it also counts as the initial response when none was given.
pub async fn sow_delivered(tx: &mut Tx, ctx: &Ctx, request_id: &str) -> Result<(), ServiceError> {
    let Some(mut row) = store::get(tx, request_id).await? else {
        return Ok(());
    };
    if row.sow_delivered_at.is_some() {
        return Ok(());
    }
    record_response(&mut row, ctx)?;
    if row.status == "open" {
        row.status = "responded".into();
    }
    row.sow_delivered_at = Some(to_micros(ctx.now));
    if row.sow_sla == SlaState::Pending.as_str() {
        row.sow_sla = outcome(from_micros(row.sow_due)?, ctx.now).as_str().into();
    }
    store::update(tx, &row).await.map_err(ServiceError::from)
}

/// The wire view of a stored request.
pub fn view(row: RequestRow) -> Result<Request, ServiceError> {
    Ok(Request {
        id: row.id,
        customer_id: row.customer_id,
        kind: row.kind,
        channel: row.channel,
        summary: row.summary,
        received_at: from_micros(row.received_at)?,
        identity_verified: row.identity_verified,
        status: row.status,
        initial_response_due: from_micros(row.initial_response_due)?,
        sow_due: from_micros(row.sow_due)?,
        responded_at: row.responded_at.map(from_micros).transpose()?,
        response_note: row.response_note,
        closed_reason: row.closed_reason,
        sow_delivered_at: row.sow_delivered_at.map(from_micros).transpose()?,
        initial_response_sla: row.initial_response_sla,
        sow_sla: row.sow_sla,
        created_at: from_micros(row.created_at)?,
    })
}
