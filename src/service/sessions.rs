//! Sessions (SPEC §5): scheduling against the SoW's reservation, rescheduling,
//! cancellations (free or late), no-shows, delivery with its completion statement,
//! acceptance (explicit or automatic), evaluation, complaints and decisions.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::book::Book;
use super::ledger::{Charge, ChargeOutcome, Shortfall};
use super::{Ctx, Problems, ServiceError, calendars, ids, ledger, sows};
use crate::domain::access::Action;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::deadline::{
    business_days_after, is_late_cancellation, late_cancellation_threshold,
};
use crate::domain::ledger::EntryKind;
use crate::domain::pricing::price_session;
use crate::domain::session::{
    CancelOutcome, CancelReason, SessionStatus, SessionTransitionError,
    check_capacity as domain_capacity,
};
use crate::domain::sla::outcome;
use crate::domain::sow::SowAction;
use crate::domain::units::Units;
use crate::dto::work::{
    CancelInput, Complaint, Evaluation, RescheduleInput, ScheduleInput, Session,
};
use crate::storage::accounts::Owner;
use crate::storage::db::{Tx, from_micros, to_micros};
use crate::storage::sessions::{self as store, SessionRow};
use crate::storage::sows::{self as sow_store, SowRow};

mod delivery;

pub use delivery::{accept, auto_accept, complain, decide, deliver, evaluate, statement};

/// Business days to schedule a requested session.
pub const SCHEDULING_DAYS: u32 = 3;
/// Business days before a delivered session is accepted automatically.
pub const ACCEPTANCE_DAYS: u32 = 2;
/// Business days to review a complaint.
pub const REVIEW_DAYS: u32 = 5;
/// Longest session accepted (a month of continuous work).
pub const MAX_SESSION: Duration = Duration::days(31);

fn refused(e: SessionTransitionError) -> ServiceError {
    ServiceError::conflict(e.code, e.to_string())
}

fn status_of(row: &SessionRow) -> Result<SessionStatus, ServiceError> {
    SessionStatus::parse(&row.status).ok_or_else(|| {
        ServiceError::Store(crate::storage::db::StoreError::Corrupt(format!(
            "session status {}",
            row.status
        )))
    })
}

fn check_interval(
    problems: &mut Problems,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    end_field: &str,
) {
    if end <= start {
        problems.add(end_field, "must be after the start");
    } else if end - start > MAX_SESSION {
        problems.add(end_field, "a session lasts at most 31 days");
    }
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
    except: Option<&str>,
) -> Result<(), ServiceError> {
    let others: Vec<(SessionStatus, Units)> = store::of_sow(tx, &sow.id)
        .await?
        .iter()
        .filter(|s| Some(s.id.as_str()) != except)
        .map(|s| Ok((status_of(s)?, Units::from_hundredths(s.estimated_units))))
        .collect::<Result<_, ServiceError>>()?;
    domain_capacity(
        sow.planned_sessions,
        Units::from_hundredths(sow.reserved),
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
    sow_id: &str,
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
    check_interval(&mut problems, starts_at, ends_at, "ends_at");
    if requested_at > ctx.now {
        problems.add("requested_at", "must not be in the future");
    }
    problems.finish()?;
    let (mut book, sow) = sows::lock(tx, ctx, sow_id).await?;
    sows::transition(&sow.status, SowAction::Schedule)?;
    let cal = calendars::for_customer(tx, &sow.customer_id).await?;
    let estimated = estimate(&cal, &sow, starts_at, ends_at)?;
    check_capacity(tx, &sow, estimated, None).await?;
    let due = business_days_after(&cal, requested_at, SCHEDULING_DAYS);
    let now = to_micros(ctx.now);
    let row = SessionRow {
        id: ids::session().into_string(),
        sow_id: sow.id.clone(),
        customer_id: sow.customer_id.clone(),
        status: SessionStatus::Scheduled.as_str().into(),
        starts_at: to_micros(starts_at),
        ends_at: to_micros(ends_at),
        requested_at: to_micros(requested_at),
        scheduled_at: now,
        scheduling_due: to_micros(due),
        scheduling_sla: outcome(due, ctx.now).as_str().into(),
        estimated_units: estimated.hundredths(),
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
        updated_at: now,
    };
    store::insert(tx, &row).await?;
    book.emit(
        "session_scheduled",
        &row.id,
        ctx.now,
        json!({"session_id": row.id, "sow_id": sow.id, "starts_at": starts_at, "ends_at": ends_at, "estimated_units": estimated}),
    );
    book.close(tx).await?;
    view(row, &cal)
}

/// `GET /v1/sessions/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Session, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    ctx.require_customer(&row.customer_id, "session")?;
    let cal = calendars::for_customer(tx, &row.customer_id).await?;
    view(row, &cal)
}

