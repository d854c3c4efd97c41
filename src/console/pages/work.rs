//! Requests and statements of work: answering requests, drafting and submitting SoWs,
//! approving or rejecting them, scheduling sessions.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::json;

use crate::console::session::User;
use crate::console::{Flash, act, act_to, field, read, screen};
use crate::domain::ids::{RequestId, SowId};
use crate::domain::request::RequestStatus;
use crate::dto::work::{ReasonInput, RejectInput, RespondInput, ScheduleInput, SowInput, SowPatch};
use crate::http::AppState;
use crate::service::{ServiceError, calendars, finance, requests, sessions, sows};

/// Parses a form through the wire type, so the console refuses exactly what the API
/// refuses, with the same messages.
pub fn from_form<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ServiceError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ServiceError::invalid(
            if path == "." { "form" } else { &path },
            e.inner().to_string(),
        )
    })
}

/// A local `datetime-local` value in the customer's zone, as an RFC 3339 instant.
pub fn local_instant(
    cal: &crate::domain::calendar::BusinessCalendar,
    field: &str,
    text: &str,
) -> Result<String, ServiceError> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map_err(|_| ServiceError::invalid(field, "must be a local date and time"))?;
    Ok(crate::dto::instant(
        cal.at_local(naive.date(), naive.time()),
    ))
}

/// `POST /console/requests/{id}/respond`.
pub async fn respond(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<RequestId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    act(&state, &user, &form, "/console", |tx, ctx| {
        Box::pin(async move {
            requests::respond(tx, ctx, &id, RespondInput { note: None }).await?;
            Ok(String::new())
        })
    })
    .await
}

/// `POST /console/requests/{id}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<RequestId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let reason = field(&form, "reason").to_string();
    act(&state, &user, &form, "/console", |tx, ctx| {
        Box::pin(async move {
            requests::close(
                tx,
                ctx,
                &id,
                RequestStatus::Declined,
                ReasonInput { reason },
            )
            .await?;
            Ok(String::new())
        })
    })
    .await
}

/// `GET /console/sows/new`.
pub async fn new_sow(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let flash = Flash {
        ok: None,
        error: q.get("error").cloned(),
        week: None,
    };
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            ctx.require(crate::domain::access::Action::RunWork)?;
            let rows = crate::storage::customers::list(tx, None, 1000, None).await?;
            Ok(rows
                .into_iter()
                .map(|r| json!({"id": r.id, "name": r.name}))
                .collect::<Vec<_>>())
        })
    })
    .await;
    match loaded {
        Ok(customers) => screen(
            "sow_new.html",
            &user,
            &flash,
            context! { customers, customer_id => q.get("customer_id"), request_id => q.get("request_id") },
        ),
        Err(r) => r,
    }
}

/// `POST /console/sows`: a draft, then its page.
pub async fn create_sow(
    State(state): State<AppState>,
    user: User,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let f = form.clone();
    act_to(&state, &user, &form, "/console/sows/new", |tx, ctx| {
        Box::pin(async move {
            let request = match field(&f, "request_id") {
                "" => None,
                r => Some(r.to_string()),
            };
            let input: SowInput = from_form(json!({
                "customer_id": field(&f, "customer_id"),
                "request_id": request,
                "title": field(&f, "title"),
                "activities": field(&f, "activities"),
                "planned_sessions": field(&f, "planned_sessions").parse::<i64>().unwrap_or(0),
                "planned_units": field(&f, "planned_units"),
                "acceptance_criteria": field(&f, "acceptance_criteria"),
                "standard_hours": standard_hours_field(&f),
                "acceptance_days": acceptance_days_field(&f),
            }))?;
            let sow = sows::create(tx, ctx, input).await?;
            Ok((format!("/console/sows/{}", sow.id), String::new()))
        })
    })
    .await
}

