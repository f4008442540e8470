/*
 * router: method + pattern matching over the route table (see router.h).
 *
 * The table is small (tens of routes), so a linear scan comparing segments
 * costs well under a microsecond and needs no index. Matching works on the
 * raw path and decodes only captured segments; a trailing slash is ignored
 * so "/api/user/" finds "/api/user".
 */
#include "http/router.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

char *router_decode(struct arena *a, const char *s, size_t n, int plus_is_space)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int hi = str_hexval(s[i + 1]), lo = str_hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            if (c == '\0')
                return NULL;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

/* Length of the path without one trailing slash (the root keeps its slash). */
static size_t path_len(const char *path)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        n--;
    return n;
}

/*
 * Compares pattern against path[0..n). Captured segments are recorded as
 * (offset, length) pairs; returns 1 on a match.
 */
static int match(const char *pat, const char *path, size_t n, size_t caps[][2], int *ncaps)
{
    size_t i = 0;
    int nc = 0;
    while (*pat) {
        if (*pat != '/' || i >= n || path[i] != '/')
            return 0;
        pat++;
        i++;
        const char *pend = strchr(pat, '/');
        size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);
        size_t start = i;
        while (i < n && path[i] != '/')
            i++;
        size_t slen = i - start;
        if (plen && pat[0] == ':') {
            /* A dot segment ("." or "..") is never a parameter value. */
            bool dots = (slen == 1 && path[start] == '.') ||
                        (slen == 2 && path[start] == '.' && path[start + 1] == '.');
            if (slen == 0 || dots || nc >= REQ_MAX_PARAMS)
                return 0;
            caps[nc][0] = start;
            caps[nc][1] = slen;
            nc++;
        } else if (plen != slen || memcmp(pat, path + start, slen) != 0) {
            return 0;
        }
        pat += plen;
    }
    if (i != n)
        return 0;
    *ncaps = nc;
    return 1;
}

const struct route *router_match(const struct route *routes, size_t nroutes,
                                 enum http_method method, const char *path, struct arena *arena,
                                 const char *params[REQ_MAX_PARAMS], int *nparams, unsigned *allow,
                                 int *bad_path)
{
    size_t n = path_len(path);
    unsigned want = method == HM_HEAD ? (unsigned)HM_GET : (unsigned)method;
    *allow = 0;
    *nparams = 0;
    *bad_path = 0;
    for (size_t r = 0; r < nroutes; r++) {
        size_t caps[REQ_MAX_PARAMS][2];
        int nc = 0;
        if (!match(routes[r].pattern, path, n, caps, &nc))
            continue;
        if (!(routes[r].methods & want)) {
            *allow |= routes[r].methods;
            continue;
        }
        for (int i = 0; i < nc; i++) {
            params[i] = router_decode(arena, path + caps[i][0], caps[i][1], 0);
            if (!params[i]) {
                *bad_path = 1;
                return NULL;
            }
        }
        *nparams = nc;
        return &routes[r];
    }
    return NULL;
}

void router_allow_header(unsigned methods, char *out, size_t outlen)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{HM_GET, "GET"},        {HM_HEAD, "HEAD"},   {HM_POST, "POST"},
                 {HM_PUT, "PUT"},        {HM_PATCH, "PATCH"}, {HM_DELETE, "DELETE"},
                 {HM_OPTIONS, "OPTIONS"}};
    size_t o = 0;
    out[0] = '\0';
    if (methods & HM_GET)
        methods |= HM_HEAD;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(methods & names[i].bit))
            continue;
        int w = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", names[i].name);
        if (w < 0 || (size_t)w >= outlen - o)
            break;
        o += (size_t)w;
    }
}

enum http_method router_method(const char *s)
{
    if (!strcmp(s, "GET"))
        return HM_GET;
    if (!strcmp(s, "POST"))
        return HM_POST;
    if (!strcmp(s, "PUT"))
        return HM_PUT;
    if (!strcmp(s, "PATCH"))
        return HM_PATCH;
    if (!strcmp(s, "DELETE"))
        return HM_DELETE;
    if (!strcmp(s, "HEAD"))
        return HM_HEAD;
    if (!strcmp(s, "OPTIONS"))
        return HM_OPTIONS;
    return HM_OTHER;
}
