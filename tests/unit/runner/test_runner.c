/* jobs/runner: the guarantees runner.h states, on a real temporary SQLite
 * store — due jobs are leased and started, results are recorded on the
 * runner's thread, each lane leases only its own kinds, no more than the
 * concurrency is in flight, a job released for later (a retry) or whose
 * lease expired (its worker died) runs again with its attempts counted and
 * never before it is due, runner_wake() starts a queued job at once, a
 * kind that batches gets a lease's jobs and a drain's results in one call
 * each, and runner_finish() ends each leased job exactly once (asserted).
 *
 * Nothing waits a fixed time: every wait polls with a deadline, and the
 * poll period is a minute, so a test that passes saw the runner act on the
 * due time or the wake-up, not on its poll. */
#include "suites.h"
#include "runner/runner.h"
#include "testutil.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXJOBS  16
#define DEADLINE 10000 /* ms */

struct probe {
    pthread_mutex_t mu;
    struct store *st;
    /* what start() saw, in order */
    struct job jobs[MAXJOBS];
    int64_t started_ms[MAXJOBS];
    size_t nstarted;
    /* jobs started and not yet recorded */
    size_t inflight, inflight_max;
    size_t nrecorded;
    size_t start_calls, record_calls; /* of start_many and record_many */
    pthread_t record_thread;
    /* behaviour */
    bool hold;              /* start() does not finish: the test does */
    bool finish_twice;      /* start() finishes its job twice (a bug) */
    int64_t retry_after_ms; /* record() releases a first attempt for later */
};

struct done {
    struct probe *p;
    int64_t job_id, attempts;
};

static struct ut_store ut;

static void record(void *arg)
{
    struct done *d = arg;
    struct probe *p = d->p;
    pthread_mutex_lock(&p->mu);
    p->record_thread = pthread_self();
    if (p->retry_after_ms && d->attempts == 1)
        store_job_reschedule(p->st, d->job_id, time_now_ms() + p->retry_after_ms);
    else
        store_job_delete(p->st, d->job_id);
    p->inflight--;
    p->nrecorded++;
    pthread_mutex_unlock(&p->mu);
    free(d);
}

static void finish(struct runner *r, struct probe *p, const struct job *job)
{
    struct done *d = mem_calloc(1, sizeof(*d));
    d->p = p;
    d->job_id = job->id;
    d->attempts = job->attempts;
    runner_finish(r, job->id, record, d);
}

static void start(void *ctx, struct runner *r, const struct job *job)
{
    struct probe *p = ctx;
    pthread_mutex_lock(&p->mu);
    ck_assert_uint_lt(p->nstarted, MAXJOBS);
    p->jobs[p->nstarted] = *job;
    p->started_ms[p->nstarted] = time_now_ms();
    p->nstarted++;
    if (++p->inflight > p->inflight_max)
        p->inflight_max = p->inflight;
    bool hold = p->hold;
    pthread_mutex_unlock(&p->mu);
    if (hold)
        return;
    finish(r, p, job);
    if (p->finish_twice)
        finish(r, p, job);
}

/* start_many: notes the jobs as start() does, then finishes them all. */
static void start_batch(void *ctx, struct runner *r, const struct job *jobs, size_t n)
{
    struct probe *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->start_calls++;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(p->nstarted, MAXJOBS);
        p->jobs[p->nstarted] = jobs[i];
        p->started_ms[p->nstarted] = time_now_ms();
        p->nstarted++;
        p->inflight++;
    }
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < n; i++) {
        struct done *d = mem_calloc(1, sizeof(*d));
        d->p = p;
        d->job_id = jobs[i].id;
        d->attempts = jobs[i].attempts;
        runner_finish(r, jobs[i].id, NULL, d);
    }
}

/* record_many: ends the jobs in one statement. */
static void record_batch(void *ctx, void **args, size_t n)
{
    struct probe *p = ctx;
    int64_t ids[MAXJOBS];
    ck_assert_uint_le(n, MAXJOBS);
    pthread_mutex_lock(&p->mu);
    p->record_thread = pthread_self();
    p->record_calls++;
    for (size_t i = 0; i < n; i++) {
        struct done *d = args[i];
        ids[i] = d->job_id;
        p->inflight--;
        p->nrecorded++;
        free(d);
    }
    pthread_mutex_unlock(&p->mu);
    ck_assert_int_eq(store_job_delete_many(p->st, ids, n), STORE_OK);
}

static struct probe *probe_new(void)
{
    struct probe *p = mem_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    p->st = ut_store_open(&ut);
    return p;
}

