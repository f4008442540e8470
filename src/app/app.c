/*
 * app: building and tearing down the context (see app.h).
 *
 * The order of app_close is the reverse dependency order: the workers that
 * hold requests and jobs go first, the meters flush into the store, and the
 * store closes last.
 */
#include "app/app.h"
#include "app/secrets.h"
#include "api/directory.h"
#include "api/live.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/vault.h"
#include "jobs/batch.h"
#include "jobs/details.h"
#include "jobs/revoke.h"
#include "runner/runner.h"
#include "jobs/upkeep.h"
#include "jobs/webhook.h"
#include "limits/ratelimit.h"
#include "limits/usage.h"
#include "platforms/client.h"
#include "platforms/netconf.h"
#include "platforms/s3.h"
#include "store/store.h"
#include "util/fsutil.h"
#include "util/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool open_store(struct app *app, unsigned parts, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    /* A database named by a URI or ":memory:" may live elsewhere; the
     * server (master key, batch files) and every command that seals or
     * opens sealed values (the master key file) need the directory. */
    bool need_dir = (parts & (APP_WORKERS | APP_VAULT)) || !strchr(cfg->db, ':');
    if (need_dir && !fs_mkdir_p(cfg->data)) {
        snprintf(err, errlen, "cannot create data directory %s: %s", cfg->data, strerror(errno));
        return false;
    }
    /* master.key, the database and the batch files live there: refused
     * when group or others may open it, as master.key itself is (also by
     * a command that does not need it, on a database elsewhere). */
    struct stat sb;
    if ((need_dir || stat(cfg->data, &sb) == 0) &&
        !vault_path_private(cfg->data, "data directory", err, errlen))
        return false;
    app->store = store_open(cfg->db, err, errlen);
    if (!app->store)
        return false;
    if (store_migrate(app->store, &app->migrations_applied) != STORE_OK) {
        snprintf(err, errlen, "database migration failed");
        return false;
    }
    return true;
}

/* Two runners, one per lane: deliveries never wait behind upkeep. */
static void start_runners(struct app *app)
{
    const struct config *cfg = app->cfg;
    struct runner_kind kinds[] = {webhook_job_kind(app)};
    struct runner_config rc_cfg = {
        .lane = JOB_LANE_DELIVERY,
        .concurrency = (unsigned)cfg->jobs_concurrency,
        .lease_ms = cfg->jobs_lease_ms,
        .poll_ms = cfg->jobs_poll_ms,
    };
    app->runner = runner_new(app->store, kinds, sizeof(kinds) / sizeof(kinds[0]), &rc_cfg);
    struct runner_kind upkeep_kinds[] = {revoke_job_kind(app), upkeep_refresh_kind(app),
                                         upkeep_remind_kind(app), batch_job_kind(app),
                                         sweep_job_kind(app)};
    /* The sweeper (expired batch files, rows past retention) runs in one
     * process at a time. */
    int64_t now = time_now_ms();
    if (store_job_ensure(app->store, "sweep", now, now) != STORE_OK ||
        store_job_sooner(app->store, "sweep", now + cfg->sweep_interval_s * 1000) != STORE_OK)
        log_warn("cannot queue the sweeper");
    struct runner_config up_cfg = rc_cfg;
    up_cfg.lane = JOB_LANE_UPKEEP;
    app->upkeep_runner = runner_new(app->store, upkeep_kinds,
                                    sizeof(upkeep_kinds) / sizeof(upkeep_kinds[0]), &up_cfg);
}

/* --cache-mb, or by default a quarter of the machine's memory between 64 MiB
 * and 8 GiB (a million profiles with ten accounts each take ~3.5 GiB): the
 * cache holds only what is read or warmed, so a small installation never
 * holds it. */
static size_t cache_budget(const struct config *cfg)
{
    if (cfg->cache_mb)
        return (size_t)cfg->cache_mb << 20;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t mem = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    size_t lo = (size_t)64 << 20, hi = (size_t)8 << 30;
    return mem / 4 < lo ? lo : mem / 4 > hi ? hi : mem / 4;
}

