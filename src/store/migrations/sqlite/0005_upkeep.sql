-- sociald schema, version 5: keeping linked accounts alive — the token
-- refresher, LinkedIn's re-link reminder and the background details refresh
-- (SPEC §2, §9).

-- Two lanes of jobs, each leased by its own runner so that neither can
-- starve the other: 0 = webhook deliveries, 1 = upkeep (refresh, remind,
-- details, revoke).
ALTER TABLE jobs ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET lane = 1 WHERE kind <> 'webhook';
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs(lane, run_at_ms);
-- At most one refresh and one reminder per linked account, one details
-- refresh per profile: queuing again moves (or keeps) the one there is.
CREATE UNIQUE INDEX jobs_once ON jobs(kind, ref) WHERE kind IN ('refresh', 'remind', 'details');

-- token_version changes with every token write, so that a refresh that
-- raced a re-link cannot store the old grant's tokens over the new ones.
ALTER TABLE linked_accounts ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
-- Consecutive failed refreshes (backoff; reset by a success or a re-link).
ALTER TABLE linked_accounts ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;

-- An account that must be re-linked is not active: it leaves linked_mask
-- (activeSocialAccounts, filters) and comes back when linked again.
CREATE TRIGGER linked_accounts_active AFTER UPDATE OF status ON linked_accounts
WHEN (OLD.status = 'relink_required') <> (NEW.status = 'relink_required') BEGIN
    UPDATE profiles SET linked_mask = CASE WHEN NEW.status = 'relink_required'
        THEN linked_mask & ~(CASE NEW.platform
            WHEN 'facebook' THEN 1 WHEN 'gmb' THEN 2 WHEN 'instagram' THEN 4
            WHEN 'linkedin' THEN 8 WHEN 'pinterest' THEN 16 WHEN 'reddit' THEN 32
            WHEN 'telegram' THEN 64 WHEN 'tiktok' THEN 128 WHEN 'twitter' THEN 256
            WHEN 'youtube' THEN 512 ELSE 0 END)
        ELSE linked_mask | (CASE NEW.platform
            WHEN 'facebook' THEN 1 WHEN 'gmb' THEN 2 WHEN 'instagram' THEN 4
            WHEN 'linkedin' THEN 8 WHEN 'pinterest' THEN 16 WHEN 'reddit' THEN 32
            WHEN 'telegram' THEN 64 WHEN 'tiktok' THEN 128 WHEN 'twitter' THEN 256
            WHEN 'youtube' THEN 512 ELSE 0 END) END
    WHERE id = NEW.profile_id;
END;

-- Accounts linked before this version: each job works out when it is due
-- from the stored expiries (and ends itself when nothing is).
INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane)
    SELECT 'refresh', id, 0, 0, 1 FROM linked_accounts
    WHERE access_token IS NOT NULL AND status <> 'relink_required';
INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane)
    SELECT 'remind', id, 0, 0, 1 FROM linked_accounts
    WHERE platform = 'linkedin' AND access_token IS NOT NULL AND status <> 'relink_required';
