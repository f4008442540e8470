-- sociald schema, version 9: proof that whoever links a Telegram chat
-- controls it (docs/networks.md "Telegram").
--
-- The linking page shows a one-time code bound to its session and to the
-- chat; the link completes only once the operator's bot saw the code posted
-- in that chat (a channel post, an administrator's message) or sent to it
-- privately by an administrator of the chat. The code itself is not kept:
-- it is derived from nonce with the server's signing key (so the page can
-- show it again), and found again by lookup, an HMAC of the code under the
-- same key. One live code per session: asking for another drops the unused
-- ones.
CREATE TABLE telegram_codes (
    id           INTEGER PRIMARY KEY,
    lookup       TEXT    NOT NULL UNIQUE,
    nonce        TEXT    NOT NULL,
    session_id   TEXT    NOT NULL,   -- link_sessions.id
    chat_id      TEXT    NOT NULL,   -- the numeric chat id the code is bound to
    chat_title   TEXT,
    bot_username TEXT,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    seen_ms      INTEGER,            -- the bot saw it from someone in control of the chat
    seen_by      TEXT,               -- 'channel post' | 'anonymous administrator' | 'administrator' | 'private message'
    refused      TEXT,               -- why the last sighting did not count: 'notadmin' | 'elsewhere'
    used_ms      INTEGER
);
CREATE INDEX telegram_codes_by_session ON telegram_codes(session_id);
