/*
 * pinterest: Pinterest API v5's user account and board list (docs/sandbox.md
 * "Pinterest"). boardsN gives the user N boards, listed in creation order
 * with bookmark paging (page_size 1-250, default 25; the last page's
 * bookmark is null), the way the v5 OpenAPI description defines it.
 */
#include "sandbox/internal.h"
#include "util/base64.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define PAGE_SIZE     25
#define PAGE_SIZE_MAX 250

static enum status bad_param(struct req *r, const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kint(&w, "code", 1);
    jw_kstr(&w, "message", message);
    jw_obj_end(&w);
    r->http_status = 400;
    return ST_OK;
}

enum status sbx_pinterest_user(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_PINTEREST, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char id[SBX_ID_MAX + 1];
    ident_digits(NET_PINTEREST, l.name, NULL, 18, id);
    uint64_t h = ident_u64(NET_PINTEREST, l.name, "counts");
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "account_type", "BUSINESS");
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "username", l.handle);
    jw_kstr(&w, "profile_image", ident_avatar(r, NET_PINTEREST, &l, NULL));
    jw_kstr(&w, "business_name", l.title);
    jw_kstr(&w, "website_url", arena_printf(r->arena, "https://%s.example.com", l.handle));
    jw_kint(&w, "board_count", l.boards);
    jw_kint(&w, "pin_count", (int64_t)(h % 5000) + l.boards);
    jw_kint(&w, "follower_count", (int64_t)(h / 5000 % 100000));
    jw_kint(&w, "following_count", (int64_t)(h / 7 % 2000));
    jw_obj_end(&w);
    return ST_OK;
}

static void board(struct req *r, struct jw *w, const struct sbx_login *l, int i)
{
    static const char *const themes[] = {"Recipes", "Travel",  "Home ideas", "Garden",
                                         "Style",   "Fitness", "Art",        "Weddings"};
    char salt[32], id[SBX_ID_MAX + 1], created[TIME_ISO_S_LEN + 1];
    snprintf(salt, sizeof(salt), "board:%d", i);
    ident_digits(NET_PINTEREST, l->name, salt, 18, id);
    uint64_t h = ident_u64(NET_PINTEREST, l->name, salt);
    const char *theme = themes[i % 8];
    /* Creation order: one board every seven hours from 2020-01-01. Pinterest
     * writes created_at without a zone. */
    time_iso_s(1577836800000LL + (int64_t)i * 7 * 3600000, created, sizeof(created));
    created[strlen(created) - 1] = '\0';
    jw_obj(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "name", arena_printf(r->arena, "%s %d", theme, i + 1));
    if (i % 4 == 3)
        jw_kstr(w, "description", NULL); /* nullable in the API */
    else
        jw_kstr(w, "description", arena_printf(r->arena, "%s ideas saved by %s.", theme, l->title));
    jw_key(w, "owner");
    jw_obj(w);
    jw_kstr(w, "username", l->handle);
    jw_obj_end(w);
    jw_kstr(w, "privacy", i % 10 == 7 ? "SECRET" : i % 10 == 9 ? "PROTECTED" : "PUBLIC");
    jw_kstr(w, "created_at", created);
    jw_kint(w, "pin_count", (int64_t)(h % 300));
    jw_kint(w, "follower_count", (int64_t)(h / 300 % 1000));
    jw_obj_end(w);
}

static char *bookmark(struct req *r, int next)
{
    char raw[32];
    int n = snprintf(raw, sizeof(raw), "sbx-board:%d", next);
    char *out = arena_alloc(r->arena, base64url_len((size_t)n) + 1);
    base64url_encode((const unsigned char *)raw, (size_t)n, out);
    return out;
}

static bool bookmark_parse(const char *s, int *next)
{
    unsigned char raw[32];
    size_t n = 0;
    if (!base64url_decode(s, raw, sizeof(raw) - 1, &n) || n < 11 || memcmp(raw, "sbx-board:", 10))
        return false;
    raw[n] = '\0';
    int64_t v;
    if (!str_to_i64((const char *)raw + 10, 0, INT32_MAX, &v))
        return false;
    *next = (int)v;
    return true;
}

enum status sbx_pinterest_boards(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_PINTEREST, false, &g))
        return ST_OK;
    int64_t size = PAGE_SIZE;
    const char *ps = req_query(r, "page_size");
    if (ps && !str_to_i64(ps, INT64_MIN, INT64_MAX, &size))
        return bad_param(r, "Invalid parameter: page_size must be an integer.");
    if (size > PAGE_SIZE_MAX)
        return bad_param(r, "Invalid parameter: page_size must be less than or equal to 250.");
    if (size < 1)
        return bad_param(r, "Invalid parameter: page_size must be greater than or equal to 1.");
    int start = 0;
    const char *bm = req_query(r, "bookmark");
    if (bm && *bm && !bookmark_parse(bm, &start))
        return bad_param(r, "Invalid parameter: bookmark.");
    struct sbx_login l;
    ident_of(&g, &l);
    int end = start + (int)size < l.boards ? start + (int)size : l.boards;
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    for (int i = start; i < end; i++)
        board(r, &w, &l, i);
    jw_arr_end(&w);
    jw_kstr(&w, "bookmark", end < l.boards ? bookmark(r, end) : NULL);
    jw_obj_end(&w);
    return ST_OK;
}
