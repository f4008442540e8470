/*
 * router: routes are data (STYLE.md rule 8, after kore_route_lookup).
 *
 * A route is a method set, a path pattern whose ":name" segments capture one
 * path segment each, the handler, and what the route needs (auth, plan
 * family, body kind and limit). Lookup tells "no such path" (404, code 601)
 * from "wrong method" (405, code 602, with the methods for Allow).
 */
#ifndef SOCIALD_HTTP_ROUTER_H
#define SOCIALD_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

struct app;

enum route_flags {
    ROUTE_AUTH = 1u << 0,         /* needs an API key */
    ROUTE_PROFILE = 1u << 1,      /* acts on a profile (Profile-Key, or the account's own) */
    ROUTE_TOMBSTONE_OK = 1u << 2, /* a deleted profile's key reaches the handler */
    ROUTE_BODY_JSON = 1u << 3,    /* a non-empty body must be a JSON object */
    ROUTE_BODY_FORM = 1u << 4,    /* the body is an HTML form (urlencoded) */
    ROUTE_NO_COUNT = 1u << 5,     /* not counted in monthly API calls */
    ROUTE_SUSPENDED_OK = 1u << 6, /* a suspended profile's key reaches the handler */
};

struct route {
    unsigned methods;    /* enum http_method bits */
    const char *pattern; /* "/api/user/details/:platform" */
    enum status (*handler)(struct app *app, struct req *r);
    const char *action; /* the error body's "action" family */
    unsigned flags;     /* enum route_flags */
    const char *family; /* plan family gating the route; NULL: every plan */
    size_t body_max;    /* 0: the server default */
};

/*
 * Finds the route for method and the raw path. On a match, fills params
 * (percent-decoded into arena) and returns the route. Otherwise returns NULL
 * and sets *allow to the methods the path does accept (0 when no route has
 * the path) and *bad_path when a segment is not valid percent-encoding.
 * HEAD matches GET routes.
 */
const struct route *router_match(const struct route *routes, size_t n, enum http_method method,
                                 const char *path, struct arena *arena,
                                 const char *params[REQ_MAX_PARAMS], int *nparams, unsigned *allow,
                                 int *bad_path);
/* Writes the Allow header value for the method bits into out. */
void router_allow_header(unsigned methods, char *out, size_t outlen);
/* Parses a method token; HM_OTHER for anything unknown. */
enum http_method router_method(const char *s);
/*
 * Percent-decodes n bytes of s into an arena string; plus_is_space for query
 * strings. Returns NULL for bad escapes or an encoded NUL.
 */
char *router_decode(struct arena *a, const char *s, size_t n, int plus_is_space);

#endif
