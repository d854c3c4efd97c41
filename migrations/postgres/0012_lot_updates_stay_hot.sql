-- A debit changes `lots.remaining` and nothing else an index depends on, so PostgreSQL
-- can update the row in place (a heap-only tuple: no new index entries, no dead index
-- entries to clean). The partial index of due expiry warnings named `remaining` in its
-- predicate, which made every debit a full update of the lot: a new entry in each of
-- its five indexes and a dead row version, on the row a busy customer updates most.
-- The predicate now reads a stored column that changes only when a lot empties or is
-- refilled; PostgreSQL compares values, so an update that leaves it as it was stays
-- heap-only.
ALTER TABLE lots ADD COLUMN has_units BOOLEAN GENERATED ALWAYS AS (remaining > 0) STORED;
DROP INDEX lots_warning_due;
CREATE INDEX lots_warning_due ON lots (warn_at)
    WHERE expired = FALSE AND has_units AND warn_at IS NOT NULL;
