/*
 * jsonw: a small streaming JSON writer into a capped struct buf.
 *
 * The hot paths (GET /api/user, the batch export) write JSON directly rather
 * than building jansson trees: DESIGN.md measured jansson's encoder at ~20 us
 * for a 3 KB profile. The writer tracks commas itself; errors (the buffer cap,
 * nesting deeper than JW_MAX_DEPTH) are sticky and reported by jw_failed().
 * Strings are escaped per RFC 8259; invalid UTF-8 is replaced by U+FFFD so the
 * output is always valid JSON.
 */
#ifndef SOCIALD_UTIL_JSONW_H
#define SOCIALD_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define JW_MAX_DEPTH 32

struct jw {
    struct buf *b;
    int depth;
    bool failed;
    bool need_comma[JW_MAX_DEPTH + 1];
    bool after_key;
};

/* Starts writing at the end of b (which the caller owns). */
void jw_init(struct jw *w, struct buf *b);
/* True once any write failed; the buffer then holds partial output. */
bool jw_failed(const struct jw *w);

void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Inserts an already-encoded JSON value verbatim. */
void jw_raw(struct jw *w, const char *json, size_t n);

/* key + value shorthands */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
/* key and v, or key and null when !present. */
void jw_kint_or_null(struct jw *w, const char *key, bool present, int64_t v);
/* The same, for a key and a string the caller knows need no escaping
 * (printable ASCII without '"' or '\\': literals, generated ids, ISO
 * times); one reservation and copies, for lines written on every request
 * (the access log). Checked by assertion. */
void jw_kstr_plain(struct jw *w, const char *key, const char *s);
void jw_kint_plain(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
/* Writes key and string only when s is non-NULL and non-empty. */
void jw_kstr_opt(struct jw *w, const char *key, const char *s);

/* Writes v in decimal into out (NUL-terminated); returns the length. */
size_t jw_itoa(int64_t v, char out[24]);

/* Appends the JSON string encoding of the n bytes at s (with quotes) to b.
 * Returns 0, or -1 when the cap is reached. */
int jw_escape(struct buf *b, const char *s, size_t n);

#endif
