-- Rate-limit windows shared by every process on the database (SPEC §12
-- "Limits"; limits/ratelimit.c): each process leases units of a profile's
-- window a few at a time, and counts its rate-limit refusals in batches,
-- so that N processes together admit exactly the limit and suspend once.
-- On SQLite each process keeps its windows in memory (one process per
-- machine); the table is there so that both dialects have one schema.
CREATE TABLE rate_windows (
    profile_id      INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    start_ms        INTEGER NOT NULL,           -- the window's start (its first request)
    used            INTEGER NOT NULL,           -- units leased to processes in the window
    granted         INTEGER NOT NULL DEFAULT 0, -- what the last lease got
    errors_since_ms INTEGER NOT NULL DEFAULT 0, -- the 24 h of refusals counted in errors
    errors          INTEGER NOT NULL DEFAULT 0,
    errors_before   INTEGER NOT NULL DEFAULT 0  -- errors before the last batch was added
);
