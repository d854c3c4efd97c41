//! Sessions (SPEC §5): scheduling against the SoW's reservation, rescheduling,
//! cancellations (free or late), no-shows. Delivery and what follows it live in
//! [`delivery`].

use chrono::{DateTime, Utc};
use serde_json::json;

use super::book::Book;
use super::ledger::{Charge, ChargeOutcome, Shortfall};
use super::{Ctx, ServiceError, calendars, coverage, ids, ledger, sows};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::deadline::{is_late_cancellation, late_cancellation_threshold};
use crate::domain::ids::{SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::pricing::price_session;
use crate::domain::session::{
    CancelOutcome, CancelReason, SessionStatus, SessionTransitionError,
    check_capacity as domain_capacity, check_interval, scheduling_due,
};
use crate::domain::sla::outcome;
use crate::domain::sow::SowAction;
use crate::domain::units::Units;
use crate::dto::work::{
    CancelInput, Complaint, Evaluation, RescheduleInput, ScheduleInput, Session,
};
use crate::storage::accounts::Owner;
use crate::storage::db::Tx;
use crate::storage::deficits::ChargePart;
use crate::storage::lots::LotRow;
use crate::storage::sessions::{self as store, Also, SessionRow};
use crate::storage::sows::{self as sow_store, SowRow};
use crate::validation::Problems;

mod calendar_feed;
mod delivery;

pub use calendar_feed::feed as calendar_feed;
pub use delivery::{accept, auto_accept, complain, decide, deliver, evaluate, statement};

fn refused(e: SessionTransitionError) -> ServiceError {
    ServiceError::conflict(e.code, e.to_string())
}

/// Units a session costs on its planned times.
fn estimate(
    cal: &BusinessCalendar,
    sow: &SowRow,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Units, ServiceError> {
    let terms = sows::terms(sow)?;
    price_session(cal, &terms, start, end)
        .map(|p| p.units)
        .map_err(|e| ServiceError::invalid("ends_at", e.to_string()))
}

/// Checks that the SoW's unused reservation covers `estimate` (not counting `except`)
/// and that the planned session count is not exceeded.
async fn check_capacity(
    tx: &mut Tx,
    sow: &SowRow,
    estimate: Units,
    except: Option<&SessionId>,
) -> Result<(), ServiceError> {
    let others: Vec<(SessionStatus, Units)> = store::loads_of_sow(tx, &sow.id, except)
        .await?
        .into_iter()
        .map(|s| (s.status, s.estimated_units))
        .collect();
    domain_capacity(
        sow.planned_sessions,
        sow.reserved,
        &others,
        estimate,
        except.is_none(),
    )
    .map_err(|e| ServiceError::conflict(e.code(), e.to_string()))
}

/// `POST /v1/sows/{id}/sessions`.
pub async fn schedule(
    tx: &mut Tx,
    ctx: &Ctx,
    sow_id: &SowId,
    input: ScheduleInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::RunWork)?;
    let requested_at = input
        .requested_at
        .map(crate::clock::truncate_to_micros)
        .unwrap_or(ctx.now);
    let starts_at = crate::clock::truncate_to_micros(input.starts_at);
    let ends_at = crate::clock::truncate_to_micros(input.ends_at);
    let mut problems = Problems::default();
    problems.check("ends_at", check_interval(starts_at, ends_at));
    if requested_at > ctx.now {
        problems.add("requested_at", "must not be in the future");
    }
    problems.finish()?;
    let (mut book, sow) = sows::lock(tx, ctx, sow_id).await?;
    sows::transition(sow.status, SowAction::Schedule)?;
    let cal = calendars::for_customer(tx, &sow.customer_id).await?;
    let estimated = estimate(&cal, &sow, starts_at, ends_at)?;
    check_capacity(tx, &sow, estimated, None).await?;
    let due = scheduling_due(&cal, requested_at);
    let row = SessionRow {
        id: ids::session(),
        sow_id: sow.id.clone(),
        customer_id: sow.customer_id.clone(),
        status: SessionStatus::Scheduled,
        starts_at,
        ends_at,
        requested_at,
        scheduled_at: ctx.now,
        scheduling_due: due,
        scheduling_sla: outcome(due, ctx.now),
        estimated_units: estimated,
        cancel_reason: None,
        cancelled_at: None,
        actual_start: None,
        actual_end: None,
        notes: None,
        duration_minutes: None,
        billable_hours: None,
        units_debited: None,
        delivered_at: None,
        acceptance_due: None,
        accepted_at: None,
        accepted_by: None,
        complaint_by: None,
        decision_by: None,
        evaluated_by: None,
        acceptance: None,
        rating: None,
        evaluation_comment: None,
        evaluated_at: None,
        complaint_reason: None,
        complaint_at: None,
        review_due: None,
        review_sla: None,
        decision_units: None,
        decision_reason: None,
        decided_at: None,
        decided_by: None,
        created_by: ctx.actor(),
        updated_at: ctx.now,
        acceptance_reminder_at: None,
        reminded_at: None,
        calendar_sequence: 0,
    };
    store::insert(tx, &row).await?;
    book.emit(
        "session_scheduled",
        &row.id,
        ctx.now,
        json!({"session_id": row.id, "sow_id": sow.id, "starts_at": starts_at, "ends_at": ends_at,
            "estimated_units": estimated, "sequence": 0}),
    );
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::SessionScheduled, view(row, &cal)).await
}

