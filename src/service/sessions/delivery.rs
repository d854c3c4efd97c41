//! After the session: delivery and its completion statement, acceptance (explicit or
//! automatic), complaints and their decisions, evaluation.

use serde_json::json;

use super::{finish, lock, lock_for_debit, lock_for_decision, refused};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::ids::SessionId;
use crate::domain::ledger::EntryKind;
use crate::domain::pricing::price_session;
use crate::domain::session::{
    Acceptance, SessionStatus, acceptance_due, acceptance_reminder_at, acceptance_window_open,
    check_interval, review_due,
};
use crate::domain::sla::{SlaState, outcome};
use crate::domain::units::Units;
use crate::dto::work::{
    ComplaintInput, CompletionStatement, DecisionInput, DeliverInput, EvaluationInput, Session,
};
use crate::service::ledger::{self, Charge, Shortfall};
use crate::service::{Ctx, ServiceError, sows};
use crate::storage::db::Tx;
use crate::storage::sessions::{self as store, SessionRow};
use crate::validation::{Problems, validate};

/// `POST /v1/sessions/{id}/deliver`: records the actual times, prices them (§3),
/// charges the customer (the SoW's reservation first) and issues the completion
/// statement.
pub async fn deliver(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    public_url: &str,
    input: DeliverInput,
) -> Result<CompletionStatement, ServiceError> {
    ctx.require(Action::RunWork)?;
    let started = crate::clock::truncate_to_micros(input.started_at);
    let ended = crate::clock::truncate_to_micros(input.ended_at);
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    problems.check("ended_at", check_interval(started, ended));
    if ended > ctx.now {
        problems.add("ended_at", "must not be in the future");
    }
    problems.finish()?;
    let mut l = lock_for_debit(tx, ctx, id).await?;
    let next = l.session.status.deliver().map_err(refused)?;
    let terms = sows::terms(&l.sow)?;
    let price = price_session(&l.cal, &terms, started, ended)
        .map_err(|e| ServiceError::invalid("ended_at", e.to_string()))?;
    let out = ledger::charge(
        tx,
        &mut l.book,
        &mut l.sow,
        Charge {
            kind: EntryKind::Debit,
            units: price.units,
            effective_at: ended,
            session_id: id,
            shortfall: Shortfall::RecordDeficit,
        },
    )
    .await?;
    let days = sows::acceptance_days(&l.sow)?;
    let due = acceptance_due(&l.cal, ctx.now, days);
    let s = &mut l.session;
    s.status = next;
    s.actual_start = Some(started);
    s.actual_end = Some(ended);
    s.notes = input.notes;
    s.duration_minutes = Some(price.duration_minutes);
    s.billable_hours = Some(price.billable_hours);
    s.units_debited = Some(price.units);
    s.delivered_at = Some(ctx.now);
    s.acceptance_due = Some(due);
    s.acceptance_reminder_at = Some(acceptance_reminder_at(&l.cal, ctx.now, days));
    s.updated_at = ctx.now;
    let statement = CompletionStatement {
        session_id: id.to_string(),
        sow_id: l.sow.id.to_string(),
        customer_id: l.session.customer_id.to_string(),
        started_at: started,
        ended_at: ended,
        duration_minutes: price.duration_minutes,
        billable_hours: price.billable_hours,
        units: price.units,
        units_from_reservation: Some(out.from_reservation),
        deficit_units: out.deficit,
        balance_after: l.book.total(),
        available_after: Some(l.book.available()),
        issued_at: ctx.now,
        acceptance_due: due,
        standard_hours: sows::standard_hours_view(&l.sow),
        acceptance_days: i64::from(days.get()),
        evaluation_url: format!("{public_url}/v1/sessions/{id}/evaluation"),
    };
    l.book.emit(
        "session_delivered",
        id,
        ended,
        json!({"session_id": id, "units": price.units, "billable_hours": price.billable_hours,
            "duration_minutes": price.duration_minutes, "started_at": started, "ended_at": ended,
            "balance_after": statement.balance_after, "acceptance_due": due,
            "standard_hours": statement.standard_hours, "acceptance_days": days.get()}),
    );
    finish(tx, l).await?;
    super::super::audit::done(tx, ctx, AuditAction::SessionDelivered, statement).await
}

