/*
 * buf: the one growable byte buffer, always with a cap (STYLE.md rule 4,
 * after curl's dynbuf).
 *
 * Appending past the cap fails with -1 and leaves the buffer as it was, so
 * the caller can answer "too large" instead of growing without bound. The
 * contents are kept NUL-terminated for convenience; len excludes the NUL.
 */
#ifndef SOCIALD_UTIL_BUF_H
#define SOCIALD_UTIL_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* the cap: len never exceeds it */
};

/* Prepares an empty buffer that may grow to max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Frees the storage; the buffer is empty afterwards and may be reused. */
void buf_free(struct buf *b);
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Makes room for n more bytes without changing the contents; returns 0, or
 * -1 when that would pass the cap. */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes; returns 0, or -1 (buffer unchanged) past the cap. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string; as buf_append. */
int buf_puts(struct buf *b, const char *s);
/* Appends one byte; as buf_append. */
int buf_putc(struct buf *b, char c);
/* Appends formatted text; as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the storage to the caller (who frees it with free()) and empties b. */
char *buf_steal(struct buf *b, size_t *len);

#endif
