/*
 * ratelimit: sharded fixed windows (see ratelimit.h). Expired windows are
 * dropped when a shard grows, so memory follows the active profiles.
 */
#include "limits/ratelimit.h"
#include "util/i64map.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>

#define SHARDS 32

#define ERROR_DAY_MS (24 * 3600 * 1000LL)

struct window {
    int64_t start_ms;
    int64_t count;
    int64_t errors_since_ms; /* the 24 h of rate-limit errors counted in errors */
    int64_t errors;
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map;
    size_t sweep_at;
};

struct ratelimit {
    int64_t max;
    int64_t window_ms;
    int64_t suspend_after;
    struct shard shards[SHARDS];
};

struct ratelimit *ratelimit_new(int64_t max, int64_t window_ms, int64_t suspend_after)
{
    struct ratelimit *rl = mem_calloc(1, sizeof(*rl));
    rl->max = max;
    rl->window_ms = window_ms;
    rl->suspend_after = suspend_after;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&rl->shards[i].mu, NULL);
        i64map_init(&rl->shards[i].map, sizeof(struct window));
        rl->shards[i].sweep_at = 1024;
    }
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    for (int i = 0; i < SHARDS; i++) {
        i64map_free(&rl->shards[i].map);
        pthread_mutex_destroy(&rl->shards[i].mu);
    }
    free(rl);
}

struct sweep {
    int64_t now_ms;
    int64_t window_ms;
};

static bool live(uint64_t key, void *val, void *arg)
{
    const struct window *w = val;
    const struct sweep *s = arg;
    (void)key;
    return s->now_ms - w->start_ms < s->window_ms ||
           (w->errors && s->now_ms - w->errors_since_ms < ERROR_DAY_MS);
}

void ratelimit_hit(struct ratelimit *rl, int64_t profile_id, int64_t now_ms, struct rl_result *out)
{
    uint64_t key = (uint64_t)profile_id + 1; /* keys must be nonzero */
    struct shard *s = &rl->shards[key % SHARDS];
    pthread_mutex_lock(&s->mu);
    if (s->map.len >= s->sweep_at) {
        struct sweep sw = {now_ms, rl->window_ms};
        i64map_filter(&s->map, live, &sw);
        s->sweep_at = s->map.len * 2 > 1024 ? s->map.len * 2 : 1024;
    }
    struct window *w = i64map_get(&s->map, key, true);
    if (w->start_ms == 0 || now_ms - w->start_ms >= rl->window_ms || now_ms < w->start_ms) {
        w->start_ms = now_ms;
        w->count = 0;
    }
    out->limited = w->count >= rl->max;
    out->suspend = false;
    if (!out->limited) {
        w->count++;
    } else {
        /* Rate-limit errors in the 24 h since the first of them. */
        if (!w->errors || now_ms - w->errors_since_ms >= ERROR_DAY_MS ||
            now_ms < w->errors_since_ms) {
            w->errors_since_ms = now_ms;
            w->errors = 0;
        }
        w->errors++;
        out->suspend = rl->suspend_after > 0 && w->errors == rl->suspend_after;
    }
    out->max = rl->max;
    out->count = w->count;
    out->remaining = rl->max - w->count;
    out->reset_ms = w->start_ms + rl->window_ms - now_ms;
    pthread_mutex_unlock(&s->mu);
}