/// `GET /v1/sessions/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Session, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    ctx.require_customer(&row.customer_id, "session")?;
    let cal = calendars::for_customer(tx, &row.customer_id).await?;
    Ok(view(row, &cal))
}

/// `GET /v1/sows/{id}/sessions`.
pub async fn of_sow(
    tx: &mut Tx,
    ctx: &Ctx,
    sow_id: &SowId,
) -> Result<crate::dto::Page<Session>, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let sow = sow_store::get(tx, sow_id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    ctx.require_customer(&sow.customer_id, "SoW")?;
    let cal = calendars::for_customer(tx, &sow.customer_id).await?;
    let data = store::of_sow(tx, sow_id)
        .await?
        .into_iter()
        .map(|r| view(r, &cal))
        .collect();
    // A SoW has at most 1,000 planned sessions: one page holds them all.
    Ok(crate::dto::Page {
        data,
        next_cursor: None,
    })
}

/// A session, its SoW and the customer's book and calendar, loaded after the account
/// lock so concurrent actions on one session are serialized.
struct Locked {
    /// With [`Also::Charges`]: the session's charges and the lots they drew from.
    charges: Option<(Vec<ChargePart>, Vec<LotRow>)>,
    book: Book,
    session: SessionRow,
    sow: SowRow,
    sow_as_read: SowRow,
    cal: BusinessCalendar,
}

