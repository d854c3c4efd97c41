-- The same column as on PostgreSQL (see migrations/postgres/0012), so that the due
-- expiry warnings are read by one statement on both engines. SQLite rewrites index
-- entries on every update anyway; the column is computed when read.
ALTER TABLE lots ADD COLUMN has_units BOOLEAN GENERATED ALWAYS AS (remaining > 0) VIRTUAL;
DROP INDEX lots_warning_due;
CREATE INDEX lots_warning_due ON lots (warn_at)
    WHERE expired = FALSE AND has_units AND warn_at IS NOT NULL;
