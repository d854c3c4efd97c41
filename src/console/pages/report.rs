//! Baseline assessment reports in the console: the printable page (customers and
//! staff) and the SOC's draft editor. Both call the same use cases as the API
//! ([`crate::reports`]).

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::{Value, json};

use super::work::from_form;
use crate::console::session::User;
use crate::console::{Flash, act, act_to, field, read, screen};
use crate::domain::access::Action;
use crate::domain::ids::{CustomerId, SowId};
use crate::domain::report::Severity;
use crate::dto::reports::{Finding, Report, ReportInput};
use crate::http::AppState;
use crate::reports;
use crate::service::{ServiceError, calendars, sows};

/// Which version the page shows.
#[derive(serde::Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// The findings grouped by severity, most serious first (empty groups left out).
fn by_severity(findings: &[Finding]) -> Vec<Value> {
    let mut order = Severity::ALL.to_vec();
    order.sort_by_key(|s| s.rank());
    order
        .into_iter()
        .filter_map(|s| {
            let list: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.severity == s.as_str())
                .collect();
            (!list.is_empty()).then(|| json!({"severity": s.as_str(), "findings": list}))
        })
        .collect()
}

/// `GET /console/sows/{id}/report`: an issued version, laid out for A4.
pub async fn show_report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Query(q): Query<VersionQuery>,
    Query(flash): Query<Flash>,
) -> Response {
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let r = reports::get(tx, ctx, &id, q.version, false).await?;
            let customer = CustomerId::from(r.customer_id.as_str());
            let name = crate::storage::customers::get(tx, &customer)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            let tz = calendars::for_customer(tx, &customer)
                .await?
                .tz()
                .name()
                .to_string();
            Ok((r, name, tz, ctx.principal.may(Action::RunWork)))
        })
    })
    .await;
    match loaded {
        Ok((r, customer_name, tz, soc)) => {
            let groups = by_severity(&r.findings);
            let versions: Vec<i64> = (1..=r.latest_version.unwrap_or(0)).rev().collect();
            screen(
                "report.html",
                &user,
                &flash,
                context! { r, customer_name, tz, groups, versions, soc },
            )
        }
        Err(r) => r,
    }
}

/// `GET /console/sows/{id}/report/edit`: the SOC's draft, with a blank finding to add.
pub async fn edit_report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Query(flash): Query<Flash>,
) -> Response {
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            ctx.require(Action::RunWork)?;
            let s = sows::get(tx, ctx, &id).await?;
            let draft = match reports::get(tx, ctx, &id, None, true).await {
                Ok(d) => Some(d),
                Err(ServiceError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            Ok((s, draft))
        })
    })
    .await;
    match loaded {
        Ok((s, draft)) => {
            let mut rows: Vec<Value> = draft
                .as_ref()
                .map(|d: &Report| d.findings.iter().map(|f| json!(f)).collect())
                .unwrap_or_default();
            rows.push(json!({"title": "", "severity": "medium", "assets": "", "observation": "", "recommendation": ""}));
            let severities: Vec<&str> = Severity::ALL.iter().rev().map(|s| s.as_str()).collect();
            screen(
                "report_edit.html",
                &user,
                &flash,
                context! { s, draft, rows, severities },
            )
        }
        Err(r) => r,
    }
}

/// The findings of the editor's form: `f{i}_…` fields, rows left blank or marked for
/// removal skipped.
fn findings_of(form: &HashMap<String, String>) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..=crate::domain::report::MAX_FINDINGS {
        let get = |name: &str| field(form, &format!("f{i}_{name}")).to_string();
        if !form.contains_key(&format!("f{i}_title")) {
            break;
        }
        let blank = ["title", "assets", "observation", "recommendation"]
            .iter()
            .all(|n| get(n).is_empty());
        if blank || !get("remove").is_empty() {
            continue;
        }
        out.push(
            json!({"title": get("title"), "severity": get("severity"), "assets": get("assets"),
            "observation": get("observation"), "recommendation": get("recommendation")}),
        );
    }
    out
}

/// `POST /console/sows/{id}/report/draft`.
pub async fn save_report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}/report/edit");
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let input: ReportInput = from_form(json!({
                "summary": field(&f, "summary"),
                "findings": findings_of(&f),
            }))?;
            let draft = reports::save_draft(tx, ctx, &id, input).await?;
            Ok(format!("findings:{}", draft.findings.len()))
        })
    })
    .await
}

/// `POST /console/sows/{id}/report/issue`: then shows the issued version.
pub async fn issue_report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}/report/edit");
    act_to(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let r = reports::issue(tx, ctx, &id).await?;
            let version = r.version.unwrap_or_default();
            Ok((
                format!("/console/sows/{id}/report?version={version}"),
                format!("version:{version}"),
            ))
        })
    })
    .await
}
