-- Feed positions (docs/feed.md). Entries and events get an internal `id` that other
-- rows refer to, and a public `seq` that orders the feeds. SQLite has one writer at a
-- time, so a writer takes both from `feed_counters` and they are equal; only
-- PostgreSQL stamps `seq` after commit.

DROP TRIGGER ledger_entries_no_update;

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

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

ALTER TABLE deficits RENAME COLUMN entry_seq TO entry_id;

ALTER TABLE events RENAME COLUMN seq TO id;
ALTER TABLE events ADD COLUMN seq BIGINT;
UPDATE events SET seq = id;
DROP INDEX events_by_customer;
CREATE UNIQUE INDEX events_by_seq ON events (seq);
CREATE INDEX events_by_customer ON events (customer_id, seq);

ALTER TABLE notifications RENAME COLUMN event_seq TO event_id;
