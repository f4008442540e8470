/*
 * store: connections, transactions and migrations (see store.h).
 *
 * Each thread gets its own connection through a pthread key; the key's
 * destructor closes it when the thread exits, so the HTTP pool's threads
 * clean up after themselves when the server stops. Transactions nest by
 * depth: only the outermost begin/commit reach the database, and any
 * rollback ends the whole transaction.
 */
#include "store/internal.h"
#include "core/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PENDING_TOUCHES 64

struct conn {
    const struct db_driver *drv;
    struct db *db;
    int depth;
    bool want_read;      /* store_read_begin: reads share one snapshot */
    bool reading;        /* that snapshot is open (taken by the first read) */
    uint64_t read_epoch; /* the epoch read before it began */
    struct store_touch_rec pending[PENDING_TOUCHES];
    size_t npending;
    bool touch_all; /* more changes than pending holds: bump every stamp */
    bool bulk;      /* between store_bulk_begin and store_bulk_end */
};

static size_t stamp_slot(enum store_kind kind, int64_t id)
{
    uint64_t h =
        ((uint64_t)id + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)kind * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    return (size_t)(h % STORE_STAMP_SLOTS);
}

#define EPOCH(st) (&(st)->stamps[STORE_STAMP_SLOTS])

static void snapshot_begin(struct store *st, struct conn *c);
static void snapshot_end(struct store *st, struct conn *c);

uint64_t store_stamp_after(struct store *st, enum store_kind kind, int64_t id, bool *fits)
{
    /* The slot first, then the epoch (bumped before any slot): a bump this
     * slot shows is then always seen in the epoch too. */
    uint64_t v = atomic_load(&st->stamps[stamp_slot(kind, id)]);
    struct conn *c = pthread_getspecific(st->key);
    *fits = c && c->reading && atomic_load(EPOCH(st)) == c->read_epoch;
    if (c && c->reading && !*fits)
        /* Something changed since the snapshot began: the reads after this
         * stamp must not come from before the change it may show (the next
         * statement opens a new snapshot). */
        snapshot_end(st, c);
    return v;
}

uint64_t store_stamp(struct store *st, enum store_kind kind, int64_t id)
{
    bool fits;
    return store_stamp_after(st, kind, id, &fits);
}

void store_bump(struct store *st, enum store_kind kind, int64_t id)
{
    atomic_fetch_add(EPOCH(st), 1);
    atomic_fetch_add(&st->stamps[stamp_slot(kind, id)], 1);
}

void store_bump_all(struct store *st)
{
    atomic_fetch_add(EPOCH(st), 1);
    for (size_t i = 0; i < STORE_STAMP_SLOTS; i++)
        atomic_fetch_add(&st->stamps[i], 1);
}

/* Maps "<db>-stamps" so every process on this SQLite database shares the
 * stamps; falls back to private memory (then only this process's writes
 * are seen, which is logged). On PostgreSQL the stamps are this process's
 * own memory. */
static void stamps_open(struct store *st)
{
    if (st->drv->dialect != DB_SQLITE) {
        st->stamps = mem_calloc(STORE_STAMP_SLOTS + 1, sizeof(uint64_t));
        st->stamps_mapped = false;
        return;
    }
    size_t size = (STORE_STAMP_SLOTS + 1) * sizeof(uint64_t);
    size_t n = strlen(st->target) + sizeof("-stamps");
    char *path = mem_malloc(n);
    snprintf(path, n, "%s-stamps", st->target);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    void *p = MAP_FAILED;
    if (fd >= 0) {
        off_t cur = lseek(fd, 0, SEEK_END);
        if (cur >= 0 && (size_t)cur < size && ftruncate(fd, (off_t)size) != 0)
            cur = -1;
        if (cur >= 0)
            p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
    }
    if (p == MAP_FAILED) {
        log_warn("cannot map %s: changes by other processes will not be seen at once", path);
        st->stamps = mem_calloc(STORE_STAMP_SLOTS + 1, sizeof(uint64_t));
        st->stamps_mapped = false;
    } else {
        st->stamps = p;
        st->stamps_mapped = true;
    }
    free(path);
}

