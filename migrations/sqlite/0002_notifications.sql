-- Telling people (SPEC §11): customer contacts, the low-balance threshold, the
-- acceptance reminder, the mail outbox with its attempts, time-driven alerts sent
-- once, and webhook endpoints with their deliveries.

ALTER TABLE customers ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN low_balance_threshold BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN acceptance_reminder_at BIGINT;
ALTER TABLE sessions ADD COLUMN reminded_at BIGINT;

CREATE TABLE notifications (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT REFERENCES customers(id),
    event_seq        BIGINT,
    kind             TEXT NOT NULL,
    audience         TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    language         TEXT NOT NULL,
    data             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,
    subject          TEXT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_by_customer ON notifications (customer_id, id);

CREATE TABLE notification_attempts (
    notification_id  TEXT NOT NULL REFERENCES notifications(id),
    attempt          BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    outcome          TEXT NOT NULL,
    error            TEXT,
    PRIMARY KEY (notification_id, attempt)
);

-- One row per time-driven alert already raised (its key names the alert and its
-- subject), so each is raised exactly once whoever runs the job loop.
CREATE TABLE alerts_sent (
    alert_key    TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    at           BIGINT NOT NULL
);

CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    events       TEXT NOT NULL,
    description  TEXT,
    secret       TEXT NOT NULL,
    feed_cursor  BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    deleted_at   BIGINT
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_seq        BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    customer_id      TEXT,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    completed_at     BIGINT,
    UNIQUE (endpoint_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, customer_id, event_seq);

CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt      BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    status_code  BIGINT,
    error        TEXT,
    duration_ms  BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
