-- A customer's pages of the ledger and of the events are read in feed order
-- (`customer_id = $1 AND seq > $2 ORDER BY seq`): only rows that have their position.
-- Yet every entry and event went into `ledger_by_customer` and `events_by_customer`
-- twice: once when written, with no position yet (an entry under `(customer, NULL)`,
-- dead as soon as the sequencer stamps the row), and again at the stamp. Keeping only
-- positioned rows in them takes one B-tree insertion per entry and per event off every
-- movement. `seq > $2` implies `seq IS NOT NULL` (the operator is strict), so the
-- planner still uses them for those pages; what reads a customer's rows whatever
-- their position (the timeline) goes through `ledger_by_customer_effective`.
--
-- Each index is built anew before the old one goes, in the migration's transaction:
-- writes to the table wait while it builds (seconds per million rows here).
CREATE INDEX ledger_by_customer_positioned ON ledger_entries (customer_id, seq)
    WHERE seq IS NOT NULL;
DROP INDEX ledger_by_customer;
CREATE INDEX events_by_customer_positioned ON events (customer_id, seq)
    WHERE seq IS NOT NULL;
DROP INDEX events_by_customer;
