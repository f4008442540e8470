/*
 * instagram: Instagram professional accounts through Facebook Login
 * (platforms.md §3.1): each Facebook Page the user manages may carry an
 * Instagram business account; the user chooses one. Calls for it use the
 * page's token. Through this API Instagram reports every professional
 * account as "business" (the seed's note on the type field).
 */
#include "platforms/connectors.h"

#define SCOPES                                                                                  \
    "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement,business_" \
    "management"

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    const char *graph = n->conf->urls[SLOT_API];
    const char *user = t->refresh ? t->refresh : t->access;
    struct net_answer pages;
    const char *url = net_url(
        n->a, graph, "/me/accounts", "fields",
        "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}",
        "limit", "100", NULL);
    if (net_get(n, url, user, &pages) != NET_OK || meta_check(n, &pages, "pages") != NET_OK)
        return n->rc;
    json_t *data = net_jget(pages.json, "data");
    size_t i, cap = 0;
    json_t *p;
    *out = NULL;
    *count = 0;
    json_array_foreach(data, i, p)
    {
        json_t *ig = net_jget(p, "instagram_business_account");
        const char *ig_id = ig ? net_jstr(n, ig, "id") : NULL;
        if (!ig_id)
            continue;
        struct identity *e = connector_push(n, out, count, &cap);
        const char *username = net_jstr(n, ig, "username");
        const char *name = net_jstr(n, ig, "name");
        const char *page = net_jstr(n, p, "name");
        e->disp.network_id = ig_id;
        e->disp.display_name = name ? name : username;
        e->disp.username = username;
        e->disp.page_name = page;
        e->disp.profile_url =
            username ? arena_printf(n->a, "https://www.instagram.com/%s", username) : NULL;
        e->disp.user_image = net_jstr(n, ig, "profile_picture_url");
        e->disp.type = "business";
        e->access = net_jstr(n, p, "access_token");
        e->extra = connector_extra(n, "pageId", net_jstr(n, p, "id"), NULL);
        e->label =
            arena_printf(n->a, "@%s · Page %s", username ? username : ig_id, page ? page : "");
    }
    if (!*count)
        return net_fail(n, NET_DENIED,
                        "no Instagram professional account: connect one to a Facebook Page first");
    return NET_OK;
}

enum net_rc instagram_publishing_limit(struct net *n, const struct tokens *t, const char *ig_id,
                                       int64_t *used, int64_t *total)
{
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API],
                              arena_printf(n->a, "/%s/content_publishing_limit", ig_id), "fields",
                              "config,quota_usage", NULL);
    if (net_get(n, url, t->access, &a) != NET_OK ||
        meta_check(n, &a, "content_publishing_limit") != NET_OK)
        return n->rc;
    json_t *d = net_jget(a.json, "data");
    json_t *first = json_is_array(d) ? json_array_get(d, 0) : NULL;
    int64_t u = first ? net_jint(first, "quota_usage", -1) : -1;
    int64_t q = first ? net_jint(first, "config.quota_total", -1) : -1;
    if (u < 0 || u > 1000000 || q < 0 || q > 1000000)
        return net_fail(n, NET_BAD, "Instagram answered a publishing limit without quota_usage");
    *used = u;
    *total = q;
    return NET_OK;
}

const struct platform platform_instagram = {
    .name = "instagram",
    .label = "Instagram",
    .oauth = true,
    .scopes = SCOPES,
    .exchange = meta_exchange,
    .identities = identities,
    .revoke = meta_revoke,
};
