/*
 * upkeep: the refresher, LinkedIn's reminder and the details refresh (see
 * upkeep.h).
 */
#include "jobs/upkeep.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/crypto.h"
#include "ops/ops.h"
#include "ops/schedule.h"
#include "ops/linked.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAUSE_DEFAULT_MS 60000 /* a 429 without Retry-After */
#define STORE_RETRY_MS   30000 /* the store failed: try again soon */

struct upkeep {
    pthread_mutex_t mu;
    int64_t paused_until[PLATFORM_COUNT]; /* a 429: no refresh before */
    double tokens[PLATFORM_COUNT];        /* pacing: refreshes that may start now */
    int64_t filled_ms[PLATFORM_COUNT];
    double rate;
};

struct upkeep *upkeep_new(const struct config *cfg)
{
    struct upkeep *u = mem_calloc(1, sizeof(*u));
    pthread_mutex_init(&u->mu, NULL);
    u->rate = (double)cfg->refresh_rate;
    for (int i = 0; i < PLATFORM_COUNT; i++)
        u->tokens[i] = u->rate;
    return u;
}

void upkeep_free(struct upkeep *u)
{
    if (!u)
        return;
    pthread_mutex_destroy(&u->mu);
    free(u);
}

/* A random share (0..1) of span, in ms. */
static int64_t jitter(int64_t span)
{
    if (span <= 0)
        return 0;
    return (int64_t)(crypto_random_u64() % (uint64_t)span);
}

/* May a refresh on network idx start now? Otherwise *wait_ms says when. */
static bool pace(struct upkeep *u, int idx, int64_t now, int64_t *wait_ms)
{
    pthread_mutex_lock(&u->mu);
    bool ok = false;
    if (u->paused_until[idx] > now) {
        *wait_ms = u->paused_until[idx] - now + jitter(1000);
    } else {
        double add = (double)(now - u->filled_ms[idx]) / 1000.0 * u->rate;
        u->filled_ms[idx] = now;
        u->tokens[idx] = u->tokens[idx] + add > u->rate ? u->rate : u->tokens[idx] + add;
        if (u->tokens[idx] >= 1.0) {
            u->tokens[idx] -= 1.0;
            ok = true;
        } else {
            *wait_ms = (int64_t)((1.0 - u->tokens[idx]) / u->rate * 1000.0) + 1 + jitter(250);
        }
    }
    pthread_mutex_unlock(&u->mu);
    return ok;
}

/* A 429 from network idx (n's last answer) pauses its upkeep calls for
 * the network's Retry-After, or a minute without one. */
void upkeep_pause_on_429(struct upkeep *u, int idx, const struct net *n, int64_t now)
{
    if (n->http_status != 429)
        return;
    int64_t until = now + (n->retry_after_ms > 0 ? n->retry_after_ms : PAUSE_DEFAULT_MS);
    pthread_mutex_lock(&u->mu);
    if (until > u->paused_until[idx])
        u->paused_until[idx] = until;
    pthread_mutex_unlock(&u->mu);
}

bool upkeep_paused(struct upkeep *u, int idx, int64_t now)
{
    pthread_mutex_lock(&u->mu);
    bool p = u->paused_until[idx] > now;
    pthread_mutex_unlock(&u->mu);
    return p;
}

/* ---- scheduling ---- */

/* ---- refresh ---- */

enum outcome {
    O_DONE,       /* nothing (more) to do: the job ends */
    O_LATER,      /* not due, or paced: run again at t->at */
    O_REFRESHED,  /* new tokens to store */
    O_FAILING,    /* a passing failure: retry with backoff */
    O_GONE,       /* the grant is gone: relink_required + webhook */
    O_STORE_FAIL, /* the store could not be read */
};

struct refresh_task {
    struct app *app;
    struct runner *runner;
    int64_t job_id;
    int64_t linked_id;
    struct arena *a;
    struct linked_state ls;
    enum outcome outcome;
    int64_t at;             /* O_LATER */
    int64_t retry_after_ms; /* O_FAILING: the network's wish */
    struct linked_secret sec;
    char error[240];
    const char *rc_name;
};

static void refresh_log(const struct refresh_task *t, enum log_level lvl, const char *msg)
{
    struct logline l;
    log_begin(&l, lvl, msg);
    jw_kstr(&l.w, "platform", t->ls.platform ? t->ls.platform : "?");
    jw_kint(&l.w, "linked", t->linked_id);
    jw_kint(&l.w, "profile", t->ls.profile_id);
    if (t->rc_name)
        jw_kstr(&l.w, "outcome", t->rc_name);
    if (t->error[0])
        jw_kstr(&l.w, "error", t->error);
    log_end(&l);
}

