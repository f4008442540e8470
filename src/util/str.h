/*
 * str: small string helpers that carry lengths (STYLE.md rule 4) and the
 * checked number parsing that replaces atoi (rule 7).
 */
#ifndef SOCIALD_UTIL_STR_H
#define SOCIALD_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct slice {
    const char *p;
    size_t n;
};

/* The slice of s without leading and trailing spaces and tabs. */
struct slice str_trim(const char *s);
bool str_eq(struct slice a, const char *b);
bool str_ieq(struct slice a, const char *b);
/* Parses a whole decimal integer in [min, max]; false on anything else. */
bool str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses true/false/1/0 case-insensitively; false on anything else. */
bool str_to_bool(const char *s, bool *out);
/* The value of a hex digit (either case), or -1. */
int str_hexval(char c);
/* True when s starts with prefix. */
bool str_starts(const char *s, const char *prefix);
/* Copies s into dst (size n), always NUL-terminating; returns false if cut. */
bool str_copy(char *dst, size_t n, const char *s);
/* NULL when s is valid UTF-8 (RFC 3629: no overlong forms, surrogates or
 * code points past U+10FFFF); else a malloc'd copy with each invalid byte
 * replaced by U+FFFD. */
char *str_utf8_fixed(const char *s);

#endif
