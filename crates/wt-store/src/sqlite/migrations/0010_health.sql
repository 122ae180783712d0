-- 0010: a one-row table `ping` writes to while the database is known to be unwritable
-- (disk full, read-only), so readiness turns green again by itself once writes work.
CREATE TABLE health_probe (
    id  INTEGER PRIMARY KEY,
    at  INTEGER NOT NULL
) STRICT;
