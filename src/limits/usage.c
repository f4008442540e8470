/*
 * usage: sharded in-memory counters with a periodic flusher (see usage.h).
 *
 * Guarantees: every counted call reaches the store exactly once unless the
 * process dies first (then at most one and a half flush intervals are lost:
 * the interval, and the paced pass that writes it); a failed
 * flush keeps the counts and retries next interval. A stored total read
 * from the store is used only if no flush touched the counter while it was
 * being read, so a call is never counted twice in a total.
 */
#include "limits/usage.h"
#include "limits/ratelimit.h"
#include "core/log.h"
#include "store/store.h"
#include "store/usage.h"
#include "util/i64map.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS      32
#define REFRESH_MS  5000  /* re-read a stored total at most this often... */
#define IDLE_MS     60000 /* forget counters untouched this long */
#define REREAD_MAX  65536 /* stale totals queued for the background re-read */
#define REREAD_MS   50    /* how often the re-reader looks at its queue */
#define FLUSH_CHUNK 2048  /* counters per flush transaction */

struct counter {
    int64_t stored;   /* the stored total, as last learned */
    int64_t known_at; /* monotonic ms when stored was learned; 0: unknown */
    int64_t used_at;  /* monotonic ms of the last call */
    int64_t pending;  /* counted, not yet handed to a flush */
    int64_t flushing; /* handed to the flush in progress */
    uint32_t epoch;   /* bumped whenever a flush settles the counter */
    bool reread;      /* queued for the background re-read */
    /* Shared, under a quota: calls leased (already in stored) and unused,
     * and until when the store said the quota is spent. */
    int64_t units;
    int64_t spent_until;
    int64_t spent_quota; /* the quota it was spent under (a plan change asks again) */
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map; /* key: profile_id << 20 | month index */
};

struct usage {
    struct store *st;
    bool shared; /* PostgreSQL: quotas are leased from the store */
    int64_t flush_ms;
    /* ...and at least the flush interval: another process's calls reach
     * the store only at its flushes, so reading more often mostly reads
     * what this process already knows (at a million profiles read at
     * random, a re-read per request cost 10-15 % of the throughput). */
    int64_t refresh_ms;
    struct shard shards[SHARDS];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_mutex_t flush_mu;     /* one flush at a time */
    atomic_uint_fast64_t flushes; /* flush transactions settled (usage_generation) */
    atomic_int hurry;             /* usage_flush calls waiting: stop pacing */
    /* Stale totals to re-read, off the request path. */
    pthread_t rthread;
    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    uint64_t *rq;
    size_t nrq;
    bool rstop;
};

static uint64_t month_index(const char *month)
{
    /* "YYYY-MM" -> YYYY*12 + MM, fits 20 bits. */
    unsigned y = 0, m;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(month[i] - '0');
    m = (unsigned)(month[5] - '0') * 10 + (unsigned)(month[6] - '0');
    return (uint64_t)(y * 12 + m) & 0xFFFFFu;
}

static void month_of_index(uint64_t idx, char out[8])
{
    unsigned v = (unsigned)idx, m = v % 12, y = v / 12;
    if (m == 0) {
        m = 12;
        y -= 1;
    }
    snprintf(out, 8, "%04u-%02u", y % 10000, m);
}

static uint64_t key_of(int64_t profile_id, const char *month)
{
    return ((uint64_t)profile_id << 20) | month_index(month);
}

static struct shard *shard_of(struct usage *u, uint64_t key)
{
    return &u->shards[(key >> 20) % SHARDS];
}

/* Queues key for the re-reader; false when the queue is full. */
static bool reread_queue(struct usage *u, uint64_t key)
{
    pthread_mutex_lock(&u->rmu);
    bool ok = u->nrq < REREAD_MAX;
    if (ok) {
        u->rq[u->nrq++] = key;
        if (u->nrq == 1)
            pthread_cond_signal(&u->rcv);
    }
    pthread_mutex_unlock(&u->rmu);
    return ok;
}

