/*
 * deliveries: events and their deliveries to webhooks (see
 * store/deliveries.h).
 *
 * The delivery runner reads and records in batches: a lease's deliveries
 * with their secrets in one SELECT, a drain's outcomes in one UPDATE of
 * deliveries and one of webhooks (rows bound as JSON, internal.h), so that
 * on PostgreSQL a batch costs a few round trips, not a few per delivery.
 */
#include "store/deliveries.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/mem.h"

#include <stdlib.h>
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

#define DELIVERY_COLS                                                                         \
    "d.id, d.public_id, d.event_id, e.hook_id, e.action, e.payload, d.account_id, "           \
    "d.profile_id, d.webhook_id, w.profile_id, w.url, "                                       \
    "(w.deleted_ms IS NULL AND w.disabled_ms IS NULL), d.status, d.attempts, d.last_status, " \
    "d.last_error, d.created_ms, d.last_attempt_ms, d.next_attempt_ms, d.completed_ms "
#define DELIVERY_NCOLS 20
#define DELIVERY_FROM \
    "FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id "
#define DELIVERY_SELECT "SELECT " DELIVERY_COLS DELIVERY_FROM
/* With the secrets that sign (so: the webhook owner's; sa: its account's,
 * the primary profile's), chosen as store_webhook_secret_get chooses. */
#define DELIVERY_SEND_SELECT                                                                   \
    "SELECT " DELIVERY_COLS ", COALESCE(so.profile_id, sa.profile_id), "                       \
    "CASE WHEN so.profile_id IS NULL THEN sa.secret ELSE so.secret END, "                      \
    "CASE WHEN so.profile_id IS NULL THEN sa.prev_secret ELSE so.prev_secret END, "            \
    "CASE WHEN so.profile_id IS NULL THEN sa.rotated_ms ELSE so.rotated_ms END " DELIVERY_FROM \
    "LEFT JOIN webhook_secrets so ON so.profile_id = w.profile_id "                            \
    "LEFT JOIN profiles wp ON wp.id = w.profile_id "                                           \
    "LEFT JOIN accounts wa ON wa.id = wp.account_id "                                          \
    "LEFT JOIN webhook_secrets sa ON sa.profile_id = wa.primary_profile_id "

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

enum store_rc store_delivery_get_many(struct store *st, struct arena *a, const int64_t *ids,
                                      size_t n, struct delivery_send **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n)
        return STORE_OK;
    struct db_stmt *s =
        store_stmt(st, Q_DELIVERY_GET_MANY,
                   D->dialect == DB_SQLITE
                       ? DELIVERY_SEND_SELECT "WHERE d.id" STORE_IN_IDS_SQLITE(1) " ORDER BY d.id"
                       : DELIVERY_SEND_SELECT "WHERE d.id" STORE_IN_IDS_PG(1) " ORDER BY d.id");
    if (!s)
        return STORE_ERROR;
    store_bind_ids(st, s, 1, ids, n);
    struct delivery_send *arr = arena_alloc(a, n * sizeof(*arr));
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && cnt < n) {
        struct delivery_send *r = &arr[cnt++];
        read_delivery(st, s, a, &r->d);
        int c = DELIVERY_NCOLS;
        memset(&r->secret, 0, sizeof(r->secret));
        r->secret.profile_id = store_col_opt_i64(st, s, c);
        r->secret.secret = store_col_blob(st, s, c + 1, a, &r->secret.secret_len);
        r->secret.prev = store_col_blob(st, s, c + 2, a, &r->secret.prev_len);
        r->secret.rotated_ms = store_col_opt_i64(st, s, c + 3);
    }
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    *out = arr;
    *nout = cnt;
    return STORE_OK;
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

/* ---- recording a batch of outcomes ---- */

/* An outcome by a key (its delivery, its webhook), sorted by key, then by
 * its place i in the batch. */
struct pos {
    int64_t key;
    size_t i;
};

