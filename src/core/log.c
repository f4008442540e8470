/*
 * log: JSON-lines logger with one buffer per thread (see log.h).
 *
 * Each thread that logs registers a struct tbuf on its first line: `fill`,
 * which the thread appends to under the tbuf's own mutex, and `out`, which
 * only the writer touches. Each round (every 50 ms; sooner when a buffer is
 * a quarter full, a warning comes or log_flush asks) the writer swaps every
 * thread's fill and out under that mutex — the only moment another thread
 * takes it — then writes the outs with one writev(2) under the sink's mutex
 * alone. Request threads never wait for the writer or the sink: when their
 * fill is full, an info or debug line is dropped and counted.
 *
 * Guarantees: lines from one thread keep their order (one fill per thread,
 * written in full before the next swap); lines are never interleaved or cut
 * (a line is appended whole or not at all, and writes go through one mutex);
 * warnings and errors are never dropped: with a full fill they wait for the
 * next swap, or write directly once the writer has stopped. A thread that
 * exits hands its tbuf to the writer (the pthread key's destructor marks it),
 * which writes what is left and frees it. log_shutdown's last round writes
 * everything; from then on lines are written directly, each thread's
 * leftovers first.
 *
 * Lock order: a tbuf's mu, then the sink; g.mu, then the sink (log_init).
 * Nobody takes g.mu while holding a tbuf's mu.
 */
#include "core/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

/* Per thread and buffer, grown only as used. One HTTP thread at 20,000
 * requests a second logs ~3.4 MB/s: a round's 50 ms take ~170 KB, and a
 * full buffer ~300 ms, the slack for a writer that is not scheduled or a
 * write(2) that stalls (a file system's dirty-page throttling) before any
 * line is dropped. The writer is woken early at a quarter. */
#define TBUF_MAX  ((size_t)1 << 20)
#define LINE_MAX_ ((size_t)64 << 10)
#define ROUND_MS  50
#define IOV_BATCH 64

_Static_assert(TBUF_MAX > LINE_MAX_ + 1, "a line always fits an empty buffer");

struct tbuf {
    pthread_mutex_t mu;
    pthread_cond_t swapped; /* the writer emptied fill */
    struct buf fill;        /* under mu */
    struct buf out;         /* the writer's alone */
    struct buf scratch;     /* the owning thread's: reused storage for its lines */
    atomic_bool exited;     /* the thread is gone; the writer frees the tbuf */
    struct tbuf *next;      /* under g.mu; pushed at the head, unlinked by the writer */
};

static struct {
    pthread_mutex_t mu; /* threads, stop, asked, done, started */
    pthread_cond_t cv;  /* wakes the writer */
    pthread_cond_t done_cv;
    pthread_mutex_t sink; /* fd and path; held for every write */
    pthread_t thread;
    bool started;
    bool stop;
    atomic_bool running;  /* lines go to the threads' buffers */
    atomic_bool wake;     /* a round is wanted now */
    uint64_t asked, done; /* log_flush rounds asked for, and done */
    struct tbuf *threads;
    enum log_level min;
    int fd;
    char *path;
} g = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
    .done_cv = PTHREAD_COND_INITIALIZER,
    .sink = PTHREAD_MUTEX_INITIALIZER,
    .min = LOG_INFO,
    .fd = 2,
};

static _Atomic uint64_t dropped;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static _Thread_local struct tbuf *self;

static const char *level_names[] = {"debug", "info", "warn", "error"};

