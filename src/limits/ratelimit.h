/*
 * ratelimit: per-profile request windows (SPEC §7): at most `max` requests
 * per fixed window of `window_ms` starting at a profile's first request; the
 * account itself counts as one profile. Requests
 * refused for the limit do not count against the window, but are counted
 * towards SPEC §7's suspension (1,000 refusals in 24 h). In memory, per
 * process, on SQLite; shared through the database on PostgreSQL.
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
    bool suspend;     /* ...and it is the profile's suspend_after-th in 24 h (once) */
};

/* Creates a limiter; a profile refused suspend_after times (0: never) within
 * 24 h of its first refusal is reported once in rl_result.suspend.
 * ratelimit_free() releases it. */
struct ratelimit *ratelimit_new(int64_t max, int64_t window_ms, int64_t suspend_after);
/* The same, shared by every process on st's database (SPEC §12 "Limits"):
 * exact across them, at one database write per few requests (see
 * ratelimit.c). */
struct store;
/* How many units to lease from a shared limit with left units left as
 * last seen: an eighth of them, 1 to 32 (so leases shrink to one unit as
 * the limit nears). Rate windows and monthly quotas (limits/usage.c). */
int64_t limits_lease_units(int64_t left);
struct ratelimit *ratelimit_new_shared(struct store *st, int64_t max, int64_t window_ms,
                                       int64_t suspend_after);
void ratelimit_free(struct ratelimit *rl);
/* Counts one request of profile_id at now_ms and says whether it may pass. */
void ratelimit_hit(struct ratelimit *rl, int64_t profile_id, int64_t now_ms, struct rl_result *out);

#endif
