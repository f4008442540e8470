/*
 * serve: process start-up and shutdown (see serve.h).
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait(): SIGHUP reopens the log file; SIGTERM/SIGINT stop
 * accepting, wait up to shutdown_grace for requests in flight, flush the
 * usage counters and exit 0.
 */
#include "app/serve.h"
#include "api/api.h"
#include "app/app.h"
#include "core/log.h"
#include "http/server.h"
#include "util/mem.h"
#include "util/rss.h"
#include "util/timeutil.h"
#include "version.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* How long resumed answers may take to go out after the workers drained. */
#define ANSWER_FLUSH_MS 2000

/* Every connection needs a descriptor: lift the soft limit to the hard one. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The signals the main thread takes with sigwait(), blocked in every thread. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static struct http_server *start_http(struct app *app, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct http_config hc = {
        .host = cfg->host,
        .port = cfg->port,
        .threads = cfg->threads,
        .conn_limit = cfg->max_connections,
        .timeout_s = cfg->timeout_s,
        .header_max = (size_t)cfg->header_limit,
        .body_max = (size_t)cfg->body_limit,
        .access_log = cfg->access_log,
    };
    struct http_app ha = {
        .routes = api_routes,
        .nroutes = api_nroutes,
        .dispatch = api_dispatch,
        .on_complete = api_on_complete,
        .ctx = app,
    };
    return http_server_start(&hc, &ha, err, errlen);
}

/* Fixes the public URL when it was not configured and logs "listening". */
static void announce(struct config *cfg, struct http_server *srv)
{
    if (cfg->public_url_default) {
        /* With port 0 only now is the port known; URLs handed out need it. */
        bool v6 = strchr(cfg->host, ':') != NULL;
        char url[300];
        snprintf(url, sizeof(url), "http://%s%s%s:%u", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
                 http_server_port(srv));
        free(cfg->public_url);
        cfg->public_url = mem_strdup(url);
    }
    struct logline l;
    log_begin(&l, LOG_INFO, "listening");
    jw_kstr(&l.w, "host", cfg->host);
    jw_kint(&l.w, "port", http_server_port(srv));
    jw_kstr(&l.w, "publicUrl", cfg->public_url);
    jw_kint(&l.w, "pid", getpid());
    jw_kstr(&l.w, "version", SOCIALD_VERSION);
    log_end(&l);
    log_flush();
}

/* Returns on SIGTERM or SIGINT; SIGHUP reopens the log file. */
static void wait_for_stop(const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_reopen();
            log_info("log reopened");
            continue;
        }
        log_info("shutting down (signal %d)", sig);
        return;
    }
}

/* Waits until no request is in flight or ms have passed; true when none is. */
static bool settle(struct http_server *srv, int64_t ms)
{
    int64_t deadline = time_mono_ms() + ms;
    while (http_server_inflight(srv) > 0 && time_mono_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return http_server_inflight(srv) == 0;
}

/* Stops accepting and waits up to the grace for requests in flight. */
static void quiesce(struct http_server *srv, int64_t grace_s)
{
    http_server_quiesce(srv);
    if (!settle(srv, grace_s * 1000))
        log_warn("grace period over with %ld requests in flight", http_server_inflight(srv));
}

int app_serve(struct config *cfg)
{
    sigset_t set;
    block_signals(&set);
    raise_nofile();
    /* Loading the libraries left ~9 MiB of their pages resident, most never
     * used again; dropped while this is the only thread (see rss.h). */
    rss_drop_startup();
    int rc = 1;
    struct http_server *srv = NULL;
    struct app app = {.cfg = cfg};
    char err[512];
    if (!app_open(&app, cfg, APP_SERVER, err, sizeof(err))) {
        log_error("%s", err);
        goto out;
    }
    srv = start_http(&app, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        goto out;
    }
    announce(cfg, srv);
    wait_for_stop(&set);
    quiesce(srv, cfg->shutdown_grace_s);
    rc = 0;
out:
    /* Jobs: stop leasing and let those in flight finish within the grace.
     * Outbound calls still running are cut (CLIENT_SHUTDOWN: a delivery is
     * rescheduled, a link ends with "try again"). Then the network workers
     * drain: every request they hold is resumed
     * (answered; one waiting on a DNS lookup gets 651 at once, see
     * offload_stopping) while the HTTP server still runs — libmicrohttpd aborts
     * when stopped with a suspended connection. Then HTTP stops, and the
     * runner records the last results. */
    app_stop(&app); /* runners stop, client_stop, the offload pools drain */
    /* What the drain resumed has its answer queued, not yet sent: stopping
     * libmicrohttpd now would close those connections unanswered. A short,
     * bounded wait lets the answers go out (a client that does not read its
     * answer does not hold the exit). */
    if (srv)
        settle(srv, ANSWER_FLUSH_MS);
    http_server_stop(srv);
    app_close(&app); /* the runners record the last results; then the frees */
    if (rc == 0)
        log_info("stopped");
    return rc;
}