static int64_t backoff(const struct config *cfg, int64_t failures)
{
    size_t i = failures > 0 ? (size_t)(failures - 1) : 0;
    if (i >= cfg->refresh_nretries)
        i = cfg->refresh_nretries - 1;
    int64_t d = cfg->refresh_retry_ms[i];
    /* ±20 %: accounts failing together do not retry together. */
    return d - d / 5 + jitter(d / 5 * 2 + 1);
}

static void refresh_record(void *arg)
{
    struct refresh_task *t = arg;
    struct app *app = t->app;
    struct store *st = app->store;
    int64_t now = time_now_ms();
    enum store_rc rc = STORE_OK;
    switch (t->outcome) {
    case O_DONE:
        rc = store_job_delete(st, t->job_id);
        break;
    case O_LATER:
        rc = store_job_reschedule(st, t->job_id, t->at);
        break;
    case O_STORE_FAIL:
        rc = store_job_reschedule(st, t->job_id, now + STORE_RETRY_MS);
        break;
    case O_REFRESHED:
        rc = ops_refresh_saved(app, t->job_id, t->linked_id, t->ls.token_version, &t->sec, now);
        if (rc == STORE_CONFLICT) {
            refresh_log(t, LOG_INFO, "token refresh superseded by a new link");
            rc = STORE_OK;
        } else if (rc == STORE_OK) {
            refresh_log(t, LOG_INFO, "token refreshed");
        }
        break;
    case O_FAILING: {
        int64_t failures = t->ls.failures + 1;
        int64_t delay = backoff(app->cfg, failures);
        if (t->retry_after_ms > delay)
            delay = t->retry_after_ms;
        rc = ops_refresh_failing(app, t->job_id, t->linked_id, t->ls.token_version, t->error,
                                 failures, now + delay, now);
        if (rc == STORE_CONFLICT)
            rc = STORE_OK;
        refresh_log(t, LOG_WARN, "token refresh failed; will retry");
        break;
    }
    case O_GONE:
        rc = ops_relink_required(app, t->a, &t->ls, t->error, t->job_id, now);
        if (rc == STORE_CONFLICT)
            rc = store_job_reschedule(st, t->job_id, now);
        refresh_log(t, LOG_WARN, "grant gone: the account must be linked again");
        break;
    }
    if (rc != STORE_OK)
        log_error("cannot record the refresh of linked account %lld; it will run again",
                  (long long)t->linked_id);
    arena_free(t->a);
    free(t);
}

/* On an upkeep worker: decide, and call the network when due. */
static void refresh_run(void *arg)
{
    struct refresh_task *t = arg;
    struct app *app = t->app;
    struct linked_state *ls = &t->ls;
    int64_t now = time_now_ms();
    enum store_rc src = store_linked_state(app->store, t->a, t->linked_id, ls);
    if (src != STORE_OK) {
        t->outcome = src == STORE_NOTFOUND ? O_DONE : O_STORE_FAIL;
        goto out;
    }
    const struct platform *p = platform_get(ls->platform);
    int idx = platform_index(ls->platform);
    if (!p || idx < 0 || !ls->access || !strcmp(ls->status, "relink_required") ||
        !ls->access_expires_ms) {
        t->outcome = O_DONE; /* nothing that expires, or nothing to keep alive */
        goto out;
    }
    bool can = platform_can_refresh(p) && ls->refresh;
    int64_t issued = ls->last_refresh_ms > ls->linked_ms ? ls->last_refresh_ms : ls->linked_ms;
    if (!can) {
        if (now < ls->access_expires_ms) {
            t->outcome = O_LATER;
            t->at = ls->access_expires_ms;
        } else {
            t->outcome = O_GONE;
            snprintf(t->error, sizeof(t->error),
                     platform_can_refresh(p)
                         ? "the access token expired and %s issued no refresh token to renew it"
                         : "the access token expired and %s offers no way to renew it",
                     p->label);
        }
        goto out;
    }
    int64_t due = ops_refresh_at(issued, ls->access_expires_ms);
    if (!strcmp(ls->status, "ok") && due > now + 1000) {
        t->outcome = O_LATER; /* moved, or run early: wait for 80 % */
        t->at = due;
        goto out;
    }
    int64_t wait = 0;
    if (!pace(app->upkeep, idx, now, &wait)) {
        t->outcome = O_LATER;
        t->at = now + wait;
        goto out;
    }
    struct tokens tok;
    if (!ops_linked_unseal(app, t->a, ls->profile_id, ls->platform, ls->access, ls->access_len,
                           ls->refresh, ls->refresh_len, &tok)) {
        t->outcome = O_GONE;
        snprintf(t->error, sizeof(t->error),
                 "its stored tokens no longer open (the master key that sealed them is gone)");
        goto out;
    }
    struct net n;
    if (!ops_linked_net(app, t->a, ls->account_id, idx, &n)) {
        t->outcome = O_FAILING;
        snprintf(t->error, sizeof(t->error), "%s is not configured on this server", p->label);
        goto out;
    }
    n.timeout_ms = 2 * app->cfg->network_timeout_ms; /* nobody waits on it */
    struct tokens out;
    enum net_rc rc = platform_refresh(p, &n, &tok, &out);
    t->rc_name = net_rc_name(rc);
    if (rc == NET_OK) {
        /* The newest refresh token, or the one we have when none came. */
        const char *refresh = out.refresh ? out.refresh : tok.refresh;
        t->sec.access_expires_ms = out.access_expires_ms;
        t->sec.refresh_expires_ms = out.refresh              ? out.refresh_expires_ms
                                    : out.refresh_expires_ms ? out.refresh_expires_ms
                                                             : ls->refresh_expires_ms;
        t->sec.scopes = out.scopes;
        if (!ops_linked_seal(app->vault, t->a, ls->profile_id, ls->platform, out.access, refresh,
                             &t->sec)) {
            t->outcome = O_FAILING;
            snprintf(t->error, sizeof(t->error), "cannot seal the new tokens");
            goto out;
        }
        t->outcome = O_REFRESHED;
    } else if (rc == NET_AUTH) {
        t->outcome = O_GONE;
        snprintf(t->error, sizeof(t->error), "%s", n.error ? n.error : "the grant is gone");
    } else {
        t->outcome = O_FAILING;
        snprintf(t->error, sizeof(t->error), "%s", n.error ? n.error : net_rc_name(rc));
        t->retry_after_ms = n.retry_after_ms;
        upkeep_pause_on_429(app->upkeep, idx, &n, now);
    }
out:
    runner_finish(t->runner, t->job_id, refresh_record, t);
}

