/*
 * webhooks: webhook registrations and signing secrets (see
 * store/webhooks.h).
 */
#include "store/webhooks.h"
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

enum store_rc store_webhook_put(struct store *st, int64_t account_id, int64_t profile_id,
                                const char *action, const char *url, int64_t now_ms)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    /* Update-else-insert takes turns per profile (two registrations at once
     * on PostgreSQL would both insert). */
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)profile_id);
    if (store_lock(st, "webhooks", key) != STORE_OK) {
        store_rollback(st);
        return STORE_ERROR;
    }
    /* Replacing: the old registration ends, the new one starts enabled. */
    struct db_stmt *s = store_stmt(st, Q_WEBHOOK_PUT_CLEAR,
                                   "UPDATE webhooks SET url = ?, updated_ms = ?, failures = 0, "
                                   "disabled_ms = NULL, disabled_reason = NULL "
                                   "WHERE profile_id = ? AND action = ? AND deleted_ms IS NULL");
    if (!s)
        goto fail;
    D->bind_text(s, 1, url);
    D->bind_i64(s, 2, now_ms);
    D->bind_i64(s, 3, profile_id);
    D->bind_text(s, 4, action);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    if (D->changes(store_db(st)) == 0) {
        s = store_stmt(st, Q_WEBHOOK_PUT,
                       "INSERT INTO webhooks (account_id, profile_id, action, url, created_ms, "
                       "updated_ms) VALUES (?, ?, ?, ?, ?, ?)");
        if (!s)
            goto fail;
        D->bind_i64(s, 1, account_id);
        D->bind_i64(s, 2, profile_id);
        D->bind_text(s, 3, action);
        D->bind_text(s, 4, url);
        D->bind_i64(s, 5, now_ms);
        D->bind_i64(s, 6, now_ms);
        if (store_run(st, s) != DB_DONE)
            goto fail;
    }
    return store_commit(st);
fail:
    store_rollback(st);
    return STORE_ERROR;
}

enum store_rc store_webhook_delete(struct store *st, int64_t profile_id, const char *action,
                                   int64_t now_ms)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    /* Pending deliveries to it are cancelled with their jobs. */
    struct db_stmt *s = store_stmt(
        st, Q_WEBHOOK_CANCEL_JOBS,
        "DELETE FROM jobs WHERE kind = 'webhook' AND ref IN (SELECT d.id FROM deliveries d "
        "JOIN webhooks w ON w.id = d.webhook_id WHERE w.profile_id = ? AND w.action = ? AND "
        "w.deleted_ms IS NULL AND d.status = 'pending')");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, action);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    s = store_stmt(st, Q_WEBHOOK_CANCEL,
                   "UPDATE deliveries SET status = 'cancelled', completed_ms = ? "
                   "WHERE status = 'pending' AND webhook_id IN (SELECT id FROM webhooks WHERE "
                   "profile_id = ? AND action = ? AND deleted_ms IS NULL)");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    D->bind_text(s, 3, action);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    s = store_stmt(st, Q_WEBHOOK_DELETE,
                   "UPDATE webhooks SET deleted_ms = ? WHERE profile_id = ? AND action = ? AND "
                   "deleted_ms IS NULL");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    D->bind_text(s, 3, action);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    bool found = D->changes(store_db(st)) > 0;
    rc = store_commit(st);
    return rc == STORE_OK && !found ? STORE_NOTFOUND : rc;
fail:
    store_rollback(st);
    return STORE_ERROR;
}

