/*
 * accounts: accounts, API-key authentication, the account's public key and
 * its own OAuth apps (see store/accounts.h).
 */
#include "store/accounts.h"
#include "store/internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

#include <string.h>

#define D (st->drv)

static void read_account(struct store *st, struct db_stmt *s, struct arena *a, struct account *acct)
{
    memset(acct, 0, sizeof(*acct));
    acct->id = D->col_i64(s, 0);
    acct->primary_profile_id = D->col_i64(s, 1);
    acct->email = store_col_str(st, s, 2, a);
    const char *plan = D->col_text(s, 3);
    str_copy(acct->plan, sizeof(acct->plan), plan ? plan : "free");
    acct->created_ms = D->col_i64(s, 4);
}

enum store_rc store_account_create(struct store *st, const char *email, const char *plan,
                                   const unsigned char key_hash[STORE_HASH_LEN], const char *ref_id,
                                   int64_t now_ms, int64_t *account_id)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    struct db_stmt *s = store_stmt(st, Q_ACCOUNT_INSERT,
                                   "INSERT INTO accounts (email, plan, key_hash, created_ms) "
                                   "VALUES (?, ?, ?, ?) RETURNING id");
    if (!s)
        goto fail;
    D->bind_text(s, 1, email);
    D->bind_text(s, 2, plan);
    D->bind_blob(s, 3, key_hash, STORE_HASH_LEN);
    D->bind_i64(s, 4, now_ms);
    enum db_rc dr = D->step(s);
    int64_t aid = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW) {
        rc = store_rc_of(dr);
        store_rollback(st);
        return rc == STORE_OK ? STORE_ERROR : rc;
    }

    s = store_stmt(st, Q_PROFILE_INSERT_PRIMARY,
                   "INSERT INTO profiles (account_id, ref_id, is_primary, title, created_ms, "
                   "details_updated_ms) VALUES (?, ?, 1, 'Primary Profile', ?, ?) RETURNING id");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, aid);
    D->bind_text(s, 2, ref_id);
    D->bind_i64(s, 3, now_ms);
    D->bind_i64(s, 4, now_ms);
    dr = D->step(s);
    int64_t pid = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        goto fail;

    s = store_stmt(st, Q_ACCOUNT_SET_PRIMARY,
                   "UPDATE accounts SET primary_profile_id = ? WHERE id = ?");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, pid);
    D->bind_i64(s, 2, aid);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    store_touch(st, STORE_KIND_ACCOUNT, aid);
    rc = store_commit(st);
    if (rc == STORE_OK && account_id)
        *account_id = aid;
    return rc;
fail:
    store_rollback(st);
    return STORE_ERROR;
}

#define ACCOUNT_SELECT                                                            \
    "SELECT a.id, a.primary_profile_id, a.email, a.plan, a.created_ms, p.ref_id " \
    "FROM accounts a JOIN profiles p ON p.id = a.primary_profile_id "

