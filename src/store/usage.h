/*
 * store/usage: monthly API-call counters (table usage_monthly), flushed by
 * src/limits/usage.c. See store.h for the conventions every store function
 * follows.
 */
#ifndef SOCIALD_STORE_USAGE_H
#define SOCIALD_STORE_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct usage_delta {
    int64_t profile_id;
    char month[8]; /* YYYY-MM */
    int64_t calls;
    int64_t total; /* out: the stored total after adding */
};

/* Adds the deltas to the monthly counters in one transaction and reports
 * each counter's new stored total (which includes other processes' calls). */
enum store_rc store_usage_add(struct store *st, struct usage_delta *d, size_t n);
/*
 * Leases up to want calls of profile_id's month under quota (PostgreSQL,
 * many processes): adds what it grants to the stored calls at once, never
 * past quota. *calls is the stored total after it, *granted what this
 * lease got (0: the quota is spent). One statement, atomic.
 */
enum store_rc store_usage_lease(struct store *st, int64_t profile_id, const char *month,
                                int64_t want, int64_t quota, int64_t *calls, int64_t *granted);
/* The stored calls of profile_id in month (0 when none). */
enum store_rc store_usage_get(struct store *st, int64_t profile_id, const char *month,
                              int64_t *calls);

#endif
