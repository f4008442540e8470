-- sociald schema, version 14: usage_monthly clustered on its key. The
-- counters are upserted by key in batches (limits/usage.c); as a rowid
-- table every upsert touched a table page and an index page, at random
-- once rows were older than the month. WITHOUT ROWID keeps one b-tree
-- ordered by (profile_id, month): half the pages written per flush.
CREATE TABLE usage_monthly_new (
    profile_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    calls      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (profile_id, month)
) WITHOUT ROWID;
INSERT INTO usage_monthly_new (profile_id, month, calls)
    SELECT profile_id, month, calls FROM usage_monthly;
DROP TABLE usage_monthly;
ALTER TABLE usage_monthly_new RENAME TO usage_monthly;
