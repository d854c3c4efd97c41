-- Feed positions without a global lock on the commit path (docs/feed.md).
--
-- Writers used to take consecutive `seq` numbers from `feed_counters` and hold its
-- row until they committed, so every customer's writes queued behind one row. Now a
-- writer gives each entry and event an internal `id` from a sequence (no lock, not
-- commit-ordered) and leaves `seq` empty. The sequencer (storage/feed.rs), serialized by
-- an advisory lock, stamps committed rows with the next consecutive `seq` values in a
-- short transaction of its own; the feeds serve stamped rows only. `feed_counters` now
-- holds the last position stamped.

DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries;

ALTER TABLE ledger_entries RENAME COLUMN seq TO id;
ALTER TABLE ledger_entries RENAME COLUMN reverses_seq TO reverses_id;
ALTER TABLE ledger_entries RENAME COLUMN settles_seq TO settles_id;
ALTER TABLE ledger_entries ADD COLUMN seq BIGINT;
UPDATE ledger_entries SET seq = id;
DROP INDEX ledger_by_customer;
DROP INDEX ledger_by_kind;
CREATE UNIQUE INDEX ledger_by_seq ON ledger_entries (seq);
CREATE INDEX ledger_by_customer ON ledger_entries (customer_id, seq);
CREATE INDEX ledger_by_kind ON ledger_entries (kind, seq);
CREATE INDEX ledger_unsequenced ON ledger_entries (id) WHERE seq IS NULL;
CREATE SEQUENCE ledger_entry_ids;
SELECT setval('ledger_entry_ids', (SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_entries), false);

ALTER TABLE deficits RENAME COLUMN entry_seq TO entry_id;

-- Still append-only: the one change allowed is the sequencer giving an entry its
-- position, once.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OF id, customer_id, kind, lot_id,
    units, balance_after, actor, effective_at, recorded_at, session_id, sow_id, quote_id,
    reverses_id, settles_id, note ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_sequenced_once BEFORE UPDATE OF seq ON ledger_entries
FOR EACH ROW WHEN (OLD.seq IS NOT NULL) EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

ALTER TABLE events RENAME COLUMN seq TO id;
ALTER TABLE events ADD COLUMN seq BIGINT;
UPDATE events SET seq = id;
DROP INDEX events_by_customer;
CREATE UNIQUE INDEX events_by_seq ON events (seq);
CREATE INDEX events_by_customer ON events (customer_id, seq);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;
CREATE SEQUENCE event_ids;
SELECT setval('event_ids', (SELECT COALESCE(MAX(id), 0) + 1 FROM events), false);

ALTER TABLE notifications RENAME COLUMN event_seq TO event_id;
