-- Giving committed entries and events their feed positions (`storage::feed::stamp`)
-- rewrites each row once. Two things made that dearer than it needs to be.
--
-- 1. Rows waiting for a position (`seq IS NULL`) are found through the unique indexes
--    on `seq` (a B-tree keeps its nulls together at one end), so the two partial
--    indexes kept for them since migration 0003 only cost: every delivery wrote an
--    entry into each, left dead once the row had its position.
DROP INDEX IF EXISTS ledger_unsequenced;
DROP INDEX IF EXISTS events_unsequenced;

-- 2. A table with any BEFORE UPDATE row trigger has each row it updates locked first
--    (one more WAL record per row), even when the trigger's condition then lets the
--    update through, as the sequencer's always does. The append-only rule holds as
--    well after the row is written: an AFTER trigger that raises aborts the statement
--    and nothing of it stays. Deletes keep their BEFORE trigger (none is ever allowed).
DROP TRIGGER ledger_entries_no_update ON ledger_entries;
CREATE TRIGGER ledger_entries_no_update AFTER UPDATE OF id, customer_id, kind, lot_id,
    units, balance_after, actor, actor_record, effective_at, recorded_at, session_id, sow_id,
    quote_id, reverses_id, settles_id, note ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
DROP TRIGGER ledger_entries_sequenced_once ON ledger_entries;
CREATE TRIGGER ledger_entries_sequenced_once AFTER UPDATE OF seq ON ledger_entries
FOR EACH ROW WHEN (OLD.seq IS NOT NULL) EXECUTE FUNCTION ledger_entries_append_only();
