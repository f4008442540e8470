/* store/limits: shared rate-limit windows (see store/limits.h). */
#include "store/limits.h"
#include "store/internal.h"

#define D (st->drv)

/* A window is over when it ended. Not when it starts after now: callers
 * read their clocks before waiting for the row, so one that waited sees a
 * window a later caller started, and must count in it. */
#define OVER "(w.start_ms + ?4 <= ?2)"

enum store_rc store_rate_lease(struct store *st, int64_t profile_id, int64_t now_ms,
                               int64_t window_ms, int64_t max, int64_t want, struct rate_lease *out)
{
    /* Every SET expression reads the row as it was, so granted and used
     * agree; the row lock makes concurrent leases take turns. */
    struct db_stmt *s = store_stmt(
        st, Q_RATE_LEASE,
        "INSERT INTO rate_windows AS w (profile_id, start_ms, used, granted) "
        "VALUES (?1, ?2, CASE WHEN ?3 < ?5 THEN ?3 ELSE ?5 END, "
        "CASE WHEN ?3 < ?5 THEN ?3 ELSE ?5 END) "
        "ON CONFLICT (profile_id) DO UPDATE SET "
        "start_ms = CASE WHEN " OVER " THEN ?2 ELSE w.start_ms END, "
        "granted = CASE WHEN " OVER " THEN (CASE WHEN ?3 < ?5 THEN ?3 ELSE ?5 END) "
        "WHEN w.used >= ?5 THEN 0 WHEN ?3 < ?5 - w.used THEN ?3 ELSE ?5 - w.used END, "
        "used = CASE WHEN " OVER " THEN (CASE WHEN ?3 < ?5 THEN ?3 ELSE ?5 END) "
        "WHEN w.used >= ?5 THEN w.used WHEN ?3 < ?5 - w.used THEN w.used + ?3 ELSE ?5 END "
        "RETURNING start_ms, used, granted");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_i64(s, 2, now_ms);
    D->bind_i64(s, 3, want);
    D->bind_i64(s, 4, window_ms);
    D->bind_i64(s, 5, max);
    enum db_rc rc = D->step(s);
    if (rc == DB_ROW) {
        out->start_ms = D->col_i64(s, 0);
        out->used = D->col_i64(s, 1);
        out->granted = D->col_i64(s, 2);
    }
    D->reset(s);
    return rc == DB_ROW ? STORE_OK : store_rc_of(rc == DB_DONE ? DB_ERROR : rc);
}

enum store_rc store_rate_refused(struct store *st, int64_t profile_id, int64_t now_ms,
                                 int64_t day_ms, int64_t n, int64_t *before, int64_t *after)
{
    struct db_stmt *s = store_stmt(
        st, Q_RATE_REFUSED,
        "INSERT INTO rate_windows AS w (profile_id, start_ms, used, errors_since_ms, errors, "
        "errors_before) VALUES (?1, ?2, 0, ?2, ?4, 0) "
        "ON CONFLICT (profile_id) DO UPDATE SET "
        "errors_before = CASE WHEN w.errors_since_ms + ?3 <= ?2 "
        "THEN 0 ELSE w.errors END, "
        "errors = CASE WHEN w.errors_since_ms + ?3 <= ?2 "
        "THEN ?4 ELSE w.errors + ?4 END, "
        "errors_since_ms = CASE WHEN w.errors_since_ms + ?3 <= ?2 "
        "THEN ?2 ELSE w.errors_since_ms END "
        "RETURNING errors_before, errors");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_i64(s, 2, now_ms);
    D->bind_i64(s, 3, day_ms);
    D->bind_i64(s, 4, n);
    enum db_rc rc = D->step(s);
    if (rc == DB_ROW) {
        *before = D->col_i64(s, 0);
        *after = D->col_i64(s, 1);
    }
    D->reset(s);
    return rc == DB_ROW ? STORE_OK : store_rc_of(rc == DB_DONE ? DB_ERROR : rc);
}
