/*
 * cache: sharded bounded map (see cache.h).
 */
#include "util/cache.h"
#include "util/i64map.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>

#define SHARDS 16

struct slot {
    void *entry;
    size_t bytes;
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map; /* key -> struct slot */
    size_t bytes;
    size_t cursor; /* eviction position */
};

struct cache {
    size_t budget_per_shard;
    struct shard shards[SHARDS];
};

static uint64_t mix(uint64_t k)
{
    return k ? k : 0x9E3779B97F4A7C15ULL; /* i64map keys must be nonzero */
}

static struct shard *shard_of(struct cache *c, uint64_t key)
{
    return &c->shards[(key * 0x9E3779B97F4A7C15ULL) >> 60];
}

struct cache *cache_new(size_t budget)
{
    struct cache *c = mem_calloc(1, sizeof(*c));
    c->budget_per_shard = budget / SHARDS;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&c->shards[i].mu, NULL);
        i64map_init(&c->shards[i].map, sizeof(struct slot));
    }
    return c;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < SHARDS; i++) {
        struct shard *s = &c->shards[i];
        for (size_t j = 0; j < s->map.cap; j++)
            if (s->map.keys[j])
                free(((struct slot *)(void *)(s->map.vals + j * s->map.vsize))->entry);
        i64map_free(&s->map);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

bool cache_with(struct cache *c, uint64_t key, bool (*fn)(void *entry, void *arg), void *arg)
{
    key = mix(key);
    struct shard *s = shard_of(c, key);
    pthread_mutex_lock(&s->mu);
    struct slot *sl = i64map_get(&s->map, key, false);
    bool r = sl && sl->entry ? fn(sl->entry, arg) : false;
    pthread_mutex_unlock(&s->mu);
    return r;
}

static bool not_evicted(uint64_t key, void *val, void *arg)
{
    (void)key;
    (void)arg;
    return ((struct slot *)val)->entry != NULL;
}

/* Frees entries round-robin until the shard is at 90 % of its budget, so the
 * map rebuild that follows is paid once per many insertions. */
static void evict(struct cache *c, struct shard *s, uint64_t keep)
{
    size_t freed = 0, target = c->budget_per_shard / 10 * 9;
    for (size_t n = 0; s->bytes > target && n < s->map.cap; n++) {
        size_t j = s->cursor++ % s->map.cap;
        struct slot *sl = (struct slot *)(void *)(s->map.vals + j * s->map.vsize);
        if (!s->map.keys[j] || s->map.keys[j] == keep || !sl->entry)
            continue;
        free(sl->entry);
        sl->entry = NULL;
        s->bytes -= sl->bytes;
        sl->bytes = 0;
        freed++;
    }
    if (freed)
        i64map_filter(&s->map, not_evicted, NULL);
}

void cache_put(struct cache *c, uint64_t key, void *entry, size_t bytes)
{
    key = mix(key);
    struct shard *s = shard_of(c, key);
    pthread_mutex_lock(&s->mu);
    struct slot *sl = i64map_get(&s->map, key, true);
    if (sl->entry) {
        free(sl->entry);
        s->bytes -= sl->bytes;
    }
    sl->entry = entry;
    sl->bytes = bytes;
    s->bytes += bytes;
    if (s->bytes > c->budget_per_shard)
        evict(c, s, key);
    pthread_mutex_unlock(&s->mu);
}

void cache_drop(struct cache *c, uint64_t key)
{
    key = mix(key);
    struct shard *s = shard_of(c, key);
    pthread_mutex_lock(&s->mu);
    struct slot *sl = i64map_get(&s->map, key, false);
    if (sl && sl->entry) {
        free(sl->entry);
        s->bytes -= sl->bytes;
        sl->entry = NULL;
        sl->bytes = 0;
        i64map_filter(&s->map, not_evicted, NULL);
    }
    pthread_mutex_unlock(&s->mu);
}

void cache_stats(struct cache *c, size_t *entries, size_t *bytes)
{
    *entries = 0;
    *bytes = 0;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&c->shards[i].mu);
        *entries += c->shards[i].map.len;
        *bytes += c->shards[i].bytes;
        pthread_mutex_unlock(&c->shards[i].mu);
    }
}

bool cache_below(struct cache *c, unsigned pct)
{
    size_t entries, bytes;
    cache_stats(c, &entries, &bytes);
    return bytes < c->budget_per_shard * SHARDS / 100 * pct;
}
