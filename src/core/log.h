/*
 * log: JSON-lines logging on stderr (or a file, reopened on SIGHUP).
 *
 * A line is built with the JSON writer and appended to a buffer of the
 * thread that logs it; a writer thread collects every thread's buffer at
 * least every 50 ms and writes them with one writev(2). Logging a request
 * costs a format, a copy and a lock no other request thread takes (only the
 * writer, when it swaps that thread's buffer out), never a write(2) and
 * never a wait for the sink.
 *
 * When the sink cannot keep up (a slow disk, a stalled pipe) and a thread's
 * buffer is full, its info and debug lines (the access log among them) are
 * dropped and counted (log_lines_dropped, shown by /metrics as
 * sociald_log_lines_dropped_total). Warnings and errors are never dropped:
 * they wait for room instead, and wake the writer at once, so whoever reads
 * the log after a failure finds its line there. What a crash can lose is at
 * most those 50 ms of info lines; fatal paths call log_flush(). Secrets (API
 * keys, profile keys, tokens) are never passed to the logger: callers log
 * refIds and hashes' prefixes instead.
 *
 *     struct logline l;
 *     log_begin(&l, LOG_INFO, "listening");
 *     jw_kint(&l.w, "port", port);
 *     log_end(&l);
 */
#ifndef SOCIALD_CORE_LOG_H
#define SOCIALD_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/jsonw.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct logline {
    struct buf b;
    struct jw w;
    bool on;
    bool urgent; /* warn or error: wake the writer */
};

/* Starts logging at min_level to path (NULL: stderr; a file that cannot be
 * opened: stderr too). Call it again only after log_shutdown. */
void log_init(enum log_level min_level, const char *path);
/* Writes everything logged so far, stops the writer thread and closes the
 * log file; later lines are written directly to stderr. log_init may start
 * logging again. */
void log_shutdown(void);
/* Returns once every line logged before the call is written. */
void log_flush(void);
/* Reopens the log file (for SIGHUP after rotation); no-op for stderr. */
void log_reopen(void);
/* Parses "debug"/"info"/"warn"/"error"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
/* Info and debug lines dropped so far because their thread's buffer was full
 * (the sink did not keep up); process-wide, never reset. */
uint64_t log_lines_dropped(void);
/* True when lines at level would be written. */
bool log_enabled(enum log_level level);

/* Begins a line with ts, level and msg; add fields with l->w, then log_end. */
void log_begin(struct logline *l, enum log_level level, const char *msg);
/* Finishes the line and queues it, or drops it when it is an info or debug
 * line and the thread's buffer is full; releases the line's buffer. */
void log_end(struct logline *l);

/* One-line shorthands with a printf-formatted message. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