/* Writes the n iovecs whole, under the sink's mutex. */
static void sink_writev(struct iovec *iov, int n)
{
    pthread_mutex_lock(&g.sink);
    while (n > 0) {
        ssize_t w = writev(g.fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* the sink is gone: nothing to do but go on */
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    pthread_mutex_unlock(&g.sink);
}

/* A write of a thread's leftovers and one line, for when the writer is not
 * running. */
static void sink_write2(const struct buf *first, const struct buf *line)
{
    struct iovec iov[2];
    int n = 0;
    if (first && first->len)
        iov[n++] = (struct iovec){.iov_base = first->data, .iov_len = first->len};
    iov[n++] = (struct iovec){.iov_base = line->data, .iov_len = line->len};
    sink_writev(iov, n);
}

/* Wakes the writer without a lock: a wake-up lost in the race with its
 * going to sleep costs at most one round, which is fine for a hint. */
static void writer_hint(void)
{
    atomic_store(&g.wake, true);
    pthread_cond_signal(&g.cv);
}

/* Wakes the writer for certain (a warning or error). */
static void writer_wake(void)
{
    pthread_mutex_lock(&g.mu);
    atomic_store(&g.wake, true);
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
}

/* The key's destructor, run by an exiting thread: hands its tbuf over. */
static void self_exit(void *arg)
{
    struct tbuf *t = arg;
    buf_free(&t->scratch);
    self = NULL;
    atomic_store(&t->exited, true); /* t is the writer's from here on */
    writer_hint();
}

static void key_make(void)
{
    if (pthread_key_create(&key, self_exit))
        abort();
}

static struct tbuf *self_register(void)
{
    struct tbuf *t = mem_calloc(1, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->swapped, NULL);
    buf_init(&t->fill, TBUF_MAX);
    buf_init(&t->out, TBUF_MAX);
    buf_init(&t->scratch, LINE_MAX_);
    pthread_once(&key_once, key_make);
    pthread_setspecific(key, t);
    pthread_mutex_lock(&g.mu);
    t->next = g.threads;
    g.threads = t;
    pthread_mutex_unlock(&g.mu);
    self = t;
    return t;
}

static void tbuf_free(struct tbuf *t)
{
    buf_free(&t->fill);
    buf_free(&t->out);
    buf_free(&t->scratch);
    pthread_cond_destroy(&t->swapped);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* Frees the tbufs of exited threads whose lines are all written. Under g.mu,
 * on the writer (or after it stopped): nobody else touches an exited tbuf. */
static void reap(void)
{
    for (struct tbuf **pp = &g.threads; *pp;) {
        struct tbuf *t = *pp;
        if (atomic_load(&t->exited) && !t->fill.len && !t->out.len) {
            *pp = t->next;
            tbuf_free(t);
        } else {
            pp = &t->next;
        }
    }
}

/* One round: swaps every thread's fill out and writes them all. The last
 * round (shutdown) writes each thread's lines while holding its mutex, so a
 * thread that finds the writer stopped writes its next line after them. */
static void round_run(struct tbuf *head, bool last)
{
    struct iovec iov[IOV_BATCH];
    struct tbuf *batch[IOV_BATCH];
    int n = 0;
    for (struct tbuf *t = head; t; t = t->next) {
        pthread_mutex_lock(&t->mu);
        if (t->fill.len) {
            struct buf tmp = t->fill;
            t->fill = t->out; /* empty: written last round */
            t->out = tmp;
            pthread_cond_broadcast(&t->swapped);
        }
        if (last && t->out.len) {
            iov[0] = (struct iovec){.iov_base = t->out.data, .iov_len = t->out.len};
            sink_writev(iov, 1);
            buf_reset(&t->out);
        }
        pthread_mutex_unlock(&t->mu);
        if (!t->out.len)
            continue;
        iov[n] = (struct iovec){.iov_base = t->out.data, .iov_len = t->out.len};
        batch[n++] = t;
        if (n == IOV_BATCH) {
            sink_writev(iov, n);
            for (int i = 0; i < n; i++)
                buf_reset(&batch[i]->out);
            n = 0;
        }
    }
    if (n)
        sink_writev(iov, n);
    for (int i = 0; i < n; i++)
        buf_reset(&batch[i]->out);
}

static void *writer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        if (!g.stop && g.asked == g.done && !atomic_load(&g.wake)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += ROUND_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&g.cv, &g.mu, &ts);
        }
        atomic_store(&g.wake, false);
        bool last = g.stop;
        uint64_t asked = g.asked;
        struct tbuf *head = g.threads; /* later ones are pushed before it */
        if (last)
            atomic_store(&g.running, false);
        pthread_mutex_unlock(&g.mu);
        round_run(head, last);
        pthread_mutex_lock(&g.mu);
        reap();
        /* After the last round every line is written: all flushes are done. */
        g.done = last ? g.asked : asked;
        pthread_cond_broadcast(&g.done_cv);
        if (last)
            break;
    }
    pthread_mutex_unlock(&g.mu);
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
            pthread_mutex_lock(&g.sink);
            g.fd = fd;
            g.path = mem_strdup(path);
            pthread_mutex_unlock(&g.sink);
        }
    }
    if (!g.started) {
        g.stop = false;
        atomic_store(&g.running, true);
        if (pthread_create(&g.thread, NULL, writer, NULL) == 0)
            g.started = true;
        else
            atomic_store(&g.running, false);
    }
    pthread_mutex_unlock(&g.mu);
}

void log_flush(void)
{
    pthread_mutex_lock(&g.mu);
    if (atomic_load(&g.running) && !pthread_equal(pthread_self(), g.thread)) {
        uint64_t want = ++g.asked;
        pthread_cond_signal(&g.cv);
        while (g.done < want)
            pthread_cond_wait(&g.done_cv, &g.mu);
    }
    pthread_mutex_unlock(&g.mu);
}