/// `GET /v1/sessions/{id}/statement`: the completion statement again.
pub async fn statement(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    public_url: &str,
) -> Result<CompletionStatement, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let s = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("session"))?;
    ctx.require_customer(&s.customer_id, "session")?;
    let (Some(start), Some(end), Some(issued), Some(due)) = (
        s.actual_start,
        s.actual_end,
        s.delivered_at,
        s.acceptance_due,
    ) else {
        return Err(not_delivered());
    };
    let sow = crate::storage::sows::get(tx, &s.sow_id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    let charges = crate::storage::deficits::session_charges(tx, id).await?;
    let last = charges.iter().map(|c| c.id).max().unwrap_or(0);
    let entry = crate::storage::ledger::get(tx, last).await?;
    let deficit: Units = charges
        .iter()
        .filter(|c| c.kind == EntryKind::Deficit)
        .map(|c| -c.units)
        .sum();
    Ok(CompletionStatement {
        session_id: s.id.to_string(),
        sow_id: s.sow_id.to_string(),
        customer_id: s.customer_id.to_string(),
        started_at: start,
        ended_at: end,
        duration_minutes: s.duration_minutes.unwrap_or(0),
        billable_hours: s.billable_hours.unwrap_or(0),
        units: s.units_debited.unwrap_or(Units::ZERO),
        units_from_reservation: None,
        deficit_units: deficit,
        balance_after: entry.map_or(Units::ZERO, |e| e.balance_after),
        available_after: None,
        issued_at: issued,
        acceptance_due: due,
        standard_hours: sows::standard_hours_view(&sow),
        acceptance_days: sow.acceptance_days,
        evaluation_url: format!("{public_url}/v1/sessions/{}/evaluation", s.id),
    })
}

fn not_delivered() -> ServiceError {
    ServiceError::conflict(
        "session_not_delivered",
        "the session has not been delivered",
    )
}

/// The acceptance deadline the customer's decision is judged against: the stored one
/// for a delivered session; for any other state the transition refuses by state, so
/// `now` stands in.
fn deadline_for_decision(
    s: &SessionRow,
    ctx: &Ctx,
) -> Result<chrono::DateTime<chrono::Utc>, ServiceError> {
    if s.status == SessionStatus::Delivered {
        s.acceptance_due.ok_or_else(not_delivered)
    } else {
        Ok(ctx.now)
    }
}

/// `POST /v1/sessions/{id}/accept`: the customer accepts before the deadline.
pub async fn accept(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<Session, ServiceError> {
    ctx.require(Action::ApproveWork)?;
    let mut l = lock(tx, ctx, id).await?;
    let due = deadline_for_decision(&l.session, ctx)?;
    l.session.status = l.session.status.accept(ctx.now, due).map_err(refused)?;
    l.session.accepted_at = Some(ctx.now);
    l.session.accepted_by = Some(ctx.principal.actor.clone());
    l.session.acceptance = Some(Acceptance::Explicit);
    l.session.updated_at = ctx.now;
    l.book.emit(
        "session_accepted",
        id,
        ctx.now,
        json!({"session_id": id, "acceptance": Acceptance::Explicit.as_str()}),
    );
    let done = finish(tx, l).await?;
    super::super::audit::done(tx, ctx, AuditAction::SessionAccepted, done).await
}

/// Accepts a delivered session automatically, effective at its deadline (idempotent).
pub async fn auto_accept(tx: &mut Tx, ctx: &Ctx, id: &SessionId) -> Result<bool, ServiceError> {
    let mut l = lock(tx, ctx, id).await?;
    if l.session.status != SessionStatus::Delivered {
        return Ok(false);
    }
    let due = l.session.acceptance_due.ok_or_else(not_delivered)?;
    if acceptance_window_open(due, ctx.now) {
        return Ok(false);
    }
    l.session.status = SessionStatus::Accepted;
    l.session.accepted_at = Some(due);
    l.session.accepted_by = Some(crate::domain::identity::Actor::system());
    l.session.acceptance = Some(Acceptance::Automatic);
    l.session.updated_at = ctx.now;
    l.book.emit(
        "session_accepted",
        id,
        due,
        json!({"session_id": id, "acceptance": Acceptance::Automatic.as_str()}),
    );
    finish(tx, l).await?;
    Ok(true)
}

/// `POST /v1/sessions/{id}/complaints`: before the acceptance deadline; a review is
/// due 5 business days after receipt.
pub async fn complain(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    input: ComplaintInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::ApproveWork)?;
    validate(&input)?;
    let mut l = lock(tx, ctx, id).await?;
    let due = deadline_for_decision(&l.session, ctx)?;
    let next = l.session.status.complain(ctx.now, due).map_err(refused)?;
    let review = review_due(&l.cal, ctx.now);
    let s = &mut l.session;
    s.status = next;
    s.complaint_reason = Some(input.reason.trim().to_string());
    s.complaint_at = Some(ctx.now);
    s.complaint_by = Some(ctx.principal.actor.clone());
    s.review_due = Some(review);
    s.review_sla = Some(SlaState::Pending);
    s.updated_at = ctx.now;
    l.book.emit(
        "complaint_received",
        id,
        ctx.now,
        json!({"session_id": id, "review_due": review, "reason": input.reason.trim()}),
    );
    let done = finish(tx, l).await?;
    super::super::audit::done(tx, ctx, AuditAction::ComplaintReceived, done).await
}

