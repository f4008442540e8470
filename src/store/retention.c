/*
 * retention: deleting rows past their keeping time (see store/retention.h).
 *
 * Every delete picks its rows through an index on the row's age
 * (migration 0012), oldest first, LIMIT max: a batch reads about as many
 * rows as it deletes, however large the table, and a row kept for a reason
 * (a pending delivery, a queued revocation) costs one index step.
 */
#include "store/retention.h"
#include "store/internal.h"

#define D (st->drv)

/* Runs a "DELETE ... WHERE id IN (SELECT ... LIMIT ?2)" bound with the
 * cutoff and max; *n is the rows it deleted. */
static enum store_rc delete_batch(struct store *st, enum stmt_id q, const char *sql,
                                  int64_t cutoff_ms, size_t max, size_t *n)
{
    *n = 0;
    struct db_stmt *s = store_stmt(st, q, sql);
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, cutoff_ms);
    D->bind_i64(s, 2, (int64_t)max);
    enum db_rc dr = store_run(st, s);
    if (dr != DB_DONE)
        return store_rc_of(dr) == STORE_OK ? STORE_ERROR : store_rc_of(dr);
    *n = (size_t)D->changes(store_db(st));
    return STORE_OK;
}

/* Deletes what only profile id names, then the profile. */
static enum store_rc drop_profile(struct store *st, int64_t id)
{
    /* Children first: webhooks, webhook_secrets and link_sessions name the
     * profile with a foreign key; usage rows are its own. */
    static const struct {
        enum stmt_id q;
        const char *sql;
    } del[] = {
        {Q_RETAIN_PROFILE_SECRET, "DELETE FROM webhook_secrets WHERE profile_id = ?"},
        {Q_RETAIN_PROFILE_HOOKS, "DELETE FROM webhooks WHERE profile_id = ?"},
        {Q_RETAIN_PROFILE_SESSIONS, "DELETE FROM link_sessions WHERE profile_id = ?"},
        {Q_RETAIN_PROFILE_USAGE, "DELETE FROM usage_monthly WHERE profile_id = ?"},
        {Q_RETAIN_PROFILE_ROW, "DELETE FROM profiles WHERE id = ? AND deleted_ms IS NOT NULL"},
    };
    for (size_t i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
        struct db_stmt *s = store_stmt(st, del[i].q, del[i].sql);
        if (!s)
            return STORE_ERROR;
        D->bind_i64(s, 1, id);
        if (store_run(st, s) != DB_DONE)
            return STORE_ERROR;
    }
    store_touch(st, STORE_KIND_PROFILE, id);
    return STORE_OK;
}

enum store_rc store_retain_profiles(struct store *st, int64_t cutoff_ms, size_t max, size_t *n)
{
    *n = 0;
    int64_t ids[64];
    if (max > sizeof(ids) / sizeof(ids[0]))
        max = sizeof(ids) / sizeof(ids[0]);
    struct db_stmt *s = store_stmt(
        st, Q_RETAIN_PROFILES,
        "SELECT p.id FROM profiles p WHERE p.deleted_ms IS NOT NULL AND p.deleted_ms < ?1 "
        "AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.profile_id = p.id) "
        "AND NOT EXISTS (SELECT 1 FROM webhooks w JOIN deliveries d ON d.webhook_id = w.id "
        "WHERE w.profile_id = p.id) ORDER BY p.deleted_ms LIMIT ?2");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, cutoff_ms);
    D->bind_i64(s, 2, (int64_t)max);
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && cnt < max)
        ids[cnt++] = D->col_i64(s, 0);
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    for (size_t i = 0; i < cnt; i++)
        if (drop_profile(st, ids[i]) != STORE_OK)
            return STORE_ERROR;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_retain_deliveries(struct store *st, int64_t cutoff_ms, size_t max, size_t *n)
{
    /* A pending delivery still has its job; it goes once it ends. */
    return delete_batch(st, Q_RETAIN_DELIVERIES,
                        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries "
                        "WHERE created_ms < ?1 AND status <> 'pending' "
                        "ORDER BY created_ms LIMIT ?2)",
                        cutoff_ms, max, n);
}

enum store_rc store_retain_events(struct store *st, int64_t cutoff_ms, size_t max, size_t *n)
{
    return delete_batch(st, Q_RETAIN_EVENTS,
                        "DELETE FROM events WHERE id IN (SELECT e.id FROM events e "
                        "WHERE e.created_ms < ?1 AND NOT EXISTS "
                        "(SELECT 1 FROM deliveries d WHERE d.event_id = e.id) "
                        "ORDER BY e.created_ms LIMIT ?2)",
                        cutoff_ms, max, n);
}

enum store_rc store_retain_webhooks(struct store *st, int64_t cutoff_ms, size_t max, size_t *n)
{
    return delete_batch(st, Q_RETAIN_WEBHOOKS,
                        "DELETE FROM webhooks WHERE id IN (SELECT w.id FROM webhooks w "
                        "WHERE w.deleted_ms IS NOT NULL AND w.deleted_ms < ?1 AND NOT EXISTS "
                        "(SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id) LIMIT ?2)",
                        cutoff_ms, max, n);
}

enum store_rc store_retain_batch(struct store *st, int64_t cutoff_ms, size_t max, size_t *n)
{
    return delete_batch(st, Q_RETAIN_BATCH,
                        "DELETE FROM batch_exports WHERE id IN (SELECT id FROM batch_exports "
                        "WHERE deleted_ms IS NOT NULL AND deleted_ms < ?1 LIMIT ?2)",
                        cutoff_ms, max, n);
}
