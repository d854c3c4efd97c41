//! Statements of work (SPEC §5): drafting with revisions bound by ETags, submission,
//! approval with provisioning (or a shortfall quote), rejection, cancellation,
//! completion and supersession.

use serde_json::json;

use super::book::Book;
use super::{Ctx, ServiceError, ids};
use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{CustomerId, RequestId, SowId};
use crate::domain::pricing::{PricingTerms, RateCard as DomainRateCard, StandardHours};
use crate::domain::request::RequestKind;
use crate::domain::session::AcceptanceDays;
use crate::domain::sow::{
    IfMatchRevision, SowAction, SowStatus, etag, parse_language, revision_in_if_match,
};
use crate::domain::units::Units;
use crate::dto::work::{
    RateCard, RateCardInput, Sow, SowInput, SowPatch, StandardHoursBody, WorkQuery,
};
use crate::dto::{Page, PageQuery};
use crate::storage::accounts::Owner;
use crate::storage::db::{StoreError, Tx};
use crate::storage::sows::{self as store, SowRow};
use crate::validation::{Problems, validate};

mod lifecycle;

pub use lifecycle::{approve, close, reject, submit, supersede};

/// Turns a refused lifecycle transition into a 409 with its code.
pub fn transition(status: SowStatus, action: SowAction) -> Result<SowStatus, ServiceError> {
    status
        .apply(action)
        .map_err(|e| ServiceError::conflict(e.code, e.to_string()))
}

/// The pricing terms a SoW's sessions are charged with.
pub fn terms(row: &SowRow) -> Result<PricingTerms, ServiceError> {
    let card = DomainRateCard::new(row.rate_out_of_hours, row.rate_weekend, row.rate_holiday)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(PricingTerms {
        rate_card: card,
        units_per_session: row.units_per_session,
        minimum_billable_hours: u32::try_from(row.minimum_billable_hours).unwrap_or(1),
        standard_hours: standard_hours(row)?,
    })
}

/// The standard band a SoW's sessions are priced with.
pub fn standard_hours(row: &SowRow) -> Result<StandardHours, ServiceError> {
    StandardHours::parse(&row.standard_from, &row.standard_to)
        .map_err(|e| StoreError::Corrupt(format!("SoW {}: {e}", row.id)).into())
}

/// The business days of a SoW's sessions' acceptance and complaint window.
pub fn acceptance_days(row: &SowRow) -> Result<AcceptanceDays, ServiceError> {
    AcceptanceDays::new(row.acceptance_days)
        .map_err(|e| StoreError::Corrupt(format!("SoW {}: acceptance_days {e}", row.id)).into())
}

/// The SoW's standard hours as the wire shows them.
pub fn standard_hours_view(row: &SowRow) -> StandardHoursBody {
    StandardHoursBody {
        from: row.standard_from.clone(),
        to: row.standard_to.clone(),
    }
}

/// Applies the terms SPEC §14 lets a SoW change; what is refused is named by field.
fn apply_sow_terms(
    problems: &mut Problems,
    row: &mut SowRow,
    hours: Option<&StandardHoursBody>,
    days: Option<i64>,
) {
    if let Some(hours) = hours
        && let Some(band) = problems.check(
            "standard_hours",
            StandardHours::parse(&hours.from, &hours.to),
        )
    {
        row.standard_from = band.from_text();
        row.standard_to = band.to_text();
    }
    if let Some(days) = days
        && let Some(days) = problems.check("acceptance_days", AcceptanceDays::new(days))
    {
        row.acceptance_days = i64::from(days.get());
    }
}

fn apply_rate_card(problems: &mut Problems, row: &mut SowRow, input: Option<&RateCardInput>) {
    let Some(card) = input else { return };
    let ooh = card.out_of_hours.map_or(row.rate_out_of_hours, |u| u.0);
    let weekend = card.weekend.map_or(row.rate_weekend, |u| u.0);
    let holiday = card.holiday.map_or(row.rate_holiday, |u| u.0);
    match DomainRateCard::new(ooh, weekend, holiday) {
        Ok(_) => {
            row.rate_out_of_hours = ooh;
            row.rate_weekend = weekend;
            row.rate_holiday = holiday;
        }
        Err(e) => problems.add("rate_card", e.to_string()),
    }
}

