/*
 * jsonw: streaming JSON writer (see jsonw.h).
 */
#include "util/jsonw.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <assert.h>
#include <string.h>

void jw_init(struct jw *w, struct buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

bool jw_failed(const struct jw *w)
{
    return w->failed;
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (!w->failed && buf_append(w->b, s, n))
        w->failed = true;
}

/* Writes the separator a new value needs at the current position. */
static void sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        put(w, ",", 1);
    w->need_comma[w->depth] = true;
}

static void open(struct jw *w, char c)
{
    sep(w);
    put(w, &c, 1);
    if (w->depth >= JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c)
{
    if (w->depth == 0) {
        w->failed = true;
        return;
    }
    w->depth--;
    put(w, &c, 1);
}

void jw_obj(struct jw *w)
{
    open(w, '{');
}

void jw_obj_end(struct jw *w)
{
    close_(w, '}');
}

void jw_arr(struct jw *w)
{
    open(w, '[');
}

void jw_arr_end(struct jw *w)
{
    close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/* What each byte needs: 0 copied as it is, 1 escaped (controls, '"', '\\'),
 * 2 the start of a UTF-8 sequence to check. A table: the loop over plain
 * bytes is most of the cost of rendering an answer. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Writes the escape of control character or quote c at o; returns its end. */
static char *put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '\\';
    switch (c) {
    case '"':
        *o++ = '"';
        break;
    case '\\':
        *o++ = '\\';
        break;
    case '\n':
        *o++ = 'n';
        break;
    case '\r':
        *o++ = 'r';
        break;
    case '\t':
        *o++ = 't';
        break;
    case '\b':
        *o++ = 'b';
        break;
    case '\f':
        *o++ = 'f';
        break;
    default:
        *o++ = 'u';
        *o++ = '0';
        *o++ = '0';
        *o++ = hex[c >> 4];
        *o++ = hex[c & 15];
    }
    return o;
}

static int escape_slow(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    if (buf_putc(b, '"'))
        return -1;
    while (i < n) {
        unsigned char c = p[i];
        if (byte_class[c] == 0) {
            i++;
            run++;
            continue;
        }
        if (run && buf_append(b, p + i - run, run))
            return -1;
        run = 0;
        if (c >= 0x80) {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                if (buf_puts(b, "\\ufffd"))
                    return -1;
                i++;
            } else {
                if (buf_append(b, p + i, l))
                    return -1;
                i += l;
            }
            continue;
        }
        char esc[6];
        size_t el = (size_t)(put_escape(esc, c) - esc);
        if (buf_append(b, esc, el))
            return -1;
        i++;
    }
    if (run && buf_append(b, p + i - run, run))
        return -1;
    return buf_putc(b, '"');
}

/* Every string of every answer passes here: one reservation for the worst
 * case (each byte six), then runs of plain bytes copied whole. The byte at
 * a time path is kept for a string whose worst case would pass the
 * buffer's cap while the string itself may not. */
int jw_escape(struct buf *b, const char *s, size_t n)
{
    if (n > ((size_t)-1 - 3) / 6 || buf_reserve(b, 6 * n + 2))
        return escape_slow(b, s, n);
    const unsigned char *p = (const unsigned char *)s;
    char *o = b->data + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        unsigned char cls = byte_class[p[i]];
        if (cls == 0) {
            size_t j = i + 1;
            while (j < n && byte_class[p[j]] == 0)
                j++;
            memcpy(o, p + i, j - i);
            o += j - i;
            i = j;
        } else if (cls == 1) {
            o = put_escape(o, p[i]);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                memcpy(o, "\\ufffd", 6);
                o += 6;
                i++;
            } else {
                memcpy(o, p + i, l);
                o += l;
                i += l;
            }
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

void jw_key(struct jw *w, const char *key)
{
    sep(w);
    if (!w->failed && jw_escape(w->b, key, strlen(key)))
        w->failed = true;
    put(w, ":", 1);
    w->after_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    sep(w);
    if (!w->failed && jw_escape(w->b, s, n))
        w->failed = true;
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

size_t jw_itoa(int64_t v, char out[24])
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    out[o] = '\0';
    return o;
}

void jw_int(struct jw *w, int64_t v)
{
    char tmp[24];
    size_t n = jw_itoa(v, tmp);
    sep(w);
    put(w, tmp, n);
}

void jw_double(struct jw *w, double v)
{
    char tmp[32];
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    int n;
    if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
        /* Whole numbers print without exponent or fraction, as JS does. */
        n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
        sep(w);
        put(w, tmp, (size_t)n);
        return;
    }
    n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    /* Shortest form that reads back to the same double, as JS prints it. */
    for (int prec = 1; prec < 17; prec++) {
        char t2[32];
        int n2 = snprintf(t2, sizeof(t2), "%.*g", prec, v);
        if (strtod(t2, NULL) == v) {
            memcpy(tmp, t2, (size_t)n2 + 1);
            n = n2;
            break;
        }
    }
    sep(w);
    put(w, tmp, (size_t)n);
}

void jw_bool(struct jw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_null(struct jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
    sep(w);
    put(w, json, n);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kint_or_null(struct jw *w, const char *key, bool present, int64_t v)
{
    jw_key(w, key);
    if (present)
        jw_int(w, v);
    else
        jw_null(w);
}

static bool plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
            return false;
    return true;
}

/* Writes "key":<q>value<q> with its separator, q a quote or nothing, in
 * one reservation. */
static void plain_member(struct jw *w, const char *key, const char *v, size_t vlen, bool quote)
{
    size_t klen = strlen(key);
    assert(plain(key, klen) && plain(v, vlen));
    sep(w);
    if (w->failed || buf_reserve(w->b, klen + vlen + 5)) {
        w->failed = true;
        return;
    }
    char *p = w->b->data + w->b->len;
    *p++ = '"';
    memcpy(p, key, klen);
    p += klen;
    *p++ = '"';
    *p++ = ':';
    if (quote)
        *p++ = '"';
    memcpy(p, v, vlen);
    p += vlen;
    if (quote)
        *p++ = '"';
    *p = '\0';
    w->b->len = (size_t)(p - w->b->data);
}

void jw_kstr_plain(struct jw *w, const char *key, const char *s)
{
    plain_member(w, key, s, strlen(s), true);
}

void jw_kint_plain(struct jw *w, const char *key, int64_t v)
{
    char tmp[24];
    size_t n = jw_itoa(v, tmp);
    plain_member(w, key, tmp, n, false);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_kstr_opt(struct jw *w, const char *key, const char *s)
{
    if (s && *s)
        jw_kstr(w, key, s);
}
