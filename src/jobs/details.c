/*
 * details: the in-memory details refresh (see details.h).
 *
 * One mutex guards the queue (a binary min-heap on details_updated_ms, so
 * the stalest profile goes first), the set of profiles known to it, the
 * per-network budgets and the finished results. The thread holds it only
 * to pick and to swap lists: network calls run on the upkeep workers, the
 * write runs on the thread with the lock released.
 */
#include "jobs/details.h"
#include "jobs/upkeep.h"
#include "core/log.h"
#include "core/offload.h"
#include "ops/linked.h"
#include "ops/ops.h"
#include "platforms/platform.h"
#include "store/linked.h"
#include "store/store.h"
#include "util/i64map.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_MS         1000  /* at most one write transaction per this */
#define IDLE_WAIT_MS     60000 /* nothing to do: look again after this */
#define EXPIRY_MARGIN_MS 60000 /* skip tokens this close to expiring */

enum known_state { K_WAITING = 1, K_WRITTEN = 2 };

struct item {
    int64_t since; /* details_updated_ms: the heap's order */
    int64_t id;
    unsigned mask; /* the networks linked (bit = platform index) */
};

/* One profile's read, from the queue to the write. */
struct task {
    struct details *d;
    int64_t profile_id;
    struct arena *a;
    bool failed; /* the store could not be read: nothing to write */
    size_t n;
    struct linked_account found[PLATFORM_COUNT]; /* id 0: nothing read */
    int64_t refresh_now[PLATFORM_COUNT];         /* linked ids whose token was refused */
    size_t nrefresh;
    struct task *next;
};

struct details {
    struct app *app;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct item *heap;
    size_t n, cap;
    struct i64map known; /* profile id -> enum known_state (one byte) */
    double rate;
    double tokens[PLATFORM_COUNT];
    int64_t filled_ms[PLATFORM_COUNT];
    unsigned running;
    struct task *done;
    int64_t flushed_ms;
    _Atomic size_t waiting; /* n, read without the lock by details_next_ms */
    _Atomic uint64_t queued, dropped, refreshed;
};

/* ---- the heap ---- */

static bool before(const struct item *a, const struct item *b)
{
    return a->since < b->since || (a->since == b->since && a->id < b->id);
}

static void heap_push(struct details *d, struct item it)
{
    size_t i = d->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&it, &d->heap[parent]))
            break;
        d->heap[i] = d->heap[parent];
        i = parent;
    }
    d->heap[i] = it;
}

static struct item heap_pop(struct details *d)
{
    struct item top = d->heap[0];
    struct item last = d->heap[--d->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->n)
            break;
        if (c + 1 < d->n && before(&d->heap[c + 1], &d->heap[c]))
            c++;
        if (!before(&d->heap[c], &last))
            break;
        d->heap[i] = d->heap[c];
        i = c;
    }
    if (d->n)
        d->heap[i] = last;
    return top;
}

/* ---- budgets ---- */

/* 0 when every network in mask may take a call now, else the ms until the
 * last of them may. Refills the buckets (at most one second's worth). */
static int64_t budget_wait(struct details *d, unsigned mask, int64_t now)
{
    double need = 0;
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        if (!(mask & 1u << i))
            continue;
        double t = d->tokens[i] + (double)(now - d->filled_ms[i]) / 1000.0 * d->rate;
        d->tokens[i] = t > d->rate ? d->rate : t;
        d->filled_ms[i] = now;
        if (d->tokens[i] < 1.0 && 1.0 - d->tokens[i] > need)
            need = 1.0 - d->tokens[i];
    }
    return need > 0 ? (int64_t)(need / d->rate * 1000.0) + 1 : 0;
}

static void budget_take(struct details *d, unsigned mask)
{
    for (int i = 0; i < PLATFORM_COUNT; i++)
        if (mask & 1u << i)
            d->tokens[i] -= 1.0;
}

/* ---- one profile's read (on an upkeep worker) ---- */

/* The identity among ids that is linked account ls. */
static const struct identity *match(const struct linked_state *ls, const struct identity *ids,
                                    size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ls->network_id && ids[i].disp.network_id &&
            !strcmp(ls->network_id, ids[i].disp.network_id))
            return &ids[i];
    /* Networks whose accounts carry no id (Reddit): the only one there is. */
    return !ls->network_id && n == 1 ? &ids[0] : NULL;
}