static void start_workers(struct app *app)
{
    const struct config *cfg = app->cfg;
    app->dir = dir_new(app->store, cache_budget(cfg));
    app->usage = usage_new(app->store, cfg->usage_flush_ms);
    if (cfg->cache_warm)
        app->warm = dir_warm_start(app->dir, app->usage);
    app->rl =
        store_shared(app->store)
            ? ratelimit_new_shared(app->store, cfg->rate_limit, cfg->rate_window_s * 1000,
                                   cfg->rate_suspend_after)
            : ratelimit_new(cfg->rate_limit, cfg->rate_window_s * 1000, cfg->rate_suspend_after);
    app->client = client_new((unsigned)cfg->jobs_concurrency);
    app->offload = offload_new((unsigned)cfg->network_workers);
    app->upkeep_offload = offload_new((unsigned)cfg->upkeep_workers);
    app->upkeep = upkeep_new(cfg);
    app->live = live_new();
    app->details = details_new(app);
    app->nets = netconf_load(cfg);
    start_runners(app);
}

/* --files s3://…: a setting that cannot work refuses to start; a store
 * that does not answer now is only logged (exports retry until it does). */
static bool open_files(struct app *app, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    if (!cfg->files)
        return true;
    client_global_init(); /* libcurl, before the first handle */
    struct s3_env env;
    s3_env_from_process(&env);
    enum s3_addressing how = !strcmp(cfg->files_addressing, "path")      ? S3_ADDR_PATH
                             : !strcmp(cfg->files_addressing, "virtual") ? S3_ADDR_VIRTUAL
                                                                         : S3_ADDR_AUTO;
    if (!s3_open(cfg->files, &env, how, (size_t)cfg->files_part_mb << 20, &app->files, err, errlen))
        return false;
    char why[512];
    if (s3_check(app->files, why, sizeof(why)))
        log_info("batch files go to %s", s3_describe(app->files));
    else
        log_error("batch files: %s does not answer now (%s); exports retry until it does",
                  s3_describe(app->files), why);
    return true;
}

bool app_open(struct app *app, const struct config *cfg, unsigned parts, char *err, size_t errlen)
{
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    if ((parts & APP_STORE) && !open_store(app, parts, err, errlen))
        goto fail;
    if (parts & APP_VAULT) {
        app->vault = vault_open(cfg->data, getenv("SOCIALD_MASTER_KEY"), err, errlen);
        if (!app->vault)
            goto fail;
    }
    if ((parts & APP_SECRETS) &&
        (!app_secrets_load(app->store, app->vault, "signing", app->signing_key, err, errlen) ||
         !app_secrets_load(app->store, app->vault, "jwt", app->jwt_key, err, errlen)))
        goto fail;
    if ((parts & APP_WORKERS) && !open_files(app, err, errlen))
        goto fail;
    if (parts & APP_WORKERS)
        start_workers(app);
    return true;
fail:
    app_close(app);
    return false;
}

void app_stop(struct app *app)
{
    if (app->stopped || !app->cfg)
        return;
    app->stopped = true;
    int64_t grace_ms = app->cfg->shutdown_grace_s * 1000;
    runner_stop(app->runner, grace_ms);
    runner_stop(app->upkeep_runner, grace_ms);
    client_stop(app->client);   /* network calls still waiting end now */
    details_stop(app->details); /* its reads end, their results are written */
    dir_warm_stop(app->warm);   /* between two pages */
    app->warm = NULL;
    offload_drain(app->offload);
    offload_drain(app->upkeep_offload);
}

void app_close(struct app *app)
{
    app_stop(app);
    offload_free(app->offload);
    offload_free(app->upkeep_offload);
    client_free(app->client);
    runner_free(app->runner);
    runner_free(app->upkeep_runner);
    details_free(app->details);
    upkeep_free(app->upkeep);
    live_free(app->live);
    usage_free(app->usage);
    ratelimit_free(app->rl);
    dir_free(app->dir);
    vault_free(app->vault);
    netconf_free(app->nets);
    s3_free(app->files);
    store_close(app->store);
    memset(app, 0, sizeof(*app)); /* the secrets too */
}
