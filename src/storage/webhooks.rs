//! SQL for webhook endpoints, their deliveries and the attempts of each.

use chrono::{DateTime, Utc};

use super::db::{Backend, Reader, StoreResult, Tx};
use super::sql::{Backlog, Count, Sql, insert_rows_statement, insert_statement};
use crate::domain::ids::CustomerId;
use crate::stored_row;

stored_row! {
    /// A registered endpoint.
    #[derive(Clone, Debug)]
    pub struct EndpointRow {
        /// Id (`we_…`).
        pub id: String,
        /// Target (http or https).
        pub url: String,
        /// Event types, or `["*"]`.
        pub events: Vec<String>,
        /// Free text.
        pub description: Option<String>,
        /// Signing secret (`whsec_…`).
        pub secret: String,
        /// Last event seq fanned out to it.
        pub feed_cursor: i64,
        /// Who registered it.
        pub created_by: String,
        /// When.
        pub created_at: DateTime<Utc>,
        /// When it was removed.
        pub deleted_at: Option<DateTime<Utc>>,
    }
}

stored_row! {
    /// One event to deliver to one endpoint.
    #[derive(Clone, Debug)]
    pub struct DeliveryRow {
        /// Id (`whd_…`).
        pub id: String,
        /// The endpoint.
        pub endpoint_id: String,
        /// The event (its feed seq).
        pub event_seq: i64,
        /// The event's type.
        pub event_type: String,
        /// The event's customer.
        pub customer_id: Option<CustomerId>,
        /// `pending`, `succeeded`, `failed`.
        pub status: String,
        /// Attempts so far.
        pub attempts: i64,
        /// When it is due (next).
        pub next_attempt_at: DateTime<Utc>,
        /// A sender holds it until then.
        pub claimed_until: Option<DateTime<Utc>>,
        /// Last HTTP status.
        pub last_status: Option<i64>,
        /// Last failure.
        pub last_error: Option<String>,
        /// Created (when the event was fanned out).
        pub created_at: DateTime<Utc>,
        /// Succeeded or given up.
        pub completed_at: Option<DateTime<Utc>>,
    }
}

stored_row! {
    /// One attempt to deliver.
    #[derive(Clone, Debug)]
    pub struct WebhookAttemptRow {
        /// The delivery.
        pub delivery_id: String,
        /// 1, 2, …
        pub attempt: i64,
        /// When.
        pub at: DateTime<Utc>,
        /// HTTP status, when the receiver answered.
        pub status_code: Option<i64>,
        /// Transport error or non-2xx summary.
        pub error: Option<String>,
        /// How long it took.
        pub duration_ms: i64,
    }
}

const ENDPOINT: &str = EndpointRow::COLUMNS;
const DELIVERY: &str = DeliveryRow::COLUMNS;

/// Registers an endpoint.
pub async fn insert_endpoint(tx: &mut Tx, e: &EndpointRow) -> StoreResult<()> {
    tx.execute(e.bind_all(Sql::new(insert_statement("webhook_endpoints", ENDPOINT))))
        .await?;
    Ok(())
}

/// One endpoint (removed ones too), in a transaction or on its own.
pub async fn endpoint(reader: &mut impl Reader, id: &str) -> StoreResult<Option<EndpointRow>> {
    reader
        .fetch_optional(
            Sql::new(format!(
                "SELECT {ENDPOINT} FROM webhook_endpoints WHERE id = $1"
            ))
            .bind(id),
        )
        .await
}

/// The endpoints with these ids, removed ones included (the sender reads a pass's
/// endpoints at once; a removal applies from its next pass).
pub async fn endpoints_with_ids(
    reader: &mut impl Reader,
    ids: &[String],
) -> StoreResult<Vec<EndpointRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!(
        "SELECT {ENDPOINT} FROM webhook_endpoints WHERE id IN "
    ));
    sql.push_list(ids);
    reader.fetch_all(sql).await
}

