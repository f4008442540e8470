/*
 * twitter: an X account through OAuth 2.0 with PKCE (platforms.md §9).
 * Access tokens last two hours; offline.access brings a refresh token that
 * is single use: every refresh returns the next one, which must be saved
 * before the old one is forgotten.
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#define SCOPES "tweet.read users.read offline.access"

static const char *authorize(struct net *n, const char *redirect_uri, const char *state,
                             const char *challenge)
{
    return connector_authorize(n, SCOPES, redirect_uri, state, "code_challenge", challenge,
                               "code_challenge_method", "S256", NULL);
}

/* X: HTTP Basic (confidential client) plus client_id, PKCE; refresh tokens
 * are single use (rotated). */
static const struct oauth2 oauth = {
    .slot = SLOT_API,
    .token_path = "/oauth2/token",
    .revoke_path = "/oauth2/revoke",
    .client = OAUTH2_BASIC,
    .client_id_in_body = true,
    .pkce = true,
    .revoke_refresh = true,
    .revoke_hint = true,
};

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/users/me", "user.fields",
                              "profile_image_url,description,verified,verified_type,"
                              "subscription_type",
                              NULL);
    if (net_get(n, url, t->access, &a) != NET_OK || net_check(n, &a, "users/me") != NET_OK)
        return n->rc;
    const char *id = net_jstr(n, a.json, "data.id"),
               *username = net_jstr(n, a.json, "data.username");
    if (!id || !username)
        return net_fail(n, NET_BAD, "X answered a user without id or username");
    struct identity *e = connector_one(n);
    e->disp.network_id = id;
    e->disp.display_name = net_jstr(n, a.json, "data.name");
    e->disp.username = username;
    e->disp.profile_url = arena_printf(n->a, "https://twitter.com/%s", username);
    e->disp.user_image = net_jstr(n, a.json, "data.profile_image_url");
    e->label = arena_printf(n->a, "@%s", username);
    *out = e;
    *count = 1;
    return NET_OK;
}

enum net_rc twitter_project_usage(struct net *n, int64_t *usage, int64_t *cap, int *reset_day)
{
    if (!n->conf->app_token)
        return net_fail(n, NET_DENIED, "no X app token is configured");
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/usage/tweets", "usage.fields",
                              "cap_reset_day,project_cap,project_usage", NULL);
    if (net_get(n, url, n->conf->app_token, &a) != NET_OK ||
        net_check(n, &a, "usage/tweets") != NET_OK)
        return n->rc;
    /* X sends the counts as strings ("2000000"); net_jint reads either. */
    int64_t u = net_jint(a.json, "data.project_usage", -1);
    int64_t c = net_jint(a.json, "data.project_cap", -1);
    int64_t day = net_jint(a.json, "data.cap_reset_day", -1);
    if (u < 0 || c < 0 || day < 1 || day > 31)
        return net_fail(n, NET_BAD,
                        "X answered usage without project_usage, project_cap or "
                        "cap_reset_day");
    *usage = u;
    *cap = c;
    *reset_day = (int)day;
    return NET_OK;
}

const struct platform platform_twitter = {
    .name = "twitter",
    .label = "X",
    .oauth = true,
    .pkce = true,
    .scopes = SCOPES,
    .authorize_url = authorize,
    .identities = identities,
    .oauth2 = &oauth,
};
