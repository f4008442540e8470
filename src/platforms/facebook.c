/*
 * facebook: Facebook Pages (platforms.md §1). A user grants the app access
 * to the pages they manage and chooses one; the linked account is the page,
 * with its non-expiring page token.
 */
#include "platforms/connectors.h"

#define SCOPES "pages_show_list,pages_read_engagement,pages_manage_posts,business_management"

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    const char *graph = n->conf->urls[SLOT_API];
    const char *user = t->refresh ? t->refresh : t->access;
    struct net_answer me, pages;
    if (net_get(n, net_url(n->a, graph, "/me", "fields", "id,name", NULL), user, &me) != NET_OK ||
        meta_check(n, &me, "me") != NET_OK)
        return n->rc;
    const char *url =
        net_url(n->a, graph, "/me/accounts", "fields",
                "id,name,username,link,category,access_token,picture", "limit", "100", NULL);
    if (net_get(n, url, user, &pages) != NET_OK || meta_check(n, &pages, "pages") != NET_OK)
        return n->rc;
    const char *user_id = net_jstr(n, me.json, "id");
    json_t *data = net_jget(pages.json, "data");
    size_t i, cap = 0;
    json_t *p;
    *out = NULL;
    *count = 0;
    json_array_foreach(data, i, p)
    {
        const char *id = net_jstr(n, p, "id"), *token = net_jstr(n, p, "access_token");
        if (!id || !token)
            continue;
        struct identity *e = connector_push(n, out, count, &cap);
        const char *name = net_jstr(n, p, "name");
        const char *username = net_jstr(n, p, "username");
        const char *link = net_jstr(n, p, "link");
        e->disp.network_id = id;
        e->disp.display_name = name;
        e->disp.page_name = name;
        e->disp.username = username;
        e->disp.profile_url =
            link ? link
                 : arena_printf(n->a, "https://www.facebook.com/%s", username ? username : id);
        e->disp.user_image = net_jstr(n, p, "picture.data.url");
        e->access = token;
        e->extra = connector_extra(n, "userId", user_id, NULL);
        e->label = arena_printf(n->a, "Page · %s", name ? name : id);
    }
    if (!*count)
        return net_fail(n, NET_DENIED,
                        "no Facebook Page to link: the account manages none, or none was granted");
    return NET_OK;
}

const struct platform platform_facebook = {
    .name = "facebook",
    .label = "Facebook",
    .oauth = true,
    .scopes = SCOPES,
    .exchange = meta_exchange,
    .identities = identities,
    .revoke = meta_revoke,
};