/* Re-reads the queued totals in one read snapshot and takes each one only
 * when no flush touched its counter meanwhile (the rule of usage_count). */
static void reread(struct usage *u, const uint64_t *keys, size_t n)
{
    uint32_t *epochs = mem_malloc(n * sizeof(*epochs));
    int64_t *vals = mem_malloc(n * sizeof(*vals));
    bool *ok = mem_malloc(n * sizeof(*ok));
    for (size_t i = 0; i < n; i++) {
        struct shard *s = shard_of(u, keys[i]);
        pthread_mutex_lock(&s->mu);
        struct counter *c = i64map_get(&s->map, keys[i], false);
        epochs[i] = c ? c->epoch : 0;
        pthread_mutex_unlock(&s->mu);
    }
    store_read_begin(u->st);
    for (size_t i = 0; i < n; i++) {
        if (i && i % 1024 == 0) {
            /* A new snapshot now and then: checkpoints wait for old ones. */
            store_read_end(u->st);
            store_read_begin(u->st);
        }
        char month[8];
        month_of_index(keys[i] & 0xFFFFFu, month);
        ok[i] = store_usage_get(u->st, (int64_t)(keys[i] >> 20), month, &vals[i]) == STORE_OK;
    }
    store_read_end(u->st);
    int64_t now = time_mono_ms();
    for (size_t i = 0; i < n; i++) {
        struct shard *s = shard_of(u, keys[i]);
        pthread_mutex_lock(&s->mu);
        struct counter *c = i64map_get(&s->map, keys[i], false);
        if (c) {
            c->reread = false;
            if (ok[i] && c->epoch == epochs[i] && c->flushing == 0) {
                c->stored = vals[i];
                c->known_at = now;
            }
        }
        pthread_mutex_unlock(&s->mu);
    }
    free(epochs);
    free(vals);
    free(ok);
}

static void *rereader(void *arg)
{
    struct usage *u = arg;
    uint64_t *batch = mem_malloc(REREAD_MAX * sizeof(*batch));
    pthread_mutex_lock(&u->rmu);
    while (!u->rstop) {
        if (!u->nrq) {
            pthread_cond_wait(&u->rcv, &u->rmu);
            continue;
        }
        size_t n = u->nrq;
        memcpy(batch, u->rq, n * sizeof(*batch));
        u->nrq = 0;
        pthread_mutex_unlock(&u->rmu);
        reread(u, batch, n);
        struct timespec ts = {0, REREAD_MS * 1000000L}; /* gathers the next batch */
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&u->rmu);
    }
    pthread_mutex_unlock(&u->rmu);
    free(batch);
    return NULL;
}

uint64_t usage_generation(struct usage *u)
{
    return atomic_load(&u->flushes);
}

void usage_prime(struct usage *u, uint64_t generation, int64_t profile_id, const char *month,
                 int64_t stored)
{
    uint64_t key = key_of(profile_id, month);
    struct shard *s = shard_of(u, key);
    pthread_mutex_lock(&s->mu);
    /* Only a counter nobody has seen, and only when no flush settled since
     * the caller's read began: its total may be older than that flush. */
    if (atomic_load(&u->flushes) == generation && !i64map_get(&s->map, key, false)) {
        struct counter *c = i64map_get(&s->map, key, true);
        c->stored = stored;
        c->known_at = c->used_at = time_mono_ms();
    }
    pthread_mutex_unlock(&s->mu);
}

#define SPENT_MS 1000 /* a spent quota is asked for again at most this often */

/*
 * Shared, under a quota: a call is taken from the calls this process
 * leased from the store (store_usage_lease: k at a time, k from
 * limits_lease_units: an eighth of what is left, 1 to 32), so processes
 * together never pass the quota and the (quota + 1)-th call is refused
 * wherever it arrives. Leased calls are in the stored total already, so
 * they never reach the flush; a process that dies loses its unused ones
 * (counted, never made: at most 32 per process and month).
 */
