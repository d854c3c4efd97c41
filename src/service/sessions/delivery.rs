//! After the session: delivery and its completion statement, acceptance (explicit or
//! automatic), complaints and their decisions, evaluation.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{ACCEPTANCE_DAYS, REVIEW_DAYS, check_interval, finish, lock, refused, status_of};
use crate::domain::access::Action;
use crate::domain::deadline::business_days_after;
use crate::domain::ledger::EntryKind;
use crate::domain::pricing::price_session;
use crate::domain::session::SessionStatus;
use crate::domain::sla::{SlaState, outcome};
use crate::domain::units::Units;
use crate::dto::validate;
use crate::dto::work::{
    ComplaintInput, CompletionStatement, DecisionInput, DeliverInput, EvaluationInput, Session,
};
use crate::service::ledger::{self, Charge, Shortfall};
use crate::service::{Ctx, Problems, ServiceError, sows};
use crate::storage::db::{Tx, from_micros, to_micros};
use crate::storage::sessions::{self as store, SessionRow};

/// `POST /v1/sessions/{id}/deliver`: records the actual times, prices them (§3),
/// charges the customer (the SoW's reservation first) and issues the completion
/// statement.
pub async fn deliver(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    public_url: &str,
    input: DeliverInput,
) -> Result<CompletionStatement, ServiceError> {
    ctx.require(Action::RunWork)?;
    let started = crate::clock::truncate_to_micros(input.started_at);
    let ended = crate::clock::truncate_to_micros(input.ended_at);
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    check_interval(&mut problems, started, ended, "ended_at");
    if ended > ctx.now {
        problems.add("ended_at", "must not be in the future");
    }
    problems.finish()?;
    let mut l = lock(tx, ctx, id).await?;
    let next = status_of(&l.session)?.deliver().map_err(refused)?;
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
    let acceptance_due = business_days_after(&l.cal, ctx.now, ACCEPTANCE_DAYS);
    let s = &mut l.session;
    s.status = next.as_str().into();
    s.actual_start = Some(to_micros(started));
    s.actual_end = Some(to_micros(ended));
    s.notes = input.notes;
    s.duration_minutes = Some(price.duration_minutes);
    s.billable_hours = Some(price.billable_hours);
    s.units_debited = Some(price.units.hundredths());
    s.delivered_at = Some(to_micros(ctx.now));
    s.acceptance_due = Some(to_micros(acceptance_due));
    s.updated_at = to_micros(ctx.now);
    let statement = CompletionStatement {
        session_id: id.to_string(),
        sow_id: l.sow.id.clone(),
        customer_id: l.session.customer_id.clone(),
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
        acceptance_due,
        evaluation_url: format!("{public_url}/v1/sessions/{id}/evaluation"),
    };
    l.book.emit(
        "session_delivered",
        id,
        ended,
        json!({"session_id": id, "units": price.units, "billable_hours": price.billable_hours, "acceptance_due": acceptance_due}),
    );
    finish(tx, l).await?;
    Ok(statement)
}

/// `GET /v1/sessions/{id}/statement`: the completion statement again.
pub async fn statement(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
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
        return Err(ServiceError::conflict(
            "session_not_delivered",
            "the session has not been delivered",
        ));
    };
    let charges = crate::storage::ledger::session_charges(tx, id).await?;
    let last = charges.iter().map(|c| c.seq).max().unwrap_or(0);
    let entry = crate::storage::ledger::get(tx, last).await?;
    let deficit: i64 = charges
        .iter()
        .filter(|c| c.kind == "deficit")
        .map(|c| -c.units)
        .sum();
    Ok(CompletionStatement {
        session_id: s.id.clone(),
        sow_id: s.sow_id.clone(),
        customer_id: s.customer_id.clone(),
        started_at: from_micros(start)?,
        ended_at: from_micros(end)?,
        duration_minutes: s.duration_minutes.unwrap_or(0),
        billable_hours: s.billable_hours.unwrap_or(0),
        units: Units::from_hundredths(s.units_debited.unwrap_or(0)),
        units_from_reservation: None,
        deficit_units: Units::from_hundredths(deficit),
        balance_after: Units::from_hundredths(entry.map(|e| e.balance_after).unwrap_or(0)),
        available_after: None,
        issued_at: from_micros(issued)?,
        acceptance_due: from_micros(due)?,
        evaluation_url: format!("{public_url}/v1/sessions/{}/evaluation", s.id),
    })
}

fn acceptance_due(s: &SessionRow) -> Result<DateTime<Utc>, ServiceError> {
    s.acceptance_due
        .map(from_micros)
        .transpose()?
        .ok_or_else(|| {
            ServiceError::conflict(
                "session_not_delivered",
                "the session has not been delivered",
            )
        })
}

