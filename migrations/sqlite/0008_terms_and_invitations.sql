-- What a SoW may change (SPEC §14): its own standard hours for pricing ("HH:MM" local,
-- 09:00–17:00 by default) and the business days of its acceptance and complaint
-- window (2 by default). Existing SoWs keep the contract's defaults.
ALTER TABLE sows ADD COLUMN standard_from TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE sows ADD COLUMN standard_to TEXT NOT NULL DEFAULT '17:00';
ALTER TABLE sows ADD COLUMN acceptance_days BIGINT NOT NULL DEFAULT 2;

-- Calendar invitations (SPEC §14): the iCalendar SEQUENCE of each session's entry,
-- raised by every reschedule and cancellation so calendars replace what they hold.
ALTER TABLE sessions ADD COLUMN calendar_sequence BIGINT NOT NULL DEFAULT 0;
-- The calendar feed reads scheduled sessions by start.
CREATE INDEX sessions_scheduled_by_start ON sessions (starts_at, id) WHERE status = 'scheduled';
