/*
 * postgres: the PostgreSQL driver — the only code that includes libpq-fe.h.
 *
 * One libpq connection per struct db (the store gives each thread its own,
 * so a process holds at most as many as it has threads that touch the
 * store: its pool). The store's SQL is written once with '?' and '?N'
 * placeholders; this driver rewrites them to '$N' once, when it prepares a
 * statement (a named server-side prepared statement per slot and
 * connection), prepared at its first run, when the types of what was
 * bound are known: an integer is declared int8 and a blob bytea, so that
 * SQL like '? + ?' or '? IS NULL', which PostgreSQL cannot type alone,
 * works as written for SQLite; text is left for the server to infer.
 * Parameters go as text, blobs as binary; results come back
 * as text: integers are parsed, booleans ('t'/'f') read as 1/0, bytea is
 * unescaped from its hex form.
 *
 * A statement runs to completion at its first step (PQexecPrepared) and its
 * rows are then walked in memory, so another statement may run on the
 * connection while one's rows are being read, as SQLite allows; the store
 * pages every large read, so a result stays small, except the reads that
 * sweep a whole account (a batch export), which stream through a cursor
 * (pg_stream, below).
 *
 * A connection that broke (the server restarted, a failover) is reset at
 * the next statement; its prepared statements are prepared again on use.
 */
#include "store/db.h"
#include "core/health.h"
#include "core/log.h"
#include "util/mem.h"
#include "util/str.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS  256
#define MAX_PARAMS 32767 /* what the protocol carries */

struct db_stmt {
    struct db *db;
    unsigned id;
    char name[16]; /* of the prepared statement: "q<id>" */
    char *sql;     /* with $N placeholders */
    bool prepared; /* on the current connection */
    bool readonly;
    int nparams;
    /* nparams each: */
    char **vals; /* owned copies; NULL binds NULL */
    int *lens;
    int *fmts;
    Oid *types; /* what was bound: int8, bytea, or 0 (let the server infer) */
    PGresult *res;
    int row, nrows; /* row: the current row, -1 before the first */
    bool ran;
    unsigned char **blobs; /* unescaped bytea of the current row */
    size_t nblobs, capblobs;
    /* A statement of pg_stream: */
    bool cursor;   /* its SQL declares the cursor "c<id>" */
    bool declared; /* the cursor is open: rows come FETCH_ROWS at a time */
    bool own_tx;   /* the first step began the transaction it lives in */
    bool more;     /* the last FETCH was full: rows may follow */
};

struct db {
    PGconn *c;
    bool listening; /* LISTEN sent on this connection (pg_wait) */
    struct db_stmt *slots[MAX_SLOTS];
    int64_t changes;
    char err[256];
};

static void notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs (e.g. "already exists, skipping") are not errors */
}

static struct db *pg_connect(const char *target, char *err, size_t errlen)
{
    /* Defaults the URL may override (it comes last): a dead server or a
     * dropped route is noticed in seconds, not the kernel's two hours, so
     * a failover or an outage turns into errors the caller can answer. */
    const char *const keys[] = {
        "connect_timeout",  "tcp_user_timeout", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "application_name", "dbname",          NULL};
    const char *const vals[] = {"5", "10000", "10", "5", "3", "sociald", target, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "out of memory";
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
            n--;
        snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)n, m);
        PQfinish(c);
        health_db_set(false);
        return NULL;
    }
    PQsetNoticeProcessor(c, notice, NULL);
    /* Times are UTC milliseconds computed by the caller; nothing here
     * depends on the session's zone, but logs and dumps read better. */
    PGresult *r = PQexec(c, "SET TIME ZONE 'UTC'");
    PQclear(r);
    struct db *db = mem_calloc(1, sizeof(*db));
    db->c = c;
    return db;
}

static void free_blobs(struct db_stmt *s)
{
    for (size_t i = 0; i < s->nblobs; i++)
        PQfreemem(s->blobs[i]);
    s->nblobs = 0;
}

static void clear_params(struct db_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->lens[i] = 0;
        s->fmts[i] = 0;
    }
}

static void cursor_end(struct db_stmt *s);

