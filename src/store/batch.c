/*
 * batch: export records and the streaming scan behind them (see store/batch.h,
 * SPEC §5).
 */
#include "store/batch.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/profiles.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

#define EXPORT_COLS                                                                       \
    "id, account_id, file, started_ms, estimate_ms, expires_ms, ready_ms, count, bytes, " \
    "etag, deleted_ms FROM batch_exports "

static void read_export(struct store *st, struct db_stmt *s, struct arena *a,
                        struct batch_export *e)
{
    memset(e, 0, sizeof(*e));
    e->id = D->col_i64(s, 0);
    e->account_id = D->col_i64(s, 1);
    e->file = store_col_str(st, s, 2, a);
    e->started_ms = D->col_i64(s, 3);
    e->estimate_ms = D->col_i64(s, 4);
    e->expires_ms = D->col_i64(s, 5);
    e->ready_ms = store_col_opt_i64(st, s, 6);
    e->count = store_col_opt_i64(st, s, 7);
    e->bytes = store_col_opt_i64(st, s, 8);
    e->etag = store_col_str(st, s, 9, a);
    e->deleted_ms = store_col_opt_i64(st, s, 10);
}

static enum store_rc one_export(struct store *st, struct db_stmt *s, struct arena *a,
                                struct batch_export *out)
{
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        read_export(st, s, a, out);
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_batch_newest(struct store *st, struct arena *a, int64_t account_id,
                                 struct batch_export *out)
{
    /* In a transaction that may start an export (ops_batch_request), the
     * account's requests take turns: one export at a time, across
     * processes (a no-op on SQLite, whose writers take turns anyway). */
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)account_id);
    if (store_lock(st, "batch", key) != STORE_OK)
        return STORE_ERROR;
    struct db_stmt *s = store_stmt(st, Q_BATCH_NEWEST,
                                   "SELECT " EXPORT_COLS "WHERE account_id = ? AND deleted_ms IS "
                                   "NULL ORDER BY started_ms DESC, id DESC LIMIT 1");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    return one_export(st, s, a, out);
}

enum store_rc store_batch_get(struct store *st, struct arena *a, int64_t id,
                              struct batch_export *out)
{
    struct db_stmt *s = store_stmt(st, Q_BATCH_GET, "SELECT " EXPORT_COLS "WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return one_export(st, s, a, out);
}

enum store_rc store_batch_by_file(struct store *st, struct arena *a, int64_t account_id,
                                  const char *file, struct batch_export *out)
{
    struct db_stmt *s = store_stmt(st, Q_BATCH_BY_FILE,
                                   "SELECT " EXPORT_COLS "WHERE account_id = ? AND file = ? AND "
                                   "deleted_ms IS NULL ORDER BY id DESC LIMIT 1");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, file);
    return one_export(st, s, a, out);
}

