/*
 * store/jobs: the durable job queue's rows (table jobs; the runner is
 * src/jobs/runner.c). See store.h for the conventions every store function
 * follows.
 */
#ifndef SOCIALD_STORE_JOBS_H
#define SOCIALD_STORE_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct job {
    int64_t id;
    char kind[16];
    int64_t ref;
    int64_t attempts; /* leases taken so far, this one included */
};

/*
 * Jobs run in two lanes, each leased by its own runner, so that a storm in
 * one never delays the other: webhook deliveries, and upkeep (every other
 * kind: refresh, remind, details, revoke).
 */
enum job_lane { JOB_LANE_DELIVERY = 0, JOB_LANE_UPKEEP = 1 };

/* The lane of a job kind. */
enum job_lane store_job_lane(const char *kind);
/* Queues a job of kind about ref, due at run_at_ms. */
enum store_rc store_job_add(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms);
/*
 * Kinds refresh, remind and details exist at most once per ref: queues the
 * job, or when there is one, moves it to run_at_ms (move) or leaves it as it
 * is (!move).
 */
enum store_rc store_job_put(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms, bool move);
/* Queues a job of kind (ref 0) unless one of that kind exists. */
enum store_rc store_job_ensure(struct store *st, const char *kind, int64_t run_at_ms,
                               int64_t now_ms);
/* Brings the jobs of kind due after run_at_ms forward to run_at_ms (a
 * shortened period applies at once, not after the next run). */
enum store_rc store_job_sooner(struct store *st, const char *kind, int64_t run_at_ms);
/* Drops the job of kind about ref, if any (refresh, remind, details). */
enum store_rc store_job_drop(struct store *st, const char *kind, int64_t ref);
/* Leases up to max due jobs of lane for owner until now + lease_ms
 * (atomically: two workers never lease one job). *out is an arena array. */
enum store_rc store_job_lease(struct store *st, struct arena *a, enum job_lane lane,
                              const char *owner, int64_t now_ms, int64_t lease_ms, size_t max,
                              struct job **out, size_t *n);
/* Extends owner's lease of job id to until_ms; STORE_NOTFOUND when owner no
 * longer holds it (it expired and another worker took the job). */
enum store_rc store_job_extend(struct store *st, int64_t id, const char *owner, int64_t until_ms);
/* Releases a leased job to run again at run_at_ms. */
enum store_rc store_job_reschedule(struct store *st, int64_t id, int64_t run_at_ms);
enum store_rc store_job_delete(struct store *st, int64_t id);

/* A leased job to release, to run again at run_at_ms. */
struct job_release {
    int64_t id;
    int64_t run_at_ms;
};

/* store_job_delete of the n ids, in one statement. */
enum store_rc store_job_delete_many(struct store *st, const int64_t *ids, size_t n);
/* store_job_reschedule of the n jobs, each to its own time, in one
 * statement. */
enum store_rc store_job_reschedule_many(struct store *st, const struct job_release *jobs, size_t n);
/* The earliest time any job of lane can be leased (INT64_MAX when none). */
enum store_rc store_job_next(struct store *st, enum job_lane lane, int64_t *when_ms);
/* Jobs queued (due or not), for metrics. */
enum store_rc store_job_count(struct store *st, int64_t *n);

/* Per kind: jobs queued and the earliest due time (for metrics); at most
 * max kinds, arena arrays. */
struct job_kind_count {
    const char *kind;
    int64_t queued;
    int64_t earliest_ms;
};

enum store_rc store_job_counts(struct store *st, struct arena *a, size_t max,
                               struct job_kind_count **out, size_t *n);

#endif
