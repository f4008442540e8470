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
