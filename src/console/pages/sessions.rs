//! A session's page and its actions: delivery and cancellation with the price shown
//! before confirming, no-show, acceptance, complaint, evaluation, decision.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde_json::json;

use super::work::{from_form, local_instant};
use crate::console::i18n::word;
use crate::console::session::User;
use crate::console::{Flash, act, field, read, screen};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::ids::{CustomerId, SessionId};
use crate::dto::work::{
    CancelInput, ComplaintInput, DecisionInput, DeliverInput, EvaluationInput, Session,
};
use crate::http::AppState;
use crate::service::{Ctx, ServiceError, calendars, dashboards, sessions};
use crate::storage::db::Tx;

async fn with_calendar(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &SessionId,
) -> Result<(Session, BusinessCalendar, String), ServiceError> {
    let s = sessions::get(tx, ctx, id).await?;
    let customer = CustomerId::from(s.customer_id.as_str());
    let cal = calendars::for_customer(tx, &customer).await?;
    let name = crate::storage::customers::get(tx, &customer)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok((s, cal, name))
}

/// `GET /console/sessions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Query(flash): Query<Flash>,
) -> Response {
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move { with_calendar(tx, ctx, &id).await })
    })
    .await;
    match loaded {
        Ok((s, cal, customer_name)) => screen(
            "session.html",
            &user,
            &flash,
            context! { s, customer_name, tz => cal.tz().name() },
        ),
        Err(r) => r,
    }
}

/// `POST /console/sessions/{id}/deliver/preview`: the price of these actual times.
pub async fn deliver_preview(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !crate::console::csrf_ok(&user, &form) {
        return crate::console::forged();
    }
    let f = form.clone();
    let key = id.clone();
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let (_, cal, _) = with_calendar(tx, ctx, &key).await?;
            let started = local_instant(&cal, "started_at", field(&f, "started_at"))?;
            let ended = local_instant(&cal, "ended_at", field(&f, "ended_at"))?;
            let parse = |t: &str| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.to_utc())
                    .map_err(|e| ServiceError::invalid("started_at", e.to_string()))
            };
            let p = dashboards::preview_delivery(tx, ctx, &key, parse(&started)?, parse(&ended)?)
                .await?;
            Ok((p, started, ended))
        })
    })
    .await;
    match loaded {
        Ok((p, started, ended)) => screen(
            "preview.html",
            &user,
            &Flash::default(),
            context! {
                p, session_id => id.to_string(), action => "deliver",
                heading => word(user.lang, "deliver"),
                fields => context! { started_at => started, ended_at => ended, notes => field(&form, "notes") },
            },
        ),
        Err(r) => r,
    }
}

/// `POST /console/sessions/{id}/deliver`: confirmed; the completion statement is issued.
pub async fn deliver(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sessions/{id}");
    let url = state.public_url.clone();
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let notes = match field(&f, "notes") { "" => None, n => Some(n.to_string()) };
            let input: DeliverInput = from_form(json!({
                "started_at": field(&f, "started_at"), "ended_at": field(&f, "ended_at"), "notes": notes,
            }))?;
            let statement = sessions::deliver(tx, ctx, &id, &url, input).await?;
            Ok(format!("units:{}", statement.units))
        })
    })
    .await
}

/// `POST /console/sessions/{id}/cancel/preview`: free or late, and what it costs.
pub async fn cancel_preview(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !crate::console::csrf_ok(&user, &form) {
        return crate::console::forged();
    }
    let key = id.clone();
    let reason = field(&form, "reason").to_string();
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move { dashboards::preview_cancellation(tx, ctx, &key).await })
    })
    .await;
    match loaded {
        Ok(mut p) => {
            if reason != "customer_request" {
                p.late = false;
                p.units = crate::domain::units::Units::ZERO;
            }
            screen(
                "preview.html",
                &user,
                &Flash::default(),
                context! {
                    p, session_id => id.to_string(), action => "cancel",
                    heading => word(user.lang, "cancel"),
                    fields => context! { reason },
                },
            )
        }
        Err(r) => r,
    }
}

/// `POST /console/sessions/{id}/no-show/preview`: a no-show is charged on the
/// scheduled times.
pub async fn no_show_preview(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !crate::console::csrf_ok(&user, &form) {
        return crate::console::forged();
    }
    let key = id.clone();
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let (s, _, _) = with_calendar(tx, ctx, &key).await?;
            dashboards::preview_delivery(tx, ctx, &key, s.starts_at, s.ends_at).await
        })
    })
    .await;
    match loaded {
        Ok(p) => screen(
            "preview.html",
            &user,
            &Flash::default(),
            context! {
                p, session_id => id.to_string(), action => "no-show",
                heading => word(user.lang, "no_show"),
                fields => context! {},
            },
        ),
        Err(r) => r,
    }
}

/// `POST /console/sessions/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/sessions/{id}");
    let reason = field(&form, "reason").to_string();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let s = sessions::cancel(tx, ctx, &id, CancelInput { reason, note: None }).await?;
            Ok(format!("session-status:{}", s.status))
        })
    })
    .await
}

macro_rules! simple_action {
    ($(#[$doc:meta])* $name:ident, |$tx:ident, $ctx:ident, $id:ident, $f:ident| $body:expr) => {
        $(#[$doc])*
        pub async fn $name(State(state): State<AppState>, user: User, Path($id): Path<SessionId>, Form(form): Form<HashMap<String, String>>) -> Response {
            let back = format!("/console/sessions/{}", $id);
            let $f = form.clone();
            act(&state, &user, &form, &back, |$tx, $ctx| Box::pin(async move { $body })).await
        }
    };
}

simple_action!(
    /// `POST /console/sessions/{id}/no-show`.
    no_show, |tx, ctx, id, _f| Ok(format!("session-status:{}", sessions::no_show(tx, ctx, &id).await?.status))
);
simple_action!(
    /// `POST /console/sessions/{id}/accept`.
    accept, |tx, ctx, id, _f| Ok(format!("session-status:{}", sessions::accept(tx, ctx, &id).await?.status))
);
simple_action!(
    /// `POST /console/sessions/{id}/complain`.
    complain, |tx, ctx, id, f| {
        let input = ComplaintInput { reason: field(&f, "reason").to_string() };
        Ok(format!("session-status:{}", sessions::complain(tx, ctx, &id, input).await?.status))
    }
);
simple_action!(
    /// `POST /console/sessions/{id}/evaluate`.
    evaluate, |tx, ctx, id, f| {
        let comment = match field(&f, "comment") { "" => None, c => Some(c.to_string()) };
        let input: EvaluationInput = from_form(json!({"rating": field(&f, "rating").parse::<i64>().unwrap_or(0), "comment": comment}))?;
        Ok(format!("session-status:{}", sessions::evaluate(tx, ctx, &id, input).await?.status))
    }
);
simple_action!(
    /// `POST /console/sessions/{id}/decide`.
    decide, |tx, ctx, id, f| {
        let input: DecisionInput = from_form(json!({"reverse_units": field(&f, "reverse_units"), "reason": field(&f, "reason")}))?;
        Ok(format!("session-status:{}", sessions::decide(tx, ctx, &id, input).await?.status))
    }
);