static void pg_reset(struct db_stmt *s)
{
    if (s->cursor)
        cursor_end(s);
    PQclear(s->res);
    s->res = NULL;
    s->ran = false;
    s->row = -1;
    s->nrows = 0;
    free_blobs(s);
    clear_params(s);
}

static void stmt_free(struct db_stmt *s)
{
    if (!s)
        return;
    pg_reset(s);
    free(s->blobs);
    free(s->sql);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->types);
    free(s);
}

static void pg_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < MAX_SLOTS; i++)
        stmt_free(db->slots[i]);
    PQfinish(db->c);
    free(db);
}

/* A broken connection is reset once before a statement runs; every
 * statement is then prepared again. */
static bool alive(struct db *db)
{
    if (PQstatus(db->c) == CONNECTION_OK)
        return true;
    PQreset(db->c);
    db->listening = false;
    for (int i = 0; i < MAX_SLOTS; i++)
        if (db->slots[i])
            db->slots[i]->prepared = false;
    if (PQstatus(db->c) != CONNECTION_OK) {
        log_warn("PostgreSQL connection lost: %s", PQerrorMessage(db->c));
        health_db_set(false);
        return false;
    }
    log_info("PostgreSQL connection re-established");
    return true;
}

static enum db_rc map_result(struct db *db, const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        health_db_set(true);
        return DB_DONE;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* The connection broke, or the server is going away (admin shutdown,
     * crash, cannot connect now): unreachable until a statement succeeds. */
    if (PQstatus(db->c) != CONNECTION_OK ||
        (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))))
        health_db_set(false);
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db->c);
    snprintf(db->err, sizeof(db->err), "%s", msg && *msg ? msg : "no result");
    size_t n = strlen(db->err);
    while (n && db->err[n - 1] == '\n')
        db->err[--n] = 0;
    if (state && !strncmp(state, "23", 2))
        return DB_CONSTRAINT;
    /* Serialization failure, deadlock, lock not available: try again. */
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
        return DB_BUSY;
    return DB_ERROR;
}

/* Rows the statement of r changed, for changes(). */
static void count_changes(struct db *db, PGresult *r)
{
    const char *t = PQcmdTuples(r);
    db->changes = t && *t ? strtoll(t, NULL, 10) : 0;
}

static enum db_rc pg_exec(struct db *db, const char *sql)
{
    if (!alive(db))
        return DB_ERROR;
    PGresult *r = PQexec(db->c, sql);
    enum db_rc rc = map_result(db, r);
    /* COMMIT of a transaction a failed statement aborted "succeeds" as a
     * ROLLBACK: that is a failed commit, whatever SQLite would have done. */
    if (rc == DB_DONE && !strcmp(PQcmdStatus(r), "ROLLBACK") && strncasecmp(sql, "ROLLBACK", 8)) {
        snprintf(db->err, sizeof(db->err), "the transaction was aborted by an earlier error");
        rc = DB_ERROR;
    }
    if (rc == DB_DONE)
        count_changes(db, r);
    else if (rc == DB_ERROR) {
        log_error("postgres exec failed: %s", db->err);
    }
    PQclear(r);
    return rc;
}

/* Rewrites '?' and '?N' to '$N' outside quotes; sets *nparams to the
 * highest number used. NULL when the SQL uses more than MAX_PARAMS. */
static char *placeholders(const char *sql, int *nparams)
{
    size_t len = strlen(sql), cap = len * 6 + 16, o = 0; /* "?" -> "$32767" at most */
    char *out = mem_malloc(cap);
    int next = 0, max = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = sql[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
            out[o++] = ch;
            continue;
        }
        if (ch == '\'' || ch == '"') {
            quote = ch;
            out[o++] = ch;
            continue;
        }
        if (ch != '?') {
            out[o++] = ch;
            continue;
        }
        int n = 0;
        if (isdigit((unsigned char)sql[i + 1])) {
            while (isdigit((unsigned char)sql[i + 1]) && n <= MAX_PARAMS)
                n = n * 10 + (sql[++i] - '0');
        } else {
            n = ++next;
        }
        if (n < 1 || n > MAX_PARAMS) {
            free(out);
            return NULL;
        }
        if (n > max)
            max = n;
        o += (size_t)snprintf(out + o, cap - o, "$%d", n);
    }
    out[o] = 0;
    *nparams = max;
    return out;
}

