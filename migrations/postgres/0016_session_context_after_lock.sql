-- A session action reads the session, its SoW and the customer's live lots right after
-- taking the account lock, and must see them as the previous holder of the lock left
-- them. A statement reads with the snapshot taken when it starts, before any wait for
-- the lock, so that read was a statement of its own: one more round trip, made while
-- holding the lock every other action of the customer waits for.
--
-- A volatile function takes a new snapshot for each query it runs. Called from the
-- lock statement once the locked row is out (the lock sits in a materialized CTE and
-- each call depends on its row), these read what was committed when the lock was
-- granted, in the same statement. `SETOF <table>`: they return whole rows, so a column
-- added later needs no change here; PL/pgSQL keeps each query's plan for the
-- connection's life. `ROWS` tells the planner what they return (one session, one SoW, a
-- few live lots): left at the default of 1000 rows a function, the statement's estimate
-- reached a billion rows and PostgreSQL compiled it with JIT, half a second each time.
CREATE FUNCTION session_after_lock(p_id TEXT, p_customer_id TEXT) RETURNS SETOF sessions
    LANGUAGE plpgsql VOLATILE ROWS 1 AS $$
BEGIN
    RETURN QUERY SELECT * FROM sessions WHERE id = p_id AND customer_id = p_customer_id;
END
$$;

CREATE FUNCTION sow_after_lock(p_id TEXT) RETURNS SETOF sows
    LANGUAGE plpgsql VOLATILE ROWS 1 AS $$
BEGIN
    RETURN QUERY SELECT * FROM sows WHERE id = p_id;
END
$$;

CREATE FUNCTION live_lots_after_lock(p_customer_id TEXT) RETURNS SETOF lots
    LANGUAGE plpgsql VOLATILE ROWS 4 AS $$
BEGIN
    RETURN QUERY SELECT * FROM lots WHERE customer_id = p_customer_id AND expired = FALSE;
END
$$;
