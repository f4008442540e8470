/*
 * reddit: Reddit's identity endpoint, GET {api}/api/v1/me on
 * oauth.reddit.com (docs/sandbox.md "Reddit"). Reddit ids are base36 (the
 * fullname is t2_<id>) and icon_img carries a query string, which clients
 * strip before storing the URL.
 */
#include "sandbox/internal.h"

#include <stdio.h>

enum status sbx_reddit_me(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_REDDIT, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char id[16], sig[16];
    ident_base36(NET_REDDIT, l.name, NULL, 8, id);
    ident_base36(NET_REDDIT, l.name, "icon", 12, sig);
    uint64_t h = ident_u64(NET_REDDIT, l.name, "karma");
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "name", l.handle);
    jw_kstr(&w, "icon_img", ident_avatar(r, NET_REDDIT, &l, arena_printf(r->arena, "s=%s", sig)));
    jw_kstr(&w, "snoovatar_img", ident_avatar(r, NET_REDDIT, &l, NULL));
    /* Reddit sends created_utc as a float of seconds. */
    jw_key(&w, "created_utc");
    jw_double(&w, (double)(1262304000 + (int64_t)(h % 400000000)));
    jw_kint(&w, "total_karma", (int64_t)(h / 400000000 % 50000));
    jw_kbool(&w, "verified", true);
    jw_kbool(&w, "has_verified_email", true);
    jw_key(&w, "subreddit");
    jw_obj(&w);
    jw_kstr(&w, "display_name", arena_printf(r->arena, "u_%s", l.handle));
    jw_kstr(&w, "display_name_prefixed", arena_printf(r->arena, "u/%s", l.handle));
    jw_kstr(&w, "title", l.title);
    jw_kstr(&w, "url", arena_printf(r->arena, "/user/%s/", l.handle));
    jw_kstr(&w, "public_description", "");
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}
