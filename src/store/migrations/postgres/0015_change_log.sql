-- The change log (store/changelog.c): one row per entity a committed
-- transaction touched, so every process can drop what it cached of it.
-- Rows live ten minutes; each process follows the log from where it stood
-- when it started.
CREATE TABLE change_log (
    seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind   SMALLINT NOT NULL,  -- store_kind: 1 account, 2 profile; 0: everything
    id     BIGINT   NOT NULL,
    origin BIGINT   NOT NULL,  -- the writing process's random id (it skips its own rows)
    at_ms  BIGINT   NOT NULL
);
CREATE INDEX change_log_at ON change_log (at_ms);
