/*
 * sandbox: process start-up, the route table of `sociald sandbox` and the
 * dispatch every request goes through (docs/sandbox.md).
 *
 * Each network lives under /<network> and mirrors the real paths below it,
 * so a connector only swaps its base URLs. Dispatch records every network
 * request in the call log, then lets the first matching injected fault
 * answer (or delay) it, and otherwise runs the route's handler. The
 * /_sandbox endpoints are neither logged nor subject to faults.
 *
 * Shutdown: SIGTERM stops accepting connections, answers the requests that
 * wait on a delay fault (libmicrohttpd must not be stopped while a
 * connection is suspended), gives requests in flight a moment, then stops.
 */
#include "sandbox/sandbox.h"
#include "core/log.h"
#include "http/server.h"
#include "sandbox/internal.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_MS 2000 /* how long shutdown waits for requests in flight */

static const struct {
    const char *name, *title;
} nets[NET_COUNT] = {
    [NET_FACEBOOK] = {"facebook", "Facebook"}, [NET_INSTAGRAM] = {"instagram", "Instagram"},
    [NET_LINKEDIN] = {"linkedin", "LinkedIn"}, [NET_GMB] = {"gmb", "Google Business Profile"},
    [NET_YOUTUBE] = {"youtube", "YouTube"},    [NET_PINTEREST] = {"pinterest", "Pinterest"},
    [NET_REDDIT] = {"reddit", "Reddit"},       [NET_TELEGRAM] = {"telegram", "Telegram"},
    [NET_TIKTOK] = {"tiktok", "TikTok"},       [NET_TWITTER] = {"twitter", "X"},
};

/* "http://HOST:PORT" of the listening socket, for requests without a usable
 * Host header. Written once before the server starts. */
static char listen_base[300];

const char *sbx_net_name(enum sbx_net n)
{
    return nets[n].name;
}

const char *sbx_net_title(enum sbx_net n)
{
    return nets[n].title;
}

int sbx_net_parse(const char *s, size_t n)
{
    for (int i = 0; i < NET_COUNT; i++)
        if (strlen(nets[i].name) == n && !memcmp(nets[i].name, s, n))
            return i;
    return -1;
}

int sbx_net_of_path(const char *path)
{
    if (*path != '/')
        return -1;
    path++;
    return sbx_net_parse(path, strcspn(path, "/"));
}

const char *sbx_base_url(struct req *r)
{
    const char *host = req_header(r, "Host");
    bool sane = host && *host && strlen(host) <= 255;
    for (const char *p = host; sane && *p; p++) {
        char c = *p;
        sane = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    }
    return sane ? arena_printf(r->arena, "http://%s", host) : listen_base;
}

static enum status health(struct app *app, struct req *r)
{
    (void)app;
    buf_puts(&r->out, "{\"status\":\"ok\"}");
    return ST_OK;
}

/* The route's action names its kind: fault injection answers "oauth"
 * routes in the token endpoint's format and "consent" ones in plain text. */
// clang-format off
#define API(m, p, h)   {.methods = (m), .pattern = (p), .handler = (h), .action = "api"}
#define OAUTH(m, p, h) {.methods = (m), .pattern = (p), .handler = (h), .action = "oauth"}
#define CONSENT(p)     {.methods = HM_GET | HM_POST, .pattern = (p),                         \
                        .handler = sbx_oauth_consent, .action = "consent"}
#define GRAPH(net)                                                                  \
    CONSENT("/" net "/dialog/oauth"),                                               \
    OAUTH(HM_GET, "/" net "/graph/oauth/access_token", sbx_token_graph),            \
    API(HM_GET, "/" net "/graph/me", sbx_meta_me),                                  \
    API(HM_GET, "/" net "/graph/me/accounts", sbx_meta_accounts),                   \
    OAUTH(HM_DELETE, "/" net "/graph/me/permissions", sbx_token_graph_revoke),      \
    API(HM_GET, "/" net "/graph/debug_token", sbx_meta_debug_token),                \
    API(HM_GET, "/" net "/graph/:id", sbx_meta_object),                             \
    API(HM_GET, "/" net "/graph/:id/content_publishing_limit", sbx_meta_publishing_limit)
#define GOOGLE(net)                                                                 \
    CONSENT("/" net "/o/oauth2/v2/auth"),                                           \
    OAUTH(HM_POST, "/" net "/oauth2/token", sbx_token_exchange),                    \
    OAUTH(HM_POST, "/" net "/oauth2/revoke", sbx_token_revoke),                     \
    API(HM_GET, "/" net "/googleapis/oauth2/v2/userinfo", sbx_google_userinfo)
// clang-format on

