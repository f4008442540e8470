/*
 * base64: URL-safe base64 without padding (see base64.h).
 */
#include "util/base64.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void base64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
}

void base64_encode(const unsigned char *in, size_t n, char *out)
{
    base64url_encode(in, n, out);
    size_t len = strlen(out);
    for (size_t i = 0; i < len; i++)
        out[i] = out[i] == '-' ? '+' : out[i] == '_' ? '/' : out[i];
    while (len % 4)
        out[len++] = '=';
    out[len] = '\0';
}

bool base64_decode(const char *s, unsigned char *out, size_t cap, size_t *n)
{
    size_t len = strlen(s);
    while (len && s[len - 1] == '=')
        len--;
    char *tmp = mem_malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-' || c == '_') {
            free(tmp);
            return false;
        }
        tmp[i] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    tmp[len] = '\0';
    bool ok = base64url_decode(tmp, out, cap, n);
    free(tmp);
    return ok;
}

static int value(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

bool base64url_decode(const char *s, unsigned char *out, size_t cap, size_t *n)
{
    size_t len = strlen(s);
    if (len % 4 == 1)
        return false;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > cap)
        return false;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value(s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    /* Leftover bits must be zero: one encoding per value (tamper-evident). */
    if (acc != 0)
        return false;
    *n = o;
    return true;
}
