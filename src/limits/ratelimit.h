/*
 * ratelimit: per-profile request windows (SPEC §7): at most `max` requests
 * per fixed window of `window_ms` starting at a profile's first request; the
 * account itself counts as one profile. In memory, per process; requests
 * refused for the limit do not count against the window.
 */
#ifndef SOCIALD_LIMITS_RATELIMIT_H
#define SOCIALD_LIMITS_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

struct rl_result {
    int64_t max;
    int64_t count; /* requests counted in the current window */
    int64_t remaining;
    int64_t reset_ms; /* until the window ends */
    bool limited;     /* this request is refused */
};

/* Creates a limiter; ratelimit_free() releases it. */
struct ratelimit *ratelimit_new(int64_t max, int64_t window_ms);
void ratelimit_free(struct ratelimit *rl);
/* Counts one request of profile_id at now_ms and says whether it may pass. */
void ratelimit_hit(struct ratelimit *rl, int64_t profile_id, int64_t now_ms, struct rl_result *out);

#endif
