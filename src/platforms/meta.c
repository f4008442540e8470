/*
 * meta: the Graph API login shared by Facebook and Instagram
 * (platforms.md §1, §3.1).
 *
 * The code gives a short-lived user token, exchanged at once for a
 * long-lived one (~60 days). Listing pages with it yields page tokens that
 * do not expire; those are what a linked page or Instagram account keeps,
 * with the long-lived user token beside them (to list pages again and to
 * revoke). There is no refresh: when the user token dies the account is
 * re-linked.
 */
#include "platforms/connectors.h"

#include <string.h>

enum net_rc meta_check(struct net *n, const struct net_answer *a, const char *what)
{
    json_t *e = a->json ? net_jget(a->json, "error") : NULL;
    if (e && json_is_object(e)) {
        int64_t code = net_jint(e, "code", 0);
        const char *msg = net_jstr(n, e, "message");
        if (code == 190 || code == 102)
            return net_fail(n, NET_AUTH, "%s refused the token (%s)", n->platform,
                            msg ? msg : "OAuthException 190");
        if (code == 4 || code == 17 || code == 32 || code == 613 ||
            (code >= 80000 && code <= 80014) || a->status == 429 || a->status >= 500)
            return net_fail(n, NET_TRANSIENT,
                            "%s is rate limiting or failing (%s: HTTP %ld, code %lld)", n->platform,
                            what, a->status, (long long)code);
        if (code == 10 || (code >= 200 && code < 300))
            return net_fail(n, NET_DENIED, "%s: a permission is missing (%s)", n->platform,
                            msg ? msg : what);
        return net_fail(n, NET_BAD, "%s %s failed: %s", n->platform, what, msg ? msg : "error");
    }
    return net_check(n, a, what);
}

enum net_rc meta_exchange(struct net *n, const char *code, const char *redirect_uri,
                          const char *verifier, struct tokens *out)
{
    (void)verifier; /* Facebook Login for web apps uses no PKCE */
    const char *graph = n->conf->urls[SLOT_API];
    struct net_answer a;
    const char *url = net_url(n->a, graph, "/oauth/access_token", "client_id", n->conf->client_id,
                              "client_secret", n->conf->client_secret, "redirect_uri", redirect_uri,
                              "code", code, NULL);
    if (net_get(n, url, NULL, &a) != NET_OK)
        return n->rc;
    if (meta_check(n, &a, "code exchange") != NET_OK)
        return n->rc == NET_BAD ? net_fail(n, NET_AUTH, "%s refused the code", n->platform) : n->rc;
    struct tokens shorter;
    if (net_parse_tokens(n, &a, &shorter) != NET_OK)
        return n->rc;
    url = net_url(n->a, graph, "/oauth/access_token", "grant_type", "fb_exchange_token",
                  "client_id", n->conf->client_id, "client_secret", n->conf->client_secret,
                  "fb_exchange_token", shorter.access, NULL);
    if (net_get(n, url, NULL, &a) != NET_OK || meta_check(n, &a, "token exchange") != NET_OK)
        return n->rc;
    struct tokens longer;
    if (net_parse_tokens(n, &a, &longer) != NET_OK)
        return n->rc;
    /* The long-lived user token: kept as the "refresh" token (see above). */
    memset(out, 0, sizeof(*out));
    out->access = longer.access;
    out->refresh = longer.access;
    out->access_expires_ms = longer.access_expires_ms;
    out->refresh_expires_ms = longer.access_expires_ms;
    return NET_OK;
}

enum net_rc meta_revoke(struct net *n, const struct tokens *t)
{
    const char *user = t->refresh ? t->refresh : t->access;
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/me/permissions", NULL);
    if (net_send(n, "DELETE", url, user, NULL, NULL, NULL, NULL, &a) != NET_OK)
        return n->rc;
    return meta_check(n, &a, "revoke");
}
