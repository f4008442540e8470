/*
 * usage: sharded in-memory counters with a periodic flusher (see usage.h).
 *
 * Guarantees: every counted call reaches the store exactly once unless the
 * process dies first (then at most one flush interval is lost); a failed
 * flush keeps the counts and retries next interval.
 */
#include "limits/usage.h"
#include "core/log.h"
#include "store/store.h"
#include "util/i64map.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 32

struct counter {
    int64_t pending;  /* counted, not yet handed to a flush */
    int64_t flushing; /* handed to the flush in progress */
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map; /* key: profile_id << 20 | month index */
};

struct usage {
    struct store *st;
    int64_t flush_ms;
    struct shard shards[SHARDS];
    _Atomic uint64_t gen;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_mutex_t flush_mu; /* one flush at a time */
};

static uint64_t month_index(const char *month)
{
    /* "YYYY-MM" -> YYYY*12 + MM, fits 20 bits. */
    unsigned y = 0, m = 0;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(month[i] - '0');
    m = (unsigned)(month[5] - '0') * 10 + (unsigned)(month[6] - '0');
    return (uint64_t)(y * 12 + m) & 0xFFFFFu;
}

static void month_of_index(uint64_t idx, char out[8])
{
    unsigned v = (unsigned)idx;
    unsigned m = v % 12, y = v / 12;
    if (m == 0) {
        m = 12;
        y -= 1;
    }
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

static uint64_t key_of(int64_t profile_id, const char *month)
{
    return ((uint64_t)profile_id << 20) | month_index(month);
}

static struct shard *shard_of(struct usage *u, uint64_t key)
{
    return &u->shards[(key >> 20) % SHARDS];
}

uint64_t usage_gen(const struct usage *u)
{
    return atomic_load(&u->gen);
}

bool usage_stable(const struct usage *u, uint64_t gen)
{
    return (gen & 1) == 0 && atomic_load(&u->gen) == gen;
}

int64_t usage_unflushed(struct usage *u, int64_t profile_id, const char *month)
{
    uint64_t key = key_of(profile_id, month);
    struct shard *s = shard_of(u, key);
    pthread_mutex_lock(&s->mu);
    struct counter *c = i64map_get(&s->map, key, false);
    int64_t n = c ? c->pending + c->flushing : 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void usage_add(struct usage *u, int64_t profile_id, const char *month, int64_t n)
{
    uint64_t key = key_of(profile_id, month);
    struct shard *s = shard_of(u, key);
    pthread_mutex_lock(&s->mu);
    struct counter *c = i64map_get(&s->map, key, true);
    c->pending += n;
    pthread_mutex_unlock(&s->mu);
}

struct collect {
    struct usage_delta *d;
    size_t n, cap;
};

static bool take_pending(uint64_t key, void *val, void *arg)
{
    struct counter *c = val;
    struct collect *col = arg;
    if (c->pending) {
        if (col->n == col->cap) {
            col->cap = col->cap ? col->cap * 2 : 256;
            col->d = mem_realloc(col->d, col->cap * sizeof(*col->d));
        }
        struct usage_delta *d = &col->d[col->n++];
        d->profile_id = (int64_t)(key >> 20);
        month_of_index(key & 0xFFFFFu, d->month);
        d->calls = c->pending;
        c->flushing += c->pending;
        c->pending = 0;
    }
    return true;
}

static bool settle(uint64_t key, void *val, void *arg)
{
    struct counter *c = val;
    bool ok = *(bool *)arg;
    (void)key;
    if (!ok)
        c->pending += c->flushing; /* keep them for the next try */
    c->flushing = 0;
    return c->pending != 0;
}

void usage_flush(struct usage *u)
{
    pthread_mutex_lock(&u->flush_mu);
    struct collect col = {NULL, 0, 0};
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        for (size_t j = 0; j < u->shards[i].map.cap; j++)
            if (u->shards[i].map.keys[j])
                take_pending(u->shards[i].map.keys[j],
                             u->shards[i].map.vals + j * u->shards[i].map.vsize, &col);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
    if (col.n == 0) {
        pthread_mutex_unlock(&u->flush_mu);
        return;
    }
    atomic_fetch_add(&u->gen, 1); /* odd: a commit may land any moment */
    bool ok = store_usage_add(u->st, col.d, col.n) == STORE_OK;
    if (!ok)
        log_warn("usage flush failed; %zu counters kept for the next try", col.n);
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        i64map_filter(&u->shards[i].map, settle, &ok);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
    atomic_fetch_add(&u->gen, 1); /* even again: stored values are settled */
    free(col.d);
    pthread_mutex_unlock(&u->flush_mu);
}

static void *flusher(void *arg)
{
    struct usage *u = arg;
    pthread_mutex_lock(&u->mu);
    while (!u->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (u->flush_ms % 1000) * 1000000;
        ts.tv_sec += u->flush_ms / 1000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&u->cv, &u->mu, &ts);
        if (u->stop)
            break;
        pthread_mutex_unlock(&u->mu);
        usage_flush(u);
        pthread_mutex_lock(&u->mu);
    }
    pthread_mutex_unlock(&u->mu);
    return NULL;
}

struct usage *usage_new(struct store *st, int64_t flush_ms)
{
    struct usage *u = mem_calloc(1, sizeof(*u));
    u->st = st;
    u->flush_ms = flush_ms > 0 ? flush_ms : 1000;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&u->shards[i].mu, NULL);
        i64map_init(&u->shards[i].map, sizeof(struct counter));
    }
    atomic_init(&u->gen, 0);
    pthread_mutex_init(&u->mu, NULL);
    pthread_mutex_init(&u->flush_mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    if (pthread_create(&u->thread, NULL, flusher, u) != 0)
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
    pthread_join(u->thread, NULL);
    usage_flush(u);
    for (int i = 0; i < SHARDS; i++) {
        i64map_free(&u->shards[i].map);
        pthread_mutex_destroy(&u->shards[i].mu);
    }
    pthread_mutex_destroy(&u->mu);
    pthread_mutex_destroy(&u->flush_mu);
    pthread_cond_destroy(&u->cv);
    free(u);
}