void log_shutdown(void)
{
    pthread_mutex_lock(&g.mu);
    if (!g.started) {
        pthread_mutex_unlock(&g.mu);
        return;
    }
    g.stop = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(g.thread, NULL);
    pthread_mutex_lock(&g.mu);
    g.started = false;
    g.stop = false;
    reap();
    pthread_mutex_unlock(&g.mu);
    pthread_mutex_lock(&g.sink);
    if (g.path) {
        close(g.fd);
        g.fd = 2;
        free(g.path);
        g.path = NULL;
    }
    pthread_mutex_unlock(&g.sink);
}

void log_reopen(void)
{
    pthread_mutex_lock(&g.sink);
    if (g.path) {
        int fd = open_path(g.path);
        if (fd >= 0) {
            /* Lines not yet written go to the new file: none is lost. */
            close(g.fd);
            g.fd = fd;
        }
    }
    pthread_mutex_unlock(&g.sink);
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

uint64_t log_lines_dropped(void)
{
    return atomic_load_explicit(&dropped, memory_order_relaxed);
}

bool log_enabled(enum log_level level)
{
    return level >= g.min;
}

/* The line's timestamp, as time_iso_ms writes it. All but the milliseconds
 * change once a second, so each thread keeps them formatted. */
static void ts_format(char out[32])
{
    static _Thread_local int64_t sec = -1;
    static _Thread_local char prefix[32];
    static _Thread_local size_t plen;
    int64_t ms = time_now_ms();
    if (ms < 0) {
        time_iso_ms(ms, out, 32);
        return;
    }
    if (ms / 1000 != sec) {
        sec = ms / 1000;
        time_iso_ms(sec * 1000, prefix, sizeof(prefix));
        plen = strlen(prefix) - 4; /* up to the '.' of ".000Z" */
    }
    int m = (int)(ms % 1000);
    memcpy(out, prefix, plen);
    out[plen] = (char)('0' + m / 100);
    out[plen + 1] = (char)('0' + m / 10 % 10);
    out[plen + 2] = (char)('0' + m % 10);
    out[plen + 3] = 'Z';
    out[plen + 4] = '\0';
}

void log_begin(struct logline *l, enum log_level level, const char *msg)
{
    l->on = log_enabled(level);
    l->urgent = level >= LOG_WARN;
    buf_init(&l->b, LINE_MAX_);
    jw_init(&l->w, &l->b);
    if (!l->on)
        return;
    /* Borrow the thread's line storage (a line logged while building
     * another finds it taken and allocates its own). */
    if (self && self->scratch.data) {
        l->b = self->scratch;
        buf_init(&self->scratch, LINE_MAX_);
    }
    char ts[32];
    ts_format(ts);
    jw_obj(&l->w);
    jw_kstr_plain(&l->w, "ts", ts);
    jw_kstr_plain(&l->w, "level", level_names[level]);
    jw_kstr(&l->w, "msg", msg);
}

/* Queues the finished line in the thread's buffer, or drops or writes it. */
static void line_put(const struct logline *l)
{
    if (!atomic_load(&g.running) && !self) {
        sink_write2(NULL, &l->b); /* before log_init or after log_shutdown */
        return;
    }
    struct tbuf *t = self ? self : self_register();
    bool wake = false;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        if (!atomic_load(&g.running)) {
            /* The writer stopped: this thread's leftovers, then the line. */
            sink_write2(&t->fill, &l->b);
            buf_reset(&t->fill);
            break;
        }
        size_t before = t->fill.len;
        if (buf_append(&t->fill, l->b.data, l->b.len) == 0) {
            wake = l->urgent || (before < TBUF_MAX / 4 && t->fill.len >= TBUF_MAX / 4);
            break;
        }
        if (!l->urgent) {
            atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
            break;
        }
        /* A warning or error waits for the writer's next swap. */
        pthread_mutex_unlock(&t->mu);
        writer_wake();
        pthread_mutex_lock(&t->mu);
        if (t->fill.len + l->b.len > TBUF_MAX && atomic_load(&g.running))
            pthread_cond_wait(&t->swapped, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    if (wake && l->urgent)
        writer_wake();
    else if (wake)
        writer_hint();
}

void log_end(struct logline *l)
{
    if (!l->on) {
        buf_free(&l->b);
        return;
    }
    jw_obj_end(&l->w);
    if (jw_failed(&l->w) || buf_putc(&l->b, '\n')) {
        buf_reset(&l->b);
        buf_puts(&l->b, "{\"level\":\"error\",\"msg\":\"log line too long\"}\n");
    }
    line_put(l);
    /* Keep the storage for this thread's next line. */
    if (self && !self->scratch.data && l->b.cap <= 4096) {
        buf_reset(&l->b);
        self->scratch = l->b;
    } else {
        buf_free(&l->b);
    }
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
