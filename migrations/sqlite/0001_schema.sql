-- SecureHands schema (SQLite). Units are integer hundredths; instants are microseconds
-- since the Unix epoch (UTC); dates are 'YYYY-MM-DD' text. Same columns as PostgreSQL.

CREATE TABLE calendars (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE calendar_holidays (
    calendar_id TEXT NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    PRIMARY KEY (calendar_id, day)
);

CREATE TABLE customers (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    calendar_id           TEXT NOT NULL REFERENCES calendars(id),
    securecall_reference  TEXT,
    securecall_starts_on  TEXT,
    securecall_ends_on    TEXT,
    standalone_agreed     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

-- Maintained balance figures: one row per customer, updated in the same transaction
-- as the ledger entries, and the row every money movement of the customer locks.
CREATE TABLE accounts (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id),
    total       BIGINT NOT NULL DEFAULT 0,
    reserved    BIGINT NOT NULL DEFAULT 0,
    deficit     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE lots (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    units            BIGINT NOT NULL CHECK (units > 0),
    remaining        BIGINT NOT NULL CHECK (remaining >= 0),
    received_on      TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    order_reference  TEXT NOT NULL,
    quote_id         TEXT,
    price_amount     TEXT,
    price_currency   TEXT,
    expired          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    CHECK (remaining <= units)
);
CREATE INDEX lots_by_customer ON lots (customer_id, expires_at, received_on, id);
CREATE INDEX lots_by_quote ON lots (quote_id) WHERE quote_id IS NOT NULL;
CREATE INDEX lots_expiry_due ON lots (expires_at) WHERE expired = FALSE;

-- Gap-free, commit-ordered sequence numbers for the ledger and the events feed: the
-- single row is locked from the moment a transaction takes numbers until it commits,
-- so entries become visible in seq order and a reader following the cursor never
-- skips one.
CREATE TABLE feed_counters (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    ledger_last  BIGINT NOT NULL,
    events_last  BIGINT NOT NULL
);
INSERT INTO feed_counters (id, ledger_last, events_last) VALUES (1, 0, 0);

CREATE TABLE ledger_entries (
    seq            BIGINT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    kind           TEXT NOT NULL,
    lot_id         TEXT REFERENCES lots(id),
    units          BIGINT NOT NULL,
    balance_after  BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    effective_at   BIGINT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    session_id     TEXT,
    sow_id         TEXT,
    quote_id       TEXT,
    reverses_seq   BIGINT,
    settles_seq    BIGINT,
    note           TEXT
);
CREATE INDEX ledger_by_customer ON ledger_entries (customer_id, seq);
CREATE INDEX ledger_by_kind ON ledger_entries (kind, seq);
CREATE INDEX ledger_by_customer_effective ON ledger_entries (customer_id, effective_at);
CREATE INDEX ledger_by_session ON ledger_entries (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX ledger_by_reverses ON ledger_entries (reverses_seq) WHERE reverses_seq IS NOT NULL;
CREATE INDEX ledger_by_settles ON ledger_entries (settles_seq) WHERE settles_seq IS NOT NULL;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

-- Outstanding part of each deficit entry, so settlements and reversals know what is owed.
CREATE TABLE deficits (
    entry_seq    BIGINT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    outstanding  BIGINT NOT NULL CHECK (outstanding >= 0)
);
CREATE INDEX deficits_open ON deficits (customer_id, entry_seq) WHERE outstanding > 0;

-- Every change of a customer's reserved units, so `as_of` balances can be recomputed.
CREATE TABLE reservation_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    sow_id       TEXT NOT NULL,
    delta        BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX reservation_log_by_customer ON reservation_log (customer_id, at);

CREATE TABLE events (
    seq           BIGINT PRIMARY KEY,
    kind          TEXT NOT NULL,
    customer_id   TEXT,
    subject_id    TEXT,
    occurred_at   BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX events_by_customer ON events (customer_id, seq);

CREATE TABLE quotes (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    units        BIGINT NOT NULL CHECK (units > 0),
    reason       TEXT NOT NULL,
    origin       TEXT NOT NULL,
    status       TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    order_due    BIGINT NOT NULL,
    sow_id       TEXT,
    lot_id       TEXT,
    closed_at    BIGINT,
    created_by   TEXT NOT NULL
);
CREATE INDEX quotes_by_customer ON quotes (customer_id, id);
CREATE INDEX quotes_lapse_due ON quotes (order_due) WHERE status = 'open';

CREATE TABLE idempotency_records (
    caller        TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   BIGINT NOT NULL,
    headers       TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (caller, idem_key)
);
CREATE INDEX idempotency_by_age ON idempotency_records (created_at);

CREATE TABLE requests (
    id                     TEXT PRIMARY KEY,
    customer_id            TEXT NOT NULL REFERENCES customers(id),
    kind                   TEXT NOT NULL,
    channel                TEXT NOT NULL,
    summary                TEXT NOT NULL,
    received_at            BIGINT NOT NULL,
    identity_verified      BOOLEAN NOT NULL,
    status                 TEXT NOT NULL,
    initial_response_due   BIGINT NOT NULL,
    sow_due                BIGINT NOT NULL,
    responded_at           BIGINT,
    response_note          TEXT,
    closed_reason          TEXT,
    closed_at              BIGINT,
    sow_delivered_at       BIGINT,
    initial_response_sla   TEXT NOT NULL,
    sow_sla                TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    created_at             BIGINT NOT NULL
);
CREATE INDEX requests_by_customer ON requests (customer_id, id);
CREATE INDEX requests_response_due ON requests (initial_response_due) WHERE initial_response_sla = 'pending';
CREATE INDEX requests_sow_due ON requests (sow_due) WHERE sow_sla = 'pending';

CREATE TABLE sows (
    id                      TEXT PRIMARY KEY,
    customer_id             TEXT NOT NULL REFERENCES customers(id),
    request_id              TEXT REFERENCES requests(id),
    status                  TEXT NOT NULL,
    revision                BIGINT NOT NULL,
    title                   TEXT NOT NULL,
    activities              TEXT NOT NULL,
    planned_sessions        BIGINT NOT NULL,
    planned_units           BIGINT NOT NULL,
    units_per_session       BIGINT,
    minimum_billable_hours  BIGINT NOT NULL,
    rate_out_of_hours       BIGINT NOT NULL,
    rate_weekend            BIGINT NOT NULL,
    rate_holiday            BIGINT NOT NULL,
    acceptance_criteria     TEXT NOT NULL,
    language                TEXT NOT NULL,
    service_hours_note      TEXT,
    contingency_plan        TEXT,
    technical_contact       TEXT,
    supersedes_id           TEXT,
    superseded_by_id        TEXT,
    rejection_comment       TEXT,
    approved_revision       BIGINT,
    approved_at             BIGINT,
    approval_order          BIGINT,
    reserved                BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    consumed                BIGINT NOT NULL DEFAULT 0,
    submitted_at            BIGINT,
    closed_at               BIGINT,
    created_by              TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
CREATE INDEX sows_by_customer ON sows (customer_id, id);
CREATE INDEX sows_by_status ON sows (customer_id, status, approval_order);

CREATE TABLE sow_revisions (
    sow_id      TEXT NOT NULL REFERENCES sows(id),
    revision    BIGINT NOT NULL,
    snapshot    TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (sow_id, revision)
);

CREATE TABLE sessions (
    id                   TEXT PRIMARY KEY,
    sow_id               TEXT NOT NULL REFERENCES sows(id),
    customer_id          TEXT NOT NULL REFERENCES customers(id),
    status               TEXT NOT NULL,
    starts_at            BIGINT NOT NULL,
    ends_at              BIGINT NOT NULL,
    requested_at         BIGINT NOT NULL,
    scheduled_at         BIGINT NOT NULL,
    scheduling_due       BIGINT NOT NULL,
    scheduling_sla       TEXT NOT NULL,
    estimated_units      BIGINT NOT NULL,
    cancel_reason        TEXT,
    cancelled_at         BIGINT,
    actual_start         BIGINT,
    actual_end           BIGINT,
    notes                TEXT,
    duration_minutes     BIGINT,
    billable_hours       BIGINT,
    units_debited        BIGINT,
    delivered_at         BIGINT,
    acceptance_due       BIGINT,
    accepted_at          BIGINT,
    acceptance           TEXT,
    rating               BIGINT,
    evaluation_comment   TEXT,
    evaluated_at         BIGINT,
    complaint_reason     TEXT,
    complaint_at         BIGINT,
    review_due           BIGINT,
    review_sla           TEXT,
    decision_units       BIGINT,
    decision_reason      TEXT,
    decided_at           BIGINT,
    decided_by           TEXT,
    created_by           TEXT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX sessions_by_sow ON sessions (sow_id, id);
CREATE INDEX sessions_acceptance_due ON sessions (acceptance_due) WHERE status = 'delivered';
CREATE INDEX sessions_review_due ON sessions (review_due) WHERE review_sla = 'pending';
