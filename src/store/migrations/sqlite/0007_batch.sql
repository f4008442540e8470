-- sociald schema, version 7: batch exports of every user profile (SPEC §5).

CREATE TABLE batch_exports (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    file        TEXT    NOT NULL,  -- users-batch-YYYY-MM-DD-HH-MM.json
    started_ms  INTEGER NOT NULL,
    estimate_ms INTEGER NOT NULL,  -- urlAvailable: when it should be ready
    expires_ms  INTEGER NOT NULL,  -- when its URL (and file) expire
    ready_ms    INTEGER,           -- NULL while being written
    count       INTEGER,
    bytes       INTEGER,
    etag        TEXT,
    deleted_ms  INTEGER            -- the file was removed (expired, or superseded)
);
CREATE INDEX batch_exports_newest ON batch_exports(account_id, started_ms);
-- At most one export in flight per account.
CREATE UNIQUE INDEX batch_exports_inflight ON batch_exports(account_id)
    WHERE ready_ms IS NULL AND deleted_ms IS NULL;
