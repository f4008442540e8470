-- Version 15 is PostgreSQL's change log (migrations/postgres/0015): on
-- SQLite every process on the database maps the same change stamps (the
-- "-stamps" file beside it), so there is nothing to add here.
SELECT 1;