static void refresh_start(void *ctx, struct runner *r, const struct job *job)
{
    struct app *app = ctx;
    struct refresh_task *t = mem_calloc(1, sizeof(*t));
    t->app = app;
    t->runner = r;
    t->job_id = job->id;
    t->linked_id = job->ref;
    t->a = arena_new();
    if (!offload_run(app->upkeep_offload, refresh_run, t)) {
        t->outcome = O_LATER; /* stopping: first thing after the restart */
        t->at = time_now_ms();
        runner_finish(r, t->job_id, refresh_record, t);
    }
}

struct runner_kind upkeep_refresh_kind(struct app *app)
{
    return (struct runner_kind){.name = "refresh", .start = refresh_start, .ctx = app};
}

/* ---- LinkedIn's reminder (no network call: all on the runner thread) ---- */

struct remind_task {
    struct app *app;
    int64_t job_id;
    int64_t linked_id;
};

static void remind_record(void *arg)
{
    struct remind_task *t = arg;
    struct app *app = t->app;
    struct store *st = app->store;
    struct arena *a = arena_new();
    int64_t now = time_now_ms();
    struct linked_state ls;
    enum store_rc rc = store_linked_state(st, a, t->linked_id, &ls);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && (strcmp(ls.platform, "linkedin") ||
                                                    !strcmp(ls.status, "relink_required")))) {
        rc = store_job_delete(st, t->job_id);
        goto out;
    }
    if (rc != STORE_OK)
        goto out;
    int64_t at = ops_remind_at(ls.linked_ms, ls.refresh_expires_ms);
    if (at > now + 1000) {
        rc = store_job_reschedule(st, t->job_id, at); /* re-linked since */
        goto out;
    }
    char when[32], details[300];
    int64_t deadline = at + OPS_REMIND_BEFORE_MS;
    time_iso_ms(deadline, when, sizeof(when));
    int64_t days = deadline > now ? (deadline - now + MS_PER_DAY - 1) / MS_PER_DAY : 0;
    snprintf(details, sizeof(details),
             "LinkedIn requires the account to be linked again by %s (%lld days left); link it "
             "again before then to keep using it.",
             when, (long long)days);
    rc = ops_remind_sent(app, a, &ls, details, t->job_id, now);
    if (rc == STORE_OK) {
        struct logline l;
        log_begin(&l, LOG_INFO, "LinkedIn re-link reminder sent");
        jw_kint(&l.w, "linked", t->linked_id);
        jw_kint(&l.w, "profile", ls.profile_id);
        jw_kstr(&l.w, "deadline", when);
        log_end(&l);
    }
out:
    if (rc != STORE_OK) {
        store_job_reschedule(st, t->job_id, now + STORE_RETRY_MS);
        log_error("cannot send the LinkedIn reminder of linked account %lld; retrying",
                  (long long)t->linked_id);
    }
    arena_free(a);
    free(t);
}

static void remind_start(void *ctx, struct runner *r, const struct job *job)
{
    struct remind_task *t = mem_calloc(1, sizeof(*t));
    t->app = ctx;
    t->job_id = job->id;
    t->linked_id = job->ref;
    runner_finish(r, t->job_id, remind_record, t);
}

struct runner_kind upkeep_remind_kind(struct app *app)
{
    return (struct runner_kind){.name = "remind", .start = remind_start, .ctx = app};
}
