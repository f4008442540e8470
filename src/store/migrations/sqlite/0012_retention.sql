-- sociald schema, version 12: what the retention sweep (ops/retention.c)
-- needs to find rows past their keeping time without reading whole tables.
-- Each is small next to its table's own rows: the tombstone index holds only
-- deleted profiles, and the age indexes are one integer per row.

-- Tombstones by age (live profiles are not in it).
CREATE INDEX profiles_deleted ON profiles(deleted_ms) WHERE deleted_ms IS NOT NULL;
-- Events and deliveries by age.
CREATE INDEX events_by_created ON events(created_ms);
CREATE INDEX deliveries_by_created ON deliveries(created_ms);
-- An event goes only once no delivery names it.
CREATE INDEX deliveries_by_event ON deliveries(event_id);
-- A tombstone goes only once no revocation of its tokens waits.
CREATE INDEX revocations_by_profile ON revocations(profile_id);
-- A tombstone's webhooks, registered or not (webhooks_live holds only the
-- registered ones).
CREATE INDEX webhooks_by_profile ON webhooks(profile_id);
