/*
 * log: the per-thread buffers behind the access log. The sink is a pipe the
 * test reads (or, to stand for a sink that cannot keep up, does not read):
 * info lines are dropped and counted when their thread's buffer is full,
 * never warnings; what is kept arrives whole and in each thread's order;
 * lines of threads that exit without a flush are written.
 */
#include "suites.h"
#include "core/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Everything read from the pipe, until EOF. */
struct drain {
    int fd;
    char *data;
    size_t len, cap;
};

static void *drain_run(void *arg)
{
    struct drain *d = arg;
    for (;;) {
        if (d->cap - d->len < 65536) {
            d->cap = d->cap ? d->cap * 2 : 1 << 20;
            d->data = realloc(d->data, d->cap);
            ck_assert_ptr_nonnull(d->data);
        }
        ssize_t n = read(d->fd, d->data + d->len, d->cap - d->len - 1);
        if (n <= 0)
            break;
        d->len += (size_t)n;
    }
    d->data[d->len] = '\0';
    return NULL;
}

/* Starts logging into a new pipe; *rfd is its read end. */
static void log_to_pipe(int *rfd, int *wfd)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
    log_init(LOG_INFO, path);
    *rfd = p[0];
    *wfd = p[1];
}

/* Lines logged by one thread: {"t": thread, "i": sequence}. */
static void log_seq(enum log_level level, int thread, int i)
{
    struct logline l;
    log_begin(&l, level, "seq");
    jw_kint(&l.w, "t", thread);
    jw_kint(&l.w, "i", i);
    log_end(&l);
}

/* Checks every line is whole JSON and each thread's sequence rises; counts
 * the "seq" lines per level and thread. */
static void check_lines(const char *text, int nthreads, int *info, int *warn)
{
    int last[8];
    char last_ts[8][32];
    for (int t = 0; t < nthreads; t++) {
        last[t] = -1;
        last_ts[t][0] = '\0';
        info[t] = warn[t] = 0;
    }
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        ck_assert_msg(nl != NULL, "a cut line at the end: %.80s", p);
        json_error_t err;
        json_t *j = json_loadb(p, (size_t)(nl - p), 0, &err);
        ck_assert_msg(j != NULL, "not a JSON line: %.*s", (int)(nl - p), p);
        /* ts as time_iso_ms writes it: 2026-01-02T03:04:05.678Z */
        const char *ts = json_string_value(json_object_get(j, "ts"));
        ck_assert_ptr_nonnull(ts);
        ck_assert_uint_eq(strlen(ts), 24);
        for (int k = 0; k < 24; k++)
            ck_assert_msg(k == 4 || k == 7     ? ts[k] == '-'
                          : k == 10            ? ts[k] == 'T'
                          : k == 13 || k == 16 ? ts[k] == ':'
                          : k == 19            ? ts[k] == '.'
                          : k == 23            ? ts[k] == 'Z'
                                               : ts[k] >= '0' && ts[k] <= '9',
                          "ts %s", ts);
        if (!strcmp(json_string_value(json_object_get(j, "msg")), "seq")) {
            int t = (int)json_integer_value(json_object_get(j, "t"));
            int i = (int)json_integer_value(json_object_get(j, "i"));
            ck_assert(t >= 0 && t < nthreads);
            ck_assert_msg(i > last[t], "thread %d: line %d after %d", t, i, last[t]);
            ck_assert_msg(strcmp(ts, last_ts[t]) >= 0, "thread %d: %s after %s", t, ts, last_ts[t]);
            last[t] = i;
            snprintf(last_ts[t], sizeof(last_ts[t]), "%s", ts);
            if (!strcmp(json_string_value(json_object_get(j, "level")), "warn"))
                warn[t]++;
            else
                info[t]++;
        }
        json_decref(j);
        p = nl + 1;
    }
}

static atomic_int filler_dropped_at;