static int pos_cmp(const void *pa, const void *pb)
{
    const struct pos *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* A delivery the batch updated and its webhook, sorted by delivery. */
struct hook_of {
    int64_t delivery_id;
    int64_t webhook_id;
};

static int hook_of_cmp(const void *pa, const void *pb)
{
    const struct hook_of *a = pa, *b = pb;
    return a->delivery_id < b->delivery_id ? -1 : a->delivery_id > b->delivery_id;
}

/*
 * One webhook's final outcomes in a batch, in order, as what they do to its
 * failure count f: a success sets f to 0, a failure adds 1 and disables the
 * webhook when f reaches the limit. So f ends as fails_last when a success
 * came, else as f + fails_first; and the webhook is disabled when
 * f + fails_first reached the limit, or a run of failures after a success
 * did (fails_peak). The webhook's row is the only unknown: one UPDATE
 * applies the tally whatever f is.
 */
struct hook_tally {
    int64_t id;
    bool succeeded;
    int64_t fails_first; /* failures before the first success (all, without one) */
    int64_t fails_last;  /* failures after the last success */
    int64_t fails_peak;  /* the longest run of failures after the first success */
    int64_t limit;       /* disable_after */
    size_t last_fail;    /* the outcome that reports a disabling */
};

static int tally_cmp(const void *pa, const void *pb)
{
    const struct hook_tally *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * The rows come as JSON (internal.h). PostgreSQL's planner takes a JSON
 * row set for 100 rows and would join it to a sequential scan of the
 * table; the ids again as an array (= ANY) make it look the rows up in the
 * primary key instead. SQLite's loops over the rows and looks each up.
 *
 * A delivery cancelled while its attempt was in flight (its webhook
 * unregistered) stays cancelled; the attempt is still recorded.
 */
#define RECORD_SET                                                                            \
    "UPDATE deliveries SET status = CASE WHEN deliveries.status = 'cancelled' "               \
    "THEN deliveries.status ELSE v.status END, attempts = v.attempts, "                       \
    "last_status = v.http_status, last_error = v.error, last_url = v.url, "                   \
    "last_attempt_ms = v.at_ms, next_attempt_ms = CASE WHEN deliveries.status = 'cancelled' " \
    "THEN NULL ELSE v.next_ms END, completed_ms = CASE WHEN deliveries.status = 'cancelled' " \
    "THEN deliveries.completed_ms ELSE v.done_ms END FROM "
#define RECORD_END " RETURNING deliveries.id, deliveries.webhook_id"
static const char record_sqlite[] =
    RECORD_SET "(SELECT json_extract(value, '$.id') AS id, "
               "json_extract(value, '$.status') AS status, "
               "json_extract(value, '$.attempts') AS attempts, "
               "json_extract(value, '$.http_status') AS http_status, "
               "json_extract(value, '$.error') AS error, json_extract(value, '$.url') AS url, "
               "json_extract(value, '$.at_ms') AS at_ms, "
               "json_extract(value, '$.next_ms') AS next_ms, "
               "json_extract(value, '$.done_ms') AS done_ms FROM json_each(?1)) AS v "
               "WHERE deliveries.id = v.id" RECORD_END;
static const char record_pg[] =
    RECORD_SET "jsonb_to_recordset(CAST(?1 AS JSONB)) AS v(id BIGINT, status TEXT, "
               "attempts BIGINT, http_status BIGINT, error TEXT, url TEXT, at_ms BIGINT, "
               "next_ms BIGINT, done_ms BIGINT) "
               "WHERE deliveries.id = v.id AND deliveries.id" STORE_IN_IDS_PG(2) RECORD_END;
#undef RECORD_SET
#undef RECORD_END

/* The failure count a tally leaves, whether it disables; only the rows
 * that change are written (a success on a webhook without failures writes
 * nothing). ?2: the time it is disabled at. */
#define HOOK_COUNT \
    "CASE WHEN v.succeeded = 1 THEN v.fails_last ELSE webhooks.failures + v.fails_first END"
#define HOOK_OFF                                                                   \
    "(webhooks.disabled_ms IS NULL AND ((v.fails_first > 0 AND webhooks.failures " \
    "+ v.fails_first >= v.lim) OR (v.fails_peak > 0 AND v.fails_peak >= v.lim)))"
#define HOOK_SET                                                                       \
    "UPDATE webhooks SET failures = " HOOK_COUNT ", disabled_ms = CASE WHEN " HOOK_OFF \
    " THEN ?2 ELSE webhooks.disabled_ms END, disabled_reason = CASE WHEN " HOOK_OFF    \
    " THEN ?3 ELSE webhooks.disabled_reason END FROM "
#define HOOK_WHERE \
    " WHERE webhooks.id = v.id AND (webhooks.failures <> " HOOK_COUNT " OR " HOOK_OFF ")"
#define HOOK_END " RETURNING webhooks.id, webhooks.disabled_ms = ?2"
static const char hooks_sqlite[] =
    HOOK_SET "(SELECT json_extract(value, '$.id') AS id, "
             "json_extract(value, '$.succeeded') AS succeeded, "
             "json_extract(value, '$.fails_first') AS fails_first, "
             "json_extract(value, '$.fails_last') AS fails_last, "
             "json_extract(value, '$.fails_peak') AS fails_peak, "
             "json_extract(value, '$.lim') AS lim FROM json_each(?1)) AS v" HOOK_WHERE HOOK_END;
static const char hooks_pg[] =
    HOOK_SET "jsonb_to_recordset(CAST(?1 AS JSONB)) AS v(id BIGINT, succeeded BIGINT, "
             "fails_first BIGINT, fails_last BIGINT, fails_peak BIGINT, lim BIGINT)" HOOK_WHERE
             " AND webhooks.id" STORE_IN_IDS_PG(4) HOOK_END;
#undef HOOK_COUNT
#undef HOOK_OFF
#undef HOOK_SET
#undef HOOK_WHERE
#undef HOOK_END

/* Writes outcome x as a JSON row of record_*. */
static void outcome_row(struct jw *w, const struct delivery_outcome *x)
{
    bool final = strcmp(x->status, "pending") != 0;
    jw_obj(w);
    jw_kint(w, "id", x->delivery_id);
    jw_kstr(w, "status", x->status);
    jw_kint(w, "attempts", x->attempts);
    jw_kint_or_null(w, "http_status", x->http_status != 0, x->http_status);
    jw_kstr(w, "error", x->error);
    jw_kstr(w, "url", x->url);
    jw_kint(w, "at_ms", x->attempt_ms);
    jw_kint_or_null(w, "next_ms", !final, x->next_attempt_ms);
    jw_kint_or_null(w, "done_ms", final, x->attempt_ms);
    jw_obj_end(w);
}

/* Sets the deliveries' columns from their outcomes (the last one of each
 * delivery); the deliveries updated and their webhooks go into hooks
 * (sorted), *nhooks of them. */
static enum store_rc record_deliveries(struct store *st, const struct delivery_outcome *o, size_t n,
                                       struct hook_of *hooks, size_t *nhooks)
{
    enum store_rc rc = STORE_ERROR;
    struct pos *by_id = mem_malloc(n * sizeof(*by_id));
    int64_t *ids = mem_malloc(n * sizeof(*ids));
    struct buf b;
    buf_init(&b, 65536 + n * 8192); /* a URL of 2,048 bytes escaped, an error, numbers */
    *nhooks = 0;
    for (size_t i = 0; i < n; i++)
        by_id[i] = (struct pos){o[i].delivery_id, i};
    qsort(by_id, n, sizeof(*by_id), pos_cmp);
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    size_t nids = 0;
    for (size_t k = 0; k < n; k++) {
        if (k + 1 < n && by_id[k + 1].key == by_id[k].key)
            continue; /* a later outcome of the same delivery stays */
        ids[nids++] = by_id[k].key;
        outcome_row(&w, &o[by_id[k].i]);
    }
    jw_arr_end(&w);
    struct db_stmt *s =
        store_stmt(st, Q_DELIVERY_RECORD_MANY, D->dialect == DB_SQLITE ? record_sqlite : record_pg);
    if (!s || jw_failed(&w))
        goto out;
    D->bind_text(s, 1, b.data);
    if (D->dialect == DB_POSTGRES)
        store_bind_ids(st, s, 2, ids, nids);
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && *nhooks < n) {
        hooks[*nhooks].delivery_id = D->col_i64(s, 0);
        hooks[*nhooks].webhook_id = D->col_i64(s, 1);
        (*nhooks)++;
    }
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        goto out;
    qsort(hooks, *nhooks, sizeof(*hooks), hook_of_cmp);
    rc = STORE_OK;
out:
    buf_free(&b);
    free(ids);
    free(by_id);
    return rc;
}

/* Adds each final outcome to its webhook's tally in t; returns how many
 * webhooks (t sorted by id). */
static size_t tally_hooks(const struct delivery_outcome *o, size_t n, const struct hook_of *hooks,
                          size_t nhooks, struct hook_tally *t)
{
    struct pos *by_hook = mem_malloc(n * sizeof(*by_hook));
    size_t m = 0, nt = 0;
    for (size_t i = 0; i < n; i++) {
        struct hook_of key = {.delivery_id = o[i].delivery_id};
        const struct hook_of *h = bsearch(&key, hooks, nhooks, sizeof(*hooks), hook_of_cmp);
        if (h && strcmp(o[i].status, "pending") != 0)
            by_hook[m++] = (struct pos){h->webhook_id, i};
    }
    qsort(by_hook, m, sizeof(*by_hook), pos_cmp);
    for (size_t k = 0; k < m; k++) {
        if (!k || by_hook[k].key != by_hook[k - 1].key)
            t[nt++] = (struct hook_tally){.id = by_hook[k].key};
        struct hook_tally *h = &t[nt - 1];
        const struct delivery_outcome *x = &o[by_hook[k].i];
        if (!strcmp(x->status, "delivered")) {
            h->succeeded = true;
            h->fails_last = 0;
            continue;
        }
        h->last_fail = by_hook[k].i;
        h->limit = x->disable_after;
        if (!h->succeeded) {
            h->fails_first++;
        } else if (++h->fails_last > h->fails_peak) {
            h->fails_peak = h->fails_last;
        }
    }
    free(by_hook);
    return nt;
}

/* Applies the nt tallies to their webhooks and sets disabled[] for the
 * outcomes that disabled one (at now_ms). */
static enum store_rc record_hooks(struct store *st, const struct hook_tally *t, size_t nt,
                                  int64_t now_ms, bool *disabled)
{
    enum store_rc rc = STORE_ERROR;
    int64_t *ids = mem_malloc(nt * sizeof(*ids));
    struct buf b;
    buf_init(&b, 4096 + nt * 160);
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    for (size_t k = 0; k < nt; k++) {
        ids[k] = t[k].id;
        jw_obj(&w);
        jw_kint(&w, "id", t[k].id);
        jw_kint(&w, "succeeded", t[k].succeeded);
        jw_kint(&w, "fails_first", t[k].fails_first);
        jw_kint(&w, "fails_last", t[k].fails_last);
        jw_kint(&w, "fails_peak", t[k].fails_peak);
        jw_kint(&w, "lim", t[k].limit);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    struct db_stmt *s =
        store_stmt(st, Q_DELIVERY_HOOKS_MANY, D->dialect == DB_SQLITE ? hooks_sqlite : hooks_pg);
    if (!s || jw_failed(&w))
        goto out;
    D->bind_text(s, 1, b.data);
    D->bind_i64(s, 2, now_ms);
    D->bind_text(s, 3, "the last events all failed; register the webhook again to enable it");
    if (D->dialect == DB_POSTGRES)
        store_bind_ids(st, s, 4, ids, nt);
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        struct hook_tally key = {.id = D->col_i64(s, 0)};
        const struct hook_tally *h = bsearch(&key, t, nt, sizeof(*t), tally_cmp);
        if (h && D->col_i64(s, 1))
            disabled[h->last_fail] = true;
    }
    D->reset(s);
    if (dr == DB_DONE)
        rc = STORE_OK;
out:
    buf_free(&b);
    free(ids);
    return rc;
}

enum store_rc store_delivery_record_many(struct store *st, const struct delivery_outcome *o,
                                         size_t n, bool *disabled)
{
    for (size_t i = 0; i < n; i++)
        disabled[i] = false;
    if (!n)
        return STORE_OK;
    struct hook_of *hooks = mem_malloc(n * sizeof(*hooks));
    struct hook_tally *t = mem_malloc(n * sizeof(*t));
    size_t nhooks = 0;
    enum store_rc rc = record_deliveries(st, o, n, hooks, &nhooks);
    if (rc != STORE_OK)
        goto out;
    size_t nt = tally_hooks(o, n, hooks, nhooks, t);
    int64_t now_ms = 0;
    for (size_t i = 0; i < n; i++)
        if (o[i].attempt_ms > now_ms)
            now_ms = o[i].attempt_ms;
    if (nt)
        rc = record_hooks(st, t, nt, now_ms, disabled);
out:
    free(hooks);
    free(t);
    return rc;
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
