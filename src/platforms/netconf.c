/*
 * netconf: per-network configuration (see netconf.h).
 */
#include "platforms/netconf.h"
#include "util/mem.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot_def {
    enum net_slot slot;
    const char *real;    /* the real network's base */
    const char *sandbox; /* the path under the sandbox URL */
};

struct net_def {
    const char *name;
    struct slot_def slots[SLOT_COUNT];
};

#define GRAPH       "https://graph.facebook.com/v21.0"
#define FB_DIALOG   "https://www.facebook.com/v21.0/dialog/oauth"
#define GOOGLE_AUTH "https://accounts.google.com/o/oauth2/v2/auth"

/* In platforms/names.h order. */
static const struct net_def defs[PLATFORM_COUNT] = {
    {"facebook",
     {{SLOT_AUTHORIZE, FB_DIALOG, "/facebook/dialog/oauth"}, {SLOT_API, GRAPH, "/facebook/graph"}}},
    {"gmb",
     {{SLOT_AUTHORIZE, GOOGLE_AUTH, "/gmb/o/oauth2/v2/auth"},
      {SLOT_AUTH, "https://oauth2.googleapis.com", "/gmb/oauth2"},
      {SLOT_API, "https://www.googleapis.com", "/gmb/googleapis"},
      {SLOT_API2, "https://mybusinessaccountmanagement.googleapis.com/v1",
       "/gmb/accountmanagement/v1"},
      {SLOT_API3, "https://mybusinessbusinessinformation.googleapis.com/v1",
       "/gmb/businessinformation/v1"}}},
    {"instagram",
     {{SLOT_AUTHORIZE, FB_DIALOG, "/instagram/dialog/oauth"},
      {SLOT_API, GRAPH, "/instagram/graph"}}},
    {"linkedin",
     {{SLOT_AUTHORIZE, "https://www.linkedin.com/oauth/v2/authorization",
       "/linkedin/oauth/v2/authorization"},
      {SLOT_AUTH, "https://www.linkedin.com/oauth/v2", "/linkedin/oauth/v2"},
      {SLOT_API, "https://api.linkedin.com", "/linkedin/api"}}},
    {"pinterest",
     {{SLOT_AUTHORIZE, "https://www.pinterest.com/oauth/", "/pinterest/oauth/"},
      {SLOT_API, "https://api.pinterest.com/v5", "/pinterest/v5"}}},
    {"reddit",
     {{SLOT_AUTHORIZE, "https://www.reddit.com/api/v1/authorize", "/reddit/api/v1/authorize"},
      {SLOT_AUTH, "https://www.reddit.com/api/v1", "/reddit/api/v1"},
      {SLOT_API, "https://oauth.reddit.com", "/reddit/oauth"}}},
    {"telegram", {{SLOT_API, "https://api.telegram.org", "/telegram"}}},
    {"tiktok",
     {{SLOT_AUTHORIZE, "https://www.tiktok.com/v2/auth/authorize/", "/tiktok/v2/auth/authorize/"},
      {SLOT_API, "https://open.tiktokapis.com/v2", "/tiktok/v2"}}},
    {"twitter",
     {{SLOT_AUTHORIZE, "https://x.com/i/oauth2/authorize", "/twitter/i/oauth2/authorize"},
      {SLOT_API, "https://api.x.com/2", "/twitter/2"}}},
    {"youtube",
     {{SLOT_AUTHORIZE, GOOGLE_AUTH, "/youtube/o/oauth2/v2/auth"},
      {SLOT_AUTH, "https://oauth2.googleapis.com", "/youtube/oauth2"},
      {SLOT_API, "https://www.googleapis.com", "/youtube/googleapis"}}},
};

static const char *const slot_keys[SLOT_COUNT] = {"authorize", "auth", "api", "api2", "api3"};

struct netconfs {
    struct arena *a;
    struct netconf nets[PLATFORM_COUNT];
};