static void read_one(struct task *t, const struct linked_state *s, size_t i, int64_t now)
{
    struct app *app = t->d->app;
    const struct platform *p = platform_get(s->platform);
    int idx = platform_index(s->platform);
    /* Dead, expired (the refresher's business) or paused: skip. */
    if (!p || idx < 0 || !s->access || strcmp(s->status, "ok") ||
        (s->access_expires_ms && s->access_expires_ms < now + EXPIRY_MARGIN_MS) ||
        upkeep_paused(app->upkeep, idx, now))
        return;
    struct tokens tok;
    struct net net;
    if (!ops_linked_unseal(app, t->a, s->profile_id, s->platform, s->access, s->access_len,
                           s->refresh, s->refresh_len, &tok) ||
        !ops_linked_net(app, t->a, s->account_id, idx, &net))
        return;
    net.timeout_ms = 2 * app->cfg->network_timeout_ms;
    struct identity *ids = NULL;
    size_t nid = 0;
    enum net_rc rc = p->identities(&net, &tok, &ids, &nid);
    if (rc == NET_AUTH && platform_can_refresh(p) && s->refresh) {
        t->refresh_now[t->nrefresh++] = s->id;
        return;
    }
    if (rc != NET_OK) {
        upkeep_pause_on_429(app->upkeep, idx, &net, now);
        struct logline l;
        log_begin(&l, LOG_WARN, "cannot read linked account details");
        jw_kstr(&l.w, "platform", s->platform);
        jw_kint(&l.w, "linked", s->id);
        jw_kstr(&l.w, "outcome", net_rc_name(rc));
        jw_kstr(&l.w, "error", net.error ? net.error : "");
        log_end(&l);
        return;
    }
    const struct identity *id = match(s, ids, nid);
    if (!id)
        return;
    ops_linked_from_identity(&t->found[i], id);
    t->found[i].id = s->id;
    t->found[i].profile_id = s->profile_id;
    t->found[i].platform = s->platform;
}

