-- On PostgreSQL a process leases calls of a quota a few at a time
-- (store_usage_lease); granted is what the last lease got. Unused on
-- SQLite (one process counts in memory), here for one schema.
ALTER TABLE usage_monthly ADD COLUMN granted INTEGER NOT NULL DEFAULT 0;