/// `GET /v1/sows/{id}/sessions`.
pub async fn of_sow(
    tx: &mut Tx,
    ctx: &Ctx,
    sow_id: &str,
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
        .collect::<Result<Vec<_>, _>>()?;
    // A SoW has at most 1,000 planned sessions: one page holds them all.
    Ok(crate::dto::Page {
        data,
        next_cursor: None,
    })
}

/// A session, its SoW and the customer's book and calendar, loaded after the account
/// lock so concurrent actions on one session are serialized.
struct Locked {
    book: Book,
    session: SessionRow,
    sow: SowRow,
    sow_as_read: SowRow,
    cal: BusinessCalendar,
}

async fn lock(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Locked, ServiceError> {
    let book = Book::open_for(tx, ctx, Owner::Session, id, "session").await?;
    let session = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    let sow = sow_store::get(tx, &session.sow_id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    let cal = calendars::for_customer(tx, &session.customer_id).await?;
    Ok(Locked {
        book,
        session,
        sow_as_read: sow.clone(),
        sow,
        cal,
    })
}

async fn finish(tx: &mut Tx, l: Locked) -> Result<Session, ServiceError> {
    store::update(tx, &l.session).await?;
    if l.sow != l.sow_as_read {
        sow_store::update(tx, &l.sow).await?;
    }
    l.book.close(tx).await?;
    view(l.session, &l.cal)
}

/// `POST /v1/sessions/{id}/reschedule`.
pub async fn reschedule(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: RescheduleInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::RunWork)?;
    let starts_at = crate::clock::truncate_to_micros(input.starts_at);
    let ends_at = crate::clock::truncate_to_micros(input.ends_at);
    let mut problems = Problems::default();
    check_interval(&mut problems, starts_at, ends_at, "ends_at");
    problems.finish()?;
    let mut l = lock(tx, ctx, id).await?;
    let next = status_of(&l.session)?.reschedule().map_err(refused)?;
    sows::transition(&l.sow.status, SowAction::Schedule)?;
    let estimated = estimate(&l.cal, &l.sow, starts_at, ends_at)?;
    check_capacity(tx, &l.sow, estimated, Some(id)).await?;
    l.session.status = next.as_str().into();
    l.session.starts_at = to_micros(starts_at);
    l.session.ends_at = to_micros(ends_at);
    l.session.estimated_units = estimated.hundredths();
    l.session.cancel_reason = None;
    l.session.cancelled_at = None;
    l.session.updated_at = to_micros(ctx.now);
    l.book.emit(
        "session_rescheduled",
        id,
        ctx.now,
        json!({"session_id": id, "starts_at": starts_at, "ends_at": ends_at, "estimated_units": estimated}),
    );
    finish(tx, l).await
}

async fn charge_scheduled(
    tx: &mut Tx,
    l: &mut Locked,
    effective_at: DateTime<Utc>,
) -> Result<ChargeOutcome, ServiceError> {
    let starts = from_micros(l.session.starts_at)?;
    let ends = from_micros(l.session.ends_at)?;
    let units = estimate(&l.cal, &l.sow, starts, ends)?;
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
    l.session.units_debited = Some(units.hundredths());
    Ok(out)
}

/// `POST /v1/sessions/{id}/cancel`: a customer's cancellation before the late
/// threshold is free, at or after it is charged on the scheduled times; force majeure
/// or the SOC send the session back to be rescheduled, free of charge.
pub async fn cancel(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: CancelInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::CancelSession)?;
    let reason = CancelReason::parse(&input.reason).ok_or_else(|| {
        ServiceError::invalid("reason", "must be customer_request, force_majeure or soc")
    })?;
    if reason == CancelReason::Soc && ctx.principal.is_customer_only() {
        return Err(ServiceError::invalid(
            "reason",
            "only the SOC cancels with reason soc",
        ));
    }
    let mut l = lock(tx, ctx, id).await?;
    let starts = from_micros(l.session.starts_at)?;
    let late = is_late_cancellation(&l.cal, starts, ctx.now);
    let (next, charge) = status_of(&l.session)?
        .cancel(reason, late)
        .map_err(refused)?;
    l.session.status = next.as_str().into();
    l.session.cancel_reason = Some(reason.as_str().into());
    l.session.cancelled_at = Some(to_micros(ctx.now));
    l.session.updated_at = to_micros(ctx.now);
    let mut data =
        json!({"session_id": id, "reason": reason.as_str(), "late": charge == CancelOutcome::Late});
    if charge == CancelOutcome::Late {
        let out = charge_scheduled(tx, &mut l, ctx.now).await?;
        data["units_debited"] = json!(out.drawn + out.deficit);
    }
    l.book.emit("session_cancelled", id, ctx.now, data);
    let _ = input.note;
    finish(tx, l).await
}