static void finish(struct task *t)
{
    struct details *d = t->d;
    pthread_mutex_lock(&d->mu);
    t->next = d->done;
    d->done = t;
    d->running--;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void task_run(void *arg)
{
    struct task *t = arg;
    struct app *app = t->d->app;
    int64_t now = time_now_ms();
    struct linked_state *ls = NULL;
    size_t n = 0;
    if (store_linked_states(app->store, t->a, t->profile_id, &ls, &n) != STORE_OK) {
        t->failed = true;
    } else {
        for (size_t i = 0; i < n && i < PLATFORM_COUNT; i++) {
            t->n = i + 1;
            read_one(t, &ls[i], i, now);
        }
    }
    finish(t);
}

/* ---- the write ---- */

/* Writes the results in list, in one transaction; every profile in it is
 * then forgotten by the queue, written or not (a read queues it again). */
static void flush(struct details *d, struct task *list)
{
    struct app *app = d->app;
    size_t n = 0;
    for (struct task *t = list; t; t = t->next)
        n += !t->failed;
    struct ops_details *res = mem_calloc(n ? n : 1, sizeof(*res));
    size_t i = 0;
    for (struct task *t = list; t; t = t->next) {
        if (t->failed)
            continue;
        res[i].profile_id = t->profile_id;
        res[i].found = t->found;
        res[i].n = t->n;
        res[i].refresh_now = t->refresh_now;
        res[i].nrefresh = t->nrefresh;
        i++;
    }
    enum store_rc rc = n ? ops_details_saved(app, res, n, time_now_ms()) : STORE_OK;
    if (rc != STORE_OK)
        log_error("cannot record the details refresh of %zu profiles; the next reads queue them "
                  "again",
                  n);
    for (i = 0; rc == STORE_OK && i < n; i++) {
        if (!res[i].changed)
            continue;
        struct logline l;
        log_begin(&l, LOG_INFO, "linked account details changed at the network");
        jw_kint(&l.w, "profile", res[i].profile_id);
        jw_kint(&l.w, "accounts", (int64_t)res[i].changed);
        log_end(&l);
    }
    if (rc == STORE_OK)
        atomic_fetch_add(&d->refreshed, n);
    free(res);
    pthread_mutex_lock(&d->mu);
    for (struct task *t = list; t; t = t->next) {
        unsigned char *k = i64map_get(&d->known, (uint64_t)t->profile_id, false);
        if (k)
            *k = K_WRITTEN;
    }
    pthread_mutex_unlock(&d->mu);
    while (list) {
        struct task *next = list->next;
        arena_free(list->a);
        free(list);
        list = next;
    }
}

static bool keep_waiting(uint64_t key, void *val, void *arg)
{
    (void)key;
    (void)arg;
    return *(unsigned char *)val != K_WRITTEN;
}

/* ---- the thread ---- */

static void start_one(struct details *d, struct item it)
{
    struct task *t = mem_calloc(1, sizeof(*t));
    t->d = d;
    t->profile_id = it.id;
    t->a = arena_new();
    if (!offload_run(d->app->upkeep_offload, task_run, t)) {
        t->failed = true; /* stopping: forgotten, as a crash would */
        finish(t);
    }
}

static void *loop(void *arg)
{
    struct details *d = arg;
    unsigned workers = (unsigned)d->app->cfg->upkeep_workers;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        int64_t now = time_now_ms();
        if (d->done && (d->stop || now - d->flushed_ms >= FLUSH_MS)) {
            struct task *list = d->done;
            d->done = NULL;
            d->flushed_ms = now;
            pthread_mutex_unlock(&d->mu);
            flush(d, list);
            pthread_mutex_lock(&d->mu);
            i64map_filter(&d->known, keep_waiting, NULL);
            continue;
        }
        if (d->stop && !d->running)
            break;
        int64_t wake = d->done ? d->flushed_ms + FLUSH_MS : now + IDLE_WAIT_MS;
        if (!d->stop && d->n && d->running < workers) {
            int64_t wait = budget_wait(d, d->heap[0].mask, now);
            if (wait == 0) {
                budget_take(d, d->heap[0].mask);
                struct item it = heap_pop(d);
                atomic_store(&d->waiting, d->n);
                d->running++;
                pthread_mutex_unlock(&d->mu);
                start_one(d, it);
                pthread_mutex_lock(&d->mu);
                continue;
            }
            if (now + wait < wake)
                wake = now + wait;
        }
        struct timespec ts = {.tv_sec = wake / 1000, .tv_nsec = (wake % 1000) * 1000000L};
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

struct details *details_new(struct app *app)
{
    struct details *d = mem_calloc(1, sizeof(*d));
    d->app = app;
    pthread_mutex_init(&d->mu, NULL);
    /* The waits are wall-clock deadlines (time_now_ms). */
    pthread_cond_init(&d->cv, NULL);
    d->cap = (size_t)app->cfg->details_queue;
    d->heap = mem_calloc(d->cap, sizeof(*d->heap));
    i64map_init(&d->known, 1);
    d->rate = (double)app->cfg->details_rate;
    int64_t now = time_now_ms();
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        d->tokens[i] = d->rate;
        d->filled_ms[i] = now;
    }
    d->started = pthread_create(&d->thread, NULL, loop, d) == 0;
    if (!d->started)
        log_error("cannot start the details refresh thread: details are not refreshed");
    return d;
}

void details_stop(struct details *d)
{
    if (!d || !d->started)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    d->started = false;
}

void details_free(struct details *d)
{
    if (!d)
        return;
    details_stop(d);
    /* Results that came after the thread ended (none once stopped). */
    struct task *t = d->done;
    while (t) {
        struct task *next = t->next;
        arena_free(t->a);
        free(t);
        t = next;
    }
    i64map_free(&d->known);
    free(d->heap);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* When p's details are due again, read or not: nextUpdate before the queue
 * moves it. */
static int64_t due_ms(const struct details *d, const struct profile *p)
{
    return p->details_updated_ms + d->app->cfg->details_ttl_s * 1000;
}

void details_read(struct details *d, const struct profile *p, int64_t now_ms)
{
    if (!p->linked_mask || now_ms < due_ms(d, p))
        return;
    pthread_mutex_lock(&d->mu);
    bool ok = false;
    if (d->started && !d->stop) {
        unsigned char *k = i64map_get(&d->known, (uint64_t)p->id, false);
        if (k) {
            ok = true; /* already waiting, running or being written */
        } else if (d->n < d->cap) {
            *(unsigned char *)i64map_get(&d->known, (uint64_t)p->id, true) = K_WAITING;
            heap_push(d, (struct item){p->details_updated_ms, p->id, p->linked_mask});
            atomic_store(&d->waiting, d->n);
            atomic_fetch_add(&d->queued, 1);
            pthread_cond_signal(&d->cv);
            ok = true;
        }
    }
    pthread_mutex_unlock(&d->mu);
    if (!ok)
        atomic_fetch_add(&d->dropped, 1);
}

int64_t details_next_ms(struct details *d, const struct profile *p, int64_t now_ms)
{
    int64_t due = due_ms(d, p);
    if (due > now_ms || !p->linked_mask)
        return due;
    /* Stale: the queue ahead goes at about rate profiles a second. */
    size_t ahead = atomic_load(&d->waiting);
    return now_ms + (int64_t)((double)ahead * 1000.0 / d->rate);
}

void details_get_stats(struct details *d, struct details_stats *out)
{
    out->queued = atomic_load(&d->queued);
    out->dropped = atomic_load(&d->dropped);
    out->refreshed = atomic_load(&d->refreshed);
    out->waiting = atomic_load(&d->waiting);
}