/// `POST /v1/sessions/{id}/accept`: the customer accepts before the deadline.
pub async fn accept(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<Session, ServiceError> {
    ctx.require(Action::CustomerDecision)?;
    let mut l = lock(tx, ctx, id).await?;
    let status = status_of(&l.session)?;
    let due = if status == SessionStatus::Delivered {
        acceptance_due(&l.session)?
    } else {
        ctx.now
    };
    let next = status.accept(ctx.now, due).map_err(refused)?;
    l.session.status = next.as_str().into();
    l.session.accepted_at = Some(to_micros(ctx.now));
    l.session.acceptance = Some("explicit".into());
    l.session.updated_at = to_micros(ctx.now);
    l.book.emit(
        "session_accepted",
        id,
        ctx.now,
        json!({"session_id": id, "acceptance": "explicit"}),
    );
    finish(tx, l).await
}

/// Accepts a delivered session automatically, effective at its deadline (idempotent).
pub async fn auto_accept(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<bool, ServiceError> {
    let mut l = lock(tx, ctx, id).await?;
    if status_of(&l.session)? != SessionStatus::Delivered {
        return Ok(false);
    }
    let due = acceptance_due(&l.session)?;
    if due > ctx.now {
        return Ok(false);
    }
    l.session.status = SessionStatus::Accepted.as_str().into();
    l.session.accepted_at = Some(to_micros(due));
    l.session.acceptance = Some("automatic".into());
    l.session.updated_at = to_micros(ctx.now);
    l.book.emit(
        "session_accepted",
        id,
        due,
        json!({"session_id": id, "acceptance": "automatic"}),
    );
    finish(tx, l).await?;
    Ok(true)
}

/// `POST /v1/sessions/{id}/complaints`: before the acceptance deadline; a review is
/// due 5 business days after receipt.
pub async fn complain(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: ComplaintInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::CustomerDecision)?;
    validate(&input)?;
    let mut l = lock(tx, ctx, id).await?;
    let status = status_of(&l.session)?;
    let due = if status == SessionStatus::Delivered {
        acceptance_due(&l.session)?
    } else {
        ctx.now
    };
    let next = status.complain(ctx.now, due).map_err(refused)?;
    let review_due = business_days_after(&l.cal, ctx.now, REVIEW_DAYS);
    l.session.status = next.as_str().into();
    l.session.complaint_reason = Some(input.reason.trim().to_string());
    l.session.complaint_at = Some(to_micros(ctx.now));
    l.session.review_due = Some(to_micros(review_due));
    l.session.review_sla = Some(SlaState::Pending.as_str().into());
    l.session.updated_at = to_micros(ctx.now);
    l.book.emit(
        "complaint_received",
        id,
        ctx.now,
        json!({"session_id": id, "review_due": review_due}),
    );
    finish(tx, l).await
}

/// `POST /v1/sessions/{id}/complaints/decision`: the SOC manager reverses all, part or
/// none of the charged units; the session is resolved.
pub async fn decide(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: DecisionInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::DecideComplaint)?;
    validate(&input)?;
    let mut l = lock(tx, ctx, id).await?;
    let next = status_of(&l.session)?.decide().map_err(refused)?;
    let amount = input.reverse_units.0;
    let charged = Units::from_hundredths(l.session.units_debited.unwrap_or(0));
    if amount > charged {
        return Err(ServiceError::invalid(
            "reverse_units",
            format!("at most the {charged} units the session was charged can be reversed"),
        ));
    }
    let sow_id = l.sow.id.clone();
    ledger::reverse_session(tx, &mut l.book, id, &sow_id, amount, "reverse_units").await?;
    let s = &mut l.session;
    s.status = next.as_str().into();
    s.decision_units = Some(amount.hundredths());
    s.decision_reason = Some(input.reason.trim().to_string());
    s.decided_at = Some(to_micros(ctx.now));
    s.decided_by = Some(ctx.actor());
    if let Some(due) = s.review_due
        && s.review_sla.as_deref() == Some(SlaState::Pending.as_str())
    {
        s.review_sla = Some(outcome(from_micros(due)?, ctx.now).as_str().into());
    }
    s.updated_at = to_micros(ctx.now);
    l.book.emit(
        "complaint_decided",
        id,
        ctx.now,
        json!({"session_id": id, "reversed_units": amount, "reason": l.session.decision_reason}),
    );
    finish(tx, l).await
}

/// `POST /v1/sessions/{id}/evaluation`: rating 1–5 and a comment, once.
pub async fn evaluate(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    input: EvaluationInput,
) -> Result<Session, ServiceError> {
    ctx.require(Action::CustomerDecision)?;
    validate(&input)?;
    let mut l = lock(tx, ctx, id).await?;
    status_of(&l.session)?.can_be_evaluated().map_err(refused)?;
    if l.session.rating.is_some() {
        return Err(ServiceError::conflict(
            "already_evaluated",
            "the session was already evaluated",
        ));
    }
    l.session.rating = Some(input.rating);
    l.session.evaluation_comment = input.comment;
    l.session.evaluated_at = Some(to_micros(ctx.now));
    l.session.updated_at = to_micros(ctx.now);
    l.book.emit(
        "session_evaluated",
        id,
        ctx.now,
        json!({"session_id": id, "rating": input.rating}),
    );
    finish(tx, l).await
}