static enum usage_rc count_leased(struct usage *u, struct shard *s, struct counter *c,
                                  int64_t profile_id, const char *month, int64_t quota, int64_t now,
                                  int64_t *calls)
{
    if (!c->units && (now >= c->spent_until || quota != c->spent_quota)) {
        int64_t known = c->known_at ? c->stored - c->units + c->pending + c->flushing : 0;
        int64_t k = limits_lease_units(quota - known);
        int64_t total = 0, granted = 0;
        if (store_usage_lease(u->st, profile_id, month, k, quota, &total, &granted) != STORE_OK) {
            /* The database is out of reach: the call is counted here and
             * written by the flush once it is back (an outage may let a
             * profile pass its quota by what it makes meanwhile), so that
             * reads keep answering (SPEC §12 "Failover"). */
            c->pending++;
            c->used_at = now;
            *calls = c->stored - c->units + c->pending + c->flushing;
            pthread_mutex_unlock(&s->mu);
            return USAGE_COUNTED;
        }
        c->stored = total;
        c->known_at = now;
        c->units = granted;
        c->spent_until = granted ? 0 : now + SPENT_MS;
        c->spent_quota = quota;
    }
    enum usage_rc rc = USAGE_OVER_QUOTA;
    if (c->units) {
        c->units--;
        rc = USAGE_COUNTED;
    }
    c->used_at = now;
    *calls = c->stored - c->units + c->pending + c->flushing;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum usage_rc usage_count(struct usage *u, int64_t profile_id, const char *month, int64_t quota,
                          bool count, int64_t *calls)
{
    uint64_t key = key_of(profile_id, month);
    struct shard *s = shard_of(u, key);
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&s->mu);
    struct counter *c = i64map_get(&s->map, key, true);
    if (u->shared && count && quota >= 0)
        return count_leased(u, s, c, profile_id, month, quota, now, calls);
    /* A known total past its age is answered as it is and re-read in the
     * background (the same few milliseconds later that a read here would
     * have seen); only an unknown one, or one the queue has no room for, is
     * read here. */
    if (c->known_at != 0 && now - c->known_at > u->refresh_ms && !c->reread && reread_queue(u, key))
        c->reread = true;
    for (int attempt = 0; c->known_at == 0 || (now - c->known_at > u->refresh_ms && !c->reread);
         attempt++) {
        uint32_t epoch = c->epoch;
        pthread_mutex_unlock(&s->mu);
        int64_t v = 0;
        enum store_rc rc = store_usage_get(u->st, profile_id, month, &v);
        pthread_mutex_lock(&s->mu);
        c = i64map_get(&s->map, key, true);
        if (rc != STORE_OK) {
            if (c->known_at != 0)
                break; /* a stale total beats failing the request */
            pthread_mutex_unlock(&s->mu);
            return USAGE_ERROR;
        }
        /* A flush that committed meanwhile may be in v already: only take v
         * when no flush is in flight or settled since we looked. */
        if (c->epoch == epoch && c->flushing == 0) {
            c->stored = v;
            c->known_at = now;
            break;
        }
        if (c->known_at != 0 || attempt >= 50)
            break; /* the flush's own total is as fresh */
        pthread_mutex_unlock(&s->mu);
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&s->mu);
        c = i64map_get(&s->map, key, true);
    }
    int64_t total = c->stored - c->units + c->pending + c->flushing;
    enum usage_rc rc = USAGE_COUNTED;
    if (count && quota >= 0 && total >= quota) {
        rc = USAGE_OVER_QUOTA;
    } else if (count) {
        c->pending++;
        total++;
    }
    c->used_at = now;
    *calls = total;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

struct collect {
    struct usage_delta *d;
    size_t n, cap;
};

