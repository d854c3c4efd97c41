-- PostgreSQL's migration 0013 makes giving feed positions cheaper: it drops two partial
-- indexes and moves two triggers after the update. A SQLite writer gives every row its
-- position at once, so there is nothing of that here. Kept so both engines count the
-- same migrations.
SELECT 1;