async fn lock(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Locked, ServiceError> {
    lock_with(tx, ctx, id, Also::Nothing).await
}

/// As [`lock`], for an action that may debit units: the customer's live lots are read
/// by the same statement as the session and kept in the book for the debit.
async fn lock_for_debit(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Locked, ServiceError> {
    lock_with(tx, ctx, id, Also::LiveLots).await
}

/// As [`lock`], for a complaint decision: the session's charges and the lots they drew
/// from come with the session.
async fn lock_for_decision(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Locked, ServiceError> {
    lock_with(tx, ctx, id, Also::Charges).await
}

/// Two statements: the account lock (with the calendar), then everything the action
/// reads, as the previous holder of the lock left it.
async fn lock_with(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    also: Also,
) -> Result<Locked, ServiceError> {
    let mut book = Book::open_for(tx, ctx, Owner::Session, id.as_str(), "session").await?;
    let found = store::context(tx, id, also)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    let (session, sow) = (found.session, found.sow);
    let mut charges = None;
    match also {
        Also::Nothing => {}
        Also::LiveLots => book.keep_live_lots(found.lots),
        Also::Charges => charges = Some((found.charges, found.lots)),
    }
    let cal = book.calendar()?;
    Ok(Locked {
        charges,
        book,
        session,
        sow_as_read: sow.clone(),
        sow,
        cal,
    })
}

async fn finish(tx: &mut Tx, mut l: Locked) -> Result<Session, ServiceError> {
    store::update(tx, &l.session).await?;
    if l.sow != l.sow_as_read {
        sow_store::update(tx, &l.sow).await?;
    }
    coverage::rebalance(tx, &mut l.book).await?;
    l.book.close(tx).await?;
    Ok(view(l.session, &l.cal))
}

/// `POST /v1/sessions/{id}/reschedule`.
pub async fn reschedule(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    input: RescheduleInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::RunWork)?;
    let starts_at = crate::clock::truncate_to_micros(input.starts_at);
    let ends_at = crate::clock::truncate_to_micros(input.ends_at);
    let mut problems = Problems::default();
    problems.check("ends_at", check_interval(starts_at, ends_at));
    problems.finish()?;
    let mut l = lock(tx, ctx, id).await?;
    let next = l.session.status.reschedule().map_err(refused)?;
    sows::transition(l.sow.status, SowAction::Schedule)?;
    let estimated = estimate(&l.cal, &l.sow, starts_at, ends_at)?;
    check_capacity(tx, &l.sow, estimated, Some(id)).await?;
    let s = &mut l.session;
    s.status = next;
    s.starts_at = starts_at;
    s.ends_at = ends_at;
    s.estimated_units = estimated;
    s.cancel_reason = None;
    s.cancelled_at = None;
    s.updated_at = ctx.now;
    s.calendar_sequence += 1;
    let sequence = s.calendar_sequence;
    l.book.emit(
        "session_rescheduled",
        id,
        ctx.now,
        json!({"session_id": id, "sow_id": l.sow.id, "starts_at": starts_at, "ends_at": ends_at,
            "estimated_units": estimated, "sequence": sequence}),
    );
    let done = finish(tx, l).await?;
    super::audit::done(tx, ctx, AuditAction::SessionRescheduled, done).await
}

/// Charges a late cancellation or a no-show on the scheduled times.
async fn charge_scheduled(
    tx: &mut Tx,
    l: &mut Locked,
    effective_at: DateTime<Utc>,
) -> Result<ChargeOutcome, ServiceError> {
    let units = estimate(&l.cal, &l.sow, l.session.starts_at, l.session.ends_at)?;
    let out = ledger::charge(
        tx,
        &mut l.book,
        &mut l.sow,
        Charge {
            kind: EntryKind::CancellationDebit,
            units,
            effective_at,
            session_id: &l.session.id,
            shortfall: Shortfall::RecordDeficit,
        },
    )
    .await?;
    l.session.units_debited = Some(units);
    Ok(out)
}

/// `POST /v1/sessions/{id}/cancel`: a customer's cancellation before the late
/// threshold is free, at or after it is charged on the scheduled times; force majeure
/// or the SOC send the session back to be rescheduled, free of charge.
pub async fn cancel(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    input: CancelInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::CancelSession)?;
    let reason = CancelReason::parse(&input.reason).ok_or_else(|| {
        ServiceError::invalid("reason", format!("must be {}", CancelReason::choices()))
    })?;
    if reason == CancelReason::Soc && ctx.principal.is_customer_only() {
        return Err(ServiceError::invalid(
            "reason",
            "only the SOC cancels with reason soc",
        ));
    }
    let mut l = lock_for_debit(tx, ctx, id).await?;
    let late = is_late_cancellation(&l.cal, l.session.starts_at, ctx.now);
    let (next, charge) = l.session.status.cancel(reason, late).map_err(refused)?;
    l.session.status = next;
    l.session.cancel_reason = Some(reason);
    l.session.cancelled_at = Some(ctx.now);
    l.session.updated_at = ctx.now;
    l.session.calendar_sequence += 1;
    let mut data = json!({"session_id": id, "sow_id": l.sow.id, "reason": reason.as_str(),
        "late": charge == CancelOutcome::Late, "starts_at": l.session.starts_at,
        "ends_at": l.session.ends_at, "sequence": l.session.calendar_sequence});
    if charge == CancelOutcome::Late {
        let out = charge_scheduled(tx, &mut l, ctx.now).await?;
        data["units_debited"] = json!(out.drawn + out.deficit);
    }
    l.book.emit("session_cancelled", id, ctx.now, data);
    let _ = input.note;
    let done = finish(tx, l).await?;
    super::audit::done(tx, ctx, AuditAction::SessionCancelled, done).await
}

/// `POST /v1/sessions/{id}/no-show`: the customer was absent; charged on the scheduled
/// times, effective at the scheduled start.
pub async fn no_show(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Session, ServiceError> {
    ctx.require(Action::RunWork)?;
    let mut l = lock_for_debit(tx, ctx, id).await?;
    let starts = l.session.starts_at;
    l.session.status = l.session.status.no_show(starts, ctx.now).map_err(refused)?;
    l.session.updated_at = ctx.now;
    let out = charge_scheduled(tx, &mut l, starts).await?;
    l.book.emit(
        "session_no_show",
        id,
        ctx.now,
        json!({"session_id": id, "units_debited": out.drawn + out.deficit}),
    );
    let done = finish(tx, l).await?;
    super::audit::done(tx, ctx, AuditAction::SessionNoShow, done).await
}

/// The wire view of a stored session.
pub fn view(row: SessionRow, cal: &BusinessCalendar) -> Session {
    let evaluation = match (row.rating, row.evaluated_at) {
        (Some(rating), Some(at)) => Some(Evaluation {
            rating,
            comment: row.evaluation_comment.clone(),
            submitted_at: at,
            by: row.evaluated_by.as_ref().map(Into::into),
        }),
        _ => None,
    };
    let complaint = match (&row.complaint_reason, row.complaint_at, row.review_due) {
        (Some(reason), Some(at), Some(due)) => Some(Complaint {
            reason: reason.clone(),
            received_at: at,
            review_due: due,
            review_sla: row
                .review_sla
                .unwrap_or(crate::domain::sla::SlaState::Pending)
                .as_str()
                .to_string(),
            reversed_units: row.decision_units,
            decision_reason: row.decision_reason.clone(),
            decided_at: row.decided_at,
            decided_by: row.decided_by.clone(),
            by: row.complaint_by.as_ref().map(Into::into),
            decision_by: row.decision_by.as_ref().map(Into::into),
        }),
        _ => None,
    };
    Session {
        late_cancellation_threshold: late_cancellation_threshold(cal, row.starts_at),
        id: row.id.into_string(),
        sow_id: row.sow_id.into_string(),
        customer_id: row.customer_id.into_string(),
        status: row.status.as_str().to_string(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        requested_at: row.requested_at,
        scheduling_due: row.scheduling_due,
        scheduling_sla: row.scheduling_sla.as_str().to_string(),
        estimated_units: row.estimated_units,
        units_debited: row.units_debited,
        actual_start: row.actual_start,
        actual_end: row.actual_end,
        notes: row.notes,
        duration_minutes: row.duration_minutes,
        billable_hours: row.billable_hours,
        delivered_at: row.delivered_at,
        acceptance_due: row.acceptance_due,
        accepted_at: row.accepted_at,
        accepted_by: row.accepted_by.as_ref().map(Into::into),
        acceptance: row.acceptance.map(|a| a.as_str().to_string()),
        cancel_reason: row.cancel_reason.map(|r| r.as_str().to_string()),
        cancelled_at: row.cancelled_at,
        evaluation,
        complaint,
        updated_at: row.updated_at,
    }
}
