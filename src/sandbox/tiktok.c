/*
 * tiktok: TikTok's user info, GET {api}/user/info/?fields=... (docs/sandbox.md
 * "TikTok"). fields is required and only the fields asked for are returned,
 * in TikTok's {"data":{"user":{...}},"error":{"code":"ok",...}} envelope.
 * open_id is the same UUID-shaped id the token endpoint returned.
 */
#include "sandbox/internal.h"

#include <string.h>

enum {
    F_OPEN_ID,
    F_UNION_ID,
    F_AVATAR,
    F_AVATAR_100,
    F_AVATAR_LARGE,
    F_DISPLAY_NAME,
    F_USERNAME,
    F_DEEP_LINK,
    F_BIO,
    F_VERIFIED,
    F_FOLLOWERS,
    F_FOLLOWING,
    F_LIKES,
    F_VIDEOS,
    F_COUNT
};

static const char *const names[F_COUNT] = {
    "open_id",        "union_id",        "avatar_url",        "avatar_url_100",  "avatar_large_url",
    "display_name",   "username",        "profile_deep_link", "bio_description", "is_verified",
    "follower_count", "following_count", "likes_count",       "video_count"};

static void field(struct req *r, struct jw *w, const struct sbx_login *l, int f)
{
    char id[37];
    uint64_t h = ident_u64(NET_TIKTOK, l->name, "counts");
    jw_key(w, names[f]);
    switch (f) {
    case F_OPEN_ID:
    case F_UNION_ID:
        ident_uuid(NET_TIKTOK, l->name, f == F_OPEN_ID ? NULL : "union", id);
        jw_str(w, id);
        break;
    case F_AVATAR:
        jw_str(w, ident_avatar(r, NET_TIKTOK, l, NULL));
        break;
    case F_AVATAR_100:
        jw_str(w, ident_avatar(r, NET_TIKTOK, l, "s=100"));
        break;
    case F_AVATAR_LARGE:
        jw_str(w, ident_avatar(r, NET_TIKTOK, l, "s=1080"));
        break;
    case F_DISPLAY_NAME:
        jw_str(w, l->title);
        break;
    case F_USERNAME:
        jw_str(w, l->handle);
        break;
    case F_DEEP_LINK:
        jw_str(w, arena_printf(r->arena, "https://www.tiktok.com/@%s", l->handle));
        break;
    case F_BIO:
        jw_str(w, arena_printf(r->arena, "%s on the sandbox.", l->title));
        break;
    case F_VERIFIED:
        jw_bool(w, false);
        break;
    case F_FOLLOWERS:
        jw_int(w, (int64_t)(h % 1000000));
        break;
    case F_FOLLOWING:
        jw_int(w, (int64_t)(h / 1000000 % 5000));
        break;
    case F_LIKES:
        jw_int(w, (int64_t)(h / 7 % 10000000));
        break;
    default:
        jw_int(w, (int64_t)(h / 11 % 1000));
        break;
    }
}

enum status sbx_tiktok_user_info(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_TIKTOK, false, &g))
        return ST_OK;
    const char *fields = req_query(r, "fields");
    if (!fields || !*fields)
        return env_tiktok(r, 400, "invalid_params", "The request parameter fields is required.");
    struct sbx_login l;
    ident_of(&g, &l);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_obj(&w);
    jw_key(&w, "user");
    jw_obj(&w);
    bool seen[F_COUNT] = {false};
    for (const char *p = fields; *p;) {
        size_t n = strcspn(p, ",");
        for (int f = 0; f < F_COUNT; f++)
            if (!seen[f] && strlen(names[f]) == n && !memcmp(names[f], p, n)) {
                seen[f] = true;
                field(r, &w, &l, f);
            }
        p += n;
        if (*p)
            p++;
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "error");
    jw_obj(&w);
    jw_kstr(&w, "code", "ok");
    jw_kstr(&w, "message", "");
    jw_kstr(&w, "log_id", sbx_log_id(r));
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}
