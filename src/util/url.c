/*
 * url: strict absolute http(s) URL parsing (see url.h).
 */
#include "util/url.h"
#include "util/str.h"

#include <string.h>
#include <strings.h>

#define URL_MAX 2048

bool url_parse(struct arena *a, const char *s, struct url *u, const char **reason)
{
    memset(u, 0, sizeof(*u));
    size_t n = strlen(s);
    if (n == 0 || n > URL_MAX) {
        *reason = "must be 1 to 2048 characters";
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p >= 0x80) {
            *reason =
                "must not contain spaces, control or non-ASCII characters (percent-encode them)";
            return false;
        }
    }
    const char *rest;
    if (!strncasecmp(s, "https://", 8)) {
        u->scheme = "https";
        u->port = 443;
        rest = s + 8;
    } else if (!strncasecmp(s, "http://", 7)) {
        u->scheme = "http";
        u->port = 80;
        rest = s + 7;
    } else {
        *reason = "must be an absolute https:// URL";
        return false;
    }
    size_t auth_len = strcspn(rest, "/?#");
    const char *auth = rest;
    if (memchr(auth, '@', auth_len)) {
        *reason = "must not contain a user name or password";
        return false;
    }
    const char *host = auth, *port = NULL;
    size_t host_len;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (!close) {
            *reason = "has an unterminated IPv6 address";
            return false;
        }
        host = auth + 1;
        host_len = (size_t)(close - host);
        u->ipv6 = true;
        if (close + 1 < auth + auth_len) {
            if (close[1] != ':') {
                *reason = "has a malformed host";
                return false;
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host_len = colon ? (size_t)(colon - auth) : auth_len;
        port = colon ? colon + 1 : NULL;
    }
    if (host_len == 0 || host_len > 253) {
        *reason = "has no host";
        return false;
    }
    char *h = arena_strndup(a, host, host_len);
    for (char *c = h; *c; c++) {
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
                  (u->ipv6 && (*c == ':' || *c == '%'));
        if (!ok) {
            *reason = "has a malformed host";
            return false;
        }
    }
    u->host = h;
    if (port) {
        size_t pl = (size_t)(auth + auth_len - port);
        char pbuf[8];
        int64_t pv;
        if (pl == 0 || pl >= sizeof(pbuf)) {
            *reason = "has a malformed port";
            return false;
        }
        memcpy(pbuf, port, pl);
        pbuf[pl] = '\0';
        if (!str_to_i64(pbuf, 1, 65535, &pv)) {
            *reason = "has a malformed port";
            return false;
        }
        u->port = (unsigned)pv;
    }
    const char *path = auth + auth_len;
    size_t plen = strcspn(path, "#");
    if (path[plen] == '#') {
        *reason = "must not contain a fragment (#...)";
        return false;
    }
    u->path_query = plen ? arena_strndup(a, path, plen) : "/";
    return true;
}
