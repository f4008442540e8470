/*
 * twitter: X API v2's users/me and usage/tweets (docs/sandbox.md "X").
 *
 * users/me answers id, name and username plus the user.fields asked for.
 * usage/tweets takes only an app-only bearer token, as X does: any token the
 * sandbox did not issue to a user (e.g. "sandbox-app-token"); a user token
 * gets X's 403 unsupported-authentication problem. project_usage counts the
 * users/me calls answered since start.
 */
#include "sandbox/internal.h"

#include <stdatomic.h>
#include <string.h>

static atomic_llong reads;

/* True when the comma-separated list holds word. */
static bool listed(const char *list, const char *word)
{
    size_t wn = strlen(word);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == wn && !memcmp(p, word, n))
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

enum status sbx_twitter_me(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_TWITTER, false, &g))
        return ST_OK;
    atomic_fetch_add(&reads, 1);
    struct sbx_login l;
    ident_of(&g, &l);
    char id[SBX_ID_MAX + 1];
    ident_digits(NET_TWITTER, l.name, NULL, 19, id);
    const char *f = req_query(r, "user.fields");
    uint64_t h = ident_u64(NET_TWITTER, l.name, "metrics");
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_obj(&w);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "name", l.title);
    jw_kstr(&w, "username", l.handle);
    if (listed(f, "profile_image_url"))
        jw_kstr(&w, "profile_image_url", ident_avatar(r, NET_TWITTER, &l, NULL));
    if (listed(f, "description"))
        jw_kstr(&w, "description", arena_printf(r->arena, "%s on the sandbox.", l.title));
    if (listed(f, "verified"))
        jw_kbool(&w, "verified", false);
    if (listed(f, "verified_type"))
        jw_kstr(&w, "verified_type", "none");
    if (listed(f, "subscription_type"))
        jw_kstr(&w, "subscription_type", "None");
    if (listed(f, "public_metrics")) {
        jw_key(&w, "public_metrics");
        jw_obj(&w);
        jw_kint(&w, "followers_count", (int64_t)(h % 100000));
        jw_kint(&w, "following_count", (int64_t)(h / 100000 % 5000));
        jw_kint(&w, "tweet_count", (int64_t)(h / 7 % 50000));
        jw_kint(&w, "listed_count", (int64_t)(h / 11 % 500));
        jw_kint(&w, "like_count", (int64_t)(h / 13 % 100000));
        jw_kint(&w, "media_count", (int64_t)(h / 17 % 2000));
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_twitter_usage(struct app *app, struct req *r)
{
    (void)app;
    const char *token = sbx_bearer(r, NET_TWITTER);
    if (!token)
        return env_auth_fail(r, NET_TWITTER, AF_MISSING);
    if (state_token_known(token)) {
        struct jw w;
        sbx_json(r, &w);
        jw_obj(&w);
        jw_kstr(&w, "title", "Unsupported Authentication");
        jw_kstr(&w, "detail",
                "Authenticating with OAuth 2.0 User Context is forbidden for this endpoint.  "
                "Supported authentication types are [OAuth 2.0 Application-Only].");
        jw_kstr(&w, "type", "https://api.twitter.com/2/problems/unsupported-authentication");
        jw_kint(&w, "status", 403);
        jw_obj_end(&w);
        r->http_status = 403;
        return ST_OK;
    }
    const char *f = req_query(r, "usage.fields");
    bool all = !f || !*f;
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_obj(&w);
    if (all || listed(f, "cap_reset_day"))
        jw_kint(&w, "cap_reset_day", 12);
    /* X sends the int64 counters as strings. */
    if (all || listed(f, "project_cap"))
        jw_kstr(&w, "project_cap", "2000000");
    if (all || listed(f, "project_id"))
        jw_kstr(&w, "project_id", "1");
    if (all || listed(f, "project_usage"))
        jw_kstr(&w, "project_usage",
                arena_printf(r->arena, "%lld", (long long)atomic_load(&reads)));
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}
