-- `ledger_by_kind (kind, seq)` serves the ledger feed filtered by kind
-- (`kind = $3 AND seq > $1 ORDER BY seq`): positioned rows only, like the per-customer
-- indexes of 0014. Yet every entry went into it twice, once with no position yet (dead
-- at the stamp) and again at the stamp. Keeping only positioned rows in it takes one
-- B-tree insertion per entry off every movement.
--
-- Its other reader summed the deficit settlements of a page of packs
-- (`kind = 'deficit_settlement' AND lot_id IN (…)`) by reading every settlement of every
-- customer through it, a cost that grew with the whole ledger. They get an index of their
-- own, holding settlements only, so a page of packs reads its own settlements.
--
-- Built before the old index goes, in the migration's transaction: writes to the table
-- wait while it builds (seconds per million rows here).
CREATE INDEX ledger_by_kind_positioned ON ledger_entries (kind, seq)
    WHERE seq IS NOT NULL;
DROP INDEX ledger_by_kind;
CREATE INDEX ledger_settlements_by_lot ON ledger_entries (lot_id)
    WHERE kind = 'deficit_settlement';