/// `POST /v1/sows`.
pub async fn create(tx: &mut Tx, ctx: &Ctx, input: SowInput) -> Result<Sow, ServiceError> {
    ctx.require(Action::RunWork)?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    let language = problems.check(
        "language",
        parse_language(input.language.as_deref().unwrap_or("en")),
    );
    let kind = input.kind.as_deref().and_then(|k| {
        problems.check(
            "kind",
            RequestKind::parse(k).ok_or_else(|| format!("must be {}", RequestKind::choices())),
        )
    });
    let defaults = DomainRateCard::default();
    let customer_id = CustomerId::from(input.customer_id.as_str());
    let request_id = input.request_id.as_deref().map(RequestId::from);
    let mut row = SowRow {
        id: ids::sow(),
        customer_id: customer_id.clone(),
        request_id: request_id.clone(),
        kind: None,
        status: SowStatus::Draft,
        revision: 1,
        title: input.title.trim().to_string(),
        activities: input.activities.clone(),
        planned_sessions: input.planned_sessions,
        planned_units: input.planned_units.0,
        units_per_session: input.units_per_session.map(|u| u.0),
        minimum_billable_hours: input.minimum_billable_hours.unwrap_or(1),
        rate_out_of_hours: defaults.out_of_hours(),
        rate_weekend: defaults.weekend(),
        rate_holiday: defaults.holiday(),
        standard_from: StandardHours::default().from_text(),
        standard_to: StandardHours::default().to_text(),
        acceptance_days: i64::from(AcceptanceDays::default().get()),
        acceptance_criteria: input.acceptance_criteria.clone(),
        language: language.unwrap_or("en").to_string(),
        service_hours_note: input.service_hours_note.clone(),
        contingency_plan: input.contingency_plan.clone(),
        technical_contact: input.technical_contact.clone(),
        supersedes_id: None,
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
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    apply_rate_card(&mut problems, &mut row, input.rate_card.as_ref());
    apply_sow_terms(
        &mut problems,
        &mut row,
        input.standard_hours.as_ref(),
        input.acceptance_days,
    );
    let customer = crate::storage::customers::get(tx, &customer_id).await?;
    if customer.is_none() {
        problems.add("customer_id", "no such customer");
        problems.stop_if_any()?;
    }
    // The request is checked under the customer's lock, so a concurrent decline cannot
    // slip between the check and the draft.
    let mut book = Book::open(tx, ctx, &customer_id).await?;
    if let Some(request_id) = &request_id {
        match crate::storage::requests::get(tx, request_id).await? {
            Some(r) if r.customer_id == customer_id => {
                if !r.status.accepts_sow() {
                    problems.add("request_id", format!("the request was {}", r.status));
                }
                if kind.is_some_and(|k| k != r.kind) {
                    problems.add("kind", format!("the request is a {} request", r.kind));
                }
                row.kind = Some(r.kind);
            }
            _ => problems.add("request_id", "no such request for this customer"),
        }
    }
    if row.kind.is_none() {
        row.kind = kind;
    }
    problems.finish()?;
    store::insert(tx, &row).await?;
    snapshot(tx, ctx, &row).await?;
    book.emit(
        "sow_drafted",
        &row.id,
        ctx.now,
        json!({"sow_id": row.id, "revision": 1}),
    );
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::SowDrafted, view(row)).await
}

async fn snapshot(tx: &mut Tx, ctx: &Ctx, row: &SowRow) -> Result<(), ServiceError> {
    let doc = serde_json::to_string(&view(row.clone())).unwrap_or_default();
    store::insert_revision(tx, &row.id, row.revision, &doc, &ctx.actor(), ctx.now).await?;
    Ok(())
}

/// `GET /v1/sows/{id}`.
pub async fn get(tx: &mut Tx, ctx: &Ctx, id: &SowId) -> Result<Sow, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    ctx.require_customer(&row.customer_id, "SoW")?;
    Ok(view(row))
}

