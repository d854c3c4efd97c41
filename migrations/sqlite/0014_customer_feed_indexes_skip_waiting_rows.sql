-- PostgreSQL's migration 0014 keeps rows still waiting for a feed position out of the
-- per-customer feed indexes. A SQLite writer gives every row its position as it writes
-- it, so no row ever waits. Kept so both engines count the same migrations.
SELECT 1;
