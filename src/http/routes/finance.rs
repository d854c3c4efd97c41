//! The ledger (JSON, CSV, NDJSON), the events feed and the expiring-units report.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::dto::ledger::{
    EntryPage, EventPage, EventQuery, ExpiringQuery, ExpiringReport, LedgerQuery,
};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::openapi::ReadErrors;
use crate::http::routes::{read, read_feed_direct};
use crate::service::{ServiceError, export, finance};
use futures::StreamExt;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Ndjson,
}

fn negotiate(headers: &HeaderMap) -> Format {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if accept.contains("text/csv") {
        Format::Csv
    } else if accept.contains("application/x-ndjson") || accept.contains("application/ndjson") {
        Format::Ndjson
    } else {
        Format::Json
    }
}

/// The finance routes: ledger, events feed, expiring report.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ledger))
        .routes(routes!(events))
        .routes(routes!(expiring))
}

/// Ledger lines in seq order. JSON pages by default; `Accept: text/csv` or
/// `application/x-ndjson` streams every matching line (finance roles), in constant
/// memory. Follow `next_cursor` (or the last `seq`) to read incrementally: entries
/// become visible in seq order, so a reader never skips one.
#[utoipa::path(
    get, path = "/v1/ledger", tag = "finance",
    params(LedgerQuery),
    responses(
        (status = 200, description = "Ledger lines", body = EntryPage,
            content(
                (EntryPage = "application/json"),
                (String = "text/csv", example = "seq,kind,customer_id,lot_id,units,balance_after,effective_at,recorded_at,actor,session_id,sow_id,quote_id,reverses_seq,settles_seq\n1,grant,cus_…,lot_…,40.00,40.00,2026-12-01T08:00:00Z,2026-12-01T08:00:00Z,am,,,,,\n"),
                (String = "application/x-ndjson"),
            )), ReadErrors),
    security(("bearer" = []))
)]
pub async fn ledger(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<LedgerQuery>,
) -> Response {
    let format = negotiate(&headers);
    if format == Format::Json {
        return read_feed_direct(&state, principal, |db, ctx| {
            Box::pin(async move { finance::ledger_page(&mut { db }, &ctx, query).await })
        })
        .await;
    }
    let ctx = state.ctx(principal);
    let pages = match export::ledger_pages(state.db.clone(), &ctx, &query) {
        Ok(pages) => pages,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        _ => "application/x-ndjson",
    };
    let mut header_sent = false;
    let body = pages.map(move |page| {
        let mut out = Vec::new();
        if !header_sent && format == Format::Csv {
            out.extend_from_slice(CSV_HEADER.as_bytes());
            header_sent = true;
        }
        for entry in &page? {
            write_row(&mut out, entry, format);
        }
        Ok::<_, ServiceError>(Bytes::from(out))
    });
    (
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(body),
    )
        .into_response()
}

const CSV_HEADER: &str = "seq,kind,customer_id,lot_id,units,balance_after,effective_at,recorded_at,actor,session_id,sow_id,quote_id,reverses_seq,settles_seq,actor_type,actor_id\n";

fn write_row(out: &mut Vec<u8>, e: &crate::dto::ledger::Entry, format: Format) {
    match format {
        Format::Ndjson => {
            if serde_json::to_writer(&mut *out, e).is_ok() {
                out.push(b'\n');
            }
        }
        _ => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut *out);
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let _ = w.write_record([
                e.seq.to_string(),
                e.kind.clone(),
                e.customer_id.clone(),
                opt(&e.lot_id),
                e.units.clone(),
                e.balance_after.clone(),
                crate::dto::instant(e.effective_at),
                crate::dto::instant(e.recorded_at),
                crate::dto::csv_text(&e.actor.name).into_owned(),
                opt(&e.session_id),
                opt(&e.sow_id),
                opt(&e.quote_id),
                num(e.reverses_seq),
                num(e.settles_seq),
                e.actor.kind.clone(),
                crate::dto::csv_text(&e.actor.id).into_owned(),
            ]);
            let _ = w.flush();
        }
    }
}

/// Domain events (pack sold, units expired, quotes, deficits, SoW and session
/// milestones) in seq order, with the same never-skip cursor as the ledger.
#[utoipa::path(
    get, path = "/v1/events", tag = "finance",
    params(EventQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage), ReadErrors),
    security(("bearer" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ExportFinance>,
    QueryParams(q): QueryParams<EventQuery>,
) -> Response {
    read_feed_direct(&state, principal, |db, ctx| {
        Box::pin(async move { finance::events_page(&mut { db }, &ctx, q).await })
    })
    .await
}

/// Lots with units left that expire within the horizon.
#[utoipa::path(
    get, path = "/v1/reports/expiring", tag = "finance",
    params(ExpiringQuery),
    responses(
        (status = 200, description = "Expiring units", body = ExpiringReport), ReadErrors),
    security(("bearer" = []))
)]
pub async fn expiring(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ExportFinance>,
    QueryParams(q): QueryParams<ExpiringQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { finance::expiring(tx, &ctx, q).await })
    })
    .await
}