static void stamps_close(struct store *st)
{
    if (st->stamps_mapped)
        munmap((void *)st->stamps, (STORE_STAMP_SLOTS + 1) * sizeof(uint64_t));
    else
        free((void *)st->stamps);
    st->stamps = NULL;
}

/* Follows the change log on PostgreSQL once its table exists (store_open
 * on a migrated database, else store_migrate). */
static void changelog_ensure(struct store *st)
{
    if (st->changes || st->drv->dialect != DB_POSTGRES)
        return;
    struct db_stmt *s =
        store_stmt(st, Q_CHANGES_TABLE, "SELECT to_regclass('change_log') IS NOT NULL");
    bool there = s && st->drv->step(s) == DB_ROW && st->drv->col_i64(s, 0) == 1;
    if (s)
        st->drv->reset(s);
    if (there)
        st->changes = changelog_start(st);
}

static void conn_free(void *p)
{
    struct conn *c = p;
    if (!c)
        return;
    c->drv->close(c->db);
    free(c);
}

/* A libpq keyword/value string ("host=db1 dbname=sociald user=…"), which
 * the driver takes as well as a URL. Never a SQLite path: that would be
 * printed in the error, password and all. */
static bool pg_conninfo(const char *s)
{
    static const char *const keys[] = {"host=",
                                       "hostaddr=",
                                       "port=",
                                       "dbname=",
                                       "user=",
                                       "password=",
                                       "service=",
                                       "passfile=",
                                       "sslmode=",
                                       "options=",
                                       "target_session_attrs=",
                                       NULL};
    while (*s == ' ')
        s++;
    for (size_t i = 0; keys[i]; i++)
        if (str_starts(s, keys[i]))
            return true;
    return false;
}

struct store *store_open(const char *target, char *err, size_t errlen)
{
    const struct db_driver *drv = &db_sqlite;
    if (str_starts(target, "sqlite:"))
        target += strlen("sqlite:");
    else if (str_starts(target, "postgres://") || str_starts(target, "postgresql://") ||
             pg_conninfo(target))
        drv = &db_postgres;
    struct store *st = mem_calloc(1, sizeof(*st));
    st->drv = drv;
    st->target = mem_strdup(target);
    if (pthread_key_create(&st->key, conn_free) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        free(st->target);
        free(st);
        return NULL;
    }
    /* Open the caller's connection now so a bad path fails here. */
    struct db *db = drv->connect(st->target, err, errlen);
    if (!db) {
        pthread_key_delete(st->key);
        free(st->target);
        free(st);
        return NULL;
    }
    struct conn *c = mem_calloc(1, sizeof(*c));
    c->drv = drv;
    c->db = db;
    pthread_setspecific(st->key, c);
    stamps_open(st);
    changelog_ensure(st);
    return st;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    changelog_stop(st->changes);
    st->changes = NULL;
    conn_free(pthread_getspecific(st->key));
    pthread_setspecific(st->key, NULL);
    pthread_key_delete(st->key);
    stamps_close(st);
    free(st->target);
    free(st);
}

static struct conn *conn_get(struct store *st)
{
    struct conn *c = pthread_getspecific(st->key);
    if (c)
        return c;
    char err[256];
    struct db *db = st->drv->connect(st->target, err, sizeof(err));
    if (!db) {
        log_error("%s", err);
        return NULL;
    }
    c = mem_calloc(1, sizeof(*c));
    c->drv = st->drv;
    c->db = db;
    pthread_setspecific(st->key, c);
    return c;
}

struct db *store_db(struct store *st)
{
    struct conn *c = conn_get(st);
    return c ? c->db : NULL;
}

