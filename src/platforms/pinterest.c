/*
 * pinterest: a Pinterest account (platforms.md §5). Token calls use HTTP
 * Basic client authentication; every refresh returns a new refresh token
 * (continuous refresh, 60 days, renewable) which must replace the old one.
 * Errors are {"code": n, "message": "..."}.
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#include <string.h>

#define SCOPES "boards:read,boards:read_secret,pins:read,user_accounts:read"

/* Pinterest: HTTP Basic; continuous refresh (every refresh returns a new
 * refresh token). Pinterest offers no token revocation endpoint. */
static const struct oauth2 oauth = {
    .slot = SLOT_API,
    .token_path = "/oauth/token",
    .client = OAUTH2_BASIC,
    .extra_key = "continuous_refresh",
    .extra_value = "true",
};

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer a;
    const char *url = arena_printf(n->a, "%s/user_account", n->conf->urls[SLOT_API]);
    if (net_get(n, url, t->access, &a) != NET_OK || net_check(n, &a, "user_account") != NET_OK)
        return n->rc;
    const char *id = net_jstr(n, a.json, "id"), *username = net_jstr(n, a.json, "username");
    if (!id || !username)
        return net_fail(n, NET_BAD, "Pinterest answered an account without id or username");
    struct identity *e = connector_one(n);
    const char *business = net_jstr(n, a.json, "business_name");
    e->disp.network_id = id;
    e->disp.username = username;
    e->disp.display_name = business && *business ? business : username;
    e->disp.profile_url = arena_printf(n->a, "https://www.pinterest.com/%s", username);
    e->disp.user_image = net_jstr(n, a.json, "profile_image");
    e->label = arena_printf(n->a, "@%s", username);
    *out = e;
    *count = 1;
    return NET_OK;
}

#define BOARD_PAGES_MAX 200

enum net_rc pinterest_read_boards(struct net *n, const struct tokens *t, json_t *out, size_t max)
{
    const char *bookmark = NULL;
    for (int page = 0; page < BOARD_PAGES_MAX; page++) {
        struct net_answer a;
        const char *url = net_url(n->a, n->conf->urls[SLOT_API], "/boards", "page_size", "250",
                                  "bookmark", bookmark, NULL);
        if (net_get(n, url, t->access, &a) != NET_OK || net_check(n, &a, "boards") != NET_OK)
            return n->rc;
        json_t *items = net_jget(a.json, "items");
        if (!json_is_array(items))
            return net_fail(n, NET_BAD, "Pinterest answered boards without items");
        size_t i;
        json_t *b;
        json_array_foreach(items, i, b)
        {
            if (!json_is_object(b))
                return net_fail(n, NET_BAD, "Pinterest answered a board that is not an object");
            if (json_array_size(out) >= max)
                return net_fail(n, NET_BAD, "Pinterest answered more than %zu boards", max);
            json_array_append(out, b);
        }
        const char *next = net_jstr(n, a.json, "bookmark");
        if (!next || !*next)
            return NET_OK;
        if (bookmark && !strcmp(next, bookmark))
            return net_fail(n, NET_BAD, "Pinterest repeated a page bookmark");
        bookmark = next;
    }
    return net_fail(n, NET_BAD, "Pinterest kept paging past %d pages", BOARD_PAGES_MAX);
}

const struct platform platform_pinterest = {
    .name = "pinterest",
    .label = "Pinterest",
    .oauth = true,
    .scopes = SCOPES,
    .identities = identities,
    .oauth2 = &oauth,
};
