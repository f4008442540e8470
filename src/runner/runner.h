/*
 * runner: the durable job runner — leases due rows of the store's jobs
 * table and hands each to the code for its kind.
 *
 * Guarantees:
 *  - At least once: a job leaves the table only when its kind recorded an
 *    end (done, or given up). A job whose worker died (crash, kill -9) is
 *    leased again when its lease expires (jobs_lease_ms), by this or any
 *    other process on the database.
 *  - One at a time: a job is leased by one runner at a time; results are
 *    recorded on the runner's own thread, all the results of a drain in one
 *    transaction (a drain that cannot commit leaves its jobs leased: they
 *    run again after their lease, so jobs in flight bound the duplicates).
 *  - Batches: a kind may take the jobs of one lease together (start_many)
 *    and record a drain's results together (record_many), so that what
 *    they read and write costs one statement per batch, not per job.
 *  - No ordering between jobs: due jobs are taken oldest first, but run
 *    concurrently (up to jobs_concurrency in flight).
 *  - Wake-ups: a job queued by this process runs at once (runner_wake);
 *    jobs queued by other processes, and retries coming due, are found by
 *    polling at most every jobs_poll_ms.
 *  - Shutdown: runner_stop() stops leasing and waits (up to a grace) for
 *    jobs in flight to record their results; the rest expire and rerun.
 *    Order at exit: runner_stop(), stop the workers' I/O, runner_free().
 */
#ifndef SOCIALD_RUNNER_RUNNER_H
#define SOCIALD_RUNNER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/jobs.h"

struct runner;

struct runner_kind {
    const char *name;
    /*
     * Starts a leased job, on the runner thread. It must not block on the
     * network; it ends the job by calling runner_finish(r, job->id, ...)
     * exactly once, from any thread (debug builds assert it).
     */
    void (*start)(void *ctx, struct runner *r, const struct job *job);
    /* Instead of start (set one of the two): starts the n (>= 1) jobs of
     * this kind that one lease took, together; the same contract for each
     * job. jobs is valid during the call only. */
    void (*start_many)(void *ctx, struct runner *r, const struct job *jobs, size_t n);
    /* Optional: records, together, the results of this kind's jobs that
     * one drain found, on the runner thread inside the drain's
     * transaction: args are the arg of each runner_finish() (whose record
     * is then not called), in the order they finished. */
    void (*record_many)(void *ctx, void **args, size_t n);
    void *ctx;
};

struct runner_config {
    enum job_lane lane;   /* the jobs it leases (store/jobs.h) */
    unsigned concurrency; /* jobs in flight at most */
    int64_t lease_ms;     /* how long a leased job belongs to its worker */
    int64_t poll_ms;      /* how often the table is checked without a wake-up */
};

/* Starts the runner thread over st with the given kinds (copied). */
struct runner *runner_new(struct store *st, const struct runner_kind *kinds, size_t nkinds,
                          const struct runner_config *cfg);
/* Something was queued: look now. Call after the queuing transaction
 * commits. */
void runner_wake(struct runner *r);
/* Ends leased job job_id: record(arg) runs on the runner thread (where
 * store writes belong), then the job no longer counts as in flight; for a
 * kind with record_many, arg goes to it instead (record may be NULL). Once
 * per lease: finishing a job this runner does not hold in flight (never
 * leased, or already finished) fails an assertion. */
void runner_finish(struct runner *r, int64_t job_id, void (*record)(void *arg), void *arg);
/*
 * For jobs that may outlast a lease (a batch export): renews the lease of
 * job id for another lease period. False when this runner no longer holds
 * it — the lease expired and another worker took the job: stop, and end
 * the job with runner_finish() without touching it.
 */
bool runner_keep(struct runner *r, int64_t job_id);
/* True once runner_stop has begun: a long job stops at its next chance and
 * is ended with runner_finish (it runs again later). Any thread. */
bool runner_stopping(struct runner *r);
/* The lease period (runner_keep well within it). */
int64_t runner_lease_ms(const struct runner *r);
/* Jobs leased and not yet finished. */
size_t runner_inflight(struct runner *r);
/* Stops leasing and waits up to grace_ms for jobs in flight to finish
 * (recording their results). The runner still accepts runner_finish()
 * afterwards, until runner_free(). NULL is ignored. */
void runner_stop(struct runner *r, int64_t grace_ms);
/* Records what finished since runner_stop() and frees the runner. Call
 * after whatever could still call runner_finish() has stopped. */
void runner_free(struct runner *r);

#endif
