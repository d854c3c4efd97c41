//! The overview each role lands on.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use minijinja::context;

use super::directory;
use crate::console::session::User;
use crate::console::{Flash, read, screen};
use crate::domain::access::{Action, Role};
use crate::http::AppState;
use crate::service::{calendars, dashboards, uncovered};

/// `GET /console`: the commercial overview, the SOC desk or the customer's desk.
pub async fn home(
    State(state): State<AppState>,
    user: User,
    Query(flash): Query<Flash>,
) -> Response {
    let roles = &user.principal.roles;
    if roles.contains(&Role::SocLead) || roles.contains(&Role::SocManager) {
        return soc(&state, &user, &flash).await;
    }
    if let Some(customer) = user.principal.customer_scope().cloned() {
        let loaded = read(&state, &user, |tx, ctx| {
            Box::pin(async move {
                let desk = dashboards::customer_desk(tx, ctx, &customer).await?;
                let cal = calendars::for_customer(tx, &customer).await?;
                Ok((desk, cal.tz().name().to_string()))
            })
        })
        .await;
        return match loaded {
            Ok((d, tz)) => screen("home_customer.html", &user, &flash, context! { d, tz }),
            Err(r) => r,
        };
    }
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let p = dashboards::portfolio(tx, ctx).await?;
            // Account managers, admins and finance see whom to contact to schedule.
            let uncovered = if ctx.principal.may(Action::ReadUncovered) {
                Some(uncovered::report(tx, ctx).await?.data)
            } else {
                None
            };
            let names: std::collections::HashMap<String, String> = p
                .customers
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect();
            Ok((p, names, uncovered))
        })
    })
    .await;
    match loaded {
        Ok((p, names, uncovered)) => screen(
            "home_staff.html",
            &user,
            &flash,
            context! { p, names, uncovered },
        ),
        Err(r) => r,
    }
}

async fn soc(state: &AppState, user: &User, flash: &Flash) -> Response {
    let now = state.clock.now();
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let week = flash
        .week
        .as_deref()
        .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
        .map(monday)
        .unwrap_or_else(|| monday(now.date_naive()));
    let start = week.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc());
    let loaded = read(state, user, |tx, ctx| {
        Box::pin(async move {
            let d = dashboards::soc_desk(tx, ctx, start).await?;
            let ids = d
                .requests
                .iter()
                .map(|r| r.customer_id.clone())
                .chain(d.drafts.iter().map(|s| s.customer_id.clone()))
                .chain(d.active.iter().map(|s| s.customer_id.clone()))
                .chain(d.week.iter().map(|s| s.customer_id.clone()))
                .chain(d.complaints.iter().map(|s| s.customer_id.clone()))
                .collect::<Vec<_>>();
            let (names, tz) = directory(tx, ctx, ids).await?;
            Ok((d, names, tz))
        })
    })
    .await;
    match loaded {
        Ok((d, names, tz)) => screen(
            "home_soc.html",
            user,
            flash,
            context! {
                d, names, tz,
                prev_week => (week - Duration::days(7)).to_string(),
                next_week => (week + Duration::days(7)).to_string(),
            },
        ),
        Err(r) => r,
    }
}
