/*
 * secrets: the server's own random secrets, sealed (see store/secrets.h).
 */
#include "store/secrets.h"
#include "store/internal.h"

#include <string.h>

#define D (st->drv)

/* Reads the current row of s (name, value, key_id) into out. */
static void read_secret(struct store *st, struct db_stmt *s, struct arena *a,
                        struct server_secret *out)
{
    out->name = arena_strdup(a, D->col_text(s, 0));
    size_t len = 0;
    const void *v = D->col_blob(s, 1, &len);
    void *copy = arena_alloc(a, len ? len : 1);
    if (len)
        memcpy(copy, v, len);
    out->value = copy;
    out->len = len;
    out->key_id = D->col_null(s, 2) ? 0 : (uint32_t)D->col_i64(s, 2);
}

enum store_rc store_secret_ensure(struct store *st, struct arena *a, const char *name,
                                  const void *sealed, size_t n, uint32_t key_id,
                                  struct server_secret *out)
{
    memset(out, 0, sizeof(*out));
    /* Insert-if-absent then read: concurrent first users agree on one value. */
    struct db_stmt *s = store_stmt(st, Q_SECRET_INSERT,
                                   "INSERT INTO secrets (name, value, key_id) VALUES (?, ?, ?) "
                                   "ON CONFLICT (name) DO NOTHING");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    D->bind_blob(s, 2, sealed, n);
    D->bind_i64(s, 3, key_id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    s = store_stmt(st, Q_SECRET_GET, "SELECT name, value, key_id FROM secrets WHERE name = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        read_secret(st, s, a, out);
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}

enum store_rc store_secret_seal(struct store *st, const char *name, const void *sealed, size_t n,
                                uint32_t key_id, bool only_plain)
{
    struct db_stmt *s =
        only_plain
            ? store_stmt(
                  st, Q_SECRET_SEAL_PLAIN,
                  "UPDATE secrets SET value = ?, key_id = ? WHERE name = ? AND key_id IS NULL")
            : store_stmt(st, Q_SECRET_SEAL,
                         "UPDATE secrets SET value = ?, key_id = ? WHERE name = ?");
    struct db *db = store_db(st);
    if (!s || !db)
        return STORE_ERROR;
    D->bind_blob(s, 1, sealed, n);
    D->bind_i64(s, 2, key_id);
    D->bind_text(s, 3, name);
    /* The old value may be the plain key: have SQLite zero the space it
     * leaves in the page rather than keep it as free space. */
    bool lite = D->dialect == DB_SQLITE; /* PostgreSQL has no such switch */
    if (lite)
        D->exec(db, "PRAGMA secure_delete = ON");
    enum db_rc dr = store_run(st, s);
    if (lite)
        D->exec(db, "PRAGMA secure_delete = OFF");
    if (dr != DB_DONE)
        return STORE_ERROR;
    return D->changes(db) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_secrets_all(struct store *st, struct arena *a, struct server_secret **out,
                                size_t *n)
{
    struct db_stmt *s =
        store_stmt(st, Q_SECRETS_ALL, "SELECT name, value, key_id FROM secrets ORDER BY name");
    if (!s)
        return STORE_ERROR;
    size_t cap = 0, cnt = 0;
    struct server_secret *arr = NULL;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        read_secret(st, s, a, &arr[cnt++]);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}
