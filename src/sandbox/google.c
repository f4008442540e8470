/*
 * google: the Google endpoints shared by Business Profile and YouTube
 * (docs/sandbox.md): OAuth2 userinfo, the Business Profile accounts list,
 * and YouTube's channels.list for mine=true (channelsN channels; channels0
 * is a Google account without a channel, which YouTube answers without an
 * items member at all).
 */
#include "sandbox/internal.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define YT_MAX_RESULTS     5 /* channels.list's default maxResults */
#define YT_MAX_RESULTS_MAX 50

enum status sbx_google_userinfo(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    if (!sbx_auth(r, net, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char id[SBX_ID_MAX + 1];
    ident_digits(net, l.name, NULL, 21, id);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "email", arena_printf(r->arena, "%s@example.com", l.handle));
    jw_kbool(&w, "verified_email", true);
    jw_kstr(&w, "name", l.title);
    jw_kstr(&w, "given_name", l.first);
    jw_kstr(&w, "family_name", l.last);
    jw_kstr(&w, "picture", ident_avatar(r, net, &l, NULL));
    jw_kstr(&w, "locale", "en");
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_google_accounts(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_GMB, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char id[SBX_ID_MAX + 1];
    ident_digits(NET_GMB, l.name, "account", 21, id);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "accounts");
    jw_arr(&w);
    jw_obj(&w);
    jw_kstr(&w, "name", arena_printf(r->arena, "accounts/%s", id));
    jw_kstr(&w, "accountName", l.title);
    jw_kstr(&w, "type", "PERSONAL");
    jw_kstr(&w, "role", "PRIMARY_OWNER");
    jw_kstr(&w, "verificationState", "VERIFIED");
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

/* True when the comma-separated list holds word. */
static bool has_word(const char *list, const char *word)
{
    size_t wn = strlen(word);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        const char *s = p;
        while (n && *s == ' ')
            s++, n--;
        while (n && s[n - 1] == ' ')
            n--;
        if (n == wn && !memcmp(s, word, n))
            return true;
        p += strcspn(p, ",");
        if (*p)
            p++;
    }
    return false;
}

static void thumbnail(struct jw *w, const char *key, const char *url, int size)
{
    jw_key(w, key);
    jw_obj(w);
    jw_kstr(w, "url", url);
    jw_kint(w, "width", size);
    jw_kint(w, "height", size);
    jw_obj_end(w);
}

static void channel(struct req *r, struct jw *w, const struct sbx_login *l, int i, bool snippet,
                    bool statistics)
{
    char salt[32], id[32];
    snprintf(salt, sizeof(salt), "channel:%d", i);
    ident_b64(NET_YOUTUBE, l->name, salt, 22, id);
    jw_obj(w);
    jw_kstr(w, "kind", "youtube#channel");
    jw_kstr(w, "id", arena_printf(r->arena, "UC%s", id));
    if (snippet) {
        const char *title = i ? arena_printf(r->arena, "%s %d", l->title, i + 1) : l->title;
        char published[TIME_ISO_S_LEN + 1];
        /* Somewhere between 2015 and 2023, fixed per channel. */
        int64_t days = (int64_t)(ident_u64(NET_YOUTUBE, l->name, salt) % 3000);
        time_iso_s(1420070400000LL + days * MS_PER_DAY, published, sizeof(published));
        jw_key(w, "snippet");
        jw_obj(w);
        jw_kstr(w, "title", title);
        jw_kstr(w, "description", arena_printf(r->arena, "The sandbox channel of %s.", title));
        jw_kstr(w, "customUrl",
                i ? arena_printf(r->arena, "@%s%d", l->handle, i + 1)
                  : arena_printf(r->arena, "@%s", l->handle));
        jw_kstr(w, "publishedAt", published);
        jw_key(w, "thumbnails");
        jw_obj(w);
        thumbnail(w, "default",
                  ident_avatar(r, NET_YOUTUBE, l, arena_printf(r->arena, "s=88&c=%d", i + 1)), 88);
        thumbnail(w, "high",
                  ident_avatar(r, NET_YOUTUBE, l, arena_printf(r->arena, "s=800&c=%d", i + 1)),
                  800);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    if (statistics) {
        uint64_t h = ident_u64(NET_YOUTUBE, l->name, "stats");
        /* YouTube sends the counts as strings (uint64 in the discovery doc). */
        jw_key(w, "statistics");
        jw_obj(w);
        jw_kstr(w, "viewCount", arena_printf(r->arena, "%llu", (unsigned long long)(h % 5000000)));
        jw_kstr(w, "subscriberCount",
                arena_printf(r->arena, "%llu", (unsigned long long)(h / 7 % 100000)));
        jw_kstr(w, "videoCount",
                arena_printf(r->arena, "%llu", (unsigned long long)(h / 11 % 500)));
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

enum status sbx_youtube_channels(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_YOUTUBE, false, &g))
        return ST_OK;
    const char *part = req_query(r, "part");
    if (!part || !*part)
        return env_google(r, 400, "INVALID_ARGUMENT", "Required parameter: part");
    const char *mine = req_query(r, "mine"), *ids = req_query(r, "id");
    if (!(mine && !strcmp(mine, "true")) && !(ids && *ids))
        return env_google(r, 400, "INVALID_ARGUMENT",
                          "No filter selected. Expected one of: mine, id, forHandle, "
                          "forUsername, managedByMe, categoryId, mySubscribers");
    int64_t max = YT_MAX_RESULTS, start = 0;
    const char *ms = req_query(r, "maxResults"), *pt = req_query(r, "pageToken");
    if (ms && !str_to_i64(ms, 0, YT_MAX_RESULTS_MAX, &max))
        return env_google(r, 400, "INVALID_ARGUMENT",
                          "Invalid value for maxResults: must be between 0 and 50");
    if (pt && *pt && (strncmp(pt, "CH", 2) || !str_to_i64(pt + 2, 0, 1000, &start)))
        return env_google(r, 400, "INVALID_ARGUMENT", "Invalid page token.");
    struct sbx_login l;
    ident_of(&g, &l);
    bool snippet = has_word(part, "snippet"), statistics = has_word(part, "statistics");

    /* Which of the account's channels match: all for mine=true, else those
     * named in id (a comma-separated list). */
    int match[64], nmatch = 0;
    for (int i = 0; i < l.channels && nmatch < 64; i++) {
        char salt[32], id[32];
        snprintf(salt, sizeof(salt), "channel:%d", i);
        ident_b64(NET_YOUTUBE, l.name, salt, 22, id);
        if (mine && !strcmp(mine, "true"))
            match[nmatch++] = i;
        else if (has_word(ids, arena_printf(r->arena, "UC%s", id)))
            match[nmatch++] = i;
    }
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "kind", "youtube#channelListResponse");
    if (start + max < nmatch)
        jw_kstr(&w, "nextPageToken", arena_printf(r->arena, "CH%lld", (long long)(start + max)));
    jw_key(&w, "pageInfo");
    jw_obj(&w);
    jw_kint(&w, "totalResults", nmatch);
    jw_kint(&w, "resultsPerPage", max);
    jw_obj_end(&w);
    if (nmatch > start && max > 0) {
        jw_key(&w, "items");
        jw_arr(&w);
        for (int64_t k = start; k < nmatch && k < start + max; k++)
            channel(r, &w, &l, match[k], snippet, statistics);
        jw_arr_end(&w);
    }
    jw_obj_end(&w);
    return ST_OK;
}
