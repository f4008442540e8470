/*
 * store/limits: rate-limit windows shared across processes (SPEC §12
 * "Limits"; the rate_windows table, used on PostgreSQL by
 * limits/ratelimit.c).
 */
#ifndef SOCIALD_STORE_LIMITS_H
#define SOCIALD_STORE_LIMITS_H

#include "store/store.h"

#include <stdint.h>

struct rate_lease {
    int64_t start_ms; /* the window's start */
    int64_t used;     /* units leased in the window, this lease's included */
    int64_t granted;  /* units this lease got: 0 when the window is spent */
};

/*
 * Leases up to want units of profile_id's window at now_ms: a window that
 * ended (or none yet) starts at now_ms; never more than max units in a
 * window across every caller. One statement, atomic.
 */
enum store_rc store_rate_lease(struct store *st, int64_t profile_id, int64_t now_ms,
                               int64_t window_ms, int64_t max, int64_t want,
                               struct rate_lease *out);
/*
 * Adds n rate-limit refusals to profile_id's count of the 24 h (day_ms)
 * since the first of them; *before and *after are the count around this
 * addition, so exactly one caller sees a threshold crossed.
 */
enum store_rc store_rate_refused(struct store *st, int64_t profile_id, int64_t now_ms,
                                 int64_t day_ms, int64_t n, int64_t *before, int64_t *after);

#endif