/// The form's standard hours (`null` when both ends are left empty: the default).
fn standard_hours_field(f: &HashMap<String, String>) -> serde_json::Value {
    match (field(f, "standard_from"), field(f, "standard_to")) {
        ("", "") => serde_json::Value::Null,
        (from, to) => json!({"from": from, "to": to}),
    }
}

/// The form's acceptance window (`null` when empty: the default; text that is not a
/// number is passed on so the service names the field).
fn acceptance_days_field(f: &HashMap<String, String>) -> serde_json::Value {
    match field(f, "acceptance_days") {
        "" => serde_json::Value::Null,
        text => text
            .parse::<i64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
    }
}

/// `GET /console/sows/{id}`.
pub async fn show_sow(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Query(flash): Query<Flash>,
) -> Response {
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let s = sows::get(tx, ctx, &id).await?;
            let customer = crate::domain::ids::CustomerId::from(s.customer_id.as_str());
            let cal = calendars::for_customer(tx, &customer).await?;
            let name = crate::storage::customers::get(tx, &customer)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            let list = sessions::of_sow(tx, ctx, &id).await?.data;
            let available = finance::balance(tx, ctx, &customer, None)
                .await
                .map(|b| b.available.to_string())
                .unwrap_or_default();
            let needed = (s.planned_units - s.consumed_units).clamp_non_negative();
            Ok((
                s,
                cal.tz().name().to_string(),
                name,
                list,
                available,
                needed,
            ))
        })
    })
    .await;
    match loaded {
        Ok((s, tz, customer_name, list, available, needed)) => screen(
            "sow.html",
            &user,
            &flash,
            context! { s, tz, customer_name, sessions => list, available, needed },
        ),
        Err(r) => r,
    }
}

/// `POST /console/sows/{id}/edit`: a new revision of the draft.
pub async fn edit_sow(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}");
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let patch: SowPatch = from_form(json!({
                "title": field(&f, "title"),
                "activities": field(&f, "activities"),
                "planned_sessions": field(&f, "planned_sessions").parse::<i64>().unwrap_or(0),
                "planned_units": field(&f, "planned_units"),
                "acceptance_criteria": field(&f, "acceptance_criteria"),
                "standard_hours": standard_hours_field(&f),
                "acceptance_days": acceptance_days_field(&f),
            }))?;
            let s = sows::patch(tx, ctx, &id, Some(field(&f, "etag")), patch).await?;
            Ok(format!("revision:{}", s.revision))
        })
    })
    .await
}

/// `POST /console/sows/{id}/submit`.
pub async fn submit_sow(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}");
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let s = sows::submit(tx, ctx, &id).await?;
            Ok(format!("sow-status:{}", s.status))
        })
    })
    .await
}

/// `POST /console/sows/{id}/approve`: approves the revision the customer saw.
pub async fn approve_sow(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}");
    let etag = field(&form, "etag").to_string();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let s = sows::approve(tx, ctx, &id, Some(&etag)).await?;
            Ok(format!("sow-status:{}", s.status))
        })
    })
    .await
}

/// `POST /console/sows/{id}/reject`.
pub async fn reject_sow(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}");
    let comment = field(&form, "comment").to_string();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let s = sows::reject(tx, ctx, &id, RejectInput { comment }).await?;
            Ok(format!("sow-status:{}", s.status))
        })
    })
    .await
}

/// `POST /console/sows/{id}/sessions`: times entered in the customer's zone.
pub async fn schedule(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SowId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sows/{id}");
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let s = sows::get(tx, ctx, &id).await?;
            let cal = calendars::for_customer(
                tx,
                &crate::domain::ids::CustomerId::from(s.customer_id.as_str()),
            )
            .await?;
            let input: ScheduleInput = from_form(json!({
                "starts_at": local_instant(&cal, "starts_at", field(&f, "starts_at"))?,
                "ends_at": local_instant(&cal, "ends_at", field(&f, "ends_at"))?,
            }))?;
            let session = sessions::schedule(tx, ctx, &id, input).await?;
            Ok(format!("units:{}", session.estimated_units))
        })
    })
    .await
}
