//! The SLA report: for each target, how many items met, breached, are open or overdue.

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::sla::{Tally, tally};
use crate::dto::work::{SlaFigures, SlaQuery, SlaReport};
use crate::storage::db::{Tx, from_micros, to_micros};
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
    let (from, to) = (to_micros(from_at), to_micros(to_at));
    let reqs = requests::sla_window(tx, from, to).await?;
    let mut initial = Vec::with_capacity(reqs.len());
    let mut sow = Vec::with_capacity(reqs.len());
    for (due, responded, sow_due, delivered, sow_sla) in reqs {
        initial.push((from_micros(due)?, responded.map(from_micros).transpose()?));
        if sow_sla != "not_applicable" {
            sow.push((
                from_micros(sow_due)?,
                delivered.map(from_micros).transpose()?,
            ));
        }
    }
    let mut scheduling = Vec::new();
    for (due, at) in sessions::scheduling_window(tx, from, to).await? {
        scheduling.push((from_micros(due)?, Some(from_micros(at)?)));
    }
    let mut review = Vec::new();
    for (due, decided) in sessions::review_window(tx, from, to).await? {
        review.push((from_micros(due)?, decided.map(from_micros).transpose()?));
    }
    Ok(SlaReport {
        from: from_at,
        to: to_at,
        as_of: ctx.now,
        initial_response: figures(tally(initial, ctx.now)),
        sow_delivery: figures(tally(sow, ctx.now)),
        scheduling: figures(tally(scheduling, ctx.now)),
        complaint_review: figures(tally(review, ctx.now)),
    })
}
