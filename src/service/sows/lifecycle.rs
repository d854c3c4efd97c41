//! The SoW lifecycle after drafting: submission, approval with provisioning,
//! rejection, cancellation, completion and supersession.

use serde_json::json;

use super::{check_if_match, lock, snapshot, transition, view};
use crate::domain::access::Action;
use crate::domain::allocation::shortfall;
use crate::domain::audit::AuditAction;
use crate::domain::ids::SowId;
use crate::domain::quote::QuoteOrigin;
use crate::domain::sow::{SowAction, SowStatus};
use crate::domain::units::Units;
use crate::dto::work::{RejectInput, Sow};
use crate::service::book::Book;
use crate::service::{Ctx, ServiceError, coverage, ids, ledger, quotes, requests};
use crate::storage::accounts::Owner;
use crate::storage::db::Tx;
use crate::storage::sessions;
use crate::storage::sows::{self as store, SowRow};
use crate::validation::validate;

/// `POST /v1/sows/{id}/submit`: the SOC signs and sends the SoW.
pub async fn submit(tx: &mut Tx, ctx: &Ctx, id: &SowId) -> Result<Sow, ServiceError> {
    ctx.require(Action::RunWork)?;
    let (mut book, mut row) = lock(tx, ctx, id).await?;
    row.status = transition(row.status, SowAction::Submit)?;
    row.submitted_at = Some(ctx.now);
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    if let Some(request_id) = &row.request_id {
        requests::sow_delivered(tx, ctx, request_id).await?;
    }
    book.emit(
        "sow_submitted",
        id,
        ctx.now,
        json!({"sow_id": id, "revision": row.revision, "title": row.title,
            "planned_units": row.planned_units, "reserves_units": coverage::units_needed(&row),
            "standard_hours": super::standard_hours_view(&row), "acceptance_days": row.acceptance_days}),
    );
    book.close(tx).await?;
    super::super::audit::done(tx, ctx, AuditAction::SowSubmitted, view(row)).await
}

