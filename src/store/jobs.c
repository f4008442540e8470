/*
 * jobs: the durable job queue's rows (see store/jobs.h; the runner is
 * src/jobs/runner.c).
 *
 * Leasing is one UPDATE ... WHERE id IN (SELECT due ...) RETURNING, atomic
 * in SQLite (one writer at a time) and, with FOR UPDATE SKIP LOCKED, in
 * PostgreSQL: a job is leased by one worker at a time.
 */
#include "store/jobs.h"
#include "store/internal.h"

#include "util/buf.h"
#include "util/jsonw.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D (st->drv)

enum job_lane store_job_lane(const char *kind)
{
    return strcmp(kind, "webhook") ? JOB_LANE_UPKEEP : JOB_LANE_DELIVERY;
}

/* Binds an "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane)"'s values. */
static void bind_job(struct store *st, struct db_stmt *s, const char *kind, int64_t ref,
                     int64_t run_at_ms, int64_t now_ms)
{
    D->bind_text(s, 1, kind);
    D->bind_i64(s, 2, ref);
    D->bind_i64(s, 3, run_at_ms);
    D->bind_i64(s, 4, now_ms);
    D->bind_i64(s, 5, store_job_lane(kind));
}

enum store_rc store_job_add(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_ADD,
                                   "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                                   "VALUES (?, ?, ?, ?, ?)");
    if (!s)
        return STORE_ERROR;
    bind_job(st, s, kind, ref, run_at_ms, now_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_put(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms, bool move)
{
    /* The conflict target names the partial unique index jobs_once. */
    struct db_stmt *s =
        move ? store_stmt(st, Q_JOB_PUT_MOVE,
                          "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, ref) "
                          "WHERE kind IN ('refresh', 'remind', 'details') "
                          "DO UPDATE SET run_at_ms = excluded.run_at_ms")
             : store_stmt(st, Q_JOB_PUT_KEEP,
                          "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, ref) "
                          "WHERE kind IN ('refresh', 'remind', 'details') DO NOTHING");
    if (!s)
        return STORE_ERROR;
    bind_job(st, s, kind, ref, run_at_ms, now_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_ensure(struct store *st, const char *kind, int64_t run_at_ms,
                               int64_t now_ms)
{
    /* Check-then-insert: processes take turns per kind (on SQLite the
     * write transaction already does). */
    if (store_begin(st) != STORE_OK)
        return STORE_ERROR;
    if (store_lock(st, "jobs_ensure", kind) != STORE_OK)
        return store_settle(st, STORE_ERROR);
    struct db_stmt *s = store_stmt(st, Q_JOB_ENSURE,
                                   "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                                   "SELECT ?1, 0, ?2, ?3, ?4 WHERE NOT EXISTS "
                                   "(SELECT 1 FROM jobs WHERE kind = ?1)");
    if (!s)
        return store_settle(st, STORE_ERROR);
    D->bind_text(s, 1, kind);
    D->bind_i64(s, 2, run_at_ms);
    D->bind_i64(s, 3, now_ms);
    D->bind_i64(s, 4, store_job_lane(kind));
    return store_settle(st, store_rc_of(store_run(st, s)));
}

enum store_rc store_job_sooner(struct store *st, const char *kind, int64_t run_at_ms)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_SOONER,
                                   "UPDATE jobs SET run_at_ms = ?2 WHERE kind = ?1 AND "
                                   "run_at_ms > ?2");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, kind);
    D->bind_i64(s, 2, run_at_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_drop(struct store *st, const char *kind, int64_t ref)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_DROP,
                                   "DELETE FROM jobs WHERE kind = ? AND ref = ? AND "
                                   "kind IN ('refresh', 'remind', 'details')");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, kind);
    D->bind_i64(s, 2, ref);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_lease(struct store *st, struct arena *a, enum job_lane lane,
                              const char *owner, int64_t now_ms, int64_t lease_ms, size_t max,
                              struct job **out, size_t *n)
{
    const char *sql =
        st->drv->dialect == DB_SQLITE
            ? "UPDATE jobs SET lease_until_ms = ?1 + ?2, lease_owner = ?3, attempts = attempts + 1 "
              "WHERE id IN (SELECT id FROM jobs WHERE lane = ?5 AND run_at_ms <= ?1 "
              "AND lease_until_ms < ?1 "
              "ORDER BY run_at_ms LIMIT ?4) RETURNING id, kind, ref, attempts"
            : "UPDATE jobs SET lease_until_ms = ?1 + ?2, lease_owner = ?3, attempts = attempts + 1 "
              "WHERE id IN (SELECT id FROM jobs WHERE lane = ?5 AND run_at_ms <= ?1 "
              "AND lease_until_ms < ?1 "
              "ORDER BY run_at_ms LIMIT ?4 FOR UPDATE SKIP LOCKED) "
              "RETURNING id, kind, ref, attempts";
    struct db_stmt *s = store_stmt(st, Q_JOB_LEASE, sql);
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, lease_ms);
    D->bind_text(s, 3, owner);
    D->bind_i64(s, 4, (int64_t)max);
    D->bind_i64(s, 5, lane);
    struct job *arr = arena_alloc(a, (max ? max : 1) * sizeof(*arr));
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && cnt < max) {
        arr[cnt].id = D->col_i64(s, 0);
        const char *kind = D->col_text(s, 1);
        snprintf(arr[cnt].kind, sizeof(arr[cnt].kind), "%s", kind ? kind : "");
        arr[cnt].ref = D->col_i64(s, 2);
        arr[cnt].attempts = D->col_i64(s, 3);
        cnt++;
    }
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return dr == DB_BUSY ? STORE_CONFLICT : STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_job_extend(struct store *st, int64_t id, const char *owner, int64_t until_ms)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_EXTEND,
                                   "UPDATE jobs SET lease_until_ms = ? WHERE id = ? AND "
                                   "lease_owner = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, until_ms);
    D->bind_i64(s, 2, id);
    D->bind_text(s, 3, owner);
    enum db_rc dr = store_run(st, s);
    if (dr != DB_DONE)
        return store_rc_of(dr);
    return D->changes(store_db(st)) ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_job_reschedule(struct store *st, int64_t id, int64_t run_at_ms)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_RESCHEDULE,
                                   "UPDATE jobs SET run_at_ms = ?, lease_until_ms = 0, "
                                   "lease_owner = NULL WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, run_at_ms);
    D->bind_i64(s, 2, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_delete(struct store *st, int64_t id)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_DELETE, "DELETE FROM jobs WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_job_delete_many(struct store *st, const int64_t *ids, size_t n)
{
    if (!n)
        return STORE_OK;
    struct db_stmt *s = store_stmt(st, Q_JOB_DELETE_MANY,
                                   st->drv->dialect == DB_SQLITE
                                       ? "DELETE FROM jobs WHERE id" STORE_IN_IDS_SQLITE(1)
                                       : "DELETE FROM jobs WHERE id" STORE_IN_IDS_PG(1));
    if (!s)
        return STORE_ERROR;
    store_bind_ids(st, s, 1, ids, n);
    return store_rc_of(store_run(st, s));
}

/* Rows as JSON (store/internal.h): [{"id":1,"run_at":2},...]; on
 * PostgreSQL the ids again as an array, so that its planner looks the
 * jobs up in the primary key (store_delivery_record_many). */
#define RESCHEDULE_SET \
    "UPDATE jobs SET run_at_ms = v.run_at, lease_until_ms = 0, lease_owner = NULL FROM "
static const char reschedule_sqlite[] =
    RESCHEDULE_SET "(SELECT json_extract(value, '$.id') AS id, "
                   "json_extract(value, '$.run_at') AS run_at FROM json_each(?1)) AS v "
                   "WHERE jobs.id = v.id";
static const char reschedule_pg[] =
    RESCHEDULE_SET "jsonb_to_recordset(CAST(?1 AS JSONB)) AS v(id BIGINT, run_at BIGINT) "
                   "WHERE jobs.id = v.id AND jobs.id" STORE_IN_IDS_PG(2);
#undef RESCHEDULE_SET

enum store_rc store_job_reschedule_many(struct store *st, const struct job_release *jobs, size_t n)
{
    if (!n)
        return STORE_OK;
    struct buf b;
    buf_init(&b, 64 + n * 64); /* {"id":<20>,"run_at":<20>}, */
    int64_t *ids = mem_malloc(n * sizeof(*ids));
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        jw_kint(&w, "id", jobs[i].id);
        jw_kint(&w, "run_at", jobs[i].run_at_ms);
        jw_obj_end(&w);
        ids[i] = jobs[i].id;
    }
    jw_arr_end(&w);
    enum store_rc rc = STORE_ERROR;
    struct db_stmt *s =
        store_stmt(st, Q_JOB_RESCHEDULE_MANY,
                   st->drv->dialect == DB_SQLITE ? reschedule_sqlite : reschedule_pg);
    if (s && !jw_failed(&w)) {
        st->drv->bind_text(s, 1, b.data);
        if (st->drv->dialect == DB_POSTGRES)
            store_bind_ids(st, s, 2, ids, n);
        rc = store_rc_of(store_run(st, s));
    }
    buf_free(&b);
    free(ids);
    return rc;
}