static void probe_free(struct probe *p)
{
    ut_store_close(&ut);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static struct runner *runner_on(struct probe *p, enum job_lane lane, unsigned concurrency)
{
    const struct runner_kind kinds[] = {
        {.name = "webhook", .start = start, .ctx = p},
        {.name = "refresh", .start = start, .ctx = p},
    };
    struct runner_config cfg = {
        .lane = lane, .concurrency = concurrency, .lease_ms = 60000, .poll_ms = 60000};
    return runner_new(p->st, kinds, 2, &cfg);
}

static size_t started(struct probe *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->nstarted;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static size_t recorded(struct probe *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->nrecorded;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void nap(void)
{
    struct timespec ts = {0, 2 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls until count(p) reaches n, for at most DEADLINE. */
static void await(struct probe *p, size_t (*count)(struct probe *), size_t n, const char *what)
{
    int64_t end = time_mono_ms() + DEADLINE;
    while (count(p) < n && time_mono_ms() < end)
        nap();
    ck_assert_msg(count(p) >= n, "%s: %zu of %zu after %d ms", what, count(p), n, DEADLINE);
}

/* Polls until r has recorded, and committed, all it started: a result
 * counts in runner_inflight() until its drain's transaction is over. */
static void settle(struct runner *r)
{
    int64_t end = time_mono_ms() + DEADLINE;
    while (runner_inflight(r) > 0 && time_mono_ms() < end)
        nap();
    ck_assert_uint_eq(runner_inflight(r), 0);
}

static int64_t jobs_left(struct probe *p)
{
    int64_t n = -1;
    ck_assert_int_eq(store_job_count(p->st, &n), STORE_OK);
    return n;
}

START_TEST(due_job_is_started_and_recorded_on_the_runner_thread)
{
    struct probe *p = probe_new();
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 42, now, now), STORE_OK);
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    await(p, recorded, 1, "recorded");
    ck_assert_str_eq(p->jobs[0].kind, "webhook");
    ck_assert_int_eq(p->jobs[0].ref, 42);
    ck_assert_int_eq(p->jobs[0].attempts, 1);
    ck_assert(!pthread_equal(p->record_thread, pthread_self()));
    settle(r);
    ck_assert_int_eq(jobs_left(p), 0);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(each_lane_leases_its_own_kinds)
{
    struct probe *p = probe_new();
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_lane("webhook"), JOB_LANE_DELIVERY);
    ck_assert_int_eq(store_job_lane("refresh"), JOB_LANE_UPKEEP);
    ck_assert_int_eq(store_job_add(p->st, "refresh", 1, now, now), STORE_OK);
    ck_assert_int_eq(store_job_add(p->st, "webhook", 2, now, now), STORE_OK);
    /* Both are due: one lease would have taken both. */
    struct runner *delivery = runner_on(p, JOB_LANE_DELIVERY, 8);
    await(p, recorded, 1, "the delivery lane's job");
    ck_assert_uint_eq(started(p), 1);
    ck_assert_str_eq(p->jobs[0].kind, "webhook");
    settle(delivery);
    ck_assert_int_eq(jobs_left(p), 1);
    struct runner *upkeep = runner_on(p, JOB_LANE_UPKEEP, 8);
    await(p, recorded, 2, "the upkeep lane's job");
    ck_assert_str_eq(p->jobs[1].kind, "refresh");
    settle(upkeep);
    ck_assert_int_eq(jobs_left(p), 0);
    runner_stop(delivery, 1000);
    runner_stop(upkeep, 1000);
    runner_free(delivery);
    runner_free(upkeep);
    probe_free(p);
}
END_TEST

START_TEST(no_more_than_the_concurrency_in_flight)
{
    struct probe *p = probe_new();
    p->hold = true;
    int64_t now = time_now_ms();
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(store_job_add(p->st, "webhook", i, now, now), STORE_OK);
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 2);
    /* The test finishes the held jobs one at a time; start() notes the
     * most it ever had in flight. */
    for (size_t done = 0; done < 5; done++) {
        await(p, started, done + 1, "started");
        pthread_mutex_lock(&p->mu);
        struct job j = p->jobs[done];
        pthread_mutex_unlock(&p->mu);
        struct done *d = mem_calloc(1, sizeof(*d));
        d->p = p;
        d->job_id = j.id;
        d->attempts = j.attempts;
        runner_finish(r, j.id, record, d);
    }
    await(p, recorded, 5, "recorded");
    ck_assert_uint_eq(p->inflight_max, 2);
    /* Finished here, recorded on the runner's thread. */
    ck_assert(!pthread_equal(p->record_thread, pthread_self()));
    settle(r);
    ck_assert_int_eq(jobs_left(p), 0);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(a_released_job_runs_again_when_due_with_attempts_counted)
{
    struct probe *p = probe_new();
    p->retry_after_ms = 300; /* the kind's backoff: a first attempt retries */
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 9, now, now), STORE_OK);
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    await(p, recorded, 2, "both attempts recorded");
    ck_assert_int_eq(p->jobs[0].id, p->jobs[1].id);
    ck_assert_int_eq(p->jobs[0].attempts, 1);
    ck_assert_int_eq(p->jobs[1].attempts, 2);
    /* Not before it was due (the poll period is a minute: the runner
     * woke for the due time itself). */
    ck_assert_int_ge(p->started_ms[1] - p->started_ms[0], 300);
    settle(r);
    ck_assert_int_eq(jobs_left(p), 0);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(a_job_whose_worker_died_runs_again_after_its_lease)
{
    struct probe *p = probe_new();
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 5, now, now), STORE_OK);
    /* Another process leases it and dies without a word. */
    struct store *other = ut_store_another(&ut);
    struct arena *a = arena_new();
    struct job *jobs = NULL;
    size_t n = 0;
    int64_t leased = time_now_ms();
    ck_assert_int_eq(
        store_job_lease(other, a, JOB_LANE_DELIVERY, "dead-1", leased, 300, 4, &jobs, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 1);
    arena_free(a);
    store_close(other);

    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    await(p, recorded, 1, "the orphaned job");
    ck_assert_int_eq(p->jobs[0].ref, 5);
    ck_assert_int_eq(p->jobs[0].attempts, 2);
    /* One holder at a time: not while the dead worker's lease ran. */
    ck_assert_int_ge(p->started_ms[0], leased + 300);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(wake_starts_a_queued_job_at_once)
{
    struct probe *p = probe_new();
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 1, now, now), STORE_OK);
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    await(p, recorded, 1, "the first job");
    /* Idle now until its minute's poll, unless woken. */
    now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 2, now, now), STORE_OK);
    runner_wake(r);
    await(p, recorded, 2, "the job queued after the wake-up");
    ck_assert_int_eq(p->jobs[1].ref, 2);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(a_kind_that_batches_starts_a_lease_and_records_a_drain_at_once)
{
    struct probe *p = probe_new();
    int64_t now = time_now_ms();
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(store_job_add(p->st, "webhook", 100 + i, now, now), STORE_OK);
    const struct runner_kind kinds[] = {
        {.name = "webhook", .start_many = start_batch, .record_many = record_batch, .ctx = p}};
    struct runner_config cfg = {
        .lane = JOB_LANE_DELIVERY, .concurrency = 8, .lease_ms = 60000, .poll_ms = 60000};
    struct runner *r = runner_new(p->st, kinds, 1, &cfg);
    await(p, recorded, 5, "recorded");
    settle(r);
    /* All five were due when the runner started: one lease took them,
     * and they finished before its next drain. */
    ck_assert_uint_eq(p->start_calls, 1);
    ck_assert_uint_eq(p->record_calls, 1);
    ck_assert(!pthread_equal(p->record_thread, pthread_self()));
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(p->jobs[i].attempts, 1);
    ck_assert_int_eq(jobs_left(p), 0);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

/* ---- exactly once: debug builds abort on a broken contract ---- */

#ifndef NDEBUG

START_TEST(finishing_a_job_twice_aborts)
{
    struct probe *p = probe_new();
    p->finish_twice = true;
    int64_t now = time_now_ms();
    ck_assert_int_eq(store_job_add(p->st, "webhook", 1, now, now), STORE_OK);
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    /* The runner thread's second runner_finish() must abort the process;
     * failing that, the test ends normally and fails. */
    await(p, recorded, 1, "recorded");
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST

START_TEST(finishing_a_job_never_leased_aborts)
{
    struct probe *p = probe_new();
    struct runner *r = runner_on(p, JOB_LANE_DELIVERY, 4);
    struct done *d = mem_calloc(1, sizeof(*d));
    d->p = p;
    d->job_id = 12345;
    runner_finish(r, 12345, record, d);
    runner_stop(r, 1000);
    runner_free(r);
    probe_free(p);
}
END_TEST
#endif

Suite *runner_suite(void)
{
    Suite *s = suite_create("jobs/runner");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, due_job_is_started_and_recorded_on_the_runner_thread);
    tcase_add_test(tc, each_lane_leases_its_own_kinds);
    tcase_add_test(tc, no_more_than_the_concurrency_in_flight);
    tcase_add_test(tc, a_released_job_runs_again_when_due_with_attempts_counted);
    tcase_add_test(tc, a_job_whose_worker_died_runs_again_after_its_lease);
    tcase_add_test(tc, wake_starts_a_queued_job_at_once);
    tcase_add_test(tc, a_kind_that_batches_starts_a_lease_and_records_a_drain_at_once);
#ifndef NDEBUG
    tcase_add_test_raise_signal(tc, finishing_a_job_twice_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, finishing_a_job_never_leased_aborts, SIGABRT);
#endif
    suite_add_tcase(s, tc);
    return s;
}
