/*
 * reddit: a Reddit user (platforms.md §6). Permanent authorization gives a
 * refresh token that lasts until revoked. The token endpoint may answer
 * HTTP 200 with {"error": "invalid_grant"} (net_parse_tokens reads the
 * body, not just the status).
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#include <string.h>

#define SCOPES "identity read submit"

static const char *authorize(struct net *n, const char *redirect_uri, const char *state,
                             const char *challenge)
{
    (void)challenge;
    return connector_authorize(n, SCOPES, redirect_uri, state, "duration", "permanent", NULL);
}

/* Reddit: HTTP Basic; refresh tokens are kept ("duration=permanent");
 * revoking the refresh token ends the grant. */
static const struct oauth2 oauth = {
    .slot = SLOT_AUTH,
    .token_path = "/access_token",
    .revoke_path = "/revoke_token",
    .client = OAUTH2_BASIC,
    .keeps_refresh = true,
    .revoke_refresh = true,
    .revoke_hint = true,
};

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/api/v1/me", "raw_json", "1", NULL);
    if (net_get(n, url, t->access, &a) != NET_OK || net_check(n, &a, "me") != NET_OK)
        return n->rc;
    const char *name = net_jstr(n, a.json, "name");
    if (!name)
        return net_fail(n, NET_BAD, "Reddit answered a user without a name");
    struct identity *e = connector_one(n);
    /* The seed's Reddit entry has no id: the name identifies the user. */
    e->disp.display_name = name;
    e->disp.username = name;
    e->disp.profile_url = arena_printf(n->a, "https://www.reddit.com/user/%s", name);
    const char *icon = net_jstr(n, a.json, "icon_img");
    if (icon) {
        char *q = strchr(icon, '?'); /* icon URLs carry a signing query */
        e->disp.user_image = q ? arena_strndup(n->a, icon, (size_t)(q - icon)) : icon;
    }
    e->extra = connector_extra(n, "id", net_jstr(n, a.json, "id"), NULL);
    e->label = arena_printf(n->a, "u/%s", name);
    *out = e;
    *count = 1;
    return NET_OK;
}

const struct platform platform_reddit = {
    .name = "reddit",
    .label = "Reddit",
    .oauth = true,
    .scopes = SCOPES,
    .authorize_url = authorize,
    .identities = identities,
    .oauth2 = &oauth,
};
