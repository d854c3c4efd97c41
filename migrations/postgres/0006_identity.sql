-- People and systems sign in as themselves (SPEC §13).
--
-- api_keys: a system's key, stored as the SHA-256 of its secret (the secret is shown
--   once); a roll keeps the previous secret's hash valid until previous_until.
-- console_sessions: a console sign-in, the cookie's random identifier stored hashed;
--   the caller it stands for is kept as JSON. Ended sessions stay for the audit trail
--   until purged.
-- sign_in_links: an e-mailed single-use link for a customer's contact (hashed).
-- users: staff who signed in through the provider, their roles from the last sign-in.

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    secret_hash     TEXT NOT NULL UNIQUE,
    previous_hash   TEXT UNIQUE,
    previous_until  BIGINT,
    roles           TEXT NOT NULL,
    customer_id     TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    expires_at      BIGINT,
    revoked_at      BIGINT,
    rolled_at       BIGINT
);

CREATE TABLE console_sessions (
    id_hash       TEXT PRIMARY KEY,
    principal     TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    customer_id   TEXT,
    csrf          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    ended_at      BIGINT
);
CREATE INDEX console_sessions_by_actor ON console_sessions (actor_type, actor_id);

CREATE TABLE sign_in_links (
    token_hash   TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    email        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX sign_in_links_by_email ON sign_in_links (email, created_at);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    roles           TEXT NOT NULL,
    first_seen_at   BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    disabled_at     BIGINT
);
