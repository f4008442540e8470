-- On PostgreSQL a process leases calls of a quota a few at a time
-- (store_usage_lease); granted is what the last lease got.
ALTER TABLE usage_monthly ADD COLUMN granted BIGINT NOT NULL DEFAULT 0;