static const struct route routes[] = {
    {.methods = HM_GET, .pattern = "/_sandbox/health", .handler = health, .action = "sandbox"},
    {.methods = HM_POST | HM_DELETE,
     .pattern = "/_sandbox/faults",
     .handler = sbx_faults_handle,
     .action = "sandbox",
     .flags = ROUTE_BODY_JSON},
    {.methods = HM_GET | HM_DELETE,
     .pattern = "/_sandbox/calls",
     .handler = sbx_calls_handle,
     .action = "sandbox"},
    {.methods = HM_GET,
     .pattern = "/_sandbox/img/:net/:file",
     .handler = sbx_ident_image,
     .action = "sandbox"},
    {.methods = HM_POST,
     .pattern = "/_sandbox/telegram/members",
     .handler = sbx_telegram_member,
     .action = "sandbox",
     .flags = ROUTE_BODY_JSON},
    {.methods = HM_POST,
     .pattern = "/_sandbox/telegram/messages",
     .handler = sbx_telegram_message,
     .action = "sandbox",
     .flags = ROUTE_BODY_JSON},

    GRAPH("facebook"),
    GRAPH("instagram"),

    CONSENT("/linkedin/oauth/v2/authorization"),
    OAUTH(HM_POST, "/linkedin/oauth/v2/accessToken", sbx_token_exchange),
    OAUTH(HM_POST, "/linkedin/oauth/v2/revoke", sbx_token_revoke),
    API(HM_GET, "/linkedin/api/v2/userinfo", sbx_linkedin_userinfo),
    API(HM_GET, "/linkedin/api/v2/me", sbx_linkedin_me),
    API(HM_GET, "/linkedin/api/v2/organizationAcls", sbx_linkedin_acls),
    API(HM_GET, "/linkedin/api/v2/organizations/:id", sbx_linkedin_org),

    GOOGLE("gmb"),
    API(HM_GET, "/gmb/accountmanagement/v1/accounts", sbx_google_accounts),
    API(HM_GET, "/gmb/businessinformation/v1/accounts/:id/locations", sbx_gbp_locations),
    API(HM_GET | HM_PATCH, "/gmb/businessinformation/v1/locations/:id", sbx_gbp_location),

    GOOGLE("youtube"),
    API(HM_GET, "/youtube/googleapis/youtube/v3/channels", sbx_youtube_channels),

    CONSENT("/pinterest/oauth"),
    OAUTH(HM_POST, "/pinterest/v5/oauth/token", sbx_token_exchange),
    API(HM_GET, "/pinterest/v5/user_account", sbx_pinterest_user),
    API(HM_GET, "/pinterest/v5/boards", sbx_pinterest_boards),

    CONSENT("/reddit/api/v1/authorize"),
    OAUTH(HM_POST, "/reddit/api/v1/access_token", sbx_token_exchange),
    OAUTH(HM_POST, "/reddit/api/v1/revoke_token", sbx_token_revoke),
    API(HM_GET, "/reddit/oauth/api/v1/me", sbx_reddit_me),

    API(HM_GET, "/telegram/file/:bot/photos/:name", sbx_telegram_file),
    API(HM_GET | HM_POST, "/telegram/:bot/:method", sbx_telegram_method),

    CONSENT("/tiktok/v2/auth/authorize"),
    OAUTH(HM_POST, "/tiktok/v2/oauth/token", sbx_token_exchange),
    OAUTH(HM_POST, "/tiktok/v2/oauth/revoke", sbx_token_revoke),
    API(HM_GET, "/tiktok/v2/user/info", sbx_tiktok_user_info),

    CONSENT("/twitter/i/oauth2/authorize"),
    OAUTH(HM_POST, "/twitter/2/oauth2/token", sbx_token_exchange),
    OAUTH(HM_POST, "/twitter/2/oauth2/revoke", sbx_token_revoke),
    API(HM_GET, "/twitter/2/users/me", sbx_twitter_me),
    API(HM_GET, "/twitter/2/usage/tweets", sbx_twitter_usage),
};

static enum status dispatch(void *ctx, struct req *r)
{
    int net = sbx_net_of_path(r->path);
    if (net >= 0) {
        calls_record(r, (enum sbx_net)net);
        enum status st;
        if (faults_apply(r, (enum sbx_net)net, &st))
            return st;
    }
    return r->route->handler(ctx, r);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int sandbox_run(const struct config *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct http_config hc = {
        .host = cfg->host,
        .port = cfg->port,
        .threads = 2,
        .conn_limit = 1024,
        .timeout_s = 30,
        .header_max = 16384,
        .body_max = 1 << 20,
        .access_log = false,
    };
    struct http_app ha = {.routes = routes,
                          .nroutes = sizeof(routes) / sizeof(routes[0]),
                          .dispatch = dispatch,
                          .ctx = NULL};
    state_init();
    calls_init();
    faults_init();
    char err[256];
    struct http_server *srv = http_server_start(&hc, &ha, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        faults_drain();
        faults_free();
        calls_free();
        state_free();
        return 1;
    }
    unsigned port = http_server_port(srv);
    /* A wildcard listen address is not a place a client can go. */
    const char *host =
        !strcmp(cfg->host, "0.0.0.0") || !strcmp(cfg->host, "::") ? "127.0.0.1" : cfg->host;
    snprintf(listen_base, sizeof(listen_base),
             strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, port);
    struct logline l;
    log_begin(&l, LOG_INFO, "listening");
    jw_kstr(&l.w, "host", cfg->host);
    jw_kint(&l.w, "port", port);
    jw_kstr(&l.w, "role", "sandbox");
    log_end(&l);
    log_flush();
    int sig = 0;
    sigwait(&set, &sig);
    http_server_quiesce(srv);
    faults_drain();
    for (int waited = 0; http_server_inflight(srv) > 0 && waited < DRAIN_MS; waited += 10)
        sleep_ms(10);
    http_server_stop(srv);
    faults_free();
    calls_free();
    state_free();
    return 0;
}
