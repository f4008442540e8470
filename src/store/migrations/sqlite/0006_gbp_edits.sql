-- sociald schema, version 6: Google Business Profile edits (SPEC §4).

-- Google lets each location field change at most 5 times in any rolling
-- 24 h. A request reserves its fields (state 'pending') in the transaction
-- that counts them, so two racing requests cannot both take the fifth
-- edit; a success makes them 'done' at the time Google took the change, a
-- failure deletes them. A pending row older than the reservation's lease
-- (the server died mid-call) no longer counts.
CREATE TABLE gbp_edits (
    id       INTEGER PRIMARY KEY,
    batch    INTEGER NOT NULL,  -- the reserving request: the id of its first row
    location TEXT    NOT NULL,  -- "locations/<id>": Google's limit is per location
    field    TEXT    NOT NULL,  -- the updateMask path ("profile.description")
    at_ms    INTEGER NOT NULL,
    state    TEXT    NOT NULL DEFAULT 'pending'  -- pending | done
);
CREATE INDEX gbp_edits_field ON gbp_edits(location, field, at_ms);
CREATE INDEX gbp_edits_batch ON gbp_edits(batch);
