/*
 * net: what connectors use to talk to a network — blocking HTTP calls (on
 * a worker thread, through the outbound client), form and URL building,
 * JSON lookups, OAuth token parsing, and the common failure classes.
 */
#ifndef SOCIALD_PLATFORMS_NET_H
#define SOCIALD_PLATFORMS_NET_H

#include <jansson.h>

#include "platforms/platform.h"
#include "util/buf.h"

struct net_answer {
    long status;
    json_t *json;     /* the body parsed, or NULL when it is not JSON; freed with the arena */
    const char *body; /* NUL-terminated, in the arena */
    size_t len;
    const char *www_authenticate; /* not kept: see net_classify */
};

/*
 * Sends a request and waits for the answer (never call on an HTTP or the
 * client thread). NET_OK when any HTTP answer arrived (check out->status);
 * otherwise NET_TIMEOUT or NET_TRANSIENT (connection failures), with n's
 * failure set. bearer, basic_user and content_type may be NULL.
 */
enum net_rc net_send(struct net *n, const char *method, const char *url, const char *bearer,
                     const char *basic_user, const char *basic_pass, const char *content_type,
                     const char *body, struct net_answer *out);
/* GET with an optional bearer token. */
enum net_rc net_get(struct net *n, const char *url, const char *bearer, struct net_answer *out);
/* POST of a form (application/x-www-form-urlencoded). */
enum net_rc net_post_form(struct net *n, const char *url, const char *form, const char *bearer,
                          const char *basic_user, const char *basic_pass, struct net_answer *out);

/* Appends key=value (percent-encoded) to a form or query, with '&' between. */
void net_form_add(struct buf *b, const char *key, const char *value);
/* base + path + "?" + the key/value pairs (NULL-terminated; NULL values
 * skipped), in the arena. */
char *net_url(struct arena *a, const char *base, const char *path, ...) __attribute__((sentinel));

/* The value at a dotted path ("data.user.open_id", "items.0.id"): strings as
 * they are, numbers and booleans as text; NULL when absent or null. */
const char *net_jstr(struct net *n, json_t *j, const char *path);
/* The integer at a dotted path (numbers or numeric strings), or dflt. */
int64_t net_jint(json_t *j, const char *path, int64_t dflt);
/* The node at a dotted path, or NULL. */
json_t *net_jget(json_t *j, const char *path);

/*
 * Reads a standard OAuth token answer (access_token, refresh_token,
 * expires_in, refresh_token_expires_in | refresh_expires_in |
 * refresh_token_expires_at, scope) into out. A token endpoint saying
 * invalid_grant (even with HTTP 200, as Reddit does) or invalid_request, or
 * HTTP 401, is NET_AUTH (the grant is gone); 408, 429 and 5xx
 * NET_TRANSIENT; invalid_client and unauthorized_client NET_DENIED (the
 * operator's credentials); anything else unexpected NET_BAD.
 */
enum net_rc net_parse_tokens(struct net *n, const struct net_answer *a, struct tokens *out);
/*
 * The common reading of an API answer: 2xx NET_OK; 401 NET_AUTH; 403
 * NET_DENIED; 408, 429 and 5xx NET_TRANSIENT; other 4xx NET_BAD; a 2xx
 * whose body is not JSON NET_BAD. what names the call for the message.
 */
enum net_rc net_check(struct net *n, const struct net_answer *a, const char *what);

/* A PKCE verifier (43 characters) and its S256 challenge, in the arena. */
void net_pkce(struct arena *a, const char **verifier, const char **challenge);

#endif
