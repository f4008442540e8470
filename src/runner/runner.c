/*
 * runner: durable job runner (guarantees in runner.h).
 */
#include "runner/runner.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "store/jobs.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct finished {
    struct finished *next;
    const struct runner_kind *kind;
    void (*record)(void *arg);
    void *arg;
};

/* A job started and not yet finished, with its kind. */
struct held {
    int64_t id;
    const struct runner_kind *kind;
};

struct runner {
    struct store *st;
    struct runner_kind *kinds;
    size_t nkinds;
    struct runner_config cfg;
    char owner[64];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool woken;
    bool stopping;
    struct finished *done_head, *done_tail;
    size_t inflight; /* under mu */
    /* Under mu: the ids of the jobs started and not yet finished, at most
     * cfg.concurrency, so runner_finish can tell a job it holds from one
     * it does not (runner.h: exactly once). A job leased again after its
     * lease expired, while its first run still goes on, is here twice. */
    struct held *held;
    size_t nheld;
};

static void wait_until(struct runner *r, int64_t deadline_mono)
{
    pthread_mutex_lock(&r->mu);
    while (!r->woken && !r->stopping && !r->done_head && time_mono_ms() < deadline_mono) {
        int64_t left = deadline_mono - time_mono_ms();
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + left % 1000 * 1000000;
        ts.tv_sec += left / 1000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    r->woken = false;
    pthread_mutex_unlock(&r->mu);
}

/* Records finished jobs, all of one drain in one transaction (a commit per
 * result capped delivery at ~5k/s), kind by kind (a kind with record_many
 * gets its results in one call); returns how many. If the batch cannot
 * commit, its jobs stay leased and run again after their lease: at least
 * once, never lost. */
static size_t drain(struct runner *r)
{
    pthread_mutex_lock(&r->mu);
    struct finished *head = r->done_head;
    r->done_head = r->done_tail = NULL;
    pthread_mutex_unlock(&r->mu);
    if (!head)
        return 0;
    size_t n = 0;
    for (struct finished *f = head; f; f = f->next)
        n++;
    void **args = mem_malloc(n * sizeof(*args));
    /* An allowed exception to "a change opens its own transaction"
     * (STYLE.md rule 15): the drain batches the recording of results, and
     * the ops_* changes the records make (ops/ops.h) join this transaction
     * (store.h: nested begin/commit); a failing one rolls the batch back and
     * its jobs run again after their lease. */
    bool tx = store_begin(r->st) == STORE_OK;
    /* A finish of a job not held (the assertion's case, in a build
     * without assertions) still records. */
    for (struct finished *f = head; f; f = f->next)
        if (!f->kind && f->record)
            f->record(f->arg);
    for (size_t k = 0; k < r->nkinds; k++) {
        const struct runner_kind *kind = &r->kinds[k];
        size_t m = 0;
        for (struct finished *f = head; f; f = f->next) {
            if (f->kind != kind)
                continue;
            if (kind->record_many)
                args[m++] = f->arg;
            else
                f->record(f->arg);
        }
        if (m)
            kind->record_many(kind->ctx, args, m);
    }
    while (head) {
        struct finished *next = head->next;
        free(head);
        head = next;
    }
    free(args);
    if (tx && store_commit(r->st) != STORE_OK)
        log_warn("could not record %zu job results; they will run again", n);
    pthread_mutex_lock(&r->mu);
    r->inflight -= n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static const struct runner_kind *kind_of(struct runner *r, const char *name)
{
    for (size_t i = 0; i < r->nkinds; i++)
        if (!strcmp(r->kinds[i].name, name))
            return &r->kinds[i];
    return NULL;
}

/* Starts the n jobs of kind k that one lease took. */
static void start_kind(struct runner *r, const struct runner_kind *k, const struct job *jobs,
                       size_t n)
{
    if (k->start_many) {
        k->start_many(k->ctx, r, jobs, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        k->start(k->ctx, r, &jobs[i]);
}

/* Leases and starts what fits; returns how many were leased. */
static size_t lease(struct runner *r)
{
    pthread_mutex_lock(&r->mu);
    size_t room = r->inflight < r->cfg.concurrency ? r->cfg.concurrency - r->inflight : 0;
    pthread_mutex_unlock(&r->mu);
    if (!room)
        return 0;
    struct arena *a = arena_new();
    struct job *jobs = NULL;
    size_t n = 0;
    enum store_rc rc = store_job_lease(r->st, a, r->cfg.lane, r->owner, time_now_ms(),
                                       r->cfg.lease_ms, room, &jobs, &n);
    if (rc == STORE_ERROR)
        log_warn("job lease failed; retrying");
    /* Every job counts as held before any starts: a start may finish its
     * job at once. */
    const struct runner_kind **kinds = arena_alloc(a, (n ? n : 1) * sizeof(*kinds));
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        kinds[i] = kind_of(r, jobs[i].kind);
        if (!kinds[i])
            continue;
        r->inflight++;
        assert(r->nheld < r->cfg.concurrency);
        r->held[r->nheld++] = (struct held){jobs[i].id, kinds[i]};
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < n; i++)
        if (!kinds[i]) {
            /* A kind this build does not know (a newer version queued it):
             * leave it leased; it expires for a process that knows it. */
            log_warn("job %lld has unknown kind %s", (long long)jobs[i].id, jobs[i].kind);
        }
    /* Each kind's jobs together, in the order they were leased. */
    struct job *same = arena_alloc(a, (n ? n : 1) * sizeof(*same));
    for (size_t k = 0; k < r->nkinds; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (kinds[i] == &r->kinds[k])
                same[m++] = jobs[i];
        if (m)
            start_kind(r, &r->kinds[k], same, m);
    }
    arena_free(a);
    return n;
}

static void *run(void *arg)
{
    struct runner *r = arg;
    for (;;) {
        drain(r);
        pthread_mutex_lock(&r->mu);
        bool stopping = r->stopping;
        pthread_mutex_unlock(&r->mu);
        if (stopping)
            break;
        if (lease(r) > 0)
            continue;
        pthread_mutex_lock(&r->mu);
        bool full = r->inflight >= r->cfg.concurrency;
        pthread_mutex_unlock(&r->mu);
        /* Full: a finishing job wakes us; no need to ask when the next is
         * due. */
        int64_t wait = r->cfg.poll_ms, next = INT64_MAX, now = time_now_ms();
        if (!full)
            store_job_next(r->st, r->cfg.lane, &next);
        if (next != INT64_MAX && next - now < wait)
            wait = next - now > 0 ? next - now : 0;
        if (wait > 0)
            wait_until(r, time_mono_ms() + wait);
    }
    return NULL;
}

struct runner *runner_new(struct store *st, const struct runner_kind *kinds, size_t nkinds,
                          const struct runner_config *cfg)
{
    struct runner *r = mem_calloc(1, sizeof(*r));
    r->st = st;
    r->kinds = mem_calloc(nkinds, sizeof(*kinds));
    memcpy(r->kinds, kinds, nkinds * sizeof(*kinds));
    r->nkinds = nkinds;
    r->cfg = *cfg;
    if (!r->cfg.concurrency)
        r->cfg.concurrency = 64;
    r->held = mem_calloc(r->cfg.concurrency, sizeof(*r->held));
    char host[32] = "host";
    gethostname(host, sizeof(host) - 1);
    snprintf(r->owner, sizeof(r->owner), "%.31s-%d-%08llx", host, (int)getpid(),
             (unsigned long long)(crypto_random_u64() & 0xffffffffULL));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0)
        abort();
    return r;
}

void runner_wake(struct runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->woken = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Takes job_id off the jobs held; its kind, NULL when it was not held.
 * Under mu. */
static const struct runner_kind *release_held(struct runner *r, int64_t job_id)
{
    for (size_t i = 0; i < r->nheld; i++)
        if (r->held[i].id == job_id) {
            const struct runner_kind *k = r->held[i].kind;
            r->held[i] = r->held[--r->nheld];
            return k;
        }
    return NULL;
}

void runner_finish(struct runner *r, int64_t job_id, void (*record)(void *arg), void *arg)
{
    struct finished *f = mem_calloc(1, sizeof(*f));
    f->record = record;
    f->arg = arg;
    pthread_mutex_lock(&r->mu);
    f->kind = release_held(r, job_id);
    assert(f->kind && "runner_finish: a job not in flight (never leased, or finished twice)");
    if (r->done_tail)
        r->done_tail->next = f;
    else
        r->done_head = f;
    r->done_tail = f;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

bool runner_keep(struct runner *r, int64_t job_id)
{
    /* Any thread: a store connection of its own. */
    return store_job_extend(r->st, job_id, r->owner, time_now_ms() + r->cfg.lease_ms) !=
           STORE_NOTFOUND;
}

bool runner_stopping(struct runner *r)
{
    pthread_mutex_lock(&r->mu);
    bool stopping = r->stopping;
    pthread_mutex_unlock(&r->mu);
    return stopping;
}

int64_t runner_lease_ms(const struct runner *r)
{
    return r->cfg.lease_ms;
}

size_t runner_inflight(struct runner *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->inflight;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void runner_stop(struct runner *r, int64_t grace_ms)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    /* Jobs in flight finish on their own threads; record what arrives in
     * the grace period, here. The rest rerun after their lease expires. */
    int64_t deadline = time_mono_ms() + grace_ms;
    while (runner_inflight(r) > 0 && time_mono_ms() < deadline) {
        if (drain(r) == 0) {
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

void runner_free(struct runner *r)
{
    if (!r)
        return;
    drain(r);
    if (runner_inflight(r) > 0)
        log_warn("%zu jobs still in flight at shutdown; they will run again after their lease",
                 runner_inflight(r));
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->held);
    free(r->kinds);
    free(r);
}
