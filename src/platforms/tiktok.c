/*
 * tiktok: a TikTok account (platforms.md §8). TikTok names the client id
 * client_key. Lifetimes differ between its own documents, so only the
 * returned expires_in / refresh_expires_in are trusted; a refresh rotates
 * the refresh token (the old one dies at once).
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#include <string.h>

#define SCOPES "user.info.basic,user.info.profile"

static const char *authorize(struct net *n, const char *redirect_uri, const char *state,
                             const char *challenge)
{
    (void)challenge;
    struct buf q;
    buf_init(&q, 8192);
    net_form_add(&q, "client_key", n->conf->client_id);
    net_form_add(&q, "redirect_uri", redirect_uri);
    net_form_add(&q, "response_type", "code");
    net_form_add(&q, "scope", connector_scopes(n, SCOPES));
    net_form_add(&q, "state", state);
    const char *url = arena_printf(n->a, "%s?%s", n->conf->urls[SLOT_AUTHORIZE], q.data);
    buf_free(&q);
    return url;
}

/* TikTok: client_key and client_secret in the form; refresh rotates the
 * refresh token. */
static const struct oauth2 oauth = {
    .slot = SLOT_API,
    .token_path = "/oauth/token/",
    .revoke_path = "/oauth/revoke/",
    .client = OAUTH2_BODY_KEY,
};

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer a;
    const char *url =
        net_url(n->a, n->conf->urls[SLOT_API], "/user/info/", "fields",
                "open_id,union_id,avatar_url,display_name,username,profile_deep_link", NULL);
    if (net_get(n, url, t->access, &a) != NET_OK)
        return n->rc;
    const char *code = a.json ? net_jstr(n, a.json, "error.code") : NULL;
    if (code && !strcmp(code, "access_token_invalid"))
        return net_fail(n, NET_AUTH, "TikTok refused the token (access_token_invalid)");
    if (code && !strcmp(code, "scope_not_authorized"))
        return net_fail(n, NET_DENIED, "TikTok: the user did not grant the profile scope");
    if (net_check(n, &a, "user info") != NET_OK)
        return n->rc;
    const char *open_id = net_jstr(n, a.json, "data.user.open_id");
    if (!open_id)
        return net_fail(n, NET_BAD, "TikTok answered a user without open_id");
    struct identity *e = connector_one(n);
    const char *username = net_jstr(n, a.json, "data.user.username");
    const char *link = net_jstr(n, a.json, "data.user.profile_deep_link");
    e->disp.network_id = open_id;
    e->disp.display_name = net_jstr(n, a.json, "data.user.display_name");
    e->disp.username = username ? arena_printf(n->a, "@%s", username) : NULL;
    e->disp.profile_url = link       ? link
                          : username ? arena_printf(n->a, "https://www.tiktok.com/@%s", username)
                                     : NULL;
    e->disp.user_image = net_jstr(n, a.json, "data.user.avatar_url");
    e->extra = connector_extra(n, "unionId", net_jstr(n, a.json, "data.user.union_id"), NULL);
    e->label = e->disp.username ? e->disp.username : open_id;
    *out = e;
    *count = 1;
    return NET_OK;
}

const struct platform platform_tiktok = {
    .name = "tiktok",
    .label = "TikTok",
    .oauth = true,
    .scopes = SCOPES,
    .authorize_url = authorize,
    .identities = identities,
    .oauth2 = &oauth,
};
