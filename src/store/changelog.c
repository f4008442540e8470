/*
 * changelog: the change stamps across processes on PostgreSQL.
 *
 * On SQLite the stamps are a file every process maps. On PostgreSQL each
 * process has its own, and a committed change reaches the others through
 * the change_log table: the writing transaction adds one row per entity it
 * touched (kind 0: everything) just before its COMMIT, so the row commits
 * with the change or not at all; every process follows the table by
 * polling it every FOLLOW_MS and bumps its own stamps for the rows others
 * wrote (its own it bumped at its commit). A process that committed such
 * rows also sends NOTIFY sociald_changes after its commit, and the followers, which LISTEN, wake at
 * once: only a hint, outside the writing transaction (a NOTIFY in it would serialise commits on the
 * server's notify lock); polling alone is correct.
 *
 * Polling alone is correct. The row numbers come from an identity column,
 * which hands numbers out when rows are inserted, not when they commit: a
 * row may become visible after a higher-numbered one was read. A number
 * skipped over is a hole, asked for again at every poll until it shows up;
 * a hole still missing after HOLE_MS (its transaction rolled back, or the
 * server lost unused numbers in a crash) is given up with every stamp
 * bumped, so a row that commits that late can never leave a cache stale.
 * So does a poll that failed for longer than GAP_MS (the rows of that time
 * may have been trimmed). Rows older than TRIM_MS are deleted.
 */
#include "store/internal.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FOLLOW_MS 50
#define CHANNEL   "sociald_changes"
#define HOLE_MS   5000
#define GAP_MS    60000
#define TRIM_MS   600000 /* a change row lives 10 minutes */
#define MAX_HOLES 512
#define PAGE      4096

struct hole {
    int64_t seq, since_ms;
};

struct changelog {
    struct store *st;
    int64_t origin; /* this process's rows, which it does not apply again */
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    int64_t last;  /* the highest number read */
    bool started;  /* last is known */
    int64_t ok_ms; /* when a poll last succeeded */
    int64_t trimmed_ms;
    struct hole holes[MAX_HOLES];
    size_t nholes;
    uint64_t applied; /* rows of other processes applied */
};

static void apply(struct changelog *cl, int64_t kind, int64_t id)
{
    cl->applied++;
    if (kind == 0)
        store_bump_all(cl->st);
    else
        store_bump(cl->st, (enum store_kind)kind, id);
}

/* Forgets every hole and bumps everything: the safe answer to not knowing. */
static void lost_track(struct changelog *cl, const char *why)
{
    log_warn("change log: %s; every cached entry is reloaded", why);
    cl->nholes = 0;
    store_bump_all(cl->st);
}

static void add_holes(struct changelog *cl, int64_t from, int64_t to, int64_t now)
{
    if (to - from + 1 > (int64_t)(MAX_HOLES - cl->nholes)) {
        lost_track(cl, "too many rows not yet committed");
        return;
    }
    for (int64_t s = from; s <= to; s++)
        cl->holes[cl->nholes++] = (struct hole){s, now};
}

static bool read_start(struct changelog *cl)
{
    struct store *st = cl->st;
    struct db_stmt *s =
        store_stmt(st, Q_CHANGES_MAX, "SELECT COALESCE(MAX(seq), 0) FROM change_log");
    if (!s)
        return false;
    bool ok = st->drv->step(s) == DB_ROW;
    if (ok)
        cl->last = st->drv->col_i64(s, 0);
    st->drv->reset(s);
    return ok;
}

/* Asks for the holes again; applies and forgets those that showed up,
 * gives up on those too old. */
static bool poll_holes(struct changelog *cl, int64_t now)
{
    if (!cl->nholes)
        return true;
    struct store *st = cl->st;
    char arr[MAX_HOLES * 21 + 3];
    size_t o = 0;
    arr[o++] = '{';
    for (size_t i = 0; i < cl->nholes; i++)
        o += (size_t)snprintf(arr + o, sizeof(arr) - o, "%s%lld", i ? "," : "",
                              (long long)cl->holes[i].seq);
    arr[o++] = '}';
    arr[o] = 0;
    struct db_stmt *s = store_stmt(st, Q_CHANGES_HOLES,
                                   "SELECT seq, kind, id, origin FROM change_log "
                                   "WHERE seq = ANY (CAST(? AS BIGINT[]))");
    if (!s)
        return false;
    st->drv->bind_text(s, 1, arr);
    enum db_rc rc;
    while ((rc = st->drv->step(s)) == DB_ROW) {
        int64_t seq = st->drv->col_i64(s, 0);
        if (st->drv->col_i64(s, 3) != cl->origin)
            apply(cl, st->drv->col_i64(s, 1), st->drv->col_i64(s, 2));
        for (size_t i = 0; i < cl->nholes; i++)
            if (cl->holes[i].seq == seq) {
                cl->holes[i] = cl->holes[--cl->nholes];
                break;
            }
    }
    st->drv->reset(s);
    if (rc != DB_DONE)
        return false;
    bool expired = false;
    for (size_t i = 0; i < cl->nholes;) {
        if (now - cl->holes[i].since_ms > HOLE_MS) {
            cl->holes[i] = cl->holes[--cl->nholes];
            expired = true;
        } else {
            i++;
        }
    }
    if (expired)
        lost_track(cl, "a change row never committed");
    return true;
}