/// `POST /v1/sessions/{id}/no-show`: the customer was absent; charged on the scheduled
/// times, effective at the scheduled start.
pub async fn no_show(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Session, ServiceError> {
    ctx.require(Action::RunWork)?;
    let mut l = lock(tx, ctx, id).await?;
    let starts = from_micros(l.session.starts_at)?;
    let next = status_of(&l.session)?
        .no_show(starts, ctx.now)
        .map_err(refused)?;
    l.session.status = next.as_str().into();
    l.session.updated_at = to_micros(ctx.now);
    let out = charge_scheduled(tx, &mut l, starts).await?;
    l.book.emit(
        "session_no_show",
        id,
        ctx.now,
        json!({"session_id": id, "units_debited": out.drawn + out.deficit}),
    );
    finish(tx, l).await
}

/// The wire view of a stored session.
pub fn view(row: SessionRow, cal: &BusinessCalendar) -> Result<Session, ServiceError> {
    let opt = |v: Option<i64>| v.map(from_micros).transpose();
    let starts_at = from_micros(row.starts_at)?;
    let evaluation = match (row.rating, row.evaluated_at) {
        (Some(rating), Some(at)) => Some(Evaluation {
            rating,
            comment: row.evaluation_comment.clone(),
            submitted_at: from_micros(at)?,
        }),
        _ => None,
    };
    let complaint = match (&row.complaint_reason, row.complaint_at, row.review_due) {
        (Some(reason), Some(at), Some(due)) => Some(Complaint {
            reason: reason.clone(),
            received_at: from_micros(at)?,
            review_due: from_micros(due)?,
            review_sla: row.review_sla.clone().unwrap_or_else(|| "pending".into()),
            reversed_units: row.decision_units.map(Units::from_hundredths),
            decision_reason: row.decision_reason.clone(),
            decided_at: opt(row.decided_at)?,
            decided_by: row.decided_by.clone(),
        }),
        _ => None,
    };
    Ok(Session {
        late_cancellation_threshold: late_cancellation_threshold(cal, starts_at),
        id: row.id,
        sow_id: row.sow_id,
        customer_id: row.customer_id,
        status: row.status,
        starts_at,
        ends_at: from_micros(row.ends_at)?,
        requested_at: from_micros(row.requested_at)?,
        scheduling_due: from_micros(row.scheduling_due)?,
        scheduling_sla: row.scheduling_sla,
        estimated_units: Units::from_hundredths(row.estimated_units),
        units_debited: row.units_debited.map(Units::from_hundredths),
        actual_start: opt(row.actual_start)?,
        actual_end: opt(row.actual_end)?,
        notes: row.notes,
        duration_minutes: row.duration_minutes,
        billable_hours: row.billable_hours,
        delivered_at: opt(row.delivered_at)?,
        acceptance_due: opt(row.acceptance_due)?,
        accepted_at: opt(row.accepted_at)?,
        acceptance: row.acceptance,
        cancel_reason: row.cancel_reason,
        cancelled_at: opt(row.cancelled_at)?,
        evaluation,
        complaint,
        updated_at: from_micros(row.updated_at)?,
    })
}
