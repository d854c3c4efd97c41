//! Baseline assessment reports (SPEC §14): the SOC drafts the report of a baseline
//! assessment SoW, issues it as an immutable version (a later issue supersedes it, the
//! older stays readable), and the customer reads it — through the API and the console's
//! printable page. Issuing emits `report_issued` (mail to approver and technical
//! contacts, webhook). The rules live in [`crate::domain::report`]; this room runs them
//! in one transaction per use case, beside the service layer.

use serde_json::json;

use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::ids::SowId;
use crate::domain::report::{ReportError, Severity, check_writable, next_version};
use crate::dto::reports::{Finding, Report, ReportInput};
use crate::service::{Ctx, ServiceError, audit, sows};
use crate::storage::db::{StoreError, Tx};
use crate::storage::reports::{self as store, DraftRow, VersionRow};
use crate::storage::sows::SowRow;
use crate::validation::{Problems, validate};

fn refused(e: ReportError) -> ServiceError {
    ServiceError::conflict(e.code(), e.to_string())
}

fn findings(sow: &SowRow, json: &str) -> Result<Vec<Finding>, ServiceError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("report of {}: {e}", sow.id)).into())
}

fn draft_view(sow: &SowRow, d: DraftRow, latest: Option<i64>) -> Result<Report, ServiceError> {
    Ok(Report {
        sow_id: sow.id.to_string(),
        customer_id: sow.customer_id.to_string(),
        sow_title: sow.title.clone(),
        status: "draft".into(),
        version: None,
        latest_version: latest,
        superseded: false,
        findings: findings(sow, &d.findings)?,
        summary: d.summary,
        at: d.updated_at,
        by: (&d.updated_by).into(),
    })
}

fn version_view(sow: &SowRow, v: VersionRow, latest: Option<i64>) -> Result<Report, ServiceError> {
    Ok(Report {
        sow_id: sow.id.to_string(),
        customer_id: sow.customer_id.to_string(),
        sow_title: sow.title.clone(),
        status: "issued".into(),
        version: Some(v.version),
        latest_version: latest,
        superseded: latest.is_some_and(|l| l > v.version),
        findings: findings(sow, &v.findings)?,
        summary: v.summary,
        at: v.issued_at,
        by: (&v.issued_by).into(),
    })
}

/// `PUT /v1/sows/{id}/report`: saves the whole draft.
pub async fn save_draft(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    input: ReportInput,
) -> Result<Report, ServiceError> {
    ctx.require(Action::RunWork)?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    for (i, f) in input.findings.iter().enumerate() {
        if Severity::parse(&f.severity).is_none() {
            problems.add(
                &format!("findings[{i}].severity"),
                format!("must be {}", Severity::choices()),
            );
        }
    }
    problems.finish()?;
    let (book, sow) = sows::lock(tx, ctx, id).await?;
    check_writable(sow.kind, sow.status).map_err(refused)?;
    let draft = DraftRow {
        sow_id: sow.id.clone(),
        summary: input.summary.trim().to_string(),
        findings: serde_json::to_string(&input.findings).unwrap_or_else(|_| "[]".into()),
        updated_at: ctx.now,
        updated_by: ctx.principal.actor.clone(),
        issued_as: None,
    };
    store::save_draft(tx, &draft).await?;
    book.close(tx).await?;
    let latest = store::latest_version(tx, id).await?;
    let view = draft_view(&sow, draft, latest)?;
    audit::done(tx, ctx, AuditAction::ReportSaved, view).await
}

/// `POST /v1/sows/{id}/report/issue`: the draft becomes the next version.
pub async fn issue(tx: &mut Tx, ctx: &Ctx, id: &SowId) -> Result<Report, ServiceError> {
    ctx.require(Action::RunWork)?;
    let (mut book, sow) = sows::lock(tx, ctx, id).await?;
    check_writable(sow.kind, sow.status).map_err(refused)?;
    let mut draft = store::draft(tx, id)
        .await?
        .ok_or_else(|| refused(ReportError::NoDraft))?;
    let latest = store::latest_version(tx, id).await?;
    let version = next_version(latest, draft.issued_as.is_none()).map_err(refused)?;
    let issued = VersionRow {
        sow_id: sow.id.clone(),
        version,
        summary: draft.summary.clone(),
        findings: draft.findings.clone(),
        issued_at: ctx.now,
        issued_by: ctx.principal.actor.clone(),
    };
    store::insert_version(tx, &issued).await?;
    draft.issued_as = Some(version);
    store::save_draft(tx, &draft).await?;
    let list = findings(&sow, &issued.findings)?;
    let count = |s: Severity| list.iter().filter(|f| f.severity == s.as_str()).count();
    book.emit(
        "report_issued",
        id,
        ctx.now,
        json!({"sow_id": id, "title": sow.title, "version": version,
            "supersedes": latest, "findings": list.len(),
            "critical": count(Severity::Critical), "high": count(Severity::High),
            "link_path": format!("/console/sows/{id}/report")}),
    );
    book.close(tx).await?;
    let view = version_view(&sow, issued, Some(version))?;
    audit::done(tx, ctx, AuditAction::ReportIssued, view).await
}

/// `GET /v1/sows/{id}/report`: an issued version (the latest by default), or the
/// draft for SOC staff.
pub async fn get(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SowId,
    version: Option<i64>,
    draft: bool,
) -> Result<Report, ServiceError> {
    ctx.require(Action::ReadWork)?;
    if draft {
        ctx.require(Action::RunWork)?;
    }
    let sow = crate::storage::sows::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("SoW"))?;
    ctx.require_customer(&sow.customer_id, "SoW")?;
    let latest = store::latest_version(tx, id).await?;
    if draft {
        let d = store::draft(tx, id)
            .await?
            .ok_or(ServiceError::NotFound("report draft"))?;
        return draft_view(&sow, d, latest);
    }
    let v = store::version(tx, id, version)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    version_view(&sow, v, latest)
}