/* A statement only reads when it is a SELECT (or VALUES) that locks
 * nothing: what a read snapshot may cover. */
static bool only_reads(const char *sql)
{
    while (isspace((unsigned char)*sql) || *sql == '(')
        sql++;
    if (strncasecmp(sql, "SELECT", 6) && strncasecmp(sql, "VALUES", 6))
        return false;
    return !strcasestr(sql, "FOR UPDATE") && !strcasestr(sql, "FOR SHARE") &&
           !strcasestr(sql, "nextval(");
}

static struct db_stmt *pg_stmt(struct db *db, unsigned id, const char *sql)
{
    if (id >= MAX_SLOTS)
        abort(); /* a programming error: raise MAX_SLOTS */
    struct db_stmt *s = db->slots[id];
    if (!s) {
        int n = 0;
        char *conv = placeholders(sql, &n);
        if (!conv) {
            log_error("postgres: too many parameters in statement %u", id);
            return NULL;
        }
        s = mem_calloc(1, sizeof(*s));
        s->db = db;
        s->id = id;
        snprintf(s->name, sizeof(s->name), "q%u", id);
        s->sql = conv;
        s->nparams = n;
        size_t np = n ? (size_t)n : 1;
        s->vals = mem_calloc(np, sizeof(*s->vals));
        s->lens = mem_calloc(np, sizeof(*s->lens));
        s->fmts = mem_calloc(np, sizeof(*s->fmts));
        s->types = mem_calloc(np, sizeof(*s->types));
        s->row = -1;
        s->readonly = only_reads(conv);
        db->slots[id] = s;
    }
    return s;
}

/* Prepares s on its connection with the parameter types bound now. */
static bool prepare(struct db_stmt *s)
{
    struct db *db = s->db;
    PGresult *r = PQprepare(db->c, s->name, s->sql, s->nparams, s->types);
    enum db_rc rc = map_result(db, r);
    PQclear(r);
    if (rc != DB_DONE) {
        log_error("postgres prepare failed: %s (statement %u: %s)", db->err, s->id, s->sql);
        return false;
    }
    s->prepared = true;
    return true;
}

static void set_param(struct db_stmt *s, int idx, char *v, int len, int fmt, Oid type)
{
    if (idx < 1 || idx > s->nparams) {
        free(v);
        return; /* a placeholder the SQL does not have */
    }
    free(s->vals[idx - 1]);
    s->vals[idx - 1] = v;
    s->lens[idx - 1] = len;
    s->fmts[idx - 1] = fmt;
    if (!s->prepared && type)
        s->types[idx - 1] = type;
}

static void pg_bind_i64(struct db_stmt *s, int idx, int64_t v)
{
    char *b = mem_malloc(24);
    int n = snprintf(b, 24, "%lld", (long long)v);
    set_param(s, idx, b, n, 0, 20 /* int8 */);
}

static void pg_bind_text(struct db_stmt *s, int idx, const char *v)
{
    /* PostgreSQL refuses text that is not UTF-8, where SQLite takes any
     * bytes. Such text can match nothing stored (all of it is UTF-8): the
     * invalid bytes become U+FFFD, and a lookup finds nothing, as on
     * SQLite, instead of failing. */
    char *fixed = v ? str_utf8_fixed(v) : NULL;
    set_param(s, idx, fixed ? fixed : v ? mem_strdup(v) : NULL, 0, 0, 0);
}

static void pg_bind_null(struct db_stmt *s, int idx)
{
    set_param(s, idx, NULL, 0, 0, 0);
}

static void pg_bind_blob(struct db_stmt *s, int idx, const void *v, size_t n)
{
    if (!v) {
        pg_bind_null(s, idx);
        return;
    }
    char *b = mem_malloc(n ? n : 1);
    if (n)
        memcpy(b, v, n);
    set_param(s, idx, b, (int)n, 1, 17 /* bytea */);
}

