//! The SLA report: for each target, how many items met, breached, are open or overdue.

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::sla::{SlaState, Tally, tally};
use crate::dto::work::{SlaFigures, SlaQuery, SlaReport};
use crate::storage::db::Tx;
use crate::storage::{requests, sessions};

fn figures(t: Tally) -> SlaFigures {
    SlaFigures {
        total: t.total,
        met: t.met,
        breached: t.breached,
        open: t.open,
        overdue: t.overdue,
    }
}

/// `GET /v1/reports/sla?from=&to=`: items whose clock started in `[from, to)` —
/// requests by receipt, sessions by request, complaints by receipt.
pub async fn sla(tx: &mut Tx, ctx: &Ctx, q: SlaQuery) -> Result<SlaReport, ServiceError> {
    ctx.require(Action::ReadSla)?;
    let to_at = q.to.unwrap_or(ctx.now);
    let from_at = q.from.unwrap_or(to_at - chrono::Duration::days(30));
    if to_at <= from_at {
        return Err(ServiceError::invalid("to", "must be after from"));
    }
    let (from, to) = (from_at, to_at);
    let reqs = requests::sla_window(tx, from, to).await?;
    let initial = reqs
        .iter()
        .map(|r| (r.initial_response_due, r.responded_at));
    let sow = reqs
        .iter()
        .filter(|r| r.sow_sla != SlaState::NotApplicable)
        .map(|r| (r.sow_due, r.sow_delivered_at));
    let scheduling = sessions::scheduling_window(tx, from, to)
        .await?
        .into_iter()
        .map(|s| (s.scheduling_due, Some(s.scheduled_at)));
    let review = sessions::review_window(tx, from, to)
        .await?
        .into_iter()
        .map(|r| (r.review_due, r.decided_at));
    Ok(SlaReport {
        from: from_at,
        to: to_at,
        as_of: ctx.now,
        initial_response: figures(tally(initial.collect::<Vec<_>>(), ctx.now)),
        sow_delivery: figures(tally(sow.collect::<Vec<_>>(), ctx.now)),
        scheduling: figures(tally(scheduling, ctx.now)),
        complaint_review: figures(tally(review, ctx.now)),
    })
}
