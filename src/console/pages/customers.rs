//! A customer's page: balance and lots, ledger lines, monthly statements (with CSV),
//! and, for account managers, selling a pack and raising a quote.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months};
use minijinja::context;

use crate::console::session::User;
use crate::console::{Flash, act, field, read, screen};
use crate::domain::ids::CustomerId;
use crate::dto::ledger::{LedgerQuery, PackInput};
use crate::dto::quotes::QuoteInput;
use crate::dto::{NonNegativeUnits, PositiveUnits};
use crate::http::AppState;
use crate::service::{ServiceError, calendars, finance, packs, quotes, statements};

/// `GET /console/customers/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CustomerId>,
    Query(flash): Query<Flash>,
) -> Response {
    let now = state.clock.now();
    catch_up_feed(&state).await;
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move {
            let b = finance::balance(tx, ctx, &id, None).await?;
            // The balance read checked the caller's right to this customer.
            let name = crate::storage::customers::get(tx, &id)
                .await?
                .map(|r| r.name)
                .unwrap_or_default();
            let cal = calendars::for_customer(tx, &id).await?;
            let page = finance::ledger_page(
                tx,
                ctx,
                LedgerQuery {
                    customer_id: Some(id.to_string()),
                    kind: None,
                    session_id: None,
                    after: None,
                    limit: Some(1000),
                },
            )
            .await?;
            let mut entries = page.data;
            entries.reverse();
            entries.truncate(50);
            let today = cal.today(now);
            let months: Vec<String> = (0..12u32)
                .filter_map(|i| today.with_day(1)?.checked_sub_months(Months::new(i)))
                .map(|d| d.format("%Y-%m").to_string())
                .collect();
            Ok((b, name, cal.tz().name().to_string(), entries, months, id))
        })
    })
    .await;
    match loaded {
        Ok((b, name, tz, entries, months, id)) => screen(
            "customer.html",
            &user,
            &flash,
            context! { b, tz, entries, months, c => context! { id => id.to_string(), name } },
        ),
        Err(r) => r,
    }
}

fn units<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ServiceError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| ServiceError::invalid("units", e.to_string()))
}

/// `POST /console/customers/{id}/packs`.
pub async fn sell(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CustomerId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/customers/{id}");
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let received_on = match field(&f, "received_on") {
                "" => None,
                d => Some(
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| ServiceError::invalid("received_on", "must be a date"))?,
                ),
            };
            let input = PackInput {
                units: units::<PositiveUnits>(field(&f, "units"))?,
                order_reference: field(&f, "order_reference").to_string(),
                received_on,
                quote_id: None,
                price: None,
            };
            let pack = packs::sell(tx, ctx, &id, input).await?;
            Ok(format!("units:{}", pack.units))
        })
    })
    .await
}

/// `POST /console/customers/{id}/quotes`.
pub async fn quote(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<CustomerId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/console/customers/{id}");
    let f = form.clone();
    act(&state, &user, &form, &back, |tx, ctx| {
        Box::pin(async move {
            let input = QuoteInput {
                units: units::<PositiveUnits>(field(&f, "units"))?,
                reason: field(&f, "reason").to_string(),
            };
            let q = quotes::create(tx, ctx, &id, input).await?;
            Ok(format!("units:{}", q.units))
        })
    })
    .await
}

/// `GET /console/customers/{id}/statements/{YYYY-MM}` (and `….csv` to download it).
pub async fn statement(
    State(state): State<AppState>,
    user: User,
    Path((id, month)): Path<(CustomerId, String)>,
    Query(flash): Query<Flash>,
) -> Response {
    let (month, csv) = match month.strip_suffix(".csv") {
        Some(m) => (m.to_string(), true),
        None => (month, false),
    };
    catch_up_feed(&state).await;
    let loaded = read(&state, &user, |tx, ctx| {
        Box::pin(async move { statements::statement(tx, ctx, &id, &month).await })
    })
    .await;
    let s = match loaded {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !csv {
        return screen("statement.html", &user, &flash, context! { s });
    }
    let mut out = String::from("month,kind,count,units\n");
    for line in &s.lines {
        out.push_str(&format!(
            "{},{},{},{}\n",
            s.month, line.kind, line.count, line.units
        ));
    }
    out.push_str(&format!(
        "{},opening,,{}\n{},closing,,{}\n",
        s.month, s.opening, s.month, s.closing
    ));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"statement-{}-{}.csv\"",
                    s.customer_id, s.month
                ),
            ),
        ],
        out,
    )
        .into_response()
}

#[allow(dead_code)]
fn _non_negative(text: &str) -> Result<NonNegativeUnits, ServiceError> {
    units(text)
}

/// Gives positions to what was committed before this request, so ledger lines and
/// statements show the caller's own writes (PostgreSQL). A failure only means the page
/// may lag behind; the read that follows reports real trouble.
async fn catch_up_feed(state: &AppState) {
    if let Err(e) = crate::service::feed::catch_up(&state.db).await {
        tracing::warn!(error = %e, "feed positions not caught up; the page may lag");
    }
}
