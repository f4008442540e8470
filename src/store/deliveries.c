/*
 * deliveries: events and their deliveries to webhooks (see
 * store/deliveries.h).
 */
#include "store/deliveries.h"
#include "store/internal.h"
#include "store/jobs.h"

#include <string.h>

#define D (st->drv)

/* Inserts a delivery of event_id to webhook_id with a job when live. */
static enum store_rc add_delivery(struct store *st, int64_t event_id, int64_t account_id,
                                  int64_t profile_id, int64_t webhook_id, bool live,
                                  const char *public_id, int64_t now_ms, int64_t *id)
{
    struct db_stmt *s = store_stmt(
        st, Q_DELIVERY_INSERT,
        "INSERT INTO deliveries (public_id, event_id, account_id, profile_id, webhook_id, status, "
        "created_ms, next_attempt_ms, completed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, public_id);
    D->bind_i64(s, 2, event_id);
    D->bind_i64(s, 3, account_id);
    D->bind_i64(s, 4, profile_id);
    D->bind_i64(s, 5, webhook_id);
    D->bind_text(s, 6, live ? "pending" : "skipped");
    D->bind_i64(s, 7, now_ms);
    if (live)
        D->bind_i64(s, 8, now_ms);
    else
        D->bind_null(s, 8);
    if (live)
        D->bind_null(s, 9);
    else
        D->bind_i64(s, 9, now_ms);
    enum db_rc dr = D->step(s);
    *id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        return STORE_ERROR;
    return live ? store_job_add(st, "webhook", *id, now_ms, now_ms) : STORE_OK;
}

enum store_rc store_event_emit(struct store *st, const struct event_new *e,
                               const char *delivery_public_id, int64_t *delivery_id)
{
    *delivery_id = 0;
    struct db_stmt *s = store_stmt(st, Q_EVENT_INSERT,
                                   "INSERT INTO events (hook_id, account_id, profile_id, action, "
                                   "payload, created_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, e->hook_id);
    D->bind_i64(s, 2, e->account_id);
    D->bind_i64(s, 3, e->profile_id);
    D->bind_text(s, 4, e->action);
    D->bind_text(s, 5, e->payload);
    D->bind_i64(s, 6, e->created_ms);
    enum db_rc dr = D->step(s);
    int64_t event_id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        return STORE_ERROR;
    /* Routing (SPEC §8): the profile's own webhook for the action, else the
     * account's (registered on its primary profile). */
    s = store_stmt(st, Q_EVENT_ROUTE,
                   "SELECT w.id, w.disabled_ms IS NULL FROM webhooks w "
                   "JOIN accounts a ON a.id = w.account_id "
                   "WHERE w.account_id = ?1 AND w.action = ?2 AND w.deleted_ms IS NULL "
                   "AND (w.profile_id = ?3 OR w.profile_id = a.primary_profile_id) "
                   "ORDER BY CASE WHEN w.profile_id = ?3 THEN 0 ELSE 1 END LIMIT 1");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, e->account_id);
    D->bind_text(s, 2, e->action);
    D->bind_i64(s, 3, e->profile_id);
    dr = D->step(s);
    int64_t webhook_id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    bool live = dr == DB_ROW && D->col_i64(s, 1) != 0;
    D->reset(s);
    if (dr != DB_ROW && dr != DB_DONE)
        return STORE_ERROR;
    if (!webhook_id)
        return STORE_OK;
    return add_delivery(st, event_id, e->account_id, e->profile_id, webhook_id, live,
                        delivery_public_id, e->created_ms, delivery_id);
}

#define DELIVERY_SELECT                                                                       \
    "SELECT d.id, d.public_id, d.event_id, e.hook_id, e.action, e.payload, d.account_id, "    \
    "d.profile_id, d.webhook_id, w.profile_id, w.url, "                                       \
    "(w.deleted_ms IS NULL AND w.disabled_ms IS NULL), d.status, d.attempts, d.last_status, " \
    "d.last_error, d.created_ms, d.last_attempt_ms, d.next_attempt_ms, d.completed_ms "       \
    "FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id "

static int64_t opt_i64(struct store *st, struct db_stmt *s, int col)
{
    return D->col_null(s, col) ? 0 : D->col_i64(s, col);
}

static void read_delivery(struct store *st, struct db_stmt *s, struct arena *a, struct delivery *d)
{
    d->id = D->col_i64(s, 0);
    d->public_id = store_col_str(st, s, 1, a);
    d->event_id = D->col_i64(s, 2);
    d->hook_id = store_col_str(st, s, 3, a);
    d->action = store_col_str(st, s, 4, a);
    d->payload = store_col_str(st, s, 5, a);
    d->account_id = D->col_i64(s, 6);
    d->profile_id = D->col_i64(s, 7);
    d->webhook_id = D->col_i64(s, 8);
    d->webhook_profile_id = D->col_i64(s, 9);
    d->url = store_col_str(st, s, 10, a);
    d->webhook_live = D->col_i64(s, 11) != 0;
    d->status = store_col_str(st, s, 12, a);
    d->attempts = D->col_i64(s, 13);
    d->last_status = opt_i64(st, s, 14);
    d->last_error = store_col_str(st, s, 15, a);
    d->created_ms = D->col_i64(s, 16);
    d->last_attempt_ms = opt_i64(st, s, 17);
    d->next_attempt_ms = opt_i64(st, s, 18);
    d->completed_ms = opt_i64(st, s, 19);
}

static enum store_rc one_delivery(struct store *st, struct db_stmt *s, struct arena *a,
                                  struct delivery *out)
{
    enum db_rc dr = D->step(s);
    enum store_rc rc = dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (dr == DB_ROW)
        read_delivery(st, s, a, out);
    D->reset(s);
    return rc;
}

enum store_rc store_delivery_get(struct store *st, struct arena *a, int64_t id,
                                 struct delivery *out)
{
    struct db_stmt *s = store_stmt(st, Q_DELIVERY_GET, DELIVERY_SELECT "WHERE d.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return one_delivery(st, s, a, out);
}

enum store_rc store_delivery_by_public(struct store *st, struct arena *a, int64_t account_id,
                                       const char *public_id, struct delivery *out)
{
    struct db_stmt *s = store_stmt(st, Q_DELIVERY_BY_PUBLIC,
                                   DELIVERY_SELECT "WHERE d.public_id = ? AND d.account_id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, public_id);
    D->bind_i64(s, 2, account_id);
    return one_delivery(st, s, a, out);
}

enum store_rc store_delivery_list(struct store *st, struct arena *a, int64_t account_id,
                                  int64_t profile_id, const char *action, const char *status,
                                  int64_t before_id, size_t limit, struct delivery **out, size_t *n)
{
    struct db_stmt *s =
        store_stmt(st, Q_DELIVERY_LIST,
                   DELIVERY_SELECT "WHERE d.account_id = ?1 AND (?2 = 0 OR d.profile_id = ?2) "
                                   "AND (?3 = 0 OR e.action = ?4) AND (?5 = 0 OR d.status = ?6) "
                                   "AND (?7 = 0 OR d.id < ?7) ORDER BY d.id DESC LIMIT ?8");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_i64(s, 2, profile_id);
    D->bind_i64(s, 3, action != NULL);
    D->bind_text(s, 4, action ? action : "");
    D->bind_i64(s, 5, status != NULL);
    D->bind_text(s, 6, status ? status : "");
    D->bind_i64(s, 7, before_id);
    D->bind_i64(s, 8, (int64_t)limit);
    size_t cap = limit < 32 ? limit + 1 : 32, cnt = 0;
    struct delivery *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        read_delivery(st, s, a, &arr[cnt++]);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_delivery_record(struct store *st, int64_t id, const struct delivery_outcome *o,
                                    bool *disabled)
{
    *disabled = false;
    bool final = strcmp(o->status, "pending") != 0;
    struct db_stmt *s = store_stmt(
        st, Q_DELIVERY_RECORD,
        /* A delivery cancelled while its attempt was in flight (its
         * webhook unregistered) stays cancelled; the attempt is still
         * recorded. */
        "UPDATE deliveries SET status = CASE WHEN status = 'cancelled' THEN status ELSE ?1 END, "
        "attempts = ?2, last_status = ?3, last_error = ?4, last_url = ?5, last_attempt_ms = ?6, "
        "next_attempt_ms = CASE WHEN status = 'cancelled' THEN NULL ELSE CAST(?7 AS BIGINT) END, "
        "completed_ms = CASE WHEN status = 'cancelled' THEN completed_ms ELSE ?8 END "
        "WHERE id = ?9 RETURNING webhook_id");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, o->status);
    D->bind_i64(s, 2, o->attempts);
    if (o->http_status)
        D->bind_i64(s, 3, o->http_status);
    else
        D->bind_null(s, 3);
    D->bind_text(s, 4, o->error);
    D->bind_text(s, 5, o->url);
    D->bind_i64(s, 6, o->attempt_ms);
    if (final)
        D->bind_null(s, 7);
    else
        D->bind_i64(s, 7, o->next_attempt_ms);
    if (final)
        D->bind_i64(s, 8, o->attempt_ms);
    else
        D->bind_null(s, 8);
    D->bind_i64(s, 9, id);
    enum db_rc dr = D->step(s);
    int64_t webhook_id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        return dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (!final)
        return STORE_OK;
    if (!strcmp(o->status, "delivered")) {
        s = store_stmt(st, Q_DELIVERY_HOOK_OK, "UPDATE webhooks SET failures = 0 WHERE id = ?");
        if (!s)
            return STORE_ERROR;
        D->bind_i64(s, 1, webhook_id);
        return store_rc_of(store_run(st, s));
    }
    /* A failed event: the webhook is disabled after disable_after in a row. */
    s = store_stmt(st, Q_DELIVERY_HOOK_FAIL,
                   "UPDATE webhooks SET failures = failures + 1, "
                   "disabled_ms = CASE WHEN disabled_ms IS NULL AND failures + 1 >= ?1 "
                   "THEN ?2 ELSE disabled_ms END, "
                   "disabled_reason = CASE WHEN disabled_ms IS NULL AND failures + 1 >= ?1 "
                   "THEN ?3 ELSE disabled_reason END "
                   "WHERE id = ?4 RETURNING disabled_ms = ?2");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, o->disable_after);
    D->bind_i64(s, 2, o->attempt_ms);
    D->bind_text(s, 3, "the last events all failed; register the webhook again to enable it");
    D->bind_i64(s, 4, webhook_id);
    dr = D->step(s);
    if (dr == DB_ROW)
        *disabled = D->col_i64(s, 0) != 0;
    D->reset(s);
    return dr == DB_ROW || dr == DB_DONE ? STORE_OK : STORE_ERROR;
}

enum store_rc store_delivery_resend(struct store *st, int64_t id, const char *public_id,
                                    int64_t now_ms, int64_t *new_id)
{
    struct db_stmt *s = store_stmt(st, Q_DELIVERY_RESEND,
                                   "SELECT d.event_id, d.account_id, d.profile_id, d.webhook_id "
                                   "FROM deliveries d WHERE d.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    enum db_rc dr = D->step(s);
    int64_t event_id = 0, account_id = 0, profile_id = 0, webhook_id = 0;
    if (dr == DB_ROW) {
        event_id = D->col_i64(s, 0);
        account_id = D->col_i64(s, 1);
        profile_id = D->col_i64(s, 2);
        webhook_id = D->col_i64(s, 3);
    }
    D->reset(s);
    if (dr != DB_ROW)
        return dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    /* A resend is the user's explicit choice: it goes out even to a
     * disabled webhook. */
    rc = add_delivery(st, event_id, account_id, profile_id, webhook_id, true, public_id, now_ms,
                      new_id);
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st);
}
