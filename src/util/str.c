/*
 * str: length-carrying string helpers (see str.h).
 */
#include "util/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct slice str_trim(const char *s)
{
    struct slice r = {s, 0};
    if (!s)
        return r;
    /* Every ASCII white space: a title of only "\n" is as blank as " ". */
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
        n--;
    r.p = s;
    r.n = n;
    return r;
}

bool str_eq(struct slice a, const char *b)
{
    return strlen(b) == a.n && memcmp(a.p, b, a.n) == 0;
}

bool str_ieq(struct slice a, const char *b)
{
    return strlen(b) == a.n && strncasecmp(a.p, b, a.n) == 0;
}

bool str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool str_to_bool(const char *s, bool *out)
{
    if (!s)
        return false;
    if (!strcasecmp(s, "true") || !strcmp(s, "1")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(s, "false") || !strcmp(s, "0")) {
        *out = false;
        return true;
    }
    return false;
}

int str_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_copy(char *dst, size_t n, const char *s)
{
    size_t l = strlen(s);
    if (n == 0)
        return false;
    if (l >= n) {
        memcpy(dst, s, n - 1);
        dst[n - 1] = '\0';
        return false;
    }
    memcpy(dst, s, l + 1);
    return true;
}