enum store_rc store_webhook_list(struct store *st, struct arena *a, int64_t profile_id,
                                 struct webhook **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_WEBHOOK_LIST,
        "SELECT id, account_id, profile_id, action, url, updated_ms, failures, disabled_ms, "
        "disabled_reason FROM webhooks WHERE profile_id = ? AND deleted_ms IS NULL "
        "ORDER BY action");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    size_t cap = 8, cnt = 0;
    struct webhook *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        struct webhook *w = &arr[cnt++];
        w->id = D->col_i64(s, 0);
        w->account_id = D->col_i64(s, 1);
        w->profile_id = D->col_i64(s, 2);
        w->action = store_col_str(st, s, 3, a);
        w->url = store_col_str(st, s, 4, a);
        w->updated_ms = D->col_i64(s, 5);
        w->failures = D->col_i64(s, 6);
        w->disabled_ms = D->col_null(s, 7) ? 0 : D->col_i64(s, 7);
        w->disabled_reason = store_col_str(st, s, 8, a);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_webhook_secret_set(struct store *st, int64_t profile_id, const void *sealed,
                                       size_t n, uint32_t key_id, int64_t now_ms)
{
    struct db_stmt *s = store_stmt(
        st, Q_WEBHOOK_SECRET_SET,
        "INSERT INTO webhook_secrets (profile_id, secret, key_id, updated_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (profile_id) DO UPDATE SET prev_secret = webhook_secrets.secret, "
        "prev_key_id = webhook_secrets.key_id, rotated_ms = excluded.updated_ms, "
        "secret = excluded.secret, key_id = excluded.key_id, updated_ms = excluded.updated_ms");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_blob(s, 2, sealed, n);
    D->bind_i64(s, 3, key_id);
    D->bind_i64(s, 4, now_ms);
    return store_rc_of(store_run(st, s));
}

static const void *blob_copy(struct store *st, struct db_stmt *s, int col, struct arena *a,
                             size_t *n)
{
    *n = 0;
    if (D->col_null(s, col))
        return NULL;
    const void *p = D->col_blob(s, col, n);
    void *copy = arena_alloc(a, *n ? *n : 1);
    if (*n)
        memcpy(copy, p, *n);
    return copy;
}

enum store_rc store_webhook_secret_get(struct store *st, struct arena *a, int64_t profile_id,
                                       struct webhook_secret *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(
        st, Q_WEBHOOK_SECRET_GET,
        "SELECT profile_id, secret, prev_secret, rotated_ms FROM webhook_secrets "
        "WHERE profile_id = ?1 OR profile_id = (SELECT a.primary_profile_id FROM profiles p "
        "JOIN accounts a ON a.id = p.account_id WHERE p.id = ?1) "
        "ORDER BY profile_id = ?1 DESC LIMIT 1");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        out->profile_id = D->col_i64(s, 0);
        out->secret = blob_copy(st, s, 1, a, &out->secret_len);
        out->prev = blob_copy(st, s, 2, a, &out->prev_len);
        out->rotated_ms = D->col_null(s, 3) ? 0 : D->col_i64(s, 3);
    }
    D->reset(s);
    return dr == DB_ROW || dr == DB_DONE ? STORE_OK : STORE_ERROR;
}

enum store_rc store_webhook_secrets_all(struct store *st, struct arena *a, struct sealed_pair **out,
                                        size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_WEBHOOK_SECRETS_ALL,
                                   "SELECT profile_id, secret, prev_secret FROM webhook_secrets "
                                   "ORDER BY profile_id");
    if (!s)
        return STORE_ERROR;
    size_t cap = 16, cnt = 0;
    struct sealed_pair *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        struct sealed_pair *p = &arr[cnt++];
        p->id = D->col_i64(s, 0);
        p->a = blob_copy(st, s, 1, a, &p->alen);
        p->b = blob_copy(st, s, 2, a, &p->blen);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_webhook_secret_reseal(struct store *st, int64_t profile_id, const void *secret,
                                          size_t n, uint32_t key_id, const void *prev,
                                          size_t prev_n, uint32_t prev_key_id)
{
    struct db_stmt *s = store_stmt(st, Q_WEBHOOK_SECRET_RESEAL,
                                   "UPDATE webhook_secrets SET secret = ?, key_id = ?, "
                                   "prev_secret = ?, prev_key_id = ? WHERE profile_id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_blob(s, 1, secret, n);
    D->bind_i64(s, 2, key_id);
    D->bind_blob(s, 3, prev, prev_n);
    if (prev)
        D->bind_i64(s, 4, prev_key_id);
    else
        D->bind_null(s, 4);
    D->bind_i64(s, 5, profile_id);
    return store_rc_of(store_run(st, s));
}
