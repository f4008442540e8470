-- sociald schema, version 1: accounts, profiles, linked accounts, usage.
-- All times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY,
    email              TEXT    NOT NULL UNIQUE,
    plan               TEXT    NOT NULL,
    key_hash           BLOB    NOT NULL UNIQUE,      -- SHA-256 of the API key; the key is never stored
    primary_profile_id INTEGER,
    created_ms         INTEGER NOT NULL
);

-- A profile is a user profile, or the account's own "Primary Profile"
-- (is_primary = 1, no key: the API key reaches it).
CREATE TABLE profiles (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id),
    ref_id             TEXT    NOT NULL UNIQUE,
    key_hash           BLOB    UNIQUE,               -- SHA-256 of the profile key; NULL for the primary
    is_primary         INTEGER NOT NULL DEFAULT 0,
    title              TEXT    NOT NULL,
    display_title      TEXT,
    hide_title         INTEGER NOT NULL DEFAULT 0,
    messaging_active   INTEGER NOT NULL DEFAULT 0,
    hide_top_header    INTEGER NOT NULL DEFAULT 0,
    top_header         TEXT,
    sub_header         TEXT,
    disable_social     TEXT,                         -- JSON array of platform names
    tags               TEXT,                         -- JSON array of strings
    team               INTEGER NOT NULL DEFAULT 0,
    email              TEXT,
    bio_handle         TEXT    UNIQUE,
    created_ms         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,   -- bumped by every change that shows in GET /api/user
    details_updated_ms INTEGER NOT NULL,             -- when linked accounts' details were last read
    suspended_ms       INTEGER,                      -- NULL: active
    deleted_ms         INTEGER,                      -- NULL: live; else the tombstone's time
    deleted_by         TEXT                          -- 'api' | 'cli'
);
-- Titles are unique among the live profiles of an account.
CREATE UNIQUE INDEX profiles_live_title ON profiles(account_id, title) WHERE deleted_ms IS NULL;
CREATE INDEX profiles_by_account ON profiles(account_id, created_ms, id);

CREATE TABLE linked_accounts (
    id                 INTEGER PRIMARY KEY,
    profile_id         INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    platform           TEXT    NOT NULL,
    network_id         TEXT,
    display_name       TEXT,
    username           TEXT,
    profile_url        TEXT,
    user_image         TEXT,
    page_name          TEXT,
    type               TEXT,
    description        TEXT,
    maps_url           TEXT,
    place_id           TEXT,
    review_url         TEXT,
    linked_ms          INTEGER NOT NULL,
    -- Tokens: AES-256-GCM ciphertexts under master key token_key_id, never plaintext.
    access_token       BLOB,
    refresh_token      BLOB,
    token_key_id       INTEGER,
    access_expires_ms  INTEGER,
    refresh_expires_ms INTEGER,
    scopes             TEXT,
    extra              TEXT,                         -- JSON: network-specific ids (page, location, chat)
    status             TEXT    NOT NULL DEFAULT 'ok', -- ok | refresh_failing | relink_required
    last_refresh_ms    INTEGER,
    last_error         TEXT,
    UNIQUE (profile_id, platform)
);

-- Any change to what GET /api/user shows bumps the profile's version, which
-- keys the rendered-body cache. Token-only updates do not.
CREATE TRIGGER linked_accounts_ins AFTER INSERT ON linked_accounts BEGIN
    UPDATE profiles SET version = version + 1 WHERE id = NEW.profile_id;
END;
CREATE TRIGGER linked_accounts_del AFTER DELETE ON linked_accounts BEGIN
    UPDATE profiles SET version = version + 1 WHERE id = OLD.profile_id;
END;
CREATE TRIGGER linked_accounts_upd AFTER UPDATE OF
    network_id, display_name, username, profile_url, user_image, page_name, type,
    description, maps_url, place_id, review_url, linked_ms, status
    ON linked_accounts BEGIN
    UPDATE profiles SET version = version + 1 WHERE id = NEW.profile_id;
END;

-- Authenticated API calls per profile and UTC month ("YYYY-MM").
CREATE TABLE usage_monthly (
    profile_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    calls      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (profile_id, month)
);
