/*
 * usage: sharded in-memory counters with a periodic flusher (see usage.h).
 *
 * Guarantees: every counted call reaches the store exactly once unless the
 * process dies first (then at most one flush interval is lost); a failed
 * flush keeps the counts and retries next interval. A stored total read
 * from the store is used only if no flush touched the counter while it was
 * being read, so a call is never counted twice in a total.
 */
#include "limits/usage.h"
#include "core/log.h"
#include "store/usage.h"
#include "util/i64map.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS     32
#define REFRESH_MS 5000  /* re-read a stored total at most this often */
#define IDLE_MS    60000 /* forget counters untouched this long */

struct counter {
    int64_t stored;   /* the stored total, as last learned */
    int64_t known_at; /* monotonic ms when stored was learned; 0: unknown */
    int64_t used_at;  /* monotonic ms of the last call */
    int64_t pending;  /* counted, not yet handed to a flush */
    int64_t flushing; /* handed to the flush in progress */
    uint32_t epoch;   /* bumped whenever a flush settles the counter */
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map; /* key: profile_id << 20 | month index */
};

struct usage {
    struct store *st;
    int64_t flush_ms;
    struct shard shards[SHARDS];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_mutex_t flush_mu; /* one flush at a time */
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

enum usage_rc usage_count(struct usage *u, int64_t profile_id, const char *month, int64_t quota,
                          bool count, int64_t *calls)
{
    uint64_t key = key_of(profile_id, month);
    struct shard *s = shard_of(u, key);
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&s->mu);
    struct counter *c = i64map_get(&s->map, key, true);
    for (int attempt = 0; c->known_at == 0 || now - c->known_at > REFRESH_MS; attempt++) {
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
    int64_t total = c->stored + c->pending + c->flushing;
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
    return c->pending || c->flushing || now - c->used_at < IDLE_MS;
}

void usage_flush(struct usage *u)
{
    pthread_mutex_lock(&u->flush_mu);
    struct collect col = {NULL, 0, 0};
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        take_pending(&u->shards[i], &col);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
    bool ok = col.n == 0 || store_usage_add(u->st, col.d, col.n) == STORE_OK;
    if (!ok)
        log_warn("usage flush failed; %zu counters kept for the next try", col.n);
    int64_t now = time_mono_ms();
    for (size_t i = 0; i < col.n; i++) {
        uint64_t key = key_of(col.d[i].profile_id, col.d[i].month);
        struct shard *s = shard_of(u, key);
        pthread_mutex_lock(&s->mu);
        struct counter *c = i64map_get(&s->map, key, true);
        c->flushing -= col.d[i].calls;
        if (ok) {
            c->stored = col.d[i].total;
            c->known_at = now;
        } else {
            c->pending += col.d[i].calls;
        }
        c->epoch++;
        pthread_mutex_unlock(&s->mu);
    }
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&u->shards[i].mu);
        if (u->shards[i].map.len > 1024)
            i64map_filter(&u->shards[i].map, keep_active, &now);
        pthread_mutex_unlock(&u->shards[i].mu);
    }
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
