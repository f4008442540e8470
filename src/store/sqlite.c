/*
 * sqlite: the SQLite driver — the only code that includes sqlite3.h.
 *
 * Each connection runs in WAL mode (readers never block the writer, and many
 * processes can share the file), synchronous=NORMAL (a power loss can lose
 * the last transactions but never corrupts the file), a 5 s busy timeout so
 * concurrent writers queue instead of failing, and foreign keys on. No
 * memory map (mmap_size=0): in WAL mode a connection whose read transaction
 * starts after another's commit unmaps and maps the whole file again, and
 * under a steady write load that cost grew with the file (bench/soak: 216
 * munmap a second, throughput down 13 % from minute 2 to minute 10 with a
 * 256 MiB map; flat without, docs/performance.md).
 */
#include "store/db.h"
#include "core/log.h"
#include "util/mem.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 256

struct db {
    sqlite3 *h;
    sqlite3_stmt *slots[MAX_SLOTS];
};

struct db_stmt; /* a sqlite3_stmt, cast at the boundary */

static sqlite3_stmt *S(struct db_stmt *s)
{
    return (sqlite3_stmt *)(void *)s;
}

static pthread_once_t configured = PTHREAD_ONCE_INIT;

static void configure(void)
{
    /* Memory statistics take a global mutex on every allocation; with one
     * connection per thread that mutex is the main point of contention. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

static struct db *sq_connect(const char *target, char *err, size_t errlen)
{
    pthread_once(&configured, configure);
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(
        target, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", target,
                 h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, 5000);
    char *msg = NULL;
    rc = sqlite3_exec(h,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure database %s: %s", target, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    struct db *db = mem_calloc(1, sizeof(*db));
    db->h = h;
    return db;
}

static void sq_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < MAX_SLOTS; i++)
        sqlite3_finalize(db->slots[i]);
    sqlite3_close(db->h);
    free(db);
}

static enum db_rc map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_ROW:
        return DB_ROW;
    case SQLITE_DONE:
    case SQLITE_OK:
        return DB_DONE;
    case SQLITE_CONSTRAINT:
        return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_BUSY;
    default:
        return DB_ERROR;
    }
}

static enum db_rc sq_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("sqlite exec failed: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
    }
    return map_rc(rc);
}

static struct db_stmt *sq_stmt(struct db *db, unsigned id, const char *sql)
{
    if (id >= MAX_SLOTS)
        abort(); /* a programming error: raise MAX_SLOTS */
    if (!db->slots[id]) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            log_error("sqlite prepare failed: %s", sqlite3_errmsg(db->h));
            return NULL;
        }
        db->slots[id] = st;
    }
    return (struct db_stmt *)(void *)db->slots[id];
}

static void sq_bind_i64(struct db_stmt *s, int idx, int64_t v)
{
    sqlite3_bind_int64(S(s), idx, v);
}

static void sq_bind_text(struct db_stmt *s, int idx, const char *v)
{
    if (v)
        sqlite3_bind_text(S(s), idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(S(s), idx);
}

static void sq_bind_blob(struct db_stmt *s, int idx, const void *v, size_t n)
{
    if (v)
        sqlite3_bind_blob64(S(s), idx, v, n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(S(s), idx);
}

static void sq_bind_null(struct db_stmt *s, int idx)
{
    sqlite3_bind_null(S(s), idx);
}

static enum db_rc sq_step(struct db_stmt *s)
{
    int rc = sqlite3_step(S(s));
    enum db_rc r = map_rc(rc);
    if (r == DB_ERROR)
        log_error("sqlite step failed: %s", sqlite3_errmsg(sqlite3_db_handle(S(s))));
    return r;
}

static bool sq_col_null(struct db_stmt *s, int col)
{
    return sqlite3_column_type(S(s), col) == SQLITE_NULL;
}

static int64_t sq_col_i64(struct db_stmt *s, int col)
{
    return sqlite3_column_int64(S(s), col);
}

static const char *sq_col_text(struct db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(S(s), col);
}

static const void *sq_col_blob(struct db_stmt *s, int col, size_t *n)
{
    const void *p = sqlite3_column_blob(S(s), col);
    *n = (size_t)sqlite3_column_bytes(S(s), col);
    return p;
}

static void sq_reset(struct db_stmt *s)
{
    sqlite3_reset(S(s));
    sqlite3_clear_bindings(S(s));
}

static bool sq_readonly(struct db_stmt *s)
{
    return sqlite3_stmt_readonly(S(s)) != 0;
}

static int64_t sq_changes(struct db *db)
{
    return sqlite3_changes64(db->h);
}

static const char *sq_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

static bool sq_triggers(struct db *db, bool on)
{
    int now = -1;
    return sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, &now) ==
               SQLITE_OK &&
           now == (on ? 1 : 0);
}

extern const struct migration store_sqlite_migrations[];

const struct db_driver db_sqlite = {
    .dialect = DB_SQLITE,
    .connect = sq_connect,
    .close = sq_close,
    .exec = sq_exec,
    .stmt = sq_stmt,
    .stream = sq_stmt, /* a statement reads from one snapshot until reset */
    .bind_i64 = sq_bind_i64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .reset = sq_reset,
    .changes = sq_changes,
    .readonly = sq_readonly,
    .migrations = store_sqlite_migrations,
    .errmsg = sq_errmsg,
    .triggers = sq_triggers,
};
