-- A SQLite writer gives every row its feed position as it writes it, so
-- `ledger_by_kind` has no row waiting for one and stays as it is. The deficit
-- settlements of a page of packs (`kind = 'deficit_settlement' AND lot_id IN (…)`) were
-- read through it, every settlement of every customer: they get an index of their own,
-- as on PostgreSQL.
CREATE INDEX ledger_settlements_by_lot ON ledger_entries (lot_id)
    WHERE kind = 'deficit_settlement';
