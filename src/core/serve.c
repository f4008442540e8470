/*
 * serve: process start-up and shutdown (see serve.h).
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait(): SIGHUP reopens the log file; SIGTERM/SIGINT stop
 * accepting, wait up to shutdown_grace for requests in flight, flush the
 * usage counters and exit 0.
 */
#include "core/serve.h"
#include "api/api.h"
#include "api/directory.h"
#include "crypto/vault.h"
#include "core/offload.h"
#include "jobs/revoke.h"
#include "jobs/batch.h"
#include "jobs/upkeep.h"
#include "api/live.h"
#include "jobs/runner.h"
#include "platforms/netconf.h"
#include "jobs/webhook.h"
#include "platforms/client.h"
#include "core/app.h"
#include "core/log.h"
#include "http/server.h"
#include "limits/ratelimit.h"
#include "limits/usage.h"
#include "store/jobs.h"
#include "store/secrets.h"
#include "store/store.h"
#include "util/timeutil.h"
#include "version.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool serve_ensure_dir(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
        return false;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* Every connection needs a descriptor: lift the soft limit to the hard one. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int serve_run(struct config *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();

    int rc = 1;
    struct store *st = NULL;
    struct http_server *srv = NULL;
    struct app app = {.cfg = cfg};
    char err[512];

    if (!serve_ensure_dir(cfg->data)) {
        log_error("cannot create data directory %s: %s", cfg->data, strerror(errno));
        goto out;
    }
    st = store_open(cfg->db, err, sizeof(err));
    if (!st) {
        log_error("%s", err);
        goto out;
    }
    int applied = 0;
    if (store_migrate(st, &applied) != STORE_OK) {
        log_error("database migration failed");
        goto out;
    }
    app.store = st;
    app.vault = vault_open(cfg->data, getenv("SOCIALD_MASTER_KEY"), err, sizeof(err));
    if (!app.vault) {
        log_error("%s", err);
        goto out;
    }
    if (store_secret(st, "signing", app.signing_key) != STORE_OK ||
        store_secret(st, "jwt", app.jwt_key) != STORE_OK) {
        log_error("cannot read or create the signing secret");
        goto out;
    }
    app.dir = dir_new(st, (size_t)cfg->cache_mb << 20);
    app.usage = usage_new(st, cfg->usage_flush_ms);
    app.rl = ratelimit_new(cfg->rate_limit, cfg->rate_window_s * 1000, cfg->rate_suspend_after);
    app.client = client_new((unsigned)cfg->jobs_concurrency);
    app.offload = offload_new((unsigned)cfg->network_workers);
    app.upkeep_offload = offload_new((unsigned)cfg->upkeep_workers);
    app.upkeep = upkeep_new(cfg);
    app.live = live_new();
    app.nets = netconf_load(cfg);
    /* Two runners, one per lane: deliveries never wait behind upkeep. */
    struct runner_kind kinds[] = {webhook_job_kind(&app)};
    struct runner_config rc_cfg = {
        .lane = JOB_LANE_DELIVERY,
        .concurrency = (unsigned)cfg->jobs_concurrency,
        .lease_ms = cfg->jobs_lease_ms,
        .poll_ms = cfg->jobs_poll_ms,
    };
    app.runner = runner_new(st, kinds, sizeof(kinds) / sizeof(kinds[0]), &rc_cfg);
    struct runner_kind upkeep_kinds[] = {revoke_job_kind(&app),    upkeep_refresh_kind(&app),
                                         upkeep_remind_kind(&app), upkeep_details_kind(&app),
                                         batch_job_kind(&app),     sweep_job_kind(&app)};
    /* The sweeper of expired batch files runs in one process at a time. */
    if (store_job_ensure(st, "sweep", time_now_ms(), time_now_ms()) != STORE_OK)
        log_warn("cannot queue the batch file sweeper");
    struct runner_config up_cfg = rc_cfg;
    up_cfg.lane = JOB_LANE_UPKEEP;
    app.upkeep_runner =
        runner_new(st, upkeep_kinds, sizeof(upkeep_kinds) / sizeof(upkeep_kinds[0]), &up_cfg);

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
        .ctx = &app,
    };
    srv = http_server_start(&hc, &ha, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        goto out;
    }
    if (cfg->public_url_default) {
        /* With port 0 only now is the port known; URLs handed out need it. */
        bool v6 = strchr(cfg->host, ':') != NULL;
        char url[300];
        snprintf(url, sizeof(url), "http://%s%s%s:%u", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
                 http_server_port(srv));
        free(cfg->public_url);
        cfg->public_url = strdup(url);
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

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_reopen();
            log_info("log reopened");
            continue;
        }
        log_info("shutting down (signal %d)", sig);
        break;
    }
    http_server_quiesce(srv);
    int64_t deadline = time_mono_ms() + cfg->shutdown_grace_s * 1000;
    while (http_server_inflight(srv) > 0 && time_mono_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (http_server_inflight(srv) > 0)
        log_warn("grace period over with %ld requests in flight", http_server_inflight(srv));
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
    runner_stop(app.runner, cfg->shutdown_grace_s * 1000);
    runner_stop(app.upkeep_runner, cfg->shutdown_grace_s * 1000);
    client_stop(app.client); /* network calls still waiting end now */
    offload_drain(app.offload);
    offload_drain(app.upkeep_offload);
    http_server_stop(srv);
    offload_free(app.offload);
    offload_free(app.upkeep_offload);
    client_free(app.client);
    runner_free(app.runner);
    runner_free(app.upkeep_runner);
    upkeep_free(app.upkeep);
    live_free(app.live);
    usage_free(app.usage);
    ratelimit_free(app.rl);
    dir_free(app.dir);
    vault_free(app.vault);
    netconf_free(app.nets);
    store_close(st);
    if (rc == 0)
        log_info("stopped");
    return rc;
}