struct db_stmt *store_stmt(struct store *st, enum stmt_id id, const char *sql)
{
    struct conn *c = conn_get(st);
    if (!c)
        return NULL;
    struct db_stmt *s = st->drv->stmt(c->db, (unsigned)id, sql);
    if (!s || !c->want_read || c->depth)
        return s;
    /* The first read of a read snapshot opens it (a request the cache
     * answers whole never touches the database); a write outside a
     * transaction ends it, so it runs on its own as before. */
    if (st->drv->readonly(s) && !c->reading)
        snapshot_begin(st, c);
    else if (!st->drv->readonly(s) && c->reading)
        snapshot_end(st, c);
    return s;
}

const char *store_col_str(struct store *st, struct db_stmt *s, int col, struct arena *a)
{
    /* The text of a NULL column is NULL: one call instead of two (the
     * batch export reads 29 columns a row). */
    return arena_strdup(a, st->drv->col_text(s, col));
}

const void *store_col_blob(struct store *st, struct db_stmt *s, int col, struct arena *a, size_t *n)
{
    *n = 0;
    if (st->drv->col_null(s, col))
        return NULL;
    const void *p = st->drv->col_blob(s, col, n);
    void *copy = arena_alloc(a, *n ? *n : 1);
    if (*n)
        memcpy(copy, p, *n);
    return copy;
}

int64_t store_col_opt_i64(struct store *st, struct db_stmt *s, int col)
{
    return st->drv->col_null(s, col) ? 0 : st->drv->col_i64(s, col);
}

void store_bind_opt_blob(struct store *st, struct db_stmt *s, int idx, const void *p, size_t n)
{
    if (p)
        st->drv->bind_blob(s, idx, p, n);
    else
        st->drv->bind_null(s, idx);
}

void store_bind_opt_i64(struct store *st, struct db_stmt *s, int idx, int64_t v)
{
    if (v)
        st->drv->bind_i64(s, idx, v);
    else
        st->drv->bind_null(s, idx);
}

void store_bind_ids(struct store *st, struct db_stmt *s, int idx, const int64_t *ids, size_t n)
{
    bool pg = st->drv->dialect == DB_POSTGRES;
    size_t cap = n * 21 + 3, o = 0; /* "-9223372036854775808," at most per id */
    char *text = mem_malloc(cap);
    text[o++] = pg ? '{' : '[';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, cap - o, "%s%lld", i ? "," : "", (long long)ids[i]);
    text[o++] = pg ? '}' : ']';
    text[o] = 0;
    st->drv->bind_text(s, idx, text);
    free(text);
}

enum db_rc store_run(struct store *st, struct db_stmt *s)
{
    enum db_rc rc = st->drv->step(s);
    st->drv->reset(s);
    return rc == DB_ROW ? DB_DONE : rc;
}

enum store_rc store_rc_of(enum db_rc rc)
{
    switch (rc) {
    case DB_ROW:
    case DB_DONE:
        return STORE_OK;
    case DB_CONSTRAINT:
        return STORE_CONFLICT;
    default:
        return STORE_ERROR;
    }
}

