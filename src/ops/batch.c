/*
 * ops/batch: a token revocation's end and the batch export's start and
 * readiness (see ops.h for what is written together).
 */
#include "ops/events.h"
#include "ops/ops.h"
#include "store/batch.h"
#include "store/jobs.h"
#include "store/revocations.h"
#include "store/store.h"
#include "util/timeutil.h"

/* Without a measured export: a generous per-profile cost. */
#define EST_US_PER_PROFILE 100
#define EST_BASE_MS        1000

enum store_rc ops_revocation_done(struct app *app, int64_t revocation_id, int64_t job_id)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_revocation_delete(st, revocation_id);
    if (rc == STORE_OK)
        rc = store_job_delete(st, job_id);
    if (rc == STORE_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

/* When an export of n profiles started at now should be ready: from the
 * account's last export's measured rate when there is one. */
static int64_t estimate(const struct batch_export *last, int64_t n, int64_t now)
{
    double us = EST_US_PER_PROFILE;
    if (last && last->ready_ms && last->count > 0) {
        double measured =
            (double)(last->ready_ms - last->started_ms) * 1000.0 / (double)last->count;
        /* Half again as much, for a busier machine or a bigger account. */
        us = measured * 1.5 > 5.0 ? measured * 1.5 : 5.0;
    }
    return now + EST_BASE_MS + (int64_t)(us * (double)n / 1000.0);
}

enum store_rc ops_batch_request(struct app *app, struct arena *a, int64_t account_id,
                                const char *file, int64_t now_ms, int64_t interval_ms,
                                int64_t url_ttl_ms, struct batch_export *e, bool *started)
{
    struct store *st = app->store;
    *started = false;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_batch_newest(st, a, account_id, e);
    bool have = rc == STORE_OK;
    if (rc == STORE_OK || rc == STORE_NOTFOUND) {
        rc = STORE_OK;
        if (!have || (e->ready_ms && now_ms - e->started_ms >= interval_ms)) {
            int64_t n = 0;
            rc = store_batch_profiles(st, account_id, &n);
            struct batch_export fresh = {
                .account_id = account_id,
                .started_ms = now_ms,
                .estimate_ms = estimate(have ? e : NULL, n, now_ms),
                .expires_ms = now_ms + url_ttl_ms,
                .file = arena_strdup(a, file),
            };
            if (rc == STORE_OK)
                rc = store_batch_start(st, &fresh, &fresh.id);
            if (rc == STORE_OK) {
                *e = fresh;
                *started = true;
            }
        }
    }
    rc = ops_commit(app, rc);
    if (rc != STORE_OK)
        *started = false;
    return rc;
}

enum store_rc ops_batch_ready(struct app *app, int64_t export_id, int64_t ready_ms, int64_t count,
                              int64_t bytes, const char *etag, const struct profile *primary,
                              const char *url, int64_t expires_ms, int64_t job_id, int64_t now_ms)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_batch_ready(st, export_id, ready_ms, count, bytes, etag);
    if (rc == STORE_OK) {
        struct event ev;
        char ts[32];
        ops_event_begin(&ev, "batch", primary, now_ms);
        jw_kstr(&ev.w, "status", "success");
        jw_kstr(&ev.w, "url", url);
        time_iso_ms(expires_ms, ts, sizeof(ts));
        jw_kstr(&ev.w, "urlExpires", ts);
        jw_kint(&ev.w, "count", count);
        rc = ops_event_emit(st, &ev);
    }
    if (rc == STORE_OK)
        rc = store_job_delete(st, job_id);
    return ops_commit(app, rc);
}
