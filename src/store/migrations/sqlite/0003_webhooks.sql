-- sociald schema, version 3: webhooks, their events and deliveries, and the
-- durable job queue that delivers them.

-- A webhook is registered for one action on one profile (the account's
-- primary profile for account-level webhooks). Unregistering keeps the row
-- (deleted_ms) so past deliveries still name it.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    profile_id      INTEGER NOT NULL REFERENCES profiles(id),
    action          TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0, -- events in a row that ended failed
    disabled_ms     INTEGER,                    -- set after 10 failed events in a row
    disabled_reason TEXT,
    deleted_ms      INTEGER
);
CREATE UNIQUE INDEX webhooks_live ON webhooks(profile_id, action) WHERE deleted_ms IS NULL;

-- One signing secret per profile, sealed by the vault. The previous one
-- still signs for 24 h after a rotation.
CREATE TABLE webhook_secrets (
    profile_id  INTEGER PRIMARY KEY REFERENCES profiles(id),
    secret      BLOB    NOT NULL,
    key_id      INTEGER NOT NULL,
    prev_secret BLOB,
    prev_key_id INTEGER,
    rotated_ms  INTEGER,
    updated_ms  INTEGER NOT NULL
);

-- An event is written in the same transaction as the change that caused it.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    hook_id    TEXT    NOT NULL UNIQUE,  -- the same on every delivery attempt and resend
    account_id INTEGER NOT NULL,
    profile_id INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT    NOT NULL UNIQUE,
    event_id        INTEGER NOT NULL REFERENCES events(id),
    account_id      INTEGER NOT NULL,
    profile_id      INTEGER NOT NULL,  -- the event's profile
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
    status          TEXT    NOT NULL,  -- pending | delivered | failed | skipped | cancelled
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,           -- the receiver's last HTTP status
    last_error      TEXT,
    last_url        TEXT,
    created_ms      INTEGER NOT NULL,
    last_attempt_ms INTEGER,
    next_attempt_ms INTEGER,
    completed_ms    INTEGER
);
CREATE INDEX deliveries_by_account ON deliveries(account_id, id);
CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, status);

-- Durable jobs: a worker leases a due row (lease_until_ms in the future);
-- a crashed worker's lease expires and another takes the job again.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    ref            INTEGER NOT NULL,
    run_at_ms      INTEGER NOT NULL,
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    lease_owner    TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0, -- leases taken, crashed ones included
    created_ms     INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at_ms);
