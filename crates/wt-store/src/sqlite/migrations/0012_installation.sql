-- 0012: a fingerprint of the master key the database was set up with (an HMAC of a fixed
-- label under the key; the key itself never enters the database). A daemon whose data
-- directory holds another master key refuses to start instead of failing on every TOTP
-- secret and ingestion key.
CREATE TABLE installation (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    master_key_fingerprint TEXT NOT NULL,
    created_at             INTEGER NOT NULL
) STRICT;