enum store_rc store_job_next(struct store *st, enum job_lane lane, int64_t *when_ms)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_NEXT,
                                   "SELECT MIN(CASE WHEN lease_until_ms > run_at_ms "
                                   "THEN lease_until_ms ELSE run_at_ms END) FROM jobs "
                                   "WHERE lane = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, lane);
    enum db_rc dr = D->step(s);
    *when_ms = dr == DB_ROW && !D->col_null(s, 0) ? D->col_i64(s, 0) : INT64_MAX;
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}

enum store_rc store_job_counts(struct store *st, struct arena *a, size_t max,
                               struct job_kind_count **out, size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_COUNTS,
                                   "SELECT kind, COUNT(*), MIN(run_at_ms) FROM jobs GROUP BY kind "
                                   "ORDER BY kind");
    if (!s)
        return STORE_ERROR;
    struct job_kind_count *arr = arena_alloc(a, (max ? max : 1) * sizeof(*arr));
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW && cnt < max) {
        arr[cnt].kind = store_col_str(st, s, 0, a);
        arr[cnt].queued = D->col_i64(s, 1);
        arr[cnt].earliest_ms = D->col_i64(s, 2);
        cnt++;
    }
    D->reset(s);
    if (dr != DB_DONE && dr != DB_ROW)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_job_count(struct store *st, int64_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_JOB_COUNT, "SELECT COUNT(*) FROM jobs");
    if (!s)
        return STORE_ERROR;
    enum db_rc dr = D->step(s);
    *n = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : STORE_ERROR;
}
