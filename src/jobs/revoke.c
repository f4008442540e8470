/*
 * revoke: revocation of unlinked accounts' tokens (see revoke.h).
 */
#include "jobs/revoke.h"
#include "core/log.h"
#include "core/offload.h"
#include "ops/linked.h"
#include "ops/ops.h"
#include "store/jobs.h"
#include "store/revocations.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t retry_ms[] = {60000, 300000, 1800000, 7200000, 43200000};
#define RETRIES ((int64_t)(sizeof(retry_ms) / sizeof(retry_ms[0])))

struct revoke_task {
    struct app *app;
    struct runner *runner;
    int64_t job_id;
    int64_t revocation_id;
    int64_t attempt;
    enum net_rc rc;
    bool store_failed;
    bool nothing;  /* the network offers no revocation */
    bool shutdown; /* not run: the server is stopping */
    char platform[16];
    char error[160];
};

static void record(void *arg)
{
    struct revoke_task *t = arg;
    struct store *st = t->app->store;
    if (t->shutdown) {
        store_job_reschedule(st, t->job_id, time_now_ms());
        free(t);
        return;
    }
    bool retry = t->store_failed || t->rc == NET_TRANSIENT || t->rc == NET_TIMEOUT;
    bool give_up = retry && t->attempt > RETRIES;
    enum store_rc rc;
    if (retry && !give_up) {
        int64_t i = t->attempt - 1 < RETRIES ? t->attempt - 1 : RETRIES - 1;
        rc = store_job_reschedule(st, t->job_id, time_now_ms() + retry_ms[i]);
    } else {
        rc = ops_revocation_done(t->app, t->revocation_id, t->job_id);
    }
    if (rc != STORE_OK)
        log_error("cannot record revocation %lld; it will run again", (long long)t->revocation_id);
    struct logline l;
    log_begin(&l, t->rc == NET_OK ? LOG_INFO : LOG_WARN,
              t->nothing        ? "token revocation not offered by the network"
              : t->rc == NET_OK ? "token revoked"
              : give_up         ? "token revocation given up"
              : retry           ? "token revocation will be retried"
                                : "token revocation ended");
    jw_kstr(&l.w, "platform", t->platform);
    jw_kint(&l.w, "revocation", t->revocation_id);
    jw_kint(&l.w, "attempt", t->attempt);
    if (t->rc != NET_OK) {
        jw_kstr(&l.w, "outcome", net_rc_name(t->rc));
        jw_kstr(&l.w, "error", t->error);
    }
    log_end(&l);
    free(t);
}

/* On an offload worker: open the tokens and ask the network. */
static void run(void *arg)
{
    struct revoke_task *t = arg;
    struct app *app = t->app;
    struct arena *a = arena_new();
    struct revocation rv;
    enum store_rc src = store_revocation_get(app->store, a, t->revocation_id, &rv);
    t->rc = NET_OK;
    if (src == STORE_NOTFOUND) {
        snprintf(t->error, sizeof(t->error), "already done");
        goto out;
    }
    if (src != STORE_OK) {
        t->store_failed = true;
        t->rc = NET_TRANSIENT;
        snprintf(t->error, sizeof(t->error), "store unavailable");
        goto out;
    }
    snprintf(t->platform, sizeof(t->platform), "%s", rv.platform);
    const struct platform *p = platform_get(rv.platform);
    int idx = platform_index(rv.platform);
    if (!p || idx < 0 || !platform_can_revoke(p)) {
        t->nothing = true;
        goto out;
    }
    struct tokens tok;
    if (!ops_linked_unseal(app, a, rv.profile_id, rv.platform, rv.access, rv.access_len, rv.refresh,
                           rv.refresh_len, &tok)) {
        t->rc = NET_BAD;
        snprintf(t->error, sizeof(t->error), "the sealed tokens no longer open (master key gone)");
        goto out;
    }
    struct net n;
    if (!ops_linked_net(app, a, rv.account_id, idx, &n)) {
        t->rc = NET_DENIED;
        snprintf(t->error, sizeof(t->error), "the network is no longer configured");
        goto out;
    }
    t->rc = platform_revoke(p, &n, &tok);
    if (t->rc == NET_AUTH) {
        /* The token was dead already: nothing left to revoke. */
        t->rc = NET_OK;
    } else if (t->rc != NET_OK) {
        snprintf(t->error, sizeof(t->error), "%s", n.error ? n.error : net_rc_name(t->rc));
    }
out:
    arena_free(a);
    runner_finish(t->runner, t->job_id, record, t);
}

static void start(void *ctx, struct runner *r, const struct job *job)
{
    struct app *app = ctx;
    struct revoke_task *t = mem_calloc(1, sizeof(*t));
    t->app = app;
    t->runner = r;
    t->job_id = job->id;
    t->revocation_id = job->ref;
    t->attempt = job->attempts;
    snprintf(t->platform, sizeof(t->platform), "?");
    if (!offload_run(app->upkeep_offload, run, t)) {
        t->shutdown = true; /* run again first thing after the restart */
        runner_finish(r, t->job_id, record, t);
    }
}

struct runner_kind revoke_job_kind(struct app *app)
{
    return (struct runner_kind){.name = "revoke", .start = start, .ctx = app};
}