/* Logs info lines until the sink (nobody reads it) makes it drop some, then
 * a warning, which must wait for room instead. */
static void *filler(void *arg)
{
    (void)arg;
    uint64_t before = log_lines_dropped();
    int i = 0;
    while (log_lines_dropped() == before && i < 10000000)
        log_seq(LOG_INFO, 0, i++);
    atomic_store(&filler_dropped_at, i);
    log_seq(LOG_WARN, 0, i);
    return NULL;
}

START_TEST(full_buffer_drops_info_keeps_warnings)
{
    int rfd, wfd;
    log_to_pipe(&rfd, &wfd);
    uint64_t before = log_lines_dropped();
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, filler, NULL), 0);
    /* Read only once lines were dropped: till then nobody reads. */
    while (atomic_load(&filler_dropped_at) == 0)
        usleep(1000);
    struct drain d = {.fd = rfd};
    pthread_t dt;
    ck_assert_int_eq(pthread_create(&dt, NULL, drain_run, &d), 0);
    pthread_join(th, NULL);
    log_shutdown(); /* writes everything, closes the pipe's other end */
    close(wfd);
    pthread_join(dt, NULL);
    close(rfd);

    int logged = atomic_load(&filler_dropped_at);
    uint64_t dropped = log_lines_dropped() - before;
    ck_assert_uint_ge(dropped, 1);
    int info[1], warn[1];
    check_lines(d.data, 1, info, warn);
    ck_assert_int_eq(info[0], logged - (int)dropped); /* each line either written or counted */
    ck_assert_int_eq(warn[0], 1);
    free(d.data);
}
END_TEST

#define NTHREADS 4
#define NLINES   200

static void *short_lived(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < NLINES; i++)
        log_seq(i % 50 == 49 ? LOG_WARN : LOG_INFO, t, i);
    return NULL; /* no flush: its buffer is left to the writer */
}

START_TEST(exited_threads_lines_are_written)
{
    int rfd, wfd;
    log_to_pipe(&rfd, &wfd);
    struct drain d = {.fd = rfd};
    pthread_t dt;
    ck_assert_int_eq(pthread_create(&dt, NULL, drain_run, &d), 0);
    uint64_t before = log_lines_dropped();
    /* Two generations of threads: buffers are freed and new ones made. */
    for (int gen = 0; gen < 2; gen++) {
        pthread_t th[NTHREADS];
        for (int t = 0; t < NTHREADS; t++)
            ck_assert_int_eq(pthread_create(&th[t], NULL, short_lived, (void *)(intptr_t)t), 0);
        for (int t = 0; t < NTHREADS; t++)
            pthread_join(th[t], NULL);
        log_flush();
    }
    log_shutdown();
    close(wfd);
    pthread_join(dt, NULL);
    close(rfd);
    ck_assert_uint_eq(log_lines_dropped(), before);
    int info[NTHREADS], warn[NTHREADS];
    /* Each generation restarts its sequence: check them one at a time. */
    const char *second = d.data;
    for (int n = 0; n < NTHREADS * NLINES; n++)
        second = strchr(second, '\n') + 1;
    char *first = strndup(d.data, (size_t)(second - d.data));
    ck_assert_ptr_nonnull(first);
    check_lines(first, NTHREADS, info, warn);
    for (int t = 0; t < NTHREADS; t++)
        ck_assert_int_eq(info[t] + warn[t], NLINES);
    check_lines(second, NTHREADS, info, warn);
    for (int t = 0; t < NTHREADS; t++) {
        ck_assert_int_eq(info[t], NLINES - NLINES / 50);
        ck_assert_int_eq(warn[t], NLINES / 50);
    }
    free(first);
    free(d.data);
}
END_TEST

Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, full_buffer_drops_info_keeps_warnings);
    tcase_add_test(tc, exited_threads_lines_are_written);
    suite_add_tcase(s, tc);
    return s;
}
