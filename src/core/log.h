/*
 * log: JSON-lines logging on stderr (or a file, reopened on SIGHUP).
 *
 * A line is built with the JSON writer and handed to a writer thread. Info
 * and debug lines (the access log among them) wait for its next round, at
 * most 50 ms, so logging a request costs a format and a mutex, not a
 * write(2). A warning or an error wakes the writer at once: whoever reads the
 * log after a failure finds its line there, and they are too rare to cost
 * anything. What a crash can lose is at most those 50 ms of info lines;
 * fatal paths call log_flush(). Secrets (API keys, profile keys, tokens) are never
 * passed to the logger: callers log refIds and hashes' prefixes instead.
 *
 *     struct logline l;
 *     log_begin(&l, LOG_INFO, "listening");
 *     jw_kint(&l.w, "port", port);
 *     log_end(&l);
 */
#ifndef SOCIALD_CORE_LOG_H
#define SOCIALD_CORE_LOG_H

#include <stdbool.h>

#include "util/buf.h"
#include "util/jsonw.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct logline {
    struct buf b;
    struct jw w;
    bool on;
    bool urgent; /* warn or error: wake the writer */
};

/* Starts logging at min_level to path (NULL: stderr). Safe to call once. */
void log_init(enum log_level min_level, const char *path);
/* Flushes and stops the writer thread; later lines are written directly. */
void log_shutdown(void);
/* Writes everything pending now. */
void log_flush(void);
/* Reopens the log file (for SIGHUP after rotation); no-op for stderr. */
void log_reopen(void);
/* Parses "debug"/"info"/"warn"/"error"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
/* True when lines at level would be written. */
bool log_enabled(enum log_level level);

/* Begins a line with ts, level and msg; add fields with l->w, then log_end. */
void log_begin(struct logline *l, enum log_level level, const char *msg);
/* Finishes the line and queues it; frees the line's buffer. */
void log_end(struct logline *l);

/* One-line shorthands with a printf-formatted message. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