enum store_rc store_batch_start(struct store *st, struct batch_export *e, int64_t *id)
{
    /* A ready export of the same name (same minute) is replaced by this
     * one's file when it is renamed into place. */
    struct db_stmt *s = store_stmt(st, Q_BATCH_SUPERSEDE,
                                   "UPDATE batch_exports SET deleted_ms = ? WHERE account_id = ? "
                                   "AND file = ? AND deleted_ms IS NULL AND ready_ms IS NOT NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, e->started_ms);
    D->bind_i64(s, 2, e->account_id);
    D->bind_text(s, 3, e->file);
    enum db_rc dr = store_run(st, s);
    if (dr != DB_DONE)
        return store_rc_of(dr);
    s = store_stmt(st, Q_BATCH_INSERT,
                   "INSERT INTO batch_exports (account_id, file, started_ms, estimate_ms, "
                   "expires_ms) VALUES (?, ?, ?, ?, ?) RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, e->account_id);
    D->bind_text(s, 2, e->file);
    D->bind_i64(s, 3, e->started_ms);
    D->bind_i64(s, 4, e->estimate_ms);
    D->bind_i64(s, 5, e->expires_ms);
    dr = D->step(s);
    if (dr == DB_ROW)
        *id = D->col_i64(s, 0);
    D->reset(s);
    if (dr == DB_CONSTRAINT)
        return STORE_CONFLICT;
    if (dr != DB_ROW)
        return STORE_ERROR;
    /* The sweeper comes back no later than this file's expiry. */
    s = store_stmt(st, Q_BATCH_SWEEP_SOONER,
                   "UPDATE jobs SET run_at_ms = ? WHERE kind = 'sweep' AND run_at_ms > ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, e->expires_ms);
    D->bind_i64(s, 2, e->expires_ms);
    dr = store_run(st, s);
    if (dr != DB_DONE)
        return store_rc_of(dr);
    return store_job_add(st, "batch", *id, e->started_ms, e->started_ms);
}

enum store_rc store_batch_ready(struct store *st, int64_t id, int64_t now_ms, int64_t count,
                                int64_t bytes, const char *etag)
{
    struct db_stmt *s = store_stmt(st, Q_BATCH_READY,
                                   "UPDATE batch_exports SET ready_ms = ?, count = ?, bytes = ?, "
                                   "etag = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, count);
    D->bind_i64(s, 3, bytes);
    D->bind_text(s, 4, etag);
    D->bind_i64(s, 5, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_batch_expired(struct store *st, struct arena *a, int64_t now_ms, size_t max,
                                  struct batch_export **out, size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_BATCH_EXPIRED,
                                   "SELECT " EXPORT_COLS "WHERE deleted_ms IS NULL AND "
                                   "expires_ms <= ? ORDER BY expires_ms LIMIT ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, (int64_t)max);
    struct batch_export *arr = arena_alloc(a, (max ? max : 1) * sizeof(*arr));
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && cnt < max)
        read_export(st, s, a, &arr[cnt++]);
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_batch_deleted(struct store *st, int64_t id, int64_t now_ms)
{
    struct db_stmt *s =
        store_stmt(st, Q_BATCH_DELETED, "UPDATE batch_exports SET deleted_ms = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_batch_next_expiry(struct store *st, int64_t *when_ms)
{
    struct db_stmt *s = store_stmt(st, Q_BATCH_NEXT_EXPIRY,
                                   "SELECT MIN(expires_ms) FROM batch_exports WHERE deleted_ms IS "
                                   "NULL");
    if (!s)
        return STORE_ERROR;
    enum db_rc dr = D->step(s);
    *when_ms = dr == DB_ROW && !D->col_null(s, 0) ? D->col_i64(s, 0) : INT64_MAX;
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}

/* A connection of its own for reads that sweep the whole account: through
 * SQLite's small page cache instead of the memory map the other
 * connections use, which would make the process's resident set grow by
 * what the sweep touches (with the kernel's fault-around, most of the
 * file). NULL on failure. */
static struct db *sweep_conn(struct store *st)
{
    char err[256];
    struct db *db = D->connect(st->target, err, sizeof(err));
    if (db && D->dialect == DB_SQLITE)
        D->exec(db, "PRAGMA mmap_size=0");
    return db;
}

enum store_rc store_batch_profiles(struct store *st, int64_t account_id, int64_t *n)
{
    struct db *db = sweep_conn(st);
    if (!db)
        return STORE_ERROR;
    struct db_stmt *s = D->stmt(db, Q_BATCH_PROFILES,
                                "SELECT COUNT(*) FROM profiles WHERE account_id = ? AND "
                                "is_primary = 0 AND deleted_ms IS NULL");
    enum db_rc dr = DB_ERROR;
    if (s) {
        D->bind_i64(s, 1, account_id);
        dr = D->step(s);
        *n = dr == DB_ROW ? D->col_i64(s, 0) : 0;
        D->reset(s);
    }
    D->close(db);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}

enum store_rc store_batch_scan(struct store *st, int64_t account_id, const char *month, batch_fn fn,
                               void *arg)
{
    /* A connection of its own (sweep_conn): its long read transaction also
     * holds no other work's connection. */
    struct db *db = sweep_conn(st);
    if (!db)
        return STORE_ERROR;
    /* One statement, one snapshot: profiles in creation order, each with
     * its linked accounts (LEFT JOIN: none gives one row of NULLs). Its
     * rows stream (a cursor on PostgreSQL, db.h stream): memory does not
     * grow with the account (SPEC §5). */
    struct db_stmt *s = D->stream(
        db, Q_BATCH_SCAN,
        "SELECT " STORE_PROFILE_COLS ", COALESCE(u.calls, 0), " STORE_LINKED_COLS
        " FROM profiles p LEFT JOIN usage_monthly u ON u.profile_id = p.id AND u.month = ?2 "
        "LEFT JOIN linked_accounts l ON l.profile_id = p.id "
        "WHERE p.account_id = ?1 AND p.is_primary = 0 AND p.deleted_ms IS NULL "
        "ORDER BY p.created_ms, p.id, l.platform");
    if (!s) {
        D->close(db);
        return STORE_ERROR;
    }
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, month);
    const int lc = STORE_PROFILE_NCOLS + 1;
    struct arena *a = arena_new();
    struct profile p;
    struct linked_account la[16];
    size_t n = 0;
    int64_t calls = 0;
    bool have = false, go = true;
    enum db_rc dr = DB_DONE;
    while (go && (dr = D->step(s)) == DB_ROW) {
        int64_t id = D->col_i64(s, 0);
        if (have && id != p.id) {
            go = fn(arg, &p, la, n, calls);
            arena_free(a);
            a = arena_new();
            have = false;
            if (!go)
                break;
        }
        if (!have) {
            store_read_profile(st, s, 0, a, &p);
            calls = D->col_i64(s, STORE_PROFILE_NCOLS);
            n = 0;
            have = true;
        }
        /* At most one account per network: ten (16 leaves room). */
        if (!D->col_null(s, lc) && n < sizeof(la) / sizeof(la[0]))
            store_read_linked(st, s, lc, a, &la[n++]);
    }
    if (go && have && dr == DB_DONE)
        go = fn(arg, &p, la, n, calls);
    D->reset(s);
    arena_free(a);
    D->close(db);
    return go && dr != DB_DONE ? STORE_ERROR : STORE_OK;
}

enum store_rc store_warm_page(struct store *st, struct arena *a, int64_t after_id, size_t max,
                              const char *month, struct warm_profile **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_WARM_PAGE,
        "SELECT " STORE_PROFILE_COLS ", p.key_hash, COALESCE(u.calls, 0), " STORE_LINKED_COLS
        " FROM (SELECT * FROM profiles WHERE id > ?1 AND deleted_ms IS NULL ORDER BY id LIMIT ?2)"
        " p LEFT JOIN usage_monthly u ON u.profile_id = p.id AND u.month = ?3"
        " LEFT JOIN linked_accounts l ON l.profile_id = p.id ORDER BY p.id, l.platform");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, after_id);
    D->bind_i64(s, 2, (int64_t)max);
    D->bind_text(s, 3, month);
    const int kc = STORE_PROFILE_NCOLS, lc = STORE_PROFILE_NCOLS + 2;
    struct warm_profile *w = arena_alloc(a, (max ? max : 1) * sizeof(*w));
    size_t cnt = 0, cap = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        int64_t id = D->col_i64(s, 0);
        if (!cnt || w[cnt - 1].p.id != id) {
            if (cnt == max)
                break; /* cannot happen: LIMIT max */
            struct warm_profile *cur = &w[cnt++];
            memset(cur, 0, sizeof(*cur));
            store_read_profile(st, s, 0, a, &cur->p);
            size_t hl = 0;
            const void *h = D->col_blob(s, kc, &hl);
            cur->has_key = h && hl == STORE_HASH_LEN;
            if (cur->has_key)
                memcpy(cur->key_hash, h, STORE_HASH_LEN);
            cur->month_calls = D->col_i64(s, kc + 1);
            cap = 0;
        }
        struct warm_profile *cur = &w[cnt - 1];
        if (D->col_null(s, lc))
            continue;
        cur->la = arena_grow(a, cur->la, &cap, cur->n, sizeof(*cur->la));
        store_read_linked(st, s, lc, a, &cur->la[cur->n++]);
    }
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    *out = w;
    *n = cnt;
    return STORE_OK;
}