/// A page of live endpoints in id order.
pub async fn endpoints(
    tx: &mut Tx,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EndpointRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {ENDPOINT} FROM webhook_endpoints WHERE deleted_at IS NULL \
             AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Removes an endpoint (kept for its delivery log); false when already removed.
pub async fn delete_endpoint(tx: &mut Tx, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "UPDATE webhook_endpoints SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(at),
        )
        .await?;
    Ok(n == 1)
}

/// Live endpoints, each locked for fan-out by one sender (others skip it).
pub async fn lock_endpoints_for_fan_out(tx: &mut Tx) -> StoreResult<Vec<EndpointRow>> {
    let skip = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    tx.fetch_all(Sql::new(format!(
        "SELECT {ENDPOINT} FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY id{skip}"
    )))
    .await
}

/// Moves an endpoint's feed cursor.
pub async fn advance_cursor(tx: &mut Tx, id: &str, cursor: i64) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE webhook_endpoints SET feed_cursor = $2 WHERE id = $1")
            .bind(id)
            .bind(cursor),
    )
    .await?;
    Ok(())
}

/// The highest event seq (a new endpoint starts after it).
pub async fn last_event_seq(tx: &mut Tx) -> StoreResult<i64> {
    let (seq,): (i64,) = tx
        .fetch_one(Sql::new(
            "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM events",
        ))
        .await?;
    Ok(seq)
}

/// Records new deliveries (one already recorded for the same endpoint and event is
/// left as it is), [`DELIVERIES_AT_ONCE`] to a statement.
pub async fn insert_deliveries(tx: &mut Tx, rows: &[DeliveryRow]) -> StoreResult<()> {
    for chunk in rows.chunks(DELIVERIES_AT_ONCE) {
        let sql = format!(
            "{} ON CONFLICT DO NOTHING",
            insert_rows_statement("webhook_deliveries", DELIVERY, chunk.len())
        );
        let sql = chunk.iter().fold(Sql::new(sql), |sql, d| d.bind_all(sql));
        tx.execute(sql).await?;
    }
    Ok(())
}

/// Deliveries inserted by one statement (a fan-out pass makes hundreds under load).
pub const DELIVERIES_AT_ONCE: usize = 100;

/// How many deliveries a sender holds a live claim on (being sent right now; claims are
/// on the wall clock).
pub async fn claimed_count(tx: &mut Tx, wall_now: DateTime<Utc>) -> StoreResult<i64> {
    let row: Count = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM webhook_deliveries \
                 WHERE status = 'pending' AND claimed_until IS NOT NULL AND claimed_until >= $1",
            )
            .bind(wall_now),
        )
        .await?;
    Ok(row.n)
}

/// Hands claimed deliveries back (see [`super::notifications::release`]).
pub async fn release(tx: &mut Tx, ids: &[String]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("UPDATE webhook_deliveries SET claimed_until = NULL WHERE id IN ");
    sql.push_list(ids.iter().map(|id| id.as_str()));
    tx.execute(sql).await?;
    Ok(())
}

/// The deliveries still to make, for the metrics.
pub async fn backlog(tx: &mut Tx) -> StoreResult<Backlog> {
    tx.fetch_one(Sql::new(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, MIN(created_at) AS oldest FROM webhook_deliveries \
         WHERE status = 'pending'",
    ))
    .await
}

