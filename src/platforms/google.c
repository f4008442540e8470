/*
 * google: Google's OAuth, shared by Business Profile and YouTube
 * (platforms.md §2.1, §10.1).
 *
 * Offline access with the consent prompt (only then does Google issue a
 * refresh token) and PKCE. A refresh usually brings no new refresh token:
 * the old one is kept. invalid_grant means the grant is gone.
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#include <string.h>

enum net_rc google_check(struct net *n, const struct net_answer *a, const char *what)
{
    const char *status = a->json ? net_jstr(n, a->json, "error.status") : NULL;
    if (status && !strcmp(status, "UNAUTHENTICATED"))
        return net_fail(n, NET_AUTH, "%s refused the token (%s)", n->platform, what);
    if (status && !strcmp(status, "PERMISSION_DENIED"))
        return net_fail(n, NET_DENIED, "%s: permission denied (%s)", n->platform, what);
    if (status && !strcmp(status, "RESOURCE_EXHAUSTED"))
        return net_fail(n, NET_TRANSIENT, "%s quota or rate limit (%s)", n->platform, what);
    return net_check(n, a, what);
}

const char *google_authorize(struct net *n, const char *scopes, const char *redirect_uri,
                             const char *state, const char *challenge)
{
    return connector_authorize(n, scopes, redirect_uri, state, "access_type", "offline", "prompt",
                               "consent", "include_granted_scopes", "true", "code_challenge",
                               challenge, "code_challenge_method", "S256", NULL);
}

/* Google: client credentials in the form, PKCE; refresh tokens stay valid
 * (a refresh answers without one). */
const struct oauth2 google_oauth2 = {
    .slot = SLOT_AUTH,
    .token_path = "/token",
    .client = OAUTH2_BODY,
    .pkce = true,
    .keeps_refresh = true,
};

enum net_rc google_revoke(struct net *n, const struct tokens *t)
{
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_AUTH], "/revoke", "token",
                              t->refresh ? t->refresh : t->access, NULL);
    if (net_post_form(n, url, "", NULL, NULL, NULL, &a) != NET_OK)
        return n->rc;
    return a.status >= 200 && a.status < 300 ? NET_OK : net_check(n, &a, "revoke");
}