static const char *env(struct arena *a, const char *net, const char *what)
{
    char name[96];
    snprintf(name, sizeof(name), "SOCIALD_%s_%s", net, what);
    for (char *c = name; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    const char *v = getenv(name);
    return v && *v ? arena_strdup(a, v) : NULL;
}

static const char *jstr(struct arena *a, json_t *o, const char *key)
{
    json_t *v = o ? json_object_get(o, key) : NULL;
    return json_is_string(v) && *json_string_value(v) ? arena_strdup(a, json_string_value(v))
                                                      : NULL;
}

struct netconfs *netconf_load(const struct config *cfg)
{
    struct netconfs *nc = mem_calloc(1, sizeof(*nc));
    nc->a = arena_new();
    json_t *file = cfg->networks;
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        const struct net_def *d = &defs[i];
        struct netconf *c = &nc->nets[i];
        json_t *o = file ? json_object_get(file, d->name) : NULL;
        json_t *urls = o ? json_object_get(o, "urls") : NULL;
        for (int s = 0; s < SLOT_COUNT; s++) {
            const struct slot_def *sd = &d->slots[s];
            if (!sd->real)
                continue;
            const char *u =
                cfg->sandbox ? arena_printf(nc->a, "%s%s", cfg->sandbox, sd->sandbox) : sd->real;
            const char *over = jstr(nc->a, urls, slot_keys[sd->slot]);
            c->urls[sd->slot] = over ? over : u;
        }
        c->client_id = env(nc->a, d->name, "CLIENT_ID");
        c->client_secret = env(nc->a, d->name, "CLIENT_SECRET");
        if (!c->client_id)
            c->client_id = jstr(nc->a, o, "clientId");
        if (!c->client_secret)
            c->client_secret = jstr(nc->a, o, "clientSecret");
        c->scopes = jstr(nc->a, o, "scopes");
        c->bot_token = env(nc->a, d->name, "BOT_TOKEN");
        if (!c->bot_token)
            c->bot_token = jstr(nc->a, o, "botToken");
        c->app_token = env(nc->a, d->name, "APP_TOKEN");
        if (!c->app_token)
            c->app_token = jstr(nc->a, o, "appToken");
        c->sandbox = cfg->sandbox != NULL;
    }
    /* Shared apps: Google's for both of its products; Facebook's for
     * Instagram (Instagram API with Facebook Login). */
    const char *gid = env(nc->a, "google", "CLIENT_ID"),
               *gsec = env(nc->a, "google", "CLIENT_SECRET");
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        struct netconf *c = &nc->nets[i];
        const char *name = defs[i].name;
        if ((!strcmp(name, "gmb") || !strcmp(name, "youtube")) && !c->client_id) {
            c->client_id = gid;
            c->client_secret = gsec;
        }
        if (!strcmp(name, "instagram") && !c->client_id) {
            c->client_id = nc->nets[platform_index("facebook")].client_id;
            c->client_secret = nc->nets[platform_index("facebook")].client_secret;
        }
        if (cfg->sandbox) {
            /* The sandbox accepts any credentials: fill what is missing so a
             * development setup links every network out of the box. */
            if (!c->client_id)
                c->client_id = arena_printf(nc->a, "sandbox-%s-client", name);
            if (!c->client_secret)
                c->client_secret = "sandbox-secret";
            if (!strcmp(name, "telegram") && !c->bot_token)
                c->bot_token = "123456789:sandbox-bot-token";
            if (!strcmp(name, "twitter") && !c->app_token)
                c->app_token = "sandbox-app-token";
        }
    }
    return nc;
}

void netconf_free(struct netconfs *nc)
{
    if (!nc)
        return;
    arena_free(nc->a);
    free(nc);
}

const struct netconf *netconf_get(const struct netconfs *nc, int i)
{
    return &nc->nets[i];
}

bool netconf_available(const struct netconfs *nc, int i)
{
    const struct netconf *c = &nc->nets[i];
    if (!strcmp(defs[i].name, "telegram"))
        return c->bot_token != NULL;
    return c->client_id != NULL && c->client_secret != NULL;
}
