-- PostgreSQL's migration 0016 adds functions that read a session's context after the
-- account lock within the lock's own statement. A SQLite writer holds the database's
-- write lock from its first statement, so what it reads is always current: nothing to
-- add. Kept so both engines count the same migrations.
SELECT 1;
