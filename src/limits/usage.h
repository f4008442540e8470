/*
 * usage: monthly API-call counting (SPEC §2 monthlyApiCalls, §7 quotas).
 *
 * Counting is in memory and reaches the store in batches every
 * usage_flush_ms (default 1 s), so a read request costs no write
 * transaction (DESIGN.md). What a crash can lose is the calls of the last
 * flush interval; documented in docs/operations.md.
 *
 * A profile's count is the stored value plus what this process has not yet
 * flushed. To read both consistently, callers take usage_gen() before
 * reading the store and usage_stable() after: if a flush committed in
 * between, the stored value may already include some of the unflushed
 * calls, and the caller reads again. Other processes' unflushed calls are
 * not visible: across processes a quota can be exceeded by at most what they
 * serve in one flush interval.
 */
#ifndef SOCIALD_LIMITS_USAGE_H
#define SOCIALD_LIMITS_USAGE_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct usage;

/* Starts the flusher thread; usage_free() stops it after a final flush. */
struct usage *usage_new(struct store *st, int64_t flush_ms);
void usage_free(struct usage *u);
/* The flush generation; even when no flush is committing. */
uint64_t usage_gen(const struct usage *u);
/* True when gen is even and no flush has started since it was read. */
bool usage_stable(const struct usage *u, uint64_t gen);
/* Calls of profile_id in month ("YYYY-MM") counted here but not yet stored. */
int64_t usage_unflushed(struct usage *u, int64_t profile_id, const char *month);
/* Counts n calls. */
void usage_add(struct usage *u, int64_t profile_id, const char *month, int64_t n);
/* Writes everything counted so far to the store now. */
void usage_flush(struct usage *u);

#endif
