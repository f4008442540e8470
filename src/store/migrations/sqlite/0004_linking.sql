-- sociald schema, version 4: linking accounts through the networks' OAuth.

-- A linking session: what GET /link?jwt=… and /link/s/<id> open. The id is
-- a bearer secret (a JWT's jti, or the link-sessions answer's sessionId).
CREATE TABLE link_sessions (
    id           TEXT    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    allowed_mask INTEGER NOT NULL,   -- networks the page may offer (platforms/names.h bits)
    redirect     TEXT,               -- where "Done" returns to
    via          TEXT    NOT NULL,   -- 'jwt' | 'session'
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    revoked_ms   INTEGER
);
CREATE INDEX link_sessions_by_profile ON link_sessions(profile_id);

-- OAuth state: single use, bound to a session and a network; the PKCE
-- verifier is sealed.
CREATE TABLE oauth_states (
    nonce      TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    verifier   BLOB,
    created_ms INTEGER NOT NULL,
    used_ms    INTEGER
);

-- Tokens and identities waiting for the user to choose one (a page, a
-- location, a channel): sealed JSON.
CREATE TABLE link_pending (
    id         TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms    INTEGER
);

-- An account's own OAuth app for a network, overriding the operator's.
CREATE TABLE account_oauth_apps (
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    platform      TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    client_secret BLOB    NOT NULL,
    key_id        INTEGER NOT NULL,
    PRIMARY KEY (account_id, platform)
);

-- The public key generateJWT's RS256 tokens must verify against.
ALTER TABLE accounts ADD COLUMN public_key TEXT;

-- A linking page opened in time stays usable for a while (see api/link.c).
ALTER TABLE link_sessions ADD COLUMN opened_ms INTEGER;

-- Tokens of unlinked accounts waiting to be revoked at their network (a
-- 'revoke' job each). The sealed blobs are moved as they were, so they keep
-- their AAD ("linked:<profile id>:<platform>:access|refresh").
CREATE TABLE revocations (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL,
    platform      TEXT    NOT NULL,
    access_token  BLOB,
    refresh_token BLOB,
    token_key_id  INTEGER,
    extra         TEXT,
    created_ms    INTEGER NOT NULL
);
