-- Expiry warnings (SPEC §11) found through an index, at any history size: each live lot
-- records when its next warning (90, then 30 days before expiry) becomes due, and the
-- job loop reads only the lots whose instant has come, instead of every live lot
-- inside the 90-day window on every tick. Lots already warned are caught up once by
-- the next run (the once-only keys in alerts_sent keep it from warning twice).
ALTER TABLE lots ADD COLUMN warn_at BIGINT;
UPDATE lots SET warn_at = expires_at - 90 * 86400000000 WHERE expired = FALSE;
CREATE INDEX lots_warning_due ON lots (warn_at)
    WHERE expired = FALSE AND remaining > 0 AND warn_at IS NOT NULL;