/// Claims, until `until`, the next deliveries of up to `chains` chains (endpoint and
/// customer) whose oldest pending delivery is due and unclaimed: that delivery and the
/// chain's pending ones after it, `per_chain` at most, in the feed's order. Deliveries
/// after a chain's head are never attempted before it (a sender stops a chain at its
/// first failure and hands the rest back), so they are due and unclaimed with it. On
/// PostgreSQL a head another sender is claiming is skipped, and with it its chain.
pub async fn claim_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    wall_now: DateTime<Utc>,
    until: DateTime<Utc>,
    chains: i64,
    per_chain: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let skip = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "WITH heads AS (SELECT d.endpoint_id, COALESCE(d.customer_id, '') AS chain, d.event_seq \
           FROM webhook_deliveries d \
           WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
           AND (d.claimed_until IS NULL OR d.claimed_until < $4) \
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
             AND COALESCE(e.customer_id, '') = COALESCE(d.customer_id, '') \
             AND e.event_seq < d.event_seq AND e.status = 'pending') \
           ORDER BY d.event_seq LIMIT $3{skip}), \
         runs AS (SELECT h.endpoint_id, h.chain, h.event_seq AS first_seq, \
           (SELECT y.event_seq FROM webhook_deliveries y WHERE y.endpoint_id = h.endpoint_id \
             AND COALESCE(y.customer_id, '') = h.chain AND y.status = 'pending' \
             AND y.event_seq >= h.event_seq ORDER BY y.event_seq LIMIT 1 OFFSET $5) AS beyond \
           FROM heads h) \
         UPDATE webhook_deliveries SET claimed_until = $2 WHERE id IN (SELECT x.id \
           FROM runs r JOIN webhook_deliveries x ON x.endpoint_id = r.endpoint_id \
           AND COALESCE(x.customer_id, '') = r.chain AND x.status = 'pending' \
           AND x.event_seq >= r.first_seq AND (r.beyond IS NULL OR x.event_seq < r.beyond)) \
         RETURNING {DELIVERY}"
    );
    let mut claimed: Vec<DeliveryRow> = tx
        .fetch_all(
            Sql::new(sql)
                .bind(now)
                .bind(until)
                .bind(chains)
                .bind(wall_now)
                .bind(per_chain),
        )
        .await?;
    // RETURNING follows no order; a chain's deliveries go out in the feed's.
    claimed.sort_by_key(|d| d.event_seq);
    Ok(claimed)
}

/// Writes the outcome of an attempt: the delivery's new state and the attempt.
pub async fn record_attempt(
    tx: &mut Tx,
    d: &DeliveryRow,
    attempt: &WebhookAttemptRow,
) -> StoreResult<()> {
    tx.defer(
        Some(format!("webhook_deliveries:{}", d.id)),
        Sql::new(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, \
             claimed_until = NULL, last_status = $5, last_error = $6, completed_at = $7 WHERE id = $1",
        )
        .bind(d.id.as_str())
        .bind(d.status.as_str())
        .bind(d.attempts)
        .bind(d.next_attempt_at)
        .bind(d.last_status)
        .bind(&d.last_error)
        .bind(d.completed_at),
    )
    .await?;
    tx.defer(
        None,
        attempt.bind_all(Sql::new(insert_statement(
            "webhook_attempts",
            WebhookAttemptRow::COLUMNS,
        ))),
    )
    .await?;
    Ok(())
}

/// One delivery of an endpoint.
pub async fn delivery(
    tx: &mut Tx,
    endpoint_id: &str,
    id: &str,
) -> StoreResult<Option<DeliveryRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {DELIVERY} FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2"
        ))
        .bind(endpoint_id)
        .bind(id),
    )
    .await
}

/// Schedules a delivery again now (manual retry).
pub async fn retry_now(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, \
             claimed_until = NULL, completed_at = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// A page of an endpoint's deliveries, newest event first.
pub async fn deliveries(
    tx: &mut Tx,
    endpoint_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {DELIVERY} FROM webhook_deliveries WHERE endpoint_id = $1 \
             AND ($2 IS NULL OR event_seq < $2) ORDER BY event_seq DESC LIMIT $3"
        ))
        .bind(endpoint_id)
        .bind(before_seq)
        .bind(limit),
    )
    .await
}

/// The attempts of some deliveries, in order.
pub async fn attempts_of(tx: &mut Tx, ids: &[String]) -> StoreResult<Vec<WebhookAttemptRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!(
        "SELECT {} FROM webhook_attempts WHERE delivery_id IN ",
        WebhookAttemptRow::COLUMNS
    ));
    sql.push_list(ids.iter().map(|id| id.as_str()));
    sql.push_sql(" ORDER BY delivery_id, attempt");
    tx.fetch_all(sql).await
}
