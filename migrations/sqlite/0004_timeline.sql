-- One timeline for point-in-time balances (SPEC §4, docs/timeline.md).
--
-- 1. The reservation log now dates each change with the effective instant of the
--    movement that caused it (a debit consumes its SoW's reservation at the debit's
--    effective instant, coverage lost to an expiry is lost at the expiry instant), never
--    before the reservation it changes began; `recorded_at` keeps when it was written.
-- 2. SoWs remember since when their current reservation exists (`reserved_since`).
-- 3. Checkpoints: every customer's figures on the effective timeline at some instants
--    (total, outstanding deficit movements, reserved, and each lot's units), so that
--    `as_of` reads one checkpoint and the movements after it, whatever the history size.
--    Movements recorded later but effective at or before a checkpoint update it.

ALTER TABLE reservation_log ADD COLUMN recorded_at BIGINT;
UPDATE reservation_log SET recorded_at = at;

ALTER TABLE sows ADD COLUMN reserved_since BIGINT;
UPDATE sows SET reserved_since = (
    SELECT MAX(p.at) FROM reservation_log p WHERE p.sow_id = sows.id AND p.reason = 'provisioned');

-- A consumption is effective with the charge recorded in the same transaction.
UPDATE reservation_log SET at = COALESCE((
    SELECT MAX(e.effective_at) FROM ledger_entries e
    WHERE e.customer_id = reservation_log.customer_id AND e.sow_id = reservation_log.sow_id
      AND e.recorded_at = reservation_log.recorded_at
      AND e.kind IN ('debit', 'cancellation_debit', 'deficit')), at)
WHERE reason = 'consumed';
-- Coverage lost is effective with the movement that took the units away.
UPDATE reservation_log SET at = COALESCE((
    SELECT MAX(e.effective_at) FROM ledger_entries e
    WHERE e.customer_id = reservation_log.customer_id
      AND e.recorded_at = reservation_log.recorded_at AND e.units < 0), at)
WHERE reason = 'coverage_lost';
-- Never before the reservation it changes was made.
UPDATE reservation_log SET at = MAX(at, COALESCE((
    SELECT MAX(p.at) FROM reservation_log p
    WHERE p.sow_id = reservation_log.sow_id AND p.reason = 'provisioned'
      AND p.recorded_at <= reservation_log.recorded_at), at))
WHERE reason IN ('consumed', 'coverage_lost');

CREATE TABLE timeline_checkpoints (
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    at           BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    deficit      BIGINT NOT NULL,
    reserved     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, at)
);

CREATE TABLE timeline_checkpoint_lots (
    customer_id  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    lot_id       TEXT NOT NULL,
    units        BIGINT NOT NULL,
    PRIMARY KEY (customer_id, at, lot_id)
);

-- The newest checkpoint, how many movements were recorded since (a new checkpoint is
-- written every few hundred), and the latest effective instant of any movement
-- recorded (a checkpoint of everything recorded is dated no earlier than it).
ALTER TABLE accounts ADD COLUMN checkpoint_at BIGINT;
ALTER TABLE accounts ADD COLUMN since_checkpoint BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN latest_effective BIGINT;
