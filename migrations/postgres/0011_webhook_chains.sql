-- The webhook sender claims the oldest pending delivery of each chain (endpoint and
-- customer): for each due delivery it looks for an earlier pending one of the same
-- chain. Among the pending deliveries only, not through the chain's whole history of
-- delivered ones, whose number grows without end.
CREATE INDEX webhook_deliveries_pending_chain
    ON webhook_deliveries (endpoint_id, COALESCE(customer_id, ''), event_seq)
    WHERE status = 'pending';
