/*
 * revocations: tokens waiting to be revoked at a network after an unlink
 * (see store/revocations.h).
 */
#include "store/revocations.h"
#include "store/internal.h"

#include <string.h>

#define D (st->drv)

enum store_rc store_revocations_queue(struct store *st, int64_t profile_id, const char *platform,
                                      int64_t now_ms)
{
    struct db_stmt *s = store_stmt(
        st, Q_REVOKE_QUEUE,
        "INSERT INTO revocations (profile_id, platform, access_token, refresh_token, "
        "token_key_id, extra, created_ms) SELECT profile_id, platform, access_token, "
        "refresh_token, token_key_id, extra, ?1 FROM linked_accounts WHERE profile_id = ?2 AND "
        "(CAST(?3 AS TEXT) IS NULL OR platform = ?3) AND (access_token IS NOT NULL OR "
        "refresh_token IS NOT "
        "NULL) RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    if (platform)
        D->bind_text(s, 3, platform);
    else
        D->bind_null(s, 3);
    int64_t ids[16];
    size_t n = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW)
        if (n < 16)
            ids[n++] = D->col_i64(s, 0);
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    for (size_t i = 0; i < n; i++) {
        s = store_stmt(st, Q_REVOKE_JOB,
                       "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                       "VALUES ('revoke', ?, ?, ?, 1)");
        if (!s)
            return STORE_ERROR;
        D->bind_i64(s, 1, ids[i]);
        D->bind_i64(s, 2, now_ms);
        D->bind_i64(s, 3, now_ms);
        if (store_run(st, s) != DB_DONE)
            return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_revocation_get(struct store *st, struct arena *a, int64_t id,
                                   struct revocation *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(
        st, Q_REVOKE_GET,
        "SELECT r.id, r.profile_id, p.account_id, r.platform, r.access_token, r.refresh_token, "
        "r.extra FROM revocations r JOIN profiles p ON p.id = r.profile_id WHERE r.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        out->id = D->col_i64(s, 0);
        out->profile_id = D->col_i64(s, 1);
        out->account_id = D->col_i64(s, 2);
        out->platform = store_col_str(st, s, 3, a);
        out->access = store_col_blob(st, s, 4, a, &out->access_len);
        out->refresh = store_col_blob(st, s, 5, a, &out->refresh_len);
        out->extra = store_col_str(st, s, 6, a);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_revocation_delete(struct store *st, int64_t id)
{
    struct db_stmt *s = store_stmt(st, Q_REVOKE_DELETE, "DELETE FROM revocations WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return store_rc_of(store_run(st, s));
}
