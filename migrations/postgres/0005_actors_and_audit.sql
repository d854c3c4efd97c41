-- Who did what (SPEC §13).
--
-- 1. Every ledger entry records its actor `{type, id, name, email?}` as JSON in
--    `actor_record`; existing entries carry their actor label over as an operator
--    token's (or the system's), so nothing reads as anonymous.
-- 2. Decisions record their actor the same way: a SoW's approval, a session's
--    acceptance, complaint, decision and evaluation. Existing decisions keep what they
--    recorded (`decided_by`), carried over.
-- 3. The audit log: every change, sign-in, failed sign-in, sign-out and key or person
--    lifecycle event, written in the change's own transaction.

DROP TRIGGER ledger_entries_no_update ON ledger_entries;
ALTER TABLE ledger_entries ADD COLUMN actor_record TEXT;
UPDATE ledger_entries SET actor_record = json_build_object(
    'type', CASE WHEN actor = 'system' THEN 'system' ELSE 'operator_token' END,
    'id', actor,
    'name', CASE WHEN actor = 'system' THEN 'SecureHands' ELSE actor END)::text;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OF id, customer_id, kind, lot_id,
    units, balance_after, actor, actor_record, effective_at, recorded_at, session_id, sow_id,
    quote_id, reverses_id, settles_id, note ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

ALTER TABLE sows ADD COLUMN approved_by TEXT;
ALTER TABLE sessions ADD COLUMN accepted_by TEXT;
ALTER TABLE sessions ADD COLUMN complaint_by TEXT;
ALTER TABLE sessions ADD COLUMN decision_by TEXT;
ALTER TABLE sessions ADD COLUMN evaluated_by TEXT;
UPDATE sessions SET decision_by = json_build_object('type', 'operator_token', 'id', decided_by,
    'name', decided_by)::text WHERE decided_by IS NOT NULL;
UPDATE sessions SET accepted_by = json_build_object('type', 'system', 'id', 'system',
    'name', 'SecureHands')::text WHERE acceptance = 'automatic';

CREATE TABLE audit_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    actor_email   TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    customer_id   TEXT,
    request_id    TEXT,
    client_ip     TEXT,
    user_agent    TEXT,
    outcome       TEXT NOT NULL
);
CREATE INDEX audit_by_at ON audit_events (at, id);
CREATE INDEX audit_by_actor ON audit_events (actor_id, id);
CREATE INDEX audit_by_resource ON audit_events (resource_type, resource_id, id);
CREATE INDEX audit_by_action ON audit_events (action, id);
