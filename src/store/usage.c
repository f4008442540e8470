/*
 * usage: monthly API-call counters (see store/usage.h).
 */
#include "store/usage.h"
#include "store/internal.h"

#include <string.h>

#define D (st->drv)

enum store_rc store_usage_add(struct store *st, struct usage_delta *d, size_t n)
{
    if (n == 0)
        return STORE_OK;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    struct db_stmt *s = store_stmt(st, Q_USAGE_ADD,
                                   "INSERT INTO usage_monthly (profile_id, month, calls) "
                                   "VALUES (?, ?, ?) ON CONFLICT (profile_id, month) "
                                   "DO UPDATE SET calls = usage_monthly.calls + excluded.calls "
                                   "RETURNING calls");
    if (!s) {
        store_rollback(st);
        return STORE_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        D->bind_i64(s, 1, d[i].profile_id);
        D->bind_text(s, 2, d[i].month);
        D->bind_i64(s, 3, d[i].calls);
        enum db_rc dr = D->step(s);
        d[i].total = dr == DB_ROW ? D->col_i64(s, 0) : 0;
        D->reset(s);
        if (dr != DB_ROW) {
            store_rollback(st);
            return STORE_ERROR;
        }
    }
    return store_commit(st);
}

enum store_rc store_usage_lease(struct store *st, int64_t profile_id, const char *month,
                                int64_t want, int64_t quota, int64_t *calls, int64_t *granted)
{
    /* SET reads the row as it was: granted and calls agree. */
    struct db_stmt *s = store_stmt(
        st, Q_USAGE_LEASE,
        "INSERT INTO usage_monthly AS u (profile_id, month, calls, granted) "
        "VALUES (?1, ?2, CASE WHEN ?3 < ?4 THEN ?3 ELSE ?4 END, "
        "CASE WHEN ?3 < ?4 THEN ?3 ELSE ?4 END) ON CONFLICT (profile_id, month) DO UPDATE SET "
        "granted = CASE WHEN u.calls >= ?4 THEN 0 WHEN ?3 < ?4 - u.calls THEN ?3 "
        "ELSE ?4 - u.calls END, "
        "calls = CASE WHEN u.calls >= ?4 THEN u.calls WHEN ?3 < ?4 - u.calls THEN u.calls + ?3 "
        "ELSE ?4 END RETURNING calls, granted");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, month);
    D->bind_i64(s, 3, want);
    D->bind_i64(s, 4, quota);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        *calls = D->col_i64(s, 0);
        *granted = D->col_i64(s, 1);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}

enum store_rc store_usage_get(struct store *st, int64_t profile_id, const char *month,
                              int64_t *calls)
{
    struct db_stmt *s = store_stmt(
        st, Q_USAGE_GET, "SELECT calls FROM usage_monthly WHERE profile_id = ? AND month = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, month);
    enum db_rc dr = D->step(s);
    *calls = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    return dr == DB_ROW || dr == DB_DONE ? STORE_OK : STORE_ERROR;
}
