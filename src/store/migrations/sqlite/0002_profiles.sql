-- sociald schema, version 2: what the profiles API needs.

-- Bit i set when the platform of index i (alphabetical, see
-- src/platforms/names.h) is linked: filters and activeSocialAccounts read it
-- without touching linked_accounts.
ALTER TABLE profiles ADD COLUMN linked_mask INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER linked_accounts_ins;
DROP TRIGGER linked_accounts_del;

CREATE TRIGGER linked_accounts_ins AFTER INSERT ON linked_accounts BEGIN
    UPDATE profiles SET version = version + 1,
        linked_mask = linked_mask | (CASE NEW.platform
            WHEN 'facebook' THEN 1 WHEN 'gmb' THEN 2 WHEN 'instagram' THEN 4
            WHEN 'linkedin' THEN 8 WHEN 'pinterest' THEN 16 WHEN 'reddit' THEN 32
            WHEN 'telegram' THEN 64 WHEN 'tiktok' THEN 128 WHEN 'twitter' THEN 256
            WHEN 'youtube' THEN 512 ELSE 0 END)
    WHERE id = NEW.profile_id;
END;

CREATE TRIGGER linked_accounts_del AFTER DELETE ON linked_accounts BEGIN
    UPDATE profiles SET version = version + 1,
        linked_mask = linked_mask & ~(CASE OLD.platform
            WHEN 'facebook' THEN 1 WHEN 'gmb' THEN 2 WHEN 'instagram' THEN 4
            WHEN 'linkedin' THEN 8 WHEN 'pinterest' THEN 16 WHEN 'reddit' THEN 32
            WHEN 'telegram' THEN 64 WHEN 'tiktok' THEN 128 WHEN 'twitter' THEN 256
            WHEN 'youtube' THEN 512 ELSE 0 END)
    WHERE id = OLD.profile_id;
END;

UPDATE profiles SET linked_mask = (
    SELECT COALESCE(SUM(CASE platform
        WHEN 'facebook' THEN 1 WHEN 'gmb' THEN 2 WHEN 'instagram' THEN 4
        WHEN 'linkedin' THEN 8 WHEN 'pinterest' THEN 16 WHEN 'reddit' THEN 32
        WHEN 'telegram' THEN 64 WHEN 'tiktok' THEN 128 WHEN 'twitter' THEN 256
        WHEN 'youtube' THEN 512 ELSE 0 END), 0)
    FROM linked_accounts WHERE profile_id = profiles.id);

-- Server-wide secrets (cursor and URL signing), created once and shared by
-- every process on the database.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
