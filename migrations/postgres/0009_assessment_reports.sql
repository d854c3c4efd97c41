-- Baseline assessment reports (SPEC §14). A SoW knows the kind of work it is for (its
-- request's kind, or the kind given when it was drafted without a request); a
-- baseline assessment ends with a report: one draft, and immutable issued versions.
ALTER TABLE sows ADD COLUMN kind TEXT;
UPDATE sows SET kind = (SELECT r.kind FROM requests r WHERE r.id = sows.request_id)
    WHERE request_id IS NOT NULL;

CREATE TABLE report_drafts (
    sow_id      TEXT PRIMARY KEY REFERENCES sows(id),
    summary     TEXT NOT NULL,
    findings    TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    -- The version the draft was last issued as (NULL: changed since, or never issued).
    issued_as   BIGINT
);

CREATE TABLE report_versions (
    sow_id      TEXT NOT NULL REFERENCES sows(id),
    version     BIGINT NOT NULL,
    summary     TEXT NOT NULL,
    findings    TEXT NOT NULL,
    issued_at   BIGINT NOT NULL,
    issued_by   TEXT NOT NULL,
    PRIMARY KEY (sow_id, version)
);