static void take_pending(struct shard *s, struct collect *col)
{
    for (size_t j = 0; j < s->map.cap; j++) {
        if (!s->map.keys[j])
            continue;
        struct counter *c = (struct counter *)(void *)(s->map.vals + j * s->map.vsize);
        if (!c->pending)
            continue;
        if (col->n == col->cap) {
            col->cap = col->cap ? col->cap * 2 : 256;
            col->d = mem_realloc(col->d, col->cap * sizeof(*col->d));
        }
        struct usage_delta *d = &col->d[col->n++];
        d->profile_id = (int64_t)(s->map.keys[j] >> 20);
        month_of_index(s->map.keys[j] & 0xFFFFFu, d->month);
        d->calls = c->pending;
        d->total = 0;
        c->flushing += c->pending;
        c->pending = 0;
    }
}

static bool keep_active(uint64_t key, void *val, void *arg)
{
    const struct counter *c = val;
    int64_t now = *(const int64_t *)arg;
    (void)key;
    return c->pending || c->flushing || c->reread || c->units || now - c->used_at < IDLE_MS;
}

static int by_key(const void *a, const void *b)
{
    const struct usage_delta *x = a, *y = b;
    if (x->profile_id != y->profile_id)
        return x->profile_id < y->profile_id ? -1 : 1;
    return strcmp(x->month, y->month);
}

/* Settles n counters handed to a flush: written (their totals learned from
 * the flush's result) or not (their calls pending again). */
static void settle(struct usage *u, const struct usage_delta *d, size_t n, bool ok)
{
    int64_t now = time_mono_ms();
    for (size_t i = 0; i < n; i++) {
        uint64_t key = key_of(d[i].profile_id, d[i].month);
        struct shard *s = shard_of(u, key);
        pthread_mutex_lock(&s->mu);
        struct counter *c = i64map_get(&s->map, key, true);
        c->flushing -= d[i].calls;
        if (ok) {
            c->stored = d[i].total;
            c->known_at = now;
        } else {
            c->pending += d[i].calls;
        }
        c->epoch++;
        pthread_mutex_unlock(&s->mu);
    }
    if (n)
        atomic_fetch_add(&u->flushes, 1);
}

/* The gap between two transactions of a pass: a second when paced (cut
 * short by usage_flush or usage_free), else a millisecond for other
 * writers. */
