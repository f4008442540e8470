/*
 * live: Instagram's quota and X's usage for GET /api/user (see live.h).
 */
#include "api/live.h"
#include "api/api.h"
#include "core/log.h"
#include "ops/linked.h"
#include "platforms/netconf.h"
#include "store/linked.h"
#include "util/cache.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct live {
    struct cache *ig;     /* profile id -> struct live_ig */
    struct cache *boards; /* profile id -> rendered Pinterest boards (api/details.c) */
    pthread_mutex_t mu;
    struct live_x x; /* at_ms 0: none yet */
};

struct live *live_new(void)
{
    struct live *l = mem_calloc(1, sizeof(*l));
    l->ig = cache_new((size_t)4 << 20);
    l->boards = cache_new((size_t)32 << 20);
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void live_free(struct live *l)
{
    if (!l)
        return;
    cache_free(l->ig);
    cache_free(l->boards);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static bool fresh(int64_t at_ms, bool ok, int64_t ttl, int64_t now_ms)
{
    return at_ms && now_ms - at_ms < (ok ? ttl : LIVE_ERROR_TTL_MS) && now_ms >= at_ms;
}

struct ig_lookup {
    int64_t now_ms;
    struct live_ig *out;
};

static bool ig_copy(void *entry, void *arg)
{
    struct ig_lookup *l = arg;
    const struct live_ig *e = entry;
    if (!fresh(e->at_ms, e->ok, LIVE_IG_TTL_MS, l->now_ms))
        return false;
    *l->out = *e;
    return true;
}

bool live_ig_cached(struct live *l, int64_t profile_id, int64_t now_ms, struct live_ig *out)
{
    struct ig_lookup lk = {now_ms, out};
    return cache_with(l->ig, (uint64_t)profile_id, ig_copy, &lk);
}

/* The entry's error from a connector failure (no token in n->error). */
static void set_error(int *code, char *msg, size_t cap, const struct net *n, enum net_rc rc)
{
    *code = status_code(api_net_rc_status(rc));
    snprintf(msg, cap, "%s", n->error ? n->error : net_rc_name(rc));
}

static bool plain_id(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

void live_ig_fetch(struct app *app, struct arena *a, int64_t profile_id, int64_t now_ms,
                   struct live_ig *out)
{
    memset(out, 0, sizeof(*out));
    out->at_ms = now_ms;
    int idx = platform_index("instagram");
    struct linked_secret sec;
    struct tokens tok;
    struct linked_account *la = NULL;
    size_t n = 0;
    const char *ig_id = NULL;
    if (store_linked_list(app->store, a, profile_id, &la, &n) != STORE_OK ||
        store_linked_secret(app->store, a, profile_id, "instagram", &sec) != STORE_OK) {
        out->code = 630;
        snprintf(out->message, sizeof(out->message), "the linked account could not be read");
        return; /* not cached: the store's problem, not Instagram's */
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(la[i].platform, "instagram"))
            ig_id = la[i].disp.network_id;
    struct net net;
    if (!plain_id(ig_id) || !sec.access ||
        !ops_linked_unseal(app, a, profile_id, "instagram", sec.access, sec.access_len, sec.refresh,
                           sec.refresh_len, &tok)) {
        out->code = 632;
        snprintf(out->message, sizeof(out->message),
                 "the stored Instagram account cannot be used: link it again");
    } else if (!ops_linked_net(app, a, 0, idx, &net)) {
        out->code = 630;
        snprintf(out->message, sizeof(out->message), "Instagram is not configured on this server");
    } else {
        enum net_rc rc = instagram_publishing_limit(&net, &tok, ig_id, &out->used, &out->total);
        if (rc == NET_OK)
            out->ok = true;
        else
            set_error(&out->code, out->message, sizeof(out->message), &net, rc);
    }
    struct live_ig *e = mem_malloc(sizeof(*e));
    *e = *out;
    cache_put(app->live->ig, (uint64_t)profile_id, e, sizeof(*e));
}

struct cache *live_boards(struct live *l)
{
    return l->boards;
}

bool live_x_enabled(struct app *app)
{
    const struct netconf *c = netconf_get(app->nets, platform_index("twitter"));
    return c && c->app_token && *c->app_token;
}

bool live_x_cached(struct live *l, int64_t now_ms, struct live_x *out)
{
    pthread_mutex_lock(&l->mu);
    bool hit = fresh(l->x.at_ms, l->x.ok, LIVE_X_TTL_MS, now_ms);
    if (hit)
        *out = l->x;
    pthread_mutex_unlock(&l->mu);
    return hit;
}

void live_reset_date(int64_t now_ms, int day, char out[11])
{
    time_t secs = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon; /* 0-based month */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int step = 0; step < 2; step++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int last = mdays[m] + (m == 1 && leap);
        int d = day > last ? last : day;
        if (step == 1 || d > tm.tm_mday) {
            snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y % 10000), (unsigned)(m + 1) % 100,
                     (unsigned)d % 100);
            return;
        }
        if (++m == 12) {
            m = 0;
            y++;
        }
    }
}

void live_x_fetch(struct app *app, struct arena *a, int64_t now_ms, struct live_x *out)
{
    memset(out, 0, sizeof(*out));
    out->at_ms = now_ms;
    struct net net;
    if (!ops_linked_net(app, a, 0, platform_index("twitter"), &net)) {
        /* The app token alone is enough for usage. */
        if (!net.conf)
            return;
    }
    int day = 1;
    enum net_rc rc = twitter_project_usage(&net, &out->usage, &out->cap, &day);
    if (rc == NET_OK) {
        out->ok = true;
        live_reset_date(now_ms, day, out->reset);
    } else {
        set_error(&out->code, out->message, sizeof(out->message), &net, rc);
    }
    pthread_mutex_lock(&app->live->mu);
    app->live->x = *out;
    pthread_mutex_unlock(&app->live->mu);
}
