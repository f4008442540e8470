-- sociald schema, version 8: the public key a linking session's RS256 token
-- verifies with, when generateJWT derived it from the caller's privateKey
-- because the account registered none (SPEC §6). PEM; the private key is
-- never stored.
ALTER TABLE link_sessions ADD COLUMN public_key TEXT;