/// `POST /v1/sessions/{id}/complaints/decision`: the SOC manager reverses all, part or
/// none of the charged units; the session is resolved.
pub async fn decide(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    input: DecisionInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::DecideComplaint)?;
    validate(&input)?;
    let mut l = lock_for_decision(tx, ctx, id).await?;
    let next = l.session.status.decide().map_err(refused)?;
    let amount = input.reverse_units.0;
    let charged = l.session.units_debited.unwrap_or(Units::ZERO);
    if amount > charged {
        return Err(ServiceError::invalid(
            "reverse_units",
            format!("at most the {charged} units the session was charged can be reversed"),
        ));
    }
    let sow_id = l.sow.id.clone();
    let (charges, lots) = l.charges.take().unwrap_or_default();
    let reversal = ledger::Reversal {
        session_id: id,
        sow_id: &sow_id,
        charges,
        lots,
    };
    ledger::reverse_session(tx, &mut l.book, reversal, amount, "reverse_units").await?;
    let s = &mut l.session;
    s.status = next;
    s.decision_units = Some(amount);
    s.decision_reason = Some(input.reason.trim().to_string());
    s.decided_at = Some(ctx.now);
    s.decided_by = Some(ctx.actor());
    s.decision_by = Some(ctx.principal.actor.clone());
    if let (Some(due), Some(SlaState::Pending)) = (s.review_due, s.review_sla) {
        s.review_sla = Some(outcome(due, ctx.now));
    }
    s.updated_at = ctx.now;
    l.book.emit(
        "complaint_decided",
        id,
        ctx.now,
        json!({"session_id": id, "reversed_units": amount, "reason": l.session.decision_reason}),
    );
    let done = finish(tx, l).await?;
    super::super::audit::done(tx, ctx, AuditAction::ComplaintDecided, done).await
}

/// `POST /v1/sessions/{id}/evaluation`: rating 1–5 and a comment, once.
pub async fn evaluate(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
    input: EvaluationInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::EvaluateSession)?;
    validate(&input)?;
    let mut l = lock(tx, ctx, id).await?;
    l.session.status.can_be_evaluated().map_err(refused)?;
    if l.session.rating.is_some() {
        return Err(ServiceError::conflict(
            "already_evaluated",
            "the session was already evaluated",
        ));
    }
    l.session.rating = Some(input.rating);
    l.session.evaluation_comment = input.comment;
    l.session.evaluated_at = Some(ctx.now);
    l.session.evaluated_by = Some(ctx.principal.actor.clone());
    l.session.updated_at = ctx.now;
    l.book.emit(
        "session_evaluated",
        id,
        ctx.now,
        json!({"session_id": id, "rating": input.rating}),
    );
    let done = finish(tx, l).await?;
    super::super::audit::done(tx, ctx, AuditAction::SessionEvaluated, done).await
}
