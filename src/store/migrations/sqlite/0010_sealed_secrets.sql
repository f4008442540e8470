-- sociald schema, version 10: the server's own secrets (cursor and URL
-- signing, HS256 link tokens) are sealed under the master key like every
-- other secret at rest.
--
-- value now holds a vault ciphertext made with master key key_id. Rows
-- written before this version hold the plain 32 bytes and get key_id NULL
-- here; SQL cannot seal them (the master key is not in the database), so
-- the next `sociald serve` (or `sociald rotate-master-key`) seals each one,
-- keeping its value, and zeroes the space the plain bytes took.
ALTER TABLE secrets ADD COLUMN key_id INTEGER;
