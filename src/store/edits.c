/*
 * edits: Google Business Profile per-field edit counting (see store/edits.h).
 *
 * Correct under concurrency because counting and reserving happen in one
 * write transaction that holds the location's turn (BEGIN IMMEDIATE in
 * SQLite: writers take turns; store_lock on PostgreSQL), so a second
 * request sees the first one's reservation.
 */
#include "store/edits.h"
#include "store/internal.h"

#include <string.h>

#define D (st->drv)

/* Edits of field that count at now: done ones in the window, and live
 * reservations. */
#define COUNTED                                                                  \
    "FROM gbp_edits WHERE location = ?1 AND field = ?2 AND at_ms > ?3 - ?4 AND " \
    "(state = 'done' OR at_ms > ?3 - ?5) "

static void bind_window(struct store *st, struct db_stmt *s, const char *location,
                        const char *field, int64_t now_ms, const struct gbp_limit *lim)
{
    D->bind_text(s, 1, location);
    D->bind_text(s, 2, field);
    D->bind_i64(s, 3, now_ms);
    D->bind_i64(s, 4, lim->window_ms);
    D->bind_i64(s, 5, lim->pending_ttl_ms);
}

/* *count counted edits of field; when over the limit, *free_ms is when
 * enough of them leave the window for one more. */
static enum store_rc count_field(struct store *st, const char *location, const char *field,
                                 int64_t now_ms, const struct gbp_limit *lim, int64_t *count,
                                 int64_t *free_ms)
{
    struct db_stmt *s = store_stmt(st, Q_GBP_COUNT, "SELECT COUNT(*) " COUNTED);
    if (!s)
        return STORE_ERROR;
    bind_window(st, s, location, field, now_ms, lim);
    enum db_rc dr = D->step(s);
    *count = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        return STORE_ERROR;
    if (*count < lim->limit)
        return STORE_OK;
    /* The (count - limit + 1)-th oldest must leave the window first. */
    s = store_stmt(st, Q_GBP_NTH, "SELECT at_ms " COUNTED "ORDER BY at_ms LIMIT 1 OFFSET ?6");
    if (!s)
        return STORE_ERROR;
    bind_window(st, s, location, field, now_ms, lim);
    D->bind_i64(s, 6, *count - lim->limit);
    dr = D->step(s);
    *free_ms = dr == DB_ROW ? D->col_i64(s, 0) + lim->window_ms : now_ms + lim->window_ms;
    D->reset(s);
    return dr == DB_ROW || dr == DB_DONE ? STORE_OK : STORE_ERROR;
}

enum store_rc store_gbp_reserve(struct store *st, const char *location, const char *const *fields,
                                size_t n, int64_t now_ms, const struct gbp_limit *lim,
                                int64_t *batch, size_t *blocked, int64_t *available_ms)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    if (store_lock(st, "gbp_edits", location) != STORE_OK) {
        store_rollback(st);
        return STORE_ERROR;
    }
    /* Rows that can no longer count. */
    struct db_stmt *s = store_stmt(st, Q_GBP_PRUNE,
                                   "DELETE FROM gbp_edits WHERE location = ? AND (at_ms <= ? - ? "
                                   "OR (state = 'pending' AND at_ms <= ? - ?))");
    if (!s) {
        store_rollback(st);
        return STORE_ERROR;
    }
    D->bind_text(s, 1, location);
    D->bind_i64(s, 2, now_ms);
    D->bind_i64(s, 3, lim->window_ms);
    D->bind_i64(s, 4, now_ms);
    D->bind_i64(s, 5, lim->pending_ttl_ms);
    rc = store_rc_of(store_run(st, s));
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        int64_t count = 0, free_ms = 0;
        rc = count_field(st, location, fields[i], now_ms, lim, &count, &free_ms);
        if (rc == STORE_OK && count >= lim->limit) {
            *blocked = i;
            *available_ms = free_ms;
            rc = STORE_CONFLICT;
        }
    }
    *batch = 0;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        s = store_stmt(st, Q_GBP_INSERT,
                       "INSERT INTO gbp_edits (batch, location, field, at_ms) VALUES (?, ?, ?, ?) "
                       "RETURNING id");
        if (!s) {
            rc = STORE_ERROR;
            break;
        }
        D->bind_i64(s, 1, *batch);
        D->bind_text(s, 2, location);
        D->bind_text(s, 3, fields[i]);
        D->bind_i64(s, 4, now_ms);
        enum db_rc dr = D->step(s);
        int64_t id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
        D->reset(s);
        if (dr != DB_ROW) {
            rc = STORE_ERROR;
            break;
        }
        if (!*batch) {
            /* The first row's id names the batch. */
            *batch = id;
            s = store_stmt(st, Q_GBP_BATCH, "UPDATE gbp_edits SET batch = ? WHERE id = ?");
            if (!s) {
                rc = STORE_ERROR;
                break;
            }
            D->bind_i64(s, 1, id);
            D->bind_i64(s, 2, id);
            rc = store_rc_of(store_run(st, s));
        }
    }
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st);
}

enum store_rc store_gbp_settle(struct store *st, int64_t batch, bool done, int64_t now_ms)
{
    struct db_stmt *s =
        done ? store_stmt(st, Q_GBP_DONE,
                          "UPDATE gbp_edits SET state = 'done', at_ms = ? WHERE batch = ?")
             : store_stmt(st, Q_GBP_DROP, "DELETE FROM gbp_edits WHERE batch = ?");
    if (!s)
        return STORE_ERROR;
    if (done) {
        D->bind_i64(s, 1, now_ms);
        D->bind_i64(s, 2, batch);
    } else {
        D->bind_i64(s, 1, batch);
    }
    return store_rc_of(store_run(st, s));
}