static void gap(struct usage *u, bool paced)
{
    if (!paced) {
        struct timespec pause = {0, 1000000L};
        nanosleep(&pause, NULL);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    pthread_mutex_lock(&u->mu);
    if (!u->stop && !atomic_load(&u->hurry))
        pthread_cond_timedwait(&u->cv, &u->mu, &ts);
    pthread_mutex_unlock(&u->mu);
}

/*
 * One flush pass: everything counted so far, in key order, so that each
 * transaction rewrites the few b-tree pages of its own key range (unsorted,
 * every one would rewrite pages all over the table, and the pass would
 * write them to the log once per transaction instead of once).
 *
 * Paced (the flusher's passes), it is at most one transaction a second,
 * spread over half the flush interval: at a million profiles a pass can
 * hold most of them, and written at once it takes a core for a second or
 * two every interval, which the requests of that moment pay for. Unpaced
 * (usage_flush), transactions of FLUSH_CHUNK counters follow each other:
 * one for all would hold the database's write lock past the 5 s other
 * writers wait for it.
 */
static void flush_pass(struct usage *u, bool paced)
{
    pthread_mutex_lock(&u->flush_mu);
    struct collect col = {NULL, 0, 0};
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        take_pending(&u->shards[i], &col);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
    if (col.n > 1)
        qsort(col.d, col.n, sizeof(*col.d), by_key);
    size_t chunk = FLUSH_CHUNK;
    int64_t slots = u->flush_ms / 2000; /* seconds in half the interval */
    paced = paced && slots > 1;
    if (paced && (col.n + (size_t)slots - 1) / (size_t)slots > chunk)
        chunk = (col.n + (size_t)slots - 1) / (size_t)slots;
    for (size_t off = 0; off < col.n; off += chunk) {
        size_t k = col.n - off < chunk ? col.n - off : chunk;
        if (off)
            gap(u, paced && !atomic_load(&u->hurry));
        bool ok = store_usage_add(u->st, col.d + off, k) == STORE_OK;
        if (!ok) {
            log_warn("usage flush failed; %zu counters kept for the next try", col.n - off);
            settle(u, col.d + off, col.n - off, false);
            break;
        }
        settle(u, col.d + off, k, true);
    }
    int64_t now = time_mono_ms();
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        if (u->shards[i].map.len > 1024)
            i64map_filter(&u->shards[i].map, keep_active, &now);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
    free(col.d);
    pthread_mutex_unlock(&u->flush_mu);
}

void usage_flush(struct usage *u)
{
    /* A paced pass under way stops pacing, and this one waits for it. */
    atomic_fetch_add(&u->hurry, 1);
    pthread_mutex_lock(&u->mu);
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    flush_pass(u, false);
    atomic_fetch_sub(&u->hurry, 1);
}

static void *flusher(void *arg)
{
    struct usage *u = arg;
    pthread_mutex_lock(&u->mu);
    while (!u->stop) {
        /* Until the interval is over: usage_flush's wake-ups are not the
         * flusher's turn. */
        int64_t due = time_mono_ms() + u->flush_ms;
        while (!u->stop && time_mono_ms() < due) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t left = due - time_mono_ms();
            left = left < 0 ? 0 : left;
            int64_t ns = ts.tv_nsec + (left % 1000) * 1000000;
            ts.tv_sec += left / 1000 + ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&u->cv, &u->mu, &ts);
        }
        if (u->stop)
            break;
        pthread_mutex_unlock(&u->mu);
        flush_pass(u, true);
        pthread_mutex_lock(&u->mu);
    }
    pthread_mutex_unlock(&u->mu);
    return NULL;
}

struct usage *usage_new(struct store *st, int64_t flush_ms)
{
    struct usage *u = mem_calloc(1, sizeof(*u));
    u->st = st;
    u->shared = store_shared(st);
    u->flush_ms = flush_ms > 0 ? flush_ms : 1000;
    u->refresh_ms = u->flush_ms > REFRESH_MS ? u->flush_ms : REFRESH_MS;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&u->shards[i].mu, NULL);
        i64map_init(&u->shards[i].map, sizeof(struct counter));
    }
    pthread_mutex_init(&u->mu, NULL);
    pthread_mutex_init(&u->flush_mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    pthread_mutex_init(&u->rmu, NULL);
    pthread_cond_init(&u->rcv, NULL);
    atomic_init(&u->flushes, 0);
    atomic_init(&u->hurry, 0);
    u->rq = mem_malloc(REREAD_MAX * sizeof(*u->rq));
    if (pthread_create(&u->thread, NULL, flusher, u) != 0 ||
        pthread_create(&u->rthread, NULL, rereader, u) != 0)
        abort();
    return u;
}

void usage_free(struct usage *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->mu);
    u->stop = true;
    pthread_cond_signal(&u->cv);
    pthread_mutex_unlock(&u->mu);
    pthread_mutex_lock(&u->rmu);
    u->rstop = true;
    pthread_cond_signal(&u->rcv);
    pthread_mutex_unlock(&u->rmu);
    pthread_join(u->thread, NULL);
    pthread_join(u->rthread, NULL);
    usage_flush(u);
    for (int i = 0; i < SHARDS; i++) {
        i64map_free(&u->shards[i].map);
        pthread_mutex_destroy(&u->shards[i].mu);
    }
    pthread_mutex_destroy(&u->mu);
    pthread_mutex_destroy(&u->flush_mu);
    pthread_cond_destroy(&u->cv);
    pthread_mutex_destroy(&u->rmu);
    pthread_cond_destroy(&u->rcv);
    free(u->rq);
    free(u);
}
