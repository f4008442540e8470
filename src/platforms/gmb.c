/*
 * gmb: Google Business Profile locations (platforms.md §2). Consent covers
 * the user's business accounts; the user chooses one location. The seed
 * shows a location with no id: its resource names live in extra.
 */
#include "platforms/connectors.h"

#include <string.h>

#define SCOPES                                         \
    "https://www.googleapis.com/auth/business.manage " \
    "https://www.googleapis.com/auth/userinfo.profile"
#define READ_MASK "name,title,storefrontAddress,metadata,profile,websiteUri"

static const char *authorize(struct net *n, const char *redirect_uri, const char *state,
                             const char *challenge)
{
    return google_authorize(n, SCOPES, redirect_uri, state, challenge);
}

static void add_location(struct net *n, json_t *loc, const char *account, struct identity **out,
                         size_t *count, size_t *cap)
{
    struct identity *e = connector_push(n, out, count, cap);
    const char *title = net_jstr(n, loc, "title");
    const char *locality = net_jstr(n, loc, "storefrontAddress.locality");
    e->disp.display_name = title;
    e->disp.description = net_jstr(n, loc, "profile.description");
    e->disp.maps_url = net_jstr(n, loc, "metadata.mapsUri");
    e->disp.place_id = net_jstr(n, loc, "metadata.placeId");
    e->disp.review_url = net_jstr(n, loc, "metadata.newReviewUri");
    e->disp.profile_url = net_jstr(n, loc, "websiteUri");
    e->extra = connector_extra(n, "location", net_jstr(n, loc, "name"), "account", account, NULL);
    e->label = arena_printf(n->a, "%s%s%s", title ? title : "Location", locality ? " · " : "",
                            locality ? locality : "");
}

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    struct net_answer accts;
    const char *url = arena_printf(n->a, "%s/accounts", n->conf->urls[SLOT_API2]);
    if (net_get(n, url, t->access, &accts) != NET_OK ||
        google_check(n, &accts, "accounts") != NET_OK)
        return n->rc;
    size_t i, cap = 0;
    json_t *acct;
    *out = NULL;
    *count = 0;
    json_array_foreach(net_jget(accts.json, "accounts"), i, acct)
    {
        const char *name = net_jstr(n, acct, "name");
        const char *page = NULL;
        for (int pages = 0; name && pages < 50; pages++) {
            struct net_answer locs;
            url = net_url(n->a, n->conf->urls[SLOT_API3], arena_printf(n->a, "/%s/locations", name),
                          "readMask", READ_MASK, "pageSize", "100", "pageToken", page, NULL);
            if (net_get(n, url, t->access, &locs) != NET_OK ||
                google_check(n, &locs, "locations") != NET_OK)
                return n->rc;
            size_t j;
            json_t *loc;
            json_array_foreach(net_jget(locs.json, "locations"), j, loc)
                add_location(n, loc, name, out, count, &cap);
            page = net_jstr(n, locs.json, "nextPageToken");
            if (!page)
                break;
        }
    }
    if (!*count)
        return net_fail(n, NET_DENIED, "this Google account manages no Business Profile location");
    return NET_OK;
}

enum net_rc gmb_patch_location(struct net *n, const struct tokens *t, const char *location,
                               const char *mask, const char *body, json_t **location_out)
{
    /* "locations/<digits>": nothing else may reach the URL path. */
    const char *id = location && !strncmp(location, "locations/", 10) ? location + 10 : NULL;
    bool digits = id && *id && strlen(id) <= 40;
    for (const char *p = id; digits && *p; p++)
        digits = *p >= '0' && *p <= '9';
    if (!digits)
        return net_fail(n, NET_BAD, "the linked location has no usable resource name");
    struct net_answer a;
    const char *url = net_url(n->a, n->conf->urls[SLOT_API3], arena_printf(n->a, "/%s", location),
                              "updateMask", mask, NULL);
    if (net_send(n, "PATCH", url, t->access, NULL, NULL, "application/json", body, &a) != NET_OK)
        return n->rc;
    if (a.status == 400 || a.status == 404 || a.status == 409) {
        /* Google's field errors: its message is what the caller must read. */
        const char *msg = net_jstr(n, a.json, "error.message");
        n->http_status = a.status;
        return net_fail(n, NET_BAD, "%s", msg ? msg : "Google refused the update");
    }
    if (google_check(n, &a, "location update") != NET_OK)
        return n->rc;
    if (!json_is_object(a.json))
        return net_fail(n, NET_BAD, "Google answered the update without a location");
    *location_out = a.json;
    return NET_OK;
}

const struct platform platform_gmb = {
    .name = "gmb",
    .label = "Google Business Profile",
    .oauth = true,
    .pkce = true,
    .scopes = SCOPES,
    .authorize_url = authorize,
    .identities = identities,
    .oauth2 = &google_oauth2,
    .revoke = google_revoke,
};
