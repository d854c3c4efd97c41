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
use crate::fan_out::{After, in_order_per_key_while};
use crate::storage::db::{Db, StoreResult};
use crate::storage::webhooks::{self, DeliveryRow, WebhookAttemptRow};
use crate::storage::{events, feed};

use super::guard::WebhookGuard;
use super::outcomes::Outcomes;

const FAN_OUT_BATCH: i64 = 500;
/// Chains (endpoint and customer) a pass claims at most.
const CHAINS_PER_PASS: i64 = 50;
/// Deliveries of one chain a pass claims at most: a backlog drains several per chain
/// and pass instead of one, each chain's still one after another.
const PER_CHAIN: i64 = 20;
/// How long a claim holds: time for a chain's run at one slow receiver, with margin.
const LEASE_SECS: u64 = WEBHOOK_TIMEOUT_SECS * 6;
/// A pass starts no delivery after this long (the rest goes back before the claim
/// expires: a chain of slow receivers could otherwise outlive its lease).
const PASS_BUDGET: std::time::Duration = std::time::Duration::from_secs(LEASE_SECS / 2);

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
        let deliveries: Vec<DeliveryRow> = batch
            .iter()
            .filter(|e| subscribes(&endpoint.events, &e.kind))
            .map(|event| DeliveryRow {
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
            })
            .collect();
        webhooks::insert_deliveries(&mut tx, &deliveries).await?;
        created += deliveries.len();
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
    let lease = wall_now + chrono::Duration::seconds(LEASE_SECS as i64);
    let started = Instant::now();
    let mut tx = db.begin_write().await?;
    let claimed =
        webhooks::claim_due(&mut tx, now, wall_now, lease, CHAINS_PER_PASS, PER_CHAIN).await?;
    tx.commit().await?;
    let claimed_count = claimed.len();
    // Events never change once they have a feed position: a claim's are read at once.
    let mut seqs: Vec<i64> = claimed.iter().map(|d| d.event_seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let events: HashMap<i64, events::EventRow> = events::at_positions(&mut { db }, &seqs)
        .await?
        .into_iter()
        .map(|e| (e.seq, e))
        .collect();
    // Endpoints change only by removal: one that is removed during a pass gets nothing
    // from the next one.
    let mut ids: Vec<String> = claimed.iter().map(|d| d.endpoint_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let endpoints: HashMap<String, webhooks::EndpointRow> =
        webhooks::endpoints_with_ids(&mut { db }, &ids)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
    // Chains (endpoint and customer) go out side by side; one chain's deliveries one
    // after another, and none after one that failed (it is retried first).
    let stop = || stopping() || started.elapsed() >= PASS_BUDGET;
    let outcomes = Outcomes::default();
    let sent: StoreResult<Vec<DeliveryRow>> = in_order_per_key_while(
        claimed,
        |d| (d.endpoint_id.clone(), d.customer_id.clone()),
        super::CHAINS_AT_ONCE,
        &stop,
        |d| {
            let event = events.get(&d.event_seq).cloned();
            let endpoint = endpoints.get(&d.endpoint_id).cloned();
            let outcomes = &outcomes;
            async move {
                let (after, outcome) = deliver(clock, http, guard, d, event, endpoint).await?;
                if let Some(full) = outcomes.add(outcome) {
                    write_outcomes(db, &full).await?;
                }
                Ok(after)
            }
        },
    )
    .await;
    // What went out is written down even when the pass stopped on an error.
    write_outcomes(db, &outcomes.take()).await?;
    let rest = sent?;
    let attempts = claimed_count - rest.len();
    if !rest.is_empty() {
        // The rest goes back to other replicas now, not when the claim expires.
        let rest: Vec<String> = rest.into_iter().map(|d| d.id).collect();
        let mut tx = db.begin_write().await?;
        webhooks::release(&mut tx, &rest).await?;
        tx.commit().await?;
    }
    Ok(attempts)
}

async fn write_outcomes(db: &Db, batch: &[(DeliveryRow, WebhookAttemptRow)]) -> StoreResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for (d, attempt) in batch {
        webhooks::record_attempt(&mut tx, d, attempt).await?;
    }
    tx.commit().await
}

/// POSTs one delivery; returns whether its chain goes on, and the attempt to record.
async fn deliver(
    clock: &Clock,
    http: &reqwest::Client,
    guard: &WebhookGuard,
    mut d: DeliveryRow,
    event: Option<events::EventRow>,
    endpoint: Option<webhooks::EndpointRow>,
) -> StoreResult<(After, (DeliveryRow, WebhookAttemptRow))> {
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
    // Still pending: a retry is due later, and the chain's next deliveries wait for it.
    let after = if d.status == "pending" {
        After::StopKey
    } else {
        After::Next
    };
    Ok((after, (d, attempt)))
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