enum store_rc store_auth(struct store *st, struct arena *a,
                         const unsigned char key_hash[STORE_HASH_LEN], struct account *acct)
{
    struct db_stmt *s =
        store_stmt(st, Q_AUTH,
                   "SELECT a.id, a.primary_profile_id, a.email, a.plan, a.created_ms, p.ref_id, "
                   "a.key_hash FROM accounts a JOIN profiles p ON p.id = a.primary_profile_id "
                   "WHERE a.key_hash = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_blob(s, 1, key_hash, STORE_HASH_LEN);
    enum db_rc dr = D->step(s);
    enum store_rc rc = STORE_NOTFOUND;
    if (dr == DB_ROW) {
        size_t n = 0;
        const void *stored = D->col_blob(s, 6, &n);
        /* The index found the row by hash; confirm in constant time so the
         * comparison itself leaks nothing about the stored value. */
        if (n == STORE_HASH_LEN && crypto_ct_eq(stored, key_hash, STORE_HASH_LEN)) {
            read_account(st, s, a, acct);
            acct->ref_id = store_col_str(st, s, 5, a);
            rc = STORE_OK;
        }
    } else if (dr != DB_DONE) {
        rc = STORE_ERROR;
    }
    D->reset(s);
    return rc;
}

/* Steps an ACCOUNT_SELECT statement that finds at most one account. */
static enum store_rc one_account(struct store *st, struct db_stmt *s, struct arena *a,
                                 struct account *out)
{
    enum db_rc dr = D->step(s);
    enum store_rc rc = dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (dr == DB_ROW) {
        read_account(st, s, a, out);
        out->ref_id = store_col_str(st, s, 5, a);
    }
    D->reset(s);
    return rc;
}

enum store_rc store_account_find(struct store *st, struct arena *a, const char *email_or_ref,
                                 struct account *out)
{
    struct db_stmt *s =
        store_stmt(st, Q_ACCOUNT_FIND, ACCOUNT_SELECT "WHERE a.email = ? OR p.ref_id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, email_or_ref);
    D->bind_text(s, 2, email_or_ref);
    return one_account(st, s, a, out);
}

enum store_rc store_account_get(struct store *st, struct arena *a, int64_t id, struct account *out)
{
    struct db_stmt *s = store_stmt(st, Q_ACCOUNT_GET, ACCOUNT_SELECT "WHERE a.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return one_account(st, s, a, out);
}

enum store_rc store_account_list(struct store *st, struct arena *a, struct account **out, size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_ACCOUNT_LIST, ACCOUNT_SELECT "ORDER BY a.id");
    if (!s)
        return STORE_ERROR;
    size_t cap = 16, cnt = 0;
    struct account *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        read_account(st, s, a, &arr[cnt]);
        arr[cnt].ref_id = store_col_str(st, s, 5, a);
        cnt++;
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

static enum store_rc update_one(struct store *st, struct db_stmt *s)
{
    if (!s)
        return STORE_ERROR;
    enum db_rc dr = D->step(s);
    int64_t changed = D->changes(store_db(st));
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return store_rc_of(dr);
    return changed ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_account_set_plan(struct store *st, int64_t account_id, const char *plan)
{
    /* In a transaction: on PostgreSQL the change row commits with it. */
    if (store_begin(st) != STORE_OK)
        return STORE_ERROR;
    struct db_stmt *s =
        store_stmt(st, Q_ACCOUNT_SET_PLAN, "UPDATE accounts SET plan = ? WHERE id = ?");
    if (!s)
        return store_settle(st, STORE_ERROR);
    D->bind_text(s, 1, plan);
    D->bind_i64(s, 2, account_id);
    enum store_rc rc = update_one(st, s);
    store_touch(st, STORE_KIND_ACCOUNT, account_id);
    return store_settle(st, rc);
}

enum store_rc store_account_set_key(struct store *st, int64_t account_id,
                                    const unsigned char key_hash[STORE_HASH_LEN])
{
    /* In a transaction: on PostgreSQL the change row commits with it, so
     * no process keeps taking the old key. */
    if (store_begin(st) != STORE_OK)
        return STORE_ERROR;
    struct db_stmt *s =
        store_stmt(st, Q_ACCOUNT_SET_KEY, "UPDATE accounts SET key_hash = ? WHERE id = ?");
    if (!s)
        return store_settle(st, STORE_ERROR);
    D->bind_blob(s, 1, key_hash, STORE_HASH_LEN);
    D->bind_i64(s, 2, account_id);
    enum store_rc rc = update_one(st, s);
    store_touch(st, STORE_KIND_ACCOUNT, account_id);
    return store_settle(st, rc);
}

enum store_rc store_account_set_public_key(struct store *st, int64_t account_id, const char *pem)
{
    struct db_stmt *s =
        store_stmt(st, Q_PUBLIC_KEY_SET, "UPDATE accounts SET public_key = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, pem);
    D->bind_i64(s, 2, account_id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    return D->changes(store_db(st)) ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_account_public_key(struct store *st, struct arena *a, int64_t account_id,
                                       const char **pem)
{
    struct db_stmt *s =
        store_stmt(st, Q_PUBLIC_KEY_GET, "SELECT public_key FROM accounts WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    enum db_rc dr = D->step(s);
    *pem = dr == DB_ROW ? store_col_str(st, s, 0, a) : NULL;
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_oauth_app_set(struct store *st, int64_t account_id, const char *platform,
                                  const char *client_id, const void *sealed, size_t n,
                                  uint32_t key_id)
{
    struct db_stmt *s = store_stmt(
        st, Q_OAUTH_APP_SET,
        "INSERT INTO account_oauth_apps (account_id, platform, client_id, client_secret, key_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, platform) DO UPDATE SET "
        "client_id = excluded.client_id, client_secret = excluded.client_secret, "
        "key_id = excluded.key_id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, platform);
    D->bind_text(s, 3, client_id);
    D->bind_blob(s, 4, sealed, n);
    D->bind_i64(s, 5, key_id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_oauth_app_get(struct store *st, struct arena *a, int64_t account_id,
                                  const char *platform, const char **client_id, const void **sealed,
                                  size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_OAUTH_APP_GET,
                                   "SELECT client_id, client_secret FROM account_oauth_apps "
                                   "WHERE account_id = ? AND platform = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, platform);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        *client_id = store_col_str(st, s, 0, a);
        *sealed = store_col_blob(st, s, 1, a, n);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}
