/*
 * str: length-carrying string helpers (see str.h).
 */
#include "util/str.h"
#include "util/mem.h"

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

/* The length of the valid UTF-8 sequence at s, 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min, cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

char *str_utf8_fixed(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad = 0, len = strlen(s);
    while (i < len) {
        size_t n = utf8_len(p + i);
        bad += n == 0;
        i += n ? n : 1;
    }
    if (!bad)
        return NULL;
    char *out = mem_malloc(len + bad * 2 + 1);
    size_t o = 0;
    for (i = 0; i < len;) {
        size_t n = utf8_len(p + i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
    return out;
}
