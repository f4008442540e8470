/*
 * log: buffered JSON-lines logger (see log.h).
 *
 * Guarantees: lines from one thread keep their order; lines are never
 * interleaved; when the pending buffer is over 4 MiB the caller writes
 * synchronously instead of growing memory (back-pressure, nothing dropped).
 */
#include "core/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PENDING_MAX ((size_t)4 << 20)
#define LINE_MAX_   ((size_t)64 << 10)

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running;
    bool stop;
    struct buf pending;
    enum log_level min;
    int fd;
    char *path;
} g = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
    .min = LOG_INFO,
    .fd = 2,
};

static const char *level_names[] = {"debug", "info", "warn", "error"};

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void *writer(void *arg)
{
    (void)arg;
    struct buf local;
    buf_init(&local, PENDING_MAX);
    pthread_mutex_lock(&g.mu);
    while (!g.stop || g.pending.len) {
        if (!g.pending.len) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&g.cv, &g.mu, &ts);
            continue;
        }
        /* Swap buffers so writing happens outside the lock. */
        struct buf t = g.pending;
        g.pending = local;
        local = t;
        int fd = g.fd;
        pthread_mutex_unlock(&g.mu);
        write_all(fd, local.data, local.len);
        buf_reset(&local);
        pthread_mutex_lock(&g.mu);
    }
    pthread_mutex_unlock(&g.mu);
    buf_free(&local);
    return NULL;
}

static int open_path(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

void log_init(enum log_level min_level, const char *path)
{
    pthread_mutex_lock(&g.mu);
    g.min = min_level;
    if (path && *path) {
        int fd = open_path(path);
        if (fd >= 0) {
            g.fd = fd;
            g.path = mem_strdup(path);
        }
    }
    if (!g.running) {
        buf_init(&g.pending, PENDING_MAX);
        g.stop = false;
        if (pthread_create(&g.thread, NULL, writer, NULL) == 0)
            g.running = true;
    }
    pthread_mutex_unlock(&g.mu);
}

void log_flush(void)
{
    pthread_mutex_lock(&g.mu);
    if (g.pending.len) {
        write_all(g.fd, g.pending.data, g.pending.len);
        buf_reset(&g.pending);
    }
    pthread_mutex_unlock(&g.mu);
}

void log_shutdown(void)
{
    pthread_mutex_lock(&g.mu);
    if (!g.running) {
        pthread_mutex_unlock(&g.mu);
        return;
    }
    g.stop = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(g.thread, NULL);
    pthread_mutex_lock(&g.mu);
    g.running = false;
    buf_free(&g.pending);
    pthread_mutex_unlock(&g.mu);
}

void log_reopen(void)
{
    pthread_mutex_lock(&g.mu);
    if (g.path) {
        int fd = open_path(g.path);
        if (fd >= 0) {
            if (g.pending.len) {
                write_all(g.fd, g.pending.data, g.pending.len);
                buf_reset(&g.pending);
            }
            close(g.fd);
            g.fd = fd;
        }
    }
    pthread_mutex_unlock(&g.mu);
}

bool log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, level_names[i])) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

bool log_enabled(enum log_level level)
{
    return level >= g.min;
}

void log_begin(struct logline *l, enum log_level level, const char *msg)
{
    l->on = log_enabled(level);
    l->urgent = level >= LOG_WARN;
    buf_init(&l->b, LINE_MAX_);
    jw_init(&l->w, &l->b);
    if (!l->on)
        return;
    char ts[32];
    time_iso_ms(time_now_ms(), ts, sizeof(ts));
    jw_obj(&l->w);
    jw_kstr(&l->w, "ts", ts);
    jw_kstr(&l->w, "level", level_names[level]);
    jw_kstr(&l->w, "msg", msg);
}

void log_end(struct logline *l)
{
    if (!l->on) {
        buf_free(&l->b);
        return;
    }
    jw_obj_end(&l->w);
    if (jw_failed(&l->w)) {
        buf_reset(&l->b);
        buf_puts(&l->b, "{\"level\":\"error\",\"msg\":\"log line too long\"}");
    }
    buf_putc(&l->b, '\n');
    pthread_mutex_lock(&g.mu);
    if (!g.running || buf_append(&g.pending, l->b.data, l->b.len)) {
        /* No writer, or too much pending: write now (back-pressure). */
        if (g.pending.len) {
            write_all(g.fd, g.pending.data, g.pending.len);
            buf_reset(&g.pending);
        }
        write_all(g.fd, l->b.data, l->b.len);
    } else if (l->urgent) {
        pthread_cond_signal(&g.cv);
    }
    pthread_mutex_unlock(&g.mu);
    buf_free(&l->b);
}

__attribute__((format(printf, 2, 0))) static void vlog(enum log_level level, const char *fmt,
                                                       va_list ap)
{
    if (!log_enabled(level))
        return;
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    struct logline l;
    log_begin(&l, level, msg);
    log_end(&l);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_INFO, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_WARN, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_ERROR, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_DEBUG, fmt, ap);
    va_end(ap);
}
