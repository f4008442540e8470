/*
 * ratelimit: sharded fixed windows (see ratelimit.h). Expired windows are
 * dropped when a shard grows, so memory follows the active profiles.
 *
 * Shared (PostgreSQL: many processes on one database), a window's units
 * are leased from the store a few at a time (store_rate_lease): k units
 * per lease, k = an eighth of what the window has left as last seen, 1 to
 * LEASE_MAX, so leases shrink to one unit as the limit nears and the
 * processes together admit exactly the limit; one database write per k
 * requests. A window the store says is spent is refused here until it
 * ends, with no write. Refusals are added to the store's 24 h count in
 * batches that shrink the same way as the count nears suspend_after, and
 * the one addition that crosses it reports the suspension, once across
 * every process. When the store cannot be reached, requests pass
 * uncounted rather than fail (reads keep answering through an outage).
 */
#include "limits/ratelimit.h"
#include "core/log.h"
#include "store/limits.h"
#include "util/i64map.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>

#define SHARDS 32

#define ERROR_DAY_MS (24 * 3600 * 1000LL)

#define LEASE_MAX 32

struct window {
    int64_t start_ms;
    int64_t count;
    int64_t errors_since_ms; /* the 24 h of rate-limit errors counted in errors */
    int64_t errors;
    /* Shared: */
    int64_t units;       /* leased and not yet used */
    int64_t used;        /* the window's units leased by every process, as last seen */
    bool spent;          /* the store had none left in this window */
    int64_t pending_err; /* refusals not yet added to the store */
    int64_t known_err;   /* the store's count after this process's last addition */
};

struct shard {
    pthread_mutex_t mu;
    struct i64map map;
    size_t sweep_at;
};

struct ratelimit {
    struct store *st; /* shared: the store the windows are leased from */
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

struct ratelimit *ratelimit_new_shared(struct store *st, int64_t max, int64_t window_ms,
                                       int64_t suspend_after)
{
    struct ratelimit *rl = ratelimit_new(max, window_ms, suspend_after);
    rl->st = st;
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
           (w->errors && s->now_ms - w->errors_since_ms < ERROR_DAY_MS) || w->pending_err;
}

int64_t limits_lease_units(int64_t left)
{
    int64_t k = left / 8;
    return k < 1 ? 1 : k > LEASE_MAX ? LEASE_MAX : k;
}

/* Shared: admits from the leased units, leasing more when none are left. */
static bool shared_admit(struct ratelimit *rl, int64_t profile_id, struct window *w, int64_t now_ms)
{
    /* Not when now is before the start: another process may have started
     * the window a moment after this request read its clock. */
    if (w->start_ms == 0 || now_ms - w->start_ms >= rl->window_ms) {
        w->start_ms = 0;
        w->units = 0;
        w->used = 0;
        w->spent = false;
    }
    if (!w->units && !w->spent) {
        struct rate_lease l;
        if (store_rate_lease(rl->st, profile_id, now_ms, rl->window_ms, rl->max,
                             limits_lease_units(rl->max - w->used), &l) != STORE_OK) {
            log_warn("rate limit: the shared window could not be leased; the request passes");
            w->count = 0;
            return true;
        }
        w->start_ms = l.start_ms;
        w->used = l.used;
        w->units = l.granted;
        w->spent = l.granted == 0;
    }
    w->count = w->used - w->units;
    if (!w->units)
        return false;
    w->units--;
    w->count++;
    return true;
}

/* Shared: counts a refusal; true when it is the suspend_after-th across
 * every process (reported by the one addition that crossed it). */
static bool shared_refused(struct ratelimit *rl, int64_t profile_id, struct window *w,
                           int64_t now_ms)
{
    if (rl->suspend_after <= 0)
        return false;
    w->pending_err++;
    if (w->pending_err < limits_lease_units(rl->suspend_after - w->known_err))
        return false;
    int64_t before, after;
    if (store_rate_refused(rl->st, profile_id, now_ms, ERROR_DAY_MS, w->pending_err, &before,
                           &after) != STORE_OK)
        return false; /* kept for the next refusal */
    w->pending_err = 0;
    w->known_err = after;
    return before < rl->suspend_after && after >= rl->suspend_after;
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
    if (rl->st) {
        /* The store's row lock orders the leases; this shard's lock only
         * keeps this process's requests of the profile in turn. */
        out->limited = !shared_admit(rl, profile_id, w, now_ms);
        out->suspend = out->limited && shared_refused(rl, profile_id, w, now_ms);
        out->max = rl->max;
        out->count = w->count;
        out->remaining = rl->max - w->count;
        out->reset_ms = (w->start_ms ? w->start_ms : now_ms) + rl->window_ms - now_ms;
        pthread_mutex_unlock(&s->mu);
        return;
    }
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