/// `POST /v1/sows/{id}/approve`: the customer approves the revision named by
/// `If-Match`; its planned units are provisioned, or it waits for units with a
/// top-up quote for the shortfall.
pub async fn approve(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    if_match: Option<&str>,
) -> Result<Sow, ServiceError> {
    ctx.require(Action::ApproveWork)?;
    // The lock, then one statement: the SoW, the customer's queue of SoWs waiting for
    // units and the next approval number.
    let mut book = Book::open_for(tx, ctx, Owner::Sow, id.as_str(), "SoW").await?;
    let found = store::approval_context(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    let mut row = found.sow;
    check_if_match(&row, if_match)?;
    transition(row.status, SowAction::Approve)?;
    let now = ctx.now;
    if let Some(old_id) = row.supersedes_id.clone() {
        refuse_open_sessions(tx, &old_id).await?;
        retire_superseded(tx, &mut book, &old_id, id, now).await?;
    }
    row.approved_revision = Some(row.revision);
    row.approved_at = Some(now);
    row.approved_by = Some(ctx.principal.actor.clone());
    row.approval_order = Some(found.next_order);
    row.rejection_comment = None;
    row.updated_at = now;
    let needed = coverage::units_needed(&row);
    book.emit(
        "sow_approved",
        id,
        ctx.now,
        json!({"sow_id": id, "revision": row.revision}),
    );
    // The SoW joins the queue of approved SoWs waiting for units, which is then served
    // in approval order: it is provisioned at once unless units are short or SoWs
    // approved earlier are still waiting.
    row.status = SowStatus::AwaitingUnits;
    // The queue as read, less a superseded SoW retired above, plus this one (the
    // latest approval number: last in line).
    let mut queue = found.waiting;
    queue.retain(|s| Some(&s.id) != row.supersedes_id.as_ref());
    queue.push(row.clone());
    let activated = coverage::activate_queue(tx, &mut book, queue).await?;
    if let Some(active) = activated.into_iter().find(|a| &a.id == id) {
        row = active;
    } else {
        store::update(tx, &row).await?;
        let ahead = coverage::needed_ahead(tx, &row.customer_id, &row).await?;
        let missing = shortfall(needed, book.available() - ahead);
        let quote = quotes::raise(
            tx,
            &mut book,
            missing,
            &format!("SoW {id} needs {needed} units; {missing} are missing"),
            QuoteOrigin::SowShortfall,
            Some(id),
        )
        .await?;
        book.emit(
            "sow_awaiting_units",
            id,
            ctx.now,
            json!({"sow_id": id, "title": row.title, "missing_units": missing, "quote_id": quote}),
        );
    }
    coverage::rebalance(tx, &mut book).await?;
    book.close(tx).await?;
    super::super::audit::done(tx, ctx, AuditAction::SowApproved, view(row)).await
}

async fn retire_superseded(
    tx: &mut Tx,
    book: &mut Book,
    old_id: &SowId,
    new_id: &SowId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    let Some(mut old) = store::get(tx, old_id).await? else {
        return Ok(());
    };
    if old.status.is_closed() {
        return Ok(());
    }
    ledger::release(book, &mut old, "superseded");
    old.status = SowStatus::Superseded;
    old.superseded_by_id = Some(new_id.clone());
    old.closed_at = Some(now);
    old.updated_at = now;
    store::update(tx, &old).await?;
    book.emit(
        "sow_superseded",
        old_id,
        now,
        json!({"sow_id": old_id, "superseded_by": new_id}),
    );
    Ok(())
}

/// `POST /v1/sows/{id}/reject`: back to draft with the customer's comment.
pub async fn reject(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    input: RejectInput,
) -> Result<Sow, ServiceError> {
    ctx.require(Action::ApproveWork)?;
    validate(&input)?;
    let (mut book, mut row) = lock(tx, ctx, id).await?;
    row.status = transition(row.status, SowAction::Reject)?;
    row.rejection_comment = Some(input.comment.trim().to_string());
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    book.emit(
        "sow_rejected",
        id,
        ctx.now,
        json!({"sow_id": id, "comment": row.rejection_comment}),
    );
    book.close(tx).await?;
    super::super::audit::done(tx, ctx, AuditAction::SowRejected, view(row)).await
}

async fn refuse_open_sessions(tx: &mut Tx, id: &SowId) -> Result<(), ServiceError> {
    let open = sessions::loads_of_sow(tx, id, None)
        .await?
        .into_iter()
        .filter(|s| s.status.is_pending())
        .count();
    if open > 0 {
        return Err(ServiceError::conflict(
            "sessions_pending",
            format!(
                "{open} session(s) are still scheduled or waiting to be rescheduled; cancel them first"
            ),
        ));
    }
    Ok(())
}

/// `POST /v1/sows/{id}/cancel` and `/complete`: close the SoW and give back what is
/// left of its reservation.
pub async fn close(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    action: SowAction,
) -> Result<Sow, ServiceError> {
    ctx.require(Action::RunWork)?;
    let (mut book, mut row) = lock(tx, ctx, id).await?;
    let next = transition(row.status, action)?;
    refuse_open_sessions(tx, id).await?;
    if action == SowAction::Complete {
        let issued = crate::storage::reports::latest_version(tx, id)
            .await?
            .is_some();
        crate::domain::report::check_completion(row.kind, issued)
            .map_err(|e| ServiceError::conflict(e.code(), e.to_string()))?;
    }
    let released = ledger::release(
        &mut book,
        &mut row,
        if action == SowAction::Complete {
            "completed"
        } else {
            "cancelled"
        },
    );
    row.status = next;
    row.closed_at = Some(ctx.now);
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    let kind = if action == SowAction::Complete {
        "sow_completed"
    } else {
        "sow_cancelled"
    };
    book.emit(
        kind,
        id,
        ctx.now,
        json!({"sow_id": id, "released_units": released}),
    );
    coverage::rebalance(tx, &mut book).await?;
    book.close(tx).await?;
    super::super::audit::done(
        tx,
        ctx,
        if action == SowAction::Complete {
            AuditAction::SowCompleted
        } else {
            AuditAction::SowCancelled
        },
        view(row),
    )
    .await
}

/// `POST /v1/sows/{id}/supersede`: drafts a replacement (a copy, edited like any
/// draft); the old SoW becomes `superseded` when the replacement is approved.
pub async fn supersede(tx: &mut Tx, ctx: &Ctx, id: &SowId) -> Result<Sow, ServiceError> {
    ctx.require(Action::RunWork)?;
    let (mut book, old) = lock(tx, ctx, id).await?;
    transition(old.status, SowAction::Supersede)?;
    let now = ctx.now;
    let row = SowRow {
        id: ids::sow(),
        status: SowStatus::Draft,
        revision: 1,
        supersedes_id: Some(old.id.clone()),
        superseded_by_id: None,
        rejection_comment: None,
        approved_revision: None,
        approved_at: None,
        approved_by: None,
        approval_order: None,
        reserved: Units::ZERO,
        consumed: Units::ZERO,
        reserved_since: None,
        submitted_at: None,
        closed_at: None,
        created_by: ctx.actor(),
        created_at: now,
        updated_at: now,
        ..old.clone()
    };
    store::insert(tx, &row).await?;
    snapshot(tx, ctx, &row).await?;
    book.emit(
        "sow_drafted",
        &row.id,
        ctx.now,
        json!({"sow_id": row.id, "supersedes": old.id}),
    );
    book.close(tx).await?;
    super::super::audit::done(tx, ctx, AuditAction::SowSuperseded, view(row)).await
}
