/*
 * youtube: a YouTube channel (platforms.md §10). One Google account may own
 * several (brand accounts): the user chooses; none at all is a clear error.
 */
#include "platforms/connectors.h"

#define SCOPES                                          \
    "https://www.googleapis.com/auth/youtube.readonly " \
    "https://www.googleapis.com/auth/youtube.upload"

static const char *authorize(struct net *n, const char *redirect_uri, const char *state,
                             const char *challenge)
{
    return google_authorize(n, SCOPES, redirect_uri, state, challenge);
}

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer ch;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/youtube/v3/channels", "part",
                              "snippet,statistics", "mine", "true", NULL);
    if (net_get(n, url, t->access, &ch) != NET_OK || google_check(n, &ch, "channels") != NET_OK)
        return n->rc;
    size_t i, cap = 0;
    json_t *item;
    *out = NULL;
    *count = 0;
    json_array_foreach(net_jget(ch.json, "items"), i, item)
    {
        const char *id = net_jstr(n, item, "id");
        if (!id)
            continue;
        struct identity *e = connector_push(n, out, count, &cap);
        const char *title = net_jstr(n, item, "snippet.title");
        const char *handle = net_jstr(n, item, "snippet.customUrl");
        const char *img = net_jstr(n, item, "snippet.thumbnails.high.url");
        e->disp.network_id = id;
        e->disp.display_name = title;
        e->disp.username = handle;
        e->disp.profile_url = handle ? arena_printf(n->a, "https://www.youtube.com/%s", handle)
                                     : arena_printf(n->a, "https://www.youtube.com/channel/%s", id);
        e->disp.user_image = img ? img : net_jstr(n, item, "snippet.thumbnails.default.url");
        e->label = arena_printf(n->a, "Channel · %s", title ? title : id);
    }
    if (!*count)
        return net_fail(n, NET_DENIED, "this Google account has no YouTube channel");
    return NET_OK;
}

const struct platform platform_youtube = {
    .name = "youtube",
    .label = "YouTube",
    .oauth = true,
    .pkce = true,
    .scopes = SCOPES,
    .authorize_url = authorize,
    .identities = identities,
    .oauth2 = &google_oauth2,
    .revoke = google_revoke,
};