/* Reads the rows after the last one; true when it got them all. */
static bool poll_next(struct changelog *cl, int64_t now, bool *more)
{
    struct store *st = cl->st;
    struct db_stmt *s = store_stmt(st, Q_CHANGES_NEXT,
                                   "SELECT seq, kind, id, origin FROM change_log WHERE seq > ? "
                                   "ORDER BY seq LIMIT 4096");
    if (!s)
        return false;
    st->drv->bind_i64(s, 1, cl->last);
    enum db_rc rc;
    size_t n = 0;
    while ((rc = st->drv->step(s)) == DB_ROW) {
        int64_t seq = st->drv->col_i64(s, 0);
        if (seq > cl->last + 1)
            add_holes(cl, cl->last + 1, seq - 1, now);
        cl->last = seq;
        if (st->drv->col_i64(s, 3) != cl->origin)
            apply(cl, st->drv->col_i64(s, 1), st->drv->col_i64(s, 2));
        n++;
    }
    st->drv->reset(s);
    *more = n == PAGE;
    return rc == DB_DONE;
}

static void trim(struct changelog *cl, int64_t now)
{
    if (now - cl->trimmed_ms < TRIM_MS / 10)
        return;
    cl->trimmed_ms = now;
    struct store *st = cl->st;
    struct db_stmt *s = store_stmt(st, Q_CHANGES_TRIM, "DELETE FROM change_log WHERE at_ms < ?");
    if (!s)
        return;
    st->drv->bind_i64(s, 1, time_now_ms() - TRIM_MS);
    store_run(st, s);
}

static void poll_once(struct changelog *cl)
{
    int64_t now = time_mono_ms();
    bool ok = true, more = false;
    if (!cl->started) {
        ok = read_start(cl);
        cl->started = ok;
    } else {
        if (now - cl->ok_ms > GAP_MS)
            lost_track(cl, "the database was out of reach for a while");
        ok = poll_holes(cl, now);
        do
            ok = ok && poll_next(cl, now, &more);
        while (ok && more);
    }
    if (ok) {
        cl->ok_ms = now;
        trim(cl, now);
    }
}

static void *follow(void *arg)
{
    struct changelog *cl = arg;
    for (;;) {
        pthread_mutex_lock(&cl->mu);
        bool stop = cl->stop;
        pthread_mutex_unlock(&cl->mu);
        if (stop)
            break;
        poll_once(cl);
        /* Until a NOTIFY, or FOLLOW_MS. */
        struct db *db = store_db(cl->st);
        if (db)
            cl->st->drv->wait(db, CHANNEL, FOLLOW_MS);
        else
            poll(NULL, 0, FOLLOW_MS);
    }
    return NULL;
}

struct changelog *changelog_start(struct store *st)
{
    struct changelog *cl = mem_calloc(1, sizeof(*cl));
    cl->st = st;
    uint64_t r = 0;
    crypto_random(&r, sizeof(r));
    cl->origin = (int64_t)(r >> 1) | 1;
    cl->ok_ms = time_mono_ms();
    pthread_mutex_init(&cl->mu, NULL);
    /* Where the log stands now: what came before is in what this process
     * will read from the database anyway. */
    cl->started = read_start(cl);
    if (pthread_create(&cl->thread, NULL, follow, cl) != 0)
        abort();
    return cl;
}

void changelog_stop(struct changelog *cl)
{
    if (!cl)
        return;
    pthread_mutex_lock(&cl->mu);
    cl->stop = true;
    pthread_mutex_unlock(&cl->mu);
    pthread_join(cl->thread, NULL);
    pthread_mutex_destroy(&cl->mu);
    free(cl);
}

void changelog_notify(struct store *st)
{
    /* After every such commit: one skipped because another went out a
     * moment before would leave its change to the poll (bench/postgres
     * saw a third of the changes wait ~50 ms with a 10 ms throttle). */
    struct db *db = store_db(st);
    if (db)
        st->drv->exec(db, "NOTIFY " CHANNEL);
}

int64_t changelog_origin(const struct changelog *cl)
{
    return cl->origin;
}

enum store_rc changelog_put(struct store *st, const struct store_touch_rec *t, size_t n, bool all)
{
    if (!n && !all)
        return STORE_OK;
    /* Two arrays as text: '{2,1}' and '{17,4}'. */
    size_t cap = (all ? 1 : n) * 24 + 4;
    char *kinds = mem_malloc(cap), *ids = mem_malloc(cap);
    size_t ok = 0, oi = 0;
    kinds[ok++] = '{';
    ids[oi++] = '{';
    if (all) {
        ok += (size_t)snprintf(kinds + ok, cap - ok, "0");
        oi += (size_t)snprintf(ids + oi, cap - oi, "0");
    } else {
        for (size_t i = 0; i < n; i++) {
            ok += (size_t)snprintf(kinds + ok, cap - ok, "%s%d", i ? "," : "", (int)t[i].kind);
            oi += (size_t)snprintf(ids + oi, cap - oi, "%s%lld", i ? "," : "", (long long)t[i].id);
        }
    }
    kinds[ok++] = '}';
    kinds[ok] = 0;
    ids[oi++] = '}';
    ids[oi] = 0;
    enum store_rc rc = STORE_ERROR;
    struct db_stmt *s =
        store_stmt(st, Q_CHANGES_PUT,
                   "INSERT INTO change_log (kind, id, origin, at_ms) SELECT k, i, ?, ? "
                   "FROM unnest(CAST(? AS SMALLINT[]), CAST(? AS BIGINT[])) AS t(k, i)");
    if (s) {
        st->drv->bind_i64(s, 1, changelog_origin(st->changes));
        st->drv->bind_i64(s, 2, time_now_ms());
        st->drv->bind_text(s, 3, kinds);
        st->drv->bind_text(s, 4, ids);
        rc = store_rc_of(store_run(st, s));
    }
    free(kinds);
    free(ids);
    return rc;
}
