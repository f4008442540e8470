/*
 * usage: monthly API-call counting (SPEC §2 monthlyApiCalls, §7 quotas).
 *
 * Counting is in memory and reaches the store in batches every
 * usage_flush_ms (default 60 s), so a read request costs no write
 * transaction (DESIGN.md). Each pass is paced: at most one transaction a
 * second, spread over half the interval. What a crash can lose is the
 * calls of the last interval and a half; docs/operations.md says so.
 *
 * Each (profile, month) counter knows the stored total (learned from the
 * store, and after every flush from the flush's own result, which includes
 * other processes' flushed calls) plus this process's unflushed calls; so
 * within one process the count and the quota check are exact. Another
 * process's unflushed calls are invisible until its paced pass writes
 * them, and a stored total is re-read at most every flush interval (5 s at
 * least): across processes a quota can be exceeded by at most what the
 * others serve in two and a half intervals. When a total is older, the
 * request is answered with it and it is re-read in the
 * background (a thread that reads the queued totals every 50 ms in one
 * read snapshot), so a request reads the store only for a counter it has
 * never seen.
 */
#ifndef SOCIALD_LIMITS_USAGE_H
#define SOCIALD_LIMITS_USAGE_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct usage;

enum usage_rc { USAGE_COUNTED, USAGE_OVER_QUOTA, USAGE_ERROR };

/* Starts the flusher thread; usage_free() stops it after a final flush. */
struct usage *usage_new(struct store *st, int64_t flush_ms);
void usage_free(struct usage *u);
/*
 * Counts one call of profile_id in month ("YYYY-MM") when count is true,
 * unless the month's total already reached quota (quota < 0: none). Sets
 * *calls to the month's total, this call included when counted.
 */
enum usage_rc usage_count(struct usage *u, int64_t profile_id, const char *month, int64_t quota,
                          bool count, int64_t *calls);
/* Writes everything counted so far to the store now. */
void usage_flush(struct usage *u);
/*
 * Priming (the cache warm): read usage_generation() before reading stored
 * totals from the store, then hand each to usage_prime(), which takes it
 * only for a counter not yet in memory and only if no flush settled since
 * (the total read could be older than that flush).
 */
uint64_t usage_generation(struct usage *u);
void usage_prime(struct usage *u, uint64_t generation, int64_t profile_id, const char *month,
                 int64_t stored);

#endif
