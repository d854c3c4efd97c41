//! Webhook deliveries: every event of the feed an endpoint subscribes to is POSTed to
//! it, signed, retried with backoff and jitter for three days, in the feed's order per
//! customer. Fan-out follows the feed with a cursor per endpoint, so it inherits the
//! feed's promise: no event is skipped, none is delivered twice to one endpoint.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::clock::Clock;
use crate::domain::notification::{WEBHOOK_TIMEOUT_SECS, next_webhook_attempt};
use crate::domain::webhook::{signature, subscribes};
use crate::fan_out::in_order_per_key;
use crate::storage::db::{Db, StoreResult};
use crate::storage::webhooks::{self, DeliveryRow, WebhookAttemptRow};
use crate::storage::{events, feed};

use super::guard::WebhookGuard;

const FAN_OUT_BATCH: i64 = 500;
const DELIVERY_BATCH: i64 = 50;

/// Turns new events of the feed into deliveries, endpoint by endpoint; each endpoint
/// is handled by one replica at a time (its row is locked, others skip it).
pub async fn fan_out(db: &Db, now: DateTime<Utc>) -> StoreResult<usize> {
    feed::catch_up(db).await?;
    let mut created = 0;
    let mut tx = db.begin_write().await?;
    for endpoint in webhooks::lock_endpoints_for_fan_out(&mut tx).await? {
        let batch = events::list(&mut tx, endpoint.feed_cursor, None, FAN_OUT_BATCH).await?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            continue;
        };
        for event in batch
            .iter()
            .filter(|e| subscribes(&endpoint.events, &e.kind))
        {
            webhooks::insert_delivery(
                &mut tx,
                &DeliveryRow {
                    id: format!("whd_{}", uuid::Uuid::now_v7().simple()),
                    endpoint_id: endpoint.id.clone(),
                    event_seq: event.seq,
                    event_type: event.kind.clone(),
                    customer_id: event.customer_id.clone(),
                    status: "pending".into(),
                    attempts: 0,
                    next_attempt_at: now,
                    claimed_until: None,
                    last_status: None,
                    last_error: None,
                    created_at: now,
                    completed_at: None,
                },
            )
            .await?;
            created += 1;
        }
        webhooks::advance_cursor(&mut tx, &endpoint.id, last).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// The body POSTed for an event: the same event as the feed.
pub fn payload(event: &events::EventRow) -> serde_json::Value {
    json!({
        "id": format!("evt_{}", event.seq),
        "type": event.kind,
        "created_at": event.recorded_at,
        "occurred_at": event.occurred_at,
        "customer_id": event.customer_id,
        "data": serde_json::from_str::<serde_json::Value>(&event.data).unwrap_or(serde_json::Value::Null),
    })
}

/// Delivers what is due; returns how many attempts were made.
pub async fn deliver_due(
    db: &Db,
    clock: &Clock,
    http: &reqwest::Client,
    guard: &WebhookGuard,
    stopping: &(dyn Fn() -> bool + Sync),
) -> StoreResult<usize> {
    let now = clock.now();
    // Claims are on the wall clock (see `claim_due`).
    let wall_now = Utc::now();
    let lease = wall_now + chrono::Duration::seconds(WEBHOOK_TIMEOUT_SECS as i64 * 6);
    let mut tx = db.begin_write().await?;
    let claimed = webhooks::claim_due(&mut tx, now, wall_now, lease, DELIVERY_BATCH).await?;
    tx.commit().await?;
    let attempts = claimed.len();
    // Events never change once they have a feed position: a claim's are read at once.
    let mut seqs: Vec<i64> = claimed.iter().map(|d| d.event_seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let events: HashMap<i64, events::EventRow> = events::at_positions(&mut { db }, &seqs)
        .await?
        .into_iter()
        .map(|e| (e.seq, e))
        .collect();
    // The claim holds the oldest pending delivery of each chain (endpoint and
    // customer), so they may go out side by side; one chain's stay in order.
    let rest = in_order_per_key(
        claimed,
        |d| (d.endpoint_id.clone(), d.customer_id.clone()),
        super::SENDS_AT_ONCE,
        stopping,
        |d| {
            let event = events.get(&d.event_seq).cloned();
            deliver(db, clock, http, guard, d, event)
        },
    )
    .await?;
    if !rest.is_empty() {
        // The rest goes back to other replicas now, not when the claim expires.
        let rest: Vec<String> = rest.into_iter().map(|d| d.id).collect();
        let mut tx = db.begin_write().await?;
        webhooks::release(&mut tx, &rest).await?;
        tx.commit().await?;
    }
    Ok(attempts)
}

async fn deliver(
    db: &Db,
    clock: &Clock,
    http: &reqwest::Client,
    guard: &WebhookGuard,
    mut d: DeliveryRow,
    event: Option<events::EventRow>,
) -> StoreResult<()> {
    // Read right before the POST: a removal or a new secret applies to the next delivery.
    let endpoint = webhooks::endpoint(&mut { db }, &d.endpoint_id).await?;
    let started = Instant::now();
    // An IP literal never reaches the resolver, which checks every name.
    let refused = endpoint
        .as_ref()
        .and_then(|ep| guard.check_literal(&ep.url).err());
    let outcome = match (&endpoint, &event) {
        (Some(ep), Some(_)) if ep.deleted_at.is_none() && refused.is_some() => Err((
            None,
            format!("refused: {}", refused.clone().unwrap_or_default()),
        )),
        (Some(ep), Some(ev)) if ep.deleted_at.is_none() => {
            let body = payload(ev).to_string();
            let t = crate::clock::wall_now().timestamp();
            let sent = http
                .post(&ep.url)
                .header("content-type", "application/json")
                .header("user-agent", "SecureHands-Webhooks/1")
                .header("securehands-event-id", format!("evt_{}", ev.seq))
                .header(
                    "securehands-signature",
                    signature(&ep.secret, t, body.as_bytes()),
                )
                .timeout(std::time::Duration::from_secs(WEBHOOK_TIMEOUT_SECS))
                .body(body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => Ok(i64::from(r.status().as_u16())),
                Ok(r) => Err((
                    Some(i64::from(r.status().as_u16())),
                    format!("receiver answered {}", r.status()),
                )),
                Err(e) => Err((None, transport_error(&e))),
            }
        }
        _ => Err((None, "endpoint removed".to_string())),
    };
    let now = clock.now();
    d.attempts += 1;
    d.claimed_until = None;
    let (status_code, error) = match outcome {
        Ok(code) => {
            d.status = "succeeded".into();
            d.completed_at = Some(now);
            d.last_status = Some(code);
            d.last_error = None;
            (Some(code), None)
        }
        Err((code, error)) => {
            d.last_status = code;
            d.last_error = Some(error.clone());
            let removed = endpoint.as_ref().is_none_or(|e| e.deleted_at.is_some());
            match next_webhook_attempt(d.created_at, d.attempts as u32, jitter(), now) {
                Some(at) if !removed => d.next_attempt_at = at,
                _ => {
                    d.status = "failed".into();
                    d.completed_at = Some(now);
                }
            }
            (code, Some(error))
        }
    };
    let attempt = WebhookAttemptRow {
        delivery_id: d.id.clone(),
        attempt: d.attempts,
        at: now,
        status_code,
        error,
        duration_ms: started.elapsed().as_millis() as i64,
    };
    let mut tx = db.begin_write().await?;
    webhooks::record_attempt(&mut tx, &d, &attempt).await?;
    tx.commit().await
}

fn transport_error(e: &reqwest::Error) -> String {
    // The guard's refusal, from wherever in the chain reqwest put it.
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let text = inner.to_string();
        if text.starts_with("refused: ") {
            return text;
        }
        source = inner.source();
    }
    if e.is_timeout() {
        format!("no answer within {WEBHOOK_TIMEOUT_SECS} s")
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    }
}

/// A fraction in [0, 1) from the operating system's randomness.
fn jitter() -> f64 {
    let mut raw = [0u8; 4];
    if getrandom::fill(&mut raw).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(raw)) / (f64::from(u32::MAX) + 1.0)
}
