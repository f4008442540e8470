/*
 * sandbox: process start-up and the route table of `sociald sandbox`.
 */
#include "sandbox/sandbox.h"
#include "core/log.h"
#include "http/server.h"
#include "util/buf.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum status health(struct app *app, struct req *r)
{
    (void)app;
    buf_puts(&r->out, "{\"status\":\"ok\"}");
    return ST_OK;
}

static const struct route routes[] = {
    {HM_GET, "/_sandbox/health", health, "request", 0, NULL, 0},
};

static enum status dispatch(void *ctx, struct req *r)
{
    return r->route->handler(ctx, r);
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
    char err[256];
    struct http_server *srv = http_server_start(&hc, &ha, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        return 1;
    }
    struct logline l;
    log_begin(&l, LOG_INFO, "listening");
    jw_kstr(&l.w, "host", cfg->host);
    jw_kint(&l.w, "port", http_server_port(srv));
    jw_kstr(&l.w, "role", "sandbox");
    log_end(&l);
    log_flush();
    int sig = 0;
    sigwait(&set, &sig);
    http_server_stop(srv);
    return 0;
}