static enum db_rc run(struct db_stmt *s)
{
    struct db *db = s->db;
    if (!alive(db))
        return DB_ERROR;
    if (!s->prepared && !prepare(s))
        return DB_ERROR;
    s->res = PQexecPrepared(db->c, s->name, s->nparams, (const char *const *)s->vals, s->lens,
                            s->fmts, 0);
    s->ran = true;
    enum db_rc rc = map_result(db, s->res);
    if (rc != DB_DONE) {
        if (rc == DB_ERROR)
            log_error("postgres step failed: %s (statement %u)", db->err, s->id);
        return rc;
    }
    count_changes(db, s->res);
    s->nrows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
    return DB_DONE;
}

static enum db_rc cursor_step(struct db_stmt *s);

static enum db_rc pg_step(struct db_stmt *s)
{
    if (s->cursor)
        return cursor_step(s);
    if (!s->ran) {
        enum db_rc rc = run(s);
        if (rc != DB_DONE)
            return rc;
    }
    free_blobs(s);
    if (s->row + 1 >= s->nrows) {
        s->row = s->nrows;
        return DB_DONE;
    }
    s->row++;
    return DB_ROW;
}

static bool in_row(struct db_stmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

static bool pg_col_null(struct db_stmt *s, int col)
{
    return !in_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_col_i64(struct db_stmt *s, int col)
{
    if (pg_col_null(s, col))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct db_stmt *s, int col)
{
    if (pg_col_null(s, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static const void *pg_col_blob(struct db_stmt *s, int col, size_t *n)
{
    *n = 0;
    if (pg_col_null(s, col))
        return NULL;
    size_t len = 0;
    unsigned char *b =
        PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col), &len);
    if (!b)
        return NULL;
    if (s->nblobs == s->capblobs) {
        s->capblobs = s->capblobs ? s->capblobs * 2 : 4;
        s->blobs = mem_realloc(s->blobs, s->capblobs * sizeof(*s->blobs));
    }
    s->blobs[s->nblobs++] = b;
    *n = len;
    return b;
}

/*
 * Streaming reads (db_driver.stream): a server-side cursor.
 *
 * The statement is prepared as "DECLARE c<id> NO SCROLL CURSOR FOR <the
 * SELECT>", with placeholders and parameter types as for any other; its
 * first step declares the cursor and each later batch is one "FETCH
 * FETCH_ROWS", an ordinary result walked in memory as every statement's
 * is: memory holds one batch, however many rows the SELECT has. A cursor
 * lives in a transaction and reads that transaction's snapshot: the
 * caller's when there is one, else one the first step begins (REPEATABLE
 * READ, READ ONLY, as the store's read snapshots) and reset ends — as
 * SQLite holds a read transaction while a statement steps.
 *
 * Why a cursor and not libpq's single-row mode (PQsendQueryPrepared and
 * PQsetSingleRowMode; libpq 15 has no chunked mode): that mode keeps the
 * connection busy until the last row is read, so no other statement may
 * run on it in between, which this driver allows for every statement
 * (above); stopping early (the scan's callback says stop) means reading or
 * cancelling every row left; and each row is a PGresult of its own. A
 * cursor keeps the connection usable between batches, stops with a CLOSE
 * or the transaction's end, and costs one round trip per FETCH_ROWS rows.
 * (The export's scan has a connection of its own, and the statements of
 * its callback, such as the job's lease renewal, run on the thread's: the
 * single-row mode would work there today; the cursor does not need it.)
 * PostgreSQL plans a cursor for its first rows (cursor_tuple_fraction):
 * for the export, an index walk in the export's order with no sort of the
 * whole account, so the server's memory does not grow with it either.
 */
#define FETCH_ROWS 1000

static struct db_stmt *pg_stream(struct db *db, unsigned id, const char *sql)
{
    if (id < MAX_SLOTS && db->slots[id])
        return db->slots[id];
    size_t n = strlen(sql) + 64;
    char *decl = mem_malloc(n);
    snprintf(decl, n, "DECLARE c%u NO SCROLL CURSOR FOR %s", id, sql);
    struct db_stmt *s = pg_stmt(db, id, decl);
    free(decl);
    if (s) {
        s->cursor = true;
        s->readonly = only_reads(sql);
    }
    return s;
}

/* Runs sql of the cursor's own (BEGIN, FETCH, CLOSE, ROLLBACK); its result
 * replaces s->res. */
static enum db_rc cursor_exec(struct db_stmt *s, const char *sql)
{
    PQclear(s->res);
    s->res = PQexec(s->db->c, sql);
    enum db_rc rc = map_result(s->db, s->res);
    if (rc == DB_ERROR)
        log_error("postgres cursor failed: %s (statement %u: %s)", s->db->err, s->id, sql);
    return rc;
}

static enum db_rc cursor_step(struct db_stmt *s)
{
    struct db *db = s->db;
    enum db_rc rc;
    if (!s->ran) {
        if (!alive(db))
            return DB_ERROR;
        if (PQtransactionStatus(db->c) == PQTRANS_IDLE) {
            rc = cursor_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            if (rc != DB_DONE)
                return rc;
            s->own_tx = true;
            PQclear(s->res);
            s->res = NULL;
        }
        if ((rc = run(s)) != DB_DONE)
            return rc;
        s->declared = s->more = true;
        s->nrows = 0;
    }
    free_blobs(s);
    if (s->row + 1 < s->nrows) {
        s->row++;
        return DB_ROW;
    }
    if (!s->more) {
        s->row = s->nrows;
        return DB_DONE;
    }
    char sql[48];
    snprintf(sql, sizeof(sql), "FETCH %d FROM c%u", FETCH_ROWS, s->id);
    s->row = -1;
    s->nrows = 0;
    if ((rc = cursor_exec(s, sql)) != DB_DONE) {
        s->more = false;
        return rc;
    }
    s->nrows = PQntuples(s->res);
    s->more = s->nrows == FETCH_ROWS;
    if (!s->nrows)
        return DB_DONE;
    s->row = 0;
    return DB_ROW;
}

/* Closes the cursor, or ends the transaction the first step began (which
 * closes it); the rows not fetched are never sent. */
static void cursor_end(struct db_stmt *s)
{
    PGTransactionStatusType ts = PQtransactionStatus(s->db->c);
    if (s->own_tx && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
        cursor_exec(s, "ROLLBACK"); /* it wrote nothing */
    else if (s->declared && ts == PQTRANS_INTRANS) {
        char sql[32];
        snprintf(sql, sizeof(sql), "CLOSE c%u", s->id);
        cursor_exec(s, sql);
    }
    s->declared = s->own_tx = s->more = false;
}

static bool pg_readonly(struct db_stmt *s)
{
    return s->readonly;
}

static int64_t pg_changes(struct db *db)
{
    return db->changes;
}

static const char *pg_errmsg(struct db *db)
{
    return db->err[0] ? db->err : PQerrorMessage(db->c);
}

/* Reads what the server sent; true when it held a notification. */
static bool drain_notifies(struct db *db)
{
    bool got = false;
    PGnotify *n;
    PQconsumeInput(db->c);
    while ((n = PQnotifies(db->c))) {
        PQfreemem(n);
        got = true;
    }
    return got;
}

static bool pg_wait(struct db *db, const char *channel, int timeout_ms)
{
    if (!db->listening) {
        char sql[96];
        snprintf(sql, sizeof(sql), "LISTEN %s", channel);
        if (pg_exec(db, sql) != DB_DONE) {
            poll(NULL, 0, timeout_ms);
            return false;
        }
        db->listening = true;
    }
    if (drain_notifies(db))
        return true;
    struct pollfd p = {.fd = PQsocket(db->c), .events = POLLIN};
    if (p.fd < 0 || poll(&p, 1, timeout_ms) <= 0)
        return false;
    return drain_notifies(db);
}

static bool pg_triggers(struct db *db, bool on)
{
    (void)db;
    (void)on;
    return false; /* the bulk load is SQLite's; PostgreSQL loads row by row */
}

extern const struct migration store_postgres_migrations[];

const struct db_driver db_postgres = {
    .dialect = DB_POSTGRES,
    .connect = pg_connect,
    .close = pg_close,
    .exec = pg_exec,
    .stmt = pg_stmt,
    .stream = pg_stream,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .reset = pg_reset,
    .changes = pg_changes,
    .readonly = pg_readonly,
    .migrations = store_postgres_migrations,
    .errmsg = pg_errmsg,
    .triggers = pg_triggers,
    .wait = pg_wait,
};