enum store_rc store_begin(struct store *st)
{
    struct conn *c = conn_get(st);
    if (!c)
        return STORE_ERROR;
    if (c->depth++ > 0)
        return STORE_OK;
    snapshot_end(st, c); /* a write never runs on an old snapshot */
    c->npending = 0;
    c->touch_all = false;
    /* IMMEDIATE takes the write lock now, so two writers queue on the busy
     * timeout instead of deadlocking on a read-to-write upgrade. */
    const char *sql = st->drv->dialect == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN";
    if (st->drv->exec(c->db, sql) != DB_DONE) {
        c->depth = 0;
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_commit(struct store *st)
{
    struct conn *c = conn_get(st);
    if (!c || c->depth == 0)
        return STORE_ERROR;
    if (--c->depth > 0)
        return STORE_OK;
    /* Other processes learn of the change from rows that commit with it. */
    bool logged =
        !st->changes || changelog_put(st, c->pending, c->npending, c->touch_all) == STORE_OK;
    if (!logged || st->drv->exec(c->db, "COMMIT") != DB_DONE) {
        st->drv->exec(c->db, "ROLLBACK");
        c->npending = 0;
        return STORE_ERROR;
    }
    if (st->changes && (c->touch_all || c->npending))
        changelog_notify(st);
    if (c->touch_all)
        store_bump_all(st);
    else
        for (size_t i = 0; i < c->npending; i++)
            store_bump(st, c->pending[i].kind, c->pending[i].id);
    c->npending = 0;
    c->touch_all = false;
    return STORE_OK;
}

enum store_rc store_lock(struct store *st, const char *what, const char *key)
{
    struct conn *c = conn_get(st);
    if (st->drv->dialect != DB_POSTGRES || !c || !c->depth)
        return STORE_OK; /* SQLite's writers take turns; nothing to hold outside a transaction */
    /* One 64-bit advisory lock number per (what, key): FNV-1a. A collision
     * only makes two unrelated writers take turns. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = what; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    struct db_stmt *s = store_stmt(st, Q_LOCK, "SELECT pg_advisory_xact_lock(?)");
    if (!s)
        return STORE_ERROR;
    st->drv->bind_i64(s, 1, (int64_t)h);
    return store_rc_of(store_run(st, s));
}

bool store_shared(const struct store *st)
{
    return st->drv->dialect == DB_POSTGRES;
}

enum store_rc store_settle(struct store *st, enum store_rc rc)
{
    if (rc == STORE_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

/* The journal mode the pragma reports (it reports the old one when it
 * could not change it); false on an error. */
static bool journal_mode(struct store *st, struct db *db, enum stmt_id id, const char *sql,
                         const char *want)
{
    struct db_stmt *s = st->drv->stmt(db, id, sql);
    if (!s)
        return false;
    bool ok = st->drv->step(s) == DB_ROW && !strcmp(st->drv->col_text(s, 0), want);
    st->drv->reset(s);
    return ok;
}

bool store_bulk_begin(struct store *st)
{
    struct conn *c = conn_get(st);
    if (!c || c->depth || c->bulk || st->drv->dialect != DB_SQLITE)
        return false;
    /* Leaving WAL mode needs every other connection closed; with the
     * exclusive locking mode, none can open until store_bulk_end(). */
    if (st->drv->exec(c->db, "PRAGMA locking_mode=EXCLUSIVE") != DB_DONE)
        return false;
    c->bulk = true;
    bool empty = false,
         off = journal_mode(st, c->db, Q_BULK_JOURNAL_OFF, "PRAGMA journal_mode=OFF", "off");
    if (off) {
        struct db_stmt *s =
            st->drv->stmt(c->db, Q_BULK_EMPTY, "SELECT NOT EXISTS (SELECT 1 FROM accounts)");
        empty = s && st->drv->step(s) == DB_ROW && st->drv->col_i64(s, 0) == 1;
        if (s)
            st->drv->reset(s);
    }
    /* 128 MiB of pages: the random-order indexes (key hashes, refIds) of a
     * million profiles stay cached instead of being written per batch.
     * Foreign keys hold by construction; the linked-account triggers run
     * once per profile instead of once per row (store_bulk_linked). */
    if (!off || !empty ||
        st->drv->exec(c->db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-131072; "
                             "PRAGMA foreign_keys=OFF") != DB_DONE ||
        !st->drv->triggers(c->db, false)) {
        store_bulk_end(st);
        return false;
    }
    return true;
}

enum store_rc store_bulk_end(struct store *st)
{
    struct conn *c = conn_get(st);
    if (!c || !c->bulk)
        return STORE_ERROR;
    c->bulk = false;
    /* Back to what sq_connect sets; the switch to WAL is a commit with
     * synchronous on, which syncs the file; the next read releases the lock
     * (the locking mode applies from then). */
    bool ok = st->drv->triggers(c->db, true);
    ok = st->drv->exec(c->db, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-2000; "
                              "PRAGMA foreign_keys=ON; PRAGMA locking_mode=NORMAL") == DB_DONE &&
         ok;
    ok = journal_mode(st, c->db, Q_BULK_JOURNAL_WAL, "PRAGMA journal_mode=WAL", "wal") && ok;
    ok = store_ping(st) == STORE_OK && ok;
    return ok ? STORE_OK : STORE_ERROR;
}

bool store_in_bulk(struct store *st)
{
    struct conn *c = conn_get(st);
    return c && c->bulk;
}

void store_touch(struct store *st, enum store_kind kind, int64_t id)
{
    struct conn *c = conn_get(st);
    if (!c || c->depth == 0) {
        /* A write on its own has committed already: its change row
         * follows at once, in a statement of its own. The writes whose
         * staleness elsewhere would matter (a key, a plan, a suspension)
         * run in transactions, so their rows commit with them. */
        if (st->changes) {
            struct store_touch_rec t = {kind, id};
            if (changelog_put(st, &t, 1, false) == STORE_OK)
                changelog_notify(st);
        }
        store_bump(st, kind, id);
        return;
    }
    for (size_t i = 0; i < c->npending; i++)
        if (c->pending[i].kind == kind && c->pending[i].id == id)
            return;
    if (c->npending == PENDING_TOUCHES) {
        c->touch_all = true;
        return;
    }
    c->pending[c->npending].kind = kind;
    c->pending[c->npending].id = id;
    c->npending++;
}

/* Prepared once per connection: BEGIN and COMMIT run on most requests. */
static void snapshot_exec(struct store *st, struct conn *c, enum stmt_id id, const char *sql,
                          bool *ok)
{
    struct db_stmt *s = st->drv->stmt(c->db, (unsigned)id, sql);
    enum db_rc rc = s ? st->drv->step(s) : DB_ERROR;
    if (s)
        st->drv->reset(s);
    *ok = rc == DB_DONE || rc == DB_ROW;
}

/* The epoch is read before BEGIN, and the snapshot is taken by the read
 * that follows: it holds every change whose stamps moved before that. */
static void snapshot_begin(struct store *st, struct conn *c)
{
    c->read_epoch = atomic_load(EPOCH(st));
    /* On PostgreSQL, one snapshot for the transaction, as SQLite's is. */
    snapshot_exec(st, c, Q_SNAP_BEGIN,
                  st->drv->dialect == DB_SQLITE
                      ? "BEGIN"
                      : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                  &c->reading);
}

static void snapshot_end(struct store *st, struct conn *c)
{
    if (!c->reading)
        return;
    bool ok;
    c->reading = false;
    snapshot_exec(st, c, Q_SNAP_COMMIT, "COMMIT", &ok);
}

void store_read_begin(struct store *st)
{
    struct conn *c = conn_get(st);
    if (c && !c->depth)
        c->want_read = true;
}

void store_read_end(struct store *st)
{
    struct conn *c = pthread_getspecific(st->key);
    if (!c)
        return;
    c->want_read = false;
    snapshot_end(st, c);
}

void store_rollback(struct store *st)
{
    struct conn *c = conn_get(st);
    if (!c || c->depth == 0)
        return;
    c->depth = 0;
    c->npending = 0;
    c->touch_all = false;
    st->drv->exec(c->db, "ROLLBACK");
}

enum store_rc store_ping(struct store *st)
{
    struct db_stmt *s = store_stmt(st, Q_PING, "SELECT 1");
    if (!s)
        return STORE_ERROR;
    enum db_rc rc = st->drv->step(s);
    st->drv->reset(s);
    return rc == DB_ROW ? STORE_OK : STORE_ERROR;
}

int store_schema_version(struct store *st)
{
    struct db_stmt *s = store_stmt(st, Q_MIGRATION_VERSION,
                                   "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!s)
        return -1;
    int v = -1;
    if (st->drv->step(s) == DB_ROW)
        v = (int)st->drv->col_i64(s, 0);
    st->drv->reset(s);
    return v;
}

static enum store_rc migrate(struct store *st, struct db *db, int *applied);

enum store_rc store_migrate(struct store *st, int *applied)
{
    struct db *db = store_db(st);
    *applied = 0;
    if (!db)
        return STORE_ERROR;
    /* PostgreSQL's BEGIN takes no lock: processes migrating one database
     * take turns on an advisory lock of the session (released below, or
     * with the connection). */
    if (st->drv->dialect == DB_POSTGRES) {
        if (st->drv->exec(db, "SELECT pg_advisory_lock(5060415)") != DB_DONE)
            return STORE_ERROR;
        enum store_rc rc = migrate(st, db, applied);
        st->drv->exec(db, "SELECT pg_advisory_unlock(5060415)");
        if (rc == STORE_OK)
            changelog_ensure(st);
        return rc;
    }
    return migrate(st, db, applied);
}

static enum store_rc migrate(struct store *st, struct db *db, int *applied)
{
    if (st->drv->exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                          " applied_ms BIGINT NOT NULL)") != DB_DONE)
        return STORE_ERROR;
    for (const struct migration *m = st->drv->migrations; m->version; m++) {
        if (store_begin(st) != STORE_OK)
            return STORE_ERROR;
        /* Re-read inside the write transaction: another process may have
         * migrated while we waited for the lock. */
        int current = store_schema_version(st);
        if (current < 0) {
            store_rollback(st);
            return STORE_ERROR;
        }
        if (m->version <= current) {
            store_rollback(st);
            continue;
        }
        if (st->drv->exec(db, m->sql) != DB_DONE) {
            log_error("migration %s failed", m->name);
            store_rollback(st);
            return STORE_ERROR;
        }
        struct db_stmt *s = store_stmt(
            st, Q_MIGRATION_RECORD,
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)");
        if (!s) {
            store_rollback(st);
            return STORE_ERROR;
        }
        st->drv->bind_i64(s, 1, m->version);
        st->drv->bind_text(s, 2, m->name);
        st->drv->bind_i64(s, 3, time_now_ms());
        if (store_run(st, s) != DB_DONE || store_commit(st) != STORE_OK) {
            store_rollback(st);
            return STORE_ERROR;
        }
        log_info("applied migration %s", m->name);
        (*applied)++;
    }
    return STORE_OK;
}

enum store_rc store_key_ids_in_use(struct store *st, struct arena *a, uint32_t **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_KEY_IDS,
        "SELECT key_id FROM webhook_secrets UNION SELECT prev_key_id FROM webhook_secrets "
        "WHERE prev_key_id IS NOT NULL UNION SELECT token_key_id FROM linked_accounts "
        "WHERE token_key_id IS NOT NULL UNION SELECT key_id FROM account_oauth_apps "
        "UNION SELECT token_key_id FROM revocations WHERE token_key_id IS NOT NULL "
        "UNION SELECT key_id FROM secrets WHERE key_id IS NOT NULL");
    if (!s)
        return STORE_ERROR;
    size_t cap = 16, cnt = 0;
    uint32_t *ids = arena_alloc(a, cap * sizeof(*ids));
    enum db_rc dr;
    while ((dr = st->drv->step(s)) == DB_ROW) {
        if (cnt == cap)
            break; /* more distinct keys than a vault holds cannot happen */
        ids[cnt++] = (uint32_t)st->drv->col_i64(s, 0);
    }
    st->drv->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    *out = ids;
    *n = cnt;
    return STORE_OK;
}
