/*
 * details: the details refresh (SPEC §2 lastUpdated/nextUpdate) — reading
 * each linked account's name, username and avatar from its network again
 * once a profile is read past its nextUpdate.
 *
 * A read never waits for it and never writes: details_read puts the profile
 * in a bounded in-memory queue (stalest first, each profile once) and
 * returns. One thread takes profiles off the queue as each network's budget
 * allows (details-rate calls per second per network, the networks the
 * profile has linked), runs the calls on the upkeep workers, and writes
 * every result of the last second in one transaction (details_updated_ms,
 * the changed display fields, a token refresh for a refused token). A
 * profile stays known to the queue until its result is written, so reads in
 * between queue nothing. When the queue is full a stale profile is not
 * queued (the next read past its nextUpdate tries again), and a crash loses
 * only what was queued or unwritten: the next read queues it again.
 *
 * nextUpdate moves out when the budget is spent: for a stale profile it is
 * the time the queue ahead of it needs at the budget (details_next_ms).
 */
#ifndef SOCIALD_JOBS_DETAILS_H
#define SOCIALD_JOBS_DETAILS_H

#include <stdint.h>

#include "core/app.h"
#include "store/profiles.h"

struct details;

struct details_stats {
    uint64_t queued;    /* profiles put in the queue */
    uint64_t dropped;   /* stale profiles not queued: the queue was full */
    uint64_t refreshed; /* profiles whose result was written */
    uint64_t waiting;   /* in the queue now */
};

/* Starts the details thread of app (its store, workers and budgets). */
struct details *details_new(struct app *app);
/* Stops taking profiles, waits for the running reads (the upkeep workers
 * must still run) and writes their results. */
void details_stop(struct details *d);
void details_free(struct details *d);
/* A read of p at now_ms: when it is past its nextUpdate, p is queued. Never
 * blocks on the store or the networks. */
void details_read(struct details *d, const struct profile *p, int64_t now_ms);
/* The nextUpdate to show for p at now_ms (see above). */
int64_t details_next_ms(struct details *d, const struct profile *p, int64_t now_ms);
void details_get_stats(struct details *d, struct details_stats *out);

#endif
