/*
 * url: a strict parser for the absolute http(s) URLs users register
 * (webhooks) — no user info, no control characters or spaces, a bounded
 * length.
 */
#ifndef SOCIALD_UTIL_URL_H
#define SOCIALD_UTIL_URL_H

#include <stdbool.h>

#include "util/arena.h"

struct url {
    const char *scheme;     /* "http" | "https", lowercased */
    const char *host;       /* lowercased; IPv6 without brackets */
    unsigned port;          /* explicit or the scheme's default */
    bool ipv6;              /* the host was a bracketed IPv6 literal */
    const char *path_query; /* "/..." (may be "/") */
};

/* Parses s into u (strings in a); false with *reason set when it is not an
 * absolute http(s) URL of at most 2048 characters. */
bool url_parse(struct arena *a, const char *s, struct url *u, const char **reason);

#endif