/// `GET /v1/sows`.
pub async fn list(tx: &mut Tx, ctx: &Ctx, q: WorkQuery) -> Result<Page<Sow>, ServiceError> {
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

/// Loads a SoW for a change after locking its customer's account, so concurrent
/// changes of one SoW (or of the customer's units) are serialized.
pub async fn lock(tx: &mut Tx, ctx: &Ctx, id: &SowId) -> Result<(Book, SowRow), ServiceError> {
    let book = Book::open_for(tx, ctx, Owner::Sow, id.as_str(), "SoW").await?;
    let row = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    Ok((book, row))
}

fn check_if_match(row: &SowRow, if_match: Option<&str>) -> Result<(), ServiceError> {
    let value = if_match.ok_or(ServiceError::PreconditionRequired)?;
    match revision_in_if_match(value, row.id.as_str()) {
        Some(IfMatchRevision::Any) => Ok(()),
        Some(IfMatchRevision::Revision(r)) if r == row.revision => Ok(()),
        _ => Err(ServiceError::PreconditionFailed(format!(
            "the current revision is {} ({})",
            row.revision,
            etag(row.id.as_str(), row.revision)
        ))),
    }
}

/// `PATCH /v1/sows/{id}`: edits a draft; each edit is a new revision.
pub async fn patch(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    if_match: Option<&str>,
    patch: SowPatch,
) -> Result<Sow, ServiceError> {
    ctx.require(Action::RunWork)?;
    // What the body says by itself is checked before the revision: a malformed edit
    // is a 422 whatever the If-Match.
    let mut problems = Problems::default();
    problems.absorb(validate(&patch));
    let language = patch
        .language
        .as_deref()
        .and_then(|l| problems.check("language", parse_language(l)));
    problems.finish()?;
    let (mut book, mut row) = lock(tx, ctx, id).await?;
    check_if_match(&row, if_match)?;
    transition(row.status, SowAction::Edit)?;
    let mut problems = Problems::default();
    apply_rate_card(&mut problems, &mut row, patch.rate_card.as_ref());
    apply_sow_terms(
        &mut problems,
        &mut row,
        patch.standard_hours.as_ref(),
        patch.acceptance_days,
    );
    problems.finish()?;
    if let Some(lang) = language {
        row.language = lang.into();
    }
    if let Some(v) = patch.title {
        row.title = v.trim().to_string();
    }
    if let Some(v) = patch.activities {
        row.activities = v;
    }
    if let Some(v) = patch.planned_sessions {
        row.planned_sessions = v;
    }
    if let Some(v) = patch.planned_units {
        row.planned_units = v.0;
    }
    if let Some(v) = patch.units_per_session {
        row.units_per_session = v.map(|u| u.0);
    }
    if let Some(v) = patch.minimum_billable_hours {
        row.minimum_billable_hours = v;
    }
    if let Some(v) = patch.acceptance_criteria {
        row.acceptance_criteria = v;
    }
    if let Some(v) = patch.service_hours_note {
        row.service_hours_note = Some(v);
    }
    if let Some(v) = patch.contingency_plan {
        row.contingency_plan = Some(v);
    }
    if let Some(v) = patch.technical_contact {
        row.technical_contact = Some(v);
    }
    row.revision += 1;
    row.updated_at = ctx.now;
    store::update(tx, &row).await?;
    snapshot(tx, ctx, &row).await?;
    book.emit(
        "sow_revised",
        id,
        ctx.now,
        json!({"sow_id": id, "revision": row.revision}),
    );
    book.close(tx).await?;
    super::audit::done(tx, ctx, AuditAction::SowEdited, view(row)).await
}

/// The wire view of a stored SoW.
pub fn view(row: SowRow) -> Sow {
    Sow {
        etag: etag(row.id.as_str(), row.revision),
        rate_card: RateCard {
            standard: Units::ONE,
            out_of_hours: row.rate_out_of_hours,
            weekend: row.rate_weekend,
            holiday: row.rate_holiday,
        },
        standard_hours: standard_hours_view(&row),
        acceptance_days: row.acceptance_days,
        id: row.id.into_string(),
        customer_id: row.customer_id.into_string(),
        request_id: row.request_id.map(|r| r.into_string()),
        kind: row.kind.map(|k| k.as_str().to_string()),
        status: row.status.as_str().to_string(),
        revision: row.revision,
        title: row.title,
        activities: row.activities,
        planned_sessions: row.planned_sessions,
        planned_units: row.planned_units,
        units_per_session: row.units_per_session,
        minimum_billable_hours: row.minimum_billable_hours,
        acceptance_criteria: row.acceptance_criteria,
        language: row.language,
        service_hours_note: row.service_hours_note,
        contingency_plan: row.contingency_plan,
        technical_contact: row.technical_contact,
        supersedes_id: row.supersedes_id.map(|s| s.into_string()),
        superseded_by_id: row.superseded_by_id.map(|s| s.into_string()),
        rejection_comment: row.rejection_comment,
        approved_revision: row.approved_revision,
        approved_at: row.approved_at,
        approved_by: row.approved_by.as_ref().map(Into::into),
        reserved_units: row.reserved,
        consumed_units: row.consumed,
        submitted_at: row.submitted_at,
        closed_at: row.closed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
