-- Mails sent once per period to staff rather than about one customer (the monthly
-- digest of units no SoW covers): the key of each one sent, so every replica sends it
-- once.
CREATE TABLE digests_sent (
    digest_key  TEXT PRIMARY KEY,
    at          BIGINT NOT NULL
);
