/*
 * config: option table and loading (see config.h).
 */
#include "core/config.h"
#include "util/mem.h"
#include "util/str.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OT_STR, OT_UINT, OT_I64, OT_BOOL };

struct opt {
    const char *flag; /* --flag */
    const char *env;
    const char *key; /* config-file key */
    enum opt_type type;
    size_t off;
    const char *dflt;
    int64_t min, max; /* for numbers */
};

#define OFF(f) offsetof(struct config, f)

static const struct opt opts[] = {
    {"listen", "SOCIALD_LISTEN", "listen", OT_STR, OFF(listen), "127.0.0.1:8080", 0, 0},
    {"db", "SOCIALD_DB", "db", OT_STR, OFF(db), NULL, 0, 0},
    {"data", "SOCIALD_DATA", "data", OT_STR, OFF(data), "./var", 0, 0},
    {"public-url", "SOCIALD_PUBLIC_URL", "public_url", OT_STR, OFF(public_url), NULL, 0, 0},
    {"sandbox", "SOCIALD_SANDBOX", "sandbox", OT_STR, OFF(sandbox), NULL, 0, 0},
    {"threads", "SOCIALD_THREADS", "threads", OT_UINT, OFF(threads), "0", 0, 256},
    {"max-connections", "SOCIALD_MAX_CONNECTIONS", "max_connections", OT_UINT, OFF(max_connections),
     "4096", 1, 1000000},
    {"timeout", "SOCIALD_TIMEOUT", "timeout", OT_UINT, OFF(timeout_s), "30", 1, 3600},
    {"body-limit", "SOCIALD_BODY_LIMIT", "body_limit", OT_I64, OFF(body_limit), "1048576", 1024,
     (int64_t)1 << 30},
    {"header-limit", "SOCIALD_HEADER_LIMIT", "header_limit", OT_I64, OFF(header_limit), "16384",
     1024, 1 << 20},
    {"log-level", "SOCIALD_LOG_LEVEL", "log_level", OT_STR, OFF(log_level), "info", 0, 0},
    {"log-file", "SOCIALD_LOG_FILE", "log_file", OT_STR, OFF(log_file), NULL, 0, 0},
    {"access-log", "SOCIALD_ACCESS_LOG", "access_log", OT_BOOL, OFF(access_log), "true", 0, 0},
    {"details-ttl", "SOCIALD_DETAILS_TTL", "details_ttl", OT_I64, OFF(details_ttl_s), "30", 1,
     86400},
    {"usage-flush-ms", "SOCIALD_USAGE_FLUSH_MS", "usage_flush_ms", OT_I64, OFF(usage_flush_ms),
     "60000", 10, 600000},
    {"rate-limit", "SOCIALD_RATE_LIMIT", "rate_limit", OT_I64, OFF(rate_limit), "300", 1,
     100000000},
    {"rate-window", "SOCIALD_RATE_WINDOW", "rate_window", OT_I64, OFF(rate_window_s), "300", 1,
     86400},
    /* SPEC §7: rate-limit errors in 24 h that suspend a profile (0: never). */
    {"rate-suspend-after", "SOCIALD_RATE_SUSPEND_AFTER", "rate_suspend_after", OT_I64,
     OFF(rate_suspend_after), "1000", 0, 100000000},
    {"shutdown-grace", "SOCIALD_SHUTDOWN_GRACE", "shutdown_grace", OT_I64, OFF(shutdown_grace_s),
     "10", 0, 3600},
    {"cache-mb", "SOCIALD_CACHE_MB", "cache_mb", OT_I64, OFF(cache_mb), "0", 0, 65536},
    {"cache-warm", "SOCIALD_CACHE_WARM", "cache_warm", OT_BOOL, OFF(cache_warm), "true", 0, 0},
    /* GET /metrics then needs "Authorization: Bearer <token>". */
    {"metrics-token", "SOCIALD_METRICS_TOKEN", "metrics_token", OT_STR, OFF(metrics_token), NULL, 0,
     0},
    {"webhook-timeout-ms", "SOCIALD_WEBHOOK_TIMEOUT_MS", "webhook_timeout_ms", OT_I64,
     OFF(webhook_timeout_ms), "10000", 100, 120000},
    /* SPEC §8: retried at about 5 s, 30 s, 2 min, 10 min, 30 min, 1 h (7 tries) */
    {"webhook-retries", "SOCIALD_WEBHOOK_RETRIES", "webhook_retries", OT_STR, OFF(webhook_retries),
     "5000,30000,120000,600000,1800000,3600000", 0, 0},
    {"webhook-disable-after", "SOCIALD_WEBHOOK_DISABLE_AFTER", "webhook_disable_after", OT_I64,
     OFF(webhook_disable_after), "10", 1, 100000},
    {"webhook-allow-private", "SOCIALD_WEBHOOK_ALLOW_PRIVATE", "webhook_allow_private", OT_BOOL,
     OFF(webhook_allow_private), "false", 0, 0},
    {"webhook-allow-http", "SOCIALD_WEBHOOK_ALLOW_HTTP", "webhook_allow_http", OT_BOOL,
     OFF(webhook_allow_http), "false", 0, 0},
    {"jobs-lease-ms", "SOCIALD_JOBS_LEASE_MS", "jobs_lease_ms", OT_I64, OFF(jobs_lease_ms), "25000",
     500, 3600000},
    {"jobs-poll-ms", "SOCIALD_JOBS_POLL_MS", "jobs_poll_ms", OT_I64, OFF(jobs_poll_ms), "500", 10,
     60000},
    {"jobs-concurrency", "SOCIALD_JOBS_CONCURRENCY", "jobs_concurrency", OT_I64,
     OFF(jobs_concurrency), "64", 1, 4096},
    /* Threads that wait on the networks (linking, import, revocation). */
    {"network-workers", "SOCIALD_NETWORK_WORKERS", "network_workers", OT_I64, OFF(network_workers),
     "8", 1, 256},
    /* Batch exports (SPEC §5): a new one at most every batch-interval
     * seconds per account; their URLs (and files) live batch-url-ttl s. */
    {"batch-interval", "SOCIALD_BATCH_INTERVAL", "batch_interval", OT_I64, OFF(batch_interval_s),
     "10800", 1, 30 * 86400},
    {"batch-url-ttl", "SOCIALD_BATCH_URL_TTL", "batch_url_ttl", OT_I64, OFF(batch_url_ttl_s),
     "604800", 1, 365 * 86400},
    /* Batch files in S3-compatible object storage (SPEC §12): s3://bucket/prefix,
     * URL style (auto: virtual-hosted on AWS, path-style elsewhere), part size. */
    {"files", "SOCIALD_FILES", "files", OT_STR, OFF(files), NULL, 0, 0},
    {"files-addressing", "SOCIALD_FILES_ADDRESSING", "files_addressing", OT_STR,
     OFF(files_addressing), "auto", 0, 0},
    {"files-part-mb", "SOCIALD_FILES_PART_MB", "files_part_mb", OT_I64, OFF(files_part_mb), "8", 8,
     64},
    /* How long a network call may take (linking, live data, updates). */
    {"network-timeout-ms", "SOCIALD_NETWORK_TIMEOUT_MS", "network_timeout_ms", OT_I64,
     OFF(network_timeout_ms), "15000", 100, 120000},
    /* Keeping linked accounts alive (jobs/upkeep.c): threads for its
     * network calls, delays between failed refreshes (the last repeats), and
     * refreshes started per second per network at most. */
    {"upkeep-workers", "SOCIALD_UPKEEP_WORKERS", "upkeep_workers", OT_I64, OFF(upkeep_workers), "4",
     1, 256},
    {"refresh-retries", "SOCIALD_REFRESH_RETRIES", "refresh_retries", OT_STR, OFF(refresh_retries),
     "60000,300000,900000,3600000,10800000", 0, 0},
    {"refresh-rate", "SOCIALD_REFRESH_RATE", "refresh_rate", OT_I64, OFF(refresh_rate), "20", 1,
     100000},
    {"details-rate", "SOCIALD_DETAILS_RATE", "details_rate", OT_I64, OFF(details_rate), "10", 1,
     100000},
    {"details-queue", "SOCIALD_DETAILS_QUEUE", "details_queue", OT_I64, OFF(details_queue), "10000",
     1, 10000000},
    /* Minutes a linking page stays usable once opened (api/link.c). */
    {"link-page-minutes", "SOCIALD_LINK_PAGE_MINUTES", "link_page_minutes", OT_I64,
     OFF(link_page_minutes), "30", 1, 1440},
    /* Retention (ops/retention.c): seconds a row is kept once past use,
     * 0 = for ever; the sweep runs every sweep-interval seconds. 30 days. */
    {"retain-deleted", "SOCIALD_RETAIN_DELETED", "retain_deleted", OT_I64, OFF(retain_deleted_s),
     "2592000", 0, 100 * 365 * 86400LL},
    {"retain-events", "SOCIALD_RETAIN_EVENTS", "retain_events", OT_I64, OFF(retain_events_s),
     "2592000", 0, 100 * 365 * 86400LL},
    {"retain-deliveries", "SOCIALD_RETAIN_DELIVERIES", "retain_deliveries", OT_I64,
     OFF(retain_deliveries_s), "2592000", 0, 100 * 365 * 86400LL},
    {"retain-jobs", "SOCIALD_RETAIN_JOBS", "retain_jobs", OT_I64, OFF(retain_jobs_s), "2592000", 0,
     100 * 365 * 86400LL},
    {"sweep-interval", "SOCIALD_SWEEP_INTERVAL", "sweep_interval", OT_I64, OFF(sweep_interval_s),
     "3600", 1, 86400},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

bool args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] == '-' && s[1] == '-' && s[2]) {
            if (a->nopts == sizeof(a->opts) / sizeof(a->opts[0])) {
                snprintf(err, errlen, "too many options");
                return false;
            }
            const char *name = s + 2;
            const char *eq = strchr(name, '=');
            const char *value = NULL;
            if (eq) {
                /* --name=value: the name is copied so the value can follow. */
                size_t n = (size_t)(eq - name);
                if (n >= sizeof(a->names[0])) {
                    snprintf(err, errlen, "option name too long: %s", s);
                    return false;
                }
                memcpy(a->names[a->nopts], name, n);
                a->names[a->nopts][n] = '\0';
                name = a->names[a->nopts];
                value = eq + 1;
            } else if (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] == '-')) {
                value = argv[++i];
            }
            a->opts[a->nopts].name = name;
            a->opts[a->nopts].value = value;
            a->nopts++;
        } else {
            if (a->nwords == sizeof(a->words) / sizeof(a->words[0])) {
                snprintf(err, errlen, "too many arguments");
                return false;
            }
            a->words[a->nwords++] = s;
        }
    }
    return true;
}

const char *args_get(struct args *a, const char *name)
{
    for (size_t i = 0; i < a->nopts; i++) {
        if (!strcmp(a->opts[i].name, name)) {
            a->opts[i].used = true;
            return a->opts[i].value;
        }
    }
    return NULL;
}

bool args_flag(struct args *a, const char *name)
{
    for (size_t i = 0; i < a->nopts; i++) {
        if (!strcmp(a->opts[i].name, name)) {
            a->opts[i].used = true;
            return true;
        }
    }
    return false;
}

const char *args_unused(const struct args *a)
{
    for (size_t i = 0; i < a->nopts; i++)
        if (!a->opts[i].used)
            return a->opts[i].name;
    return NULL;
}

static bool set_opt(struct config *cfg, const struct opt *o, const char *v, const char *origin,
                    char *err, size_t errlen)
{
    char *base = (char *)cfg;
    if (!v) {
        snprintf(err, errlen, "%s: --%s needs a value", origin, o->flag);
        return false;
    }
    switch (o->type) {
    case OT_STR: {
        char **p = (char **)(void *)(base + o->off);
        free(*p);
        *p = *v ? mem_strdup(v) : NULL;
        return true;
    }
    case OT_BOOL: {
        bool b;
        if (!str_to_bool(v, &b)) {
            snprintf(err, errlen, "%s: %s must be true or false", origin, o->flag);
            return false;
        }
        *(bool *)(void *)(base + o->off) = b;
        return true;
    }
    case OT_UINT:
    case OT_I64: {
        int64_t n;
        if (!str_to_i64(v, o->min, o->max, &n)) {
            snprintf(err, errlen, "%s: %s must be a whole number from %lld to %lld", origin,
                     o->flag, (long long)o->min, (long long)o->max);
            return false;
        }
        if (o->type == OT_UINT)
            *(unsigned *)(void *)(base + o->off) = (unsigned)n;
        else
            *(int64_t *)(void *)(base + o->off) = n;
        return true;
    }
    }
    return false;
}

static void plan_set(struct plan *p, const char *name, int64_t quota, const char *const *fams)
{
    memset(p, 0, sizeof(*p));
    str_copy(p->name, sizeof(p->name), name);
    p->monthly_quota = quota;
    for (size_t i = 0; i < PLAN_FAMILIES_MAX && fams[i]; i++)
        p->families[p->nfamilies++] = fams[i];
}

/* SPEC §7 defaults: quotas free 20, premium 1,000, launch 5,000, none above;
 * families per SPEC §3-§8. */
static void plans_default(struct config *cfg)
{
    static const char *const free_[] = {"user", NULL};
    static const char *const premium[] = {"user", "details", "webhooks", NULL};
    static const char *const launch[] = {"user", "details", "webhooks", "profiles", NULL};
    static const char *const business[] = {"user",     "details", "webhooks",
                                           "profiles", "batch",   NULL};
    plan_set(&cfg->plans[0], "free", 20, free_);
    plan_set(&cfg->plans[1], "premium", 1000, premium);
    plan_set(&cfg->plans[2], "launch", 5000, launch);
    plan_set(&cfg->plans[3], "business", -1, business);
    plan_set(&cfg->plans[4], "enterprise", -1, business);
    cfg->nplans = 5;
}

/* Interned family names, so plans can point at them for the process life. */
static const char *intern(const char *s)
{
    static const char *known[] = {"user", "details", "webhooks", "profiles", "batch", "link"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(known[i], s))
            return known[i];
    return NULL;
}

static bool load_plans(struct config *cfg, json_t *plans, char *err, size_t errlen)
{
    const char *name;
    json_t *v;
    json_object_foreach(plans, name, v)
    {
        struct plan *p = (struct plan *)config_plan(cfg, name);
        if (!p) {
            if (cfg->nplans == PLAN_MAX || strlen(name) >= sizeof(p->name)) {
                snprintf(err, errlen, "config: too many plans, or plan name too long: %s", name);
                return false;
            }
            p = &cfg->plans[cfg->nplans++];
            memset(p, 0, sizeof(*p));
            str_copy(p->name, sizeof(p->name), name);
            p->monthly_quota = -1;
        }
        json_t *q = json_object_get(v, "monthlyQuota");
        if (q) {
            if (json_is_null(q))
                p->monthly_quota = -1;
            else if (json_is_integer(q) && json_integer_value(q) >= 0)
                p->monthly_quota = json_integer_value(q);
            else {
                snprintf(err, errlen, "config: plans.%s.monthlyQuota must be a number or null",
                         name);
                return false;
            }
        }
        json_t *f = json_object_get(v, "families");
        if (f) {
            size_t i;
            json_t *e;
            p->nfamilies = 0;
            json_array_foreach(f, i, e)
            {
                const char *fam = json_is_string(e) ? intern(json_string_value(e)) : NULL;
                if (!fam || p->nfamilies == PLAN_FAMILIES_MAX) {
                    snprintf(err, errlen,
                             "config: plans.%s.families: unknown family (known: user, details, "
                             "webhooks, profiles, batch)",
                             name);
                    return false;
                }
                p->families[p->nfamilies++] = fam;
            }
        }
    }
    return true;
}

static bool load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "config file %s: %s (line %d)", path, je.text, je.line);
        return false;
    }
    bool ok = true;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "config file %s: must be a JSON object", path);
        ok = false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (!ok)
            break;
        if (!strcmp(key, "networks")) {
            if (!json_is_object(v)) {
                snprintf(err, errlen, "config: networks must be an object");
                ok = false;
            } else {
                json_decref(cfg->networks);
                cfg->networks = json_incref(v);
            }
            continue;
        }
        if (!strcmp(key, "plans")) {
            ok = json_is_object(v) ? load_plans(cfg, v, err, errlen) : false;
            if (!json_is_object(v))
                snprintf(err, errlen, "config: plans must be an object");
            continue;
        }
        const struct opt *o = NULL;
        for (size_t i = 0; i < NOPTS; i++)
            if (!strcmp(opts[i].key, key))
                o = &opts[i];
        if (!o)
            continue; /* keys of later features and comments ("_note") are ignored */
        char tmp[64];
        const char *sv = NULL;
        if (json_is_string(v))
            sv = json_string_value(v);
        else if (json_is_integer(v)) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
            sv = tmp;
        } else if (json_is_boolean(v))
            sv = json_is_true(v) ? "true" : "false";
        if (!sv) {
            snprintf(err, errlen, "config file %s: %s has the wrong type", path, key);
            ok = false;
            break;
        }
        ok = set_opt(cfg, o, sv, "config file", err, errlen);
    }
    json_decref(root);
    return ok;
}

static bool parse_listen(struct config *cfg, char *err, size_t errlen)
{
    const char *l = cfg->listen;
    const char *colon = strrchr(l, ':');
    if (!colon) {
        snprintf(err, errlen, "listen must be HOST:PORT, got %s", l);
        return false;
    }
    int64_t port;
    if (!str_to_i64(colon + 1, 0, 65535, &port)) {
        snprintf(err, errlen, "listen: bad port in %s", l);
        return false;
    }
    const char *h = l;
    size_t hn = (size_t)(colon - l);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    free(cfg->host);
    cfg->host = mem_strndup(h, hn);
    cfg->port = (unsigned)port;
    return true;
}

/* "5000,30000,..." -> out[] (at least one delay when nonempty is set). */
static bool parse_retries(const char *name, const char *text, bool nonempty, int64_t *out,
                          size_t *n, char *err, size_t errlen)
{
    *n = 0;
    const char *p = text ? text : "";
    while (*p) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || v > 86400000LL || *n == CONFIG_MAX_RETRIES ||
            (*end && *end != ',')) {
            snprintf(err, errlen, "%s must be up to %d comma-separated delays in milliseconds",
                     name, CONFIG_MAX_RETRIES);
            return false;
        }
        out[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    if (nonempty && !*n) {
        snprintf(err, errlen, "%s needs at least one delay", name);
        return false;
    }
    return true;
}

bool config_load(struct config *cfg, struct args *a, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    plans_default(cfg);
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].dflt && !set_opt(cfg, &opts[i], opts[i].dflt, "default", err, errlen))
            return false;

    const char *file = args_get(a, "config");
    if (!file)
        file = getenv("SOCIALD_CONFIG");
    if (file && *file) {
        cfg->config_file = mem_strdup(file);
        if (!load_file(cfg, file, err, errlen))
            return false;
    }
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = getenv(opts[i].env);
        if (v && !set_opt(cfg, &opts[i], v, opts[i].env, err, errlen))
            return false;
    }
    for (size_t i = 0; i < NOPTS; i++) {
        for (size_t j = 0; j < a->nopts; j++) {
            if (strcmp(a->opts[j].name, opts[i].flag))
                continue;
            a->opts[j].used = true;
            const char *v = a->opts[j].value;
            if (opts[i].type == OT_BOOL && !v)
                v = "true";
            if (!set_opt(cfg, &opts[i], v, "command line", err, errlen))
                return false;
        }
    }
    if (!parse_listen(cfg, err, errlen))
        return false;
    if (!cfg->data)
        cfg->data = mem_strdup("./var");
    if (!cfg->db) {
        size_t n = strlen(cfg->data) + sizeof("/sociald.db");
        cfg->db = mem_malloc(n);
        snprintf(cfg->db, n, "%s/sociald.db", cfg->data);
    }
    if (!cfg->public_url) {
        cfg->public_url_default = true;
        size_t n = strlen(cfg->listen) + sizeof("http://");
        cfg->public_url = mem_malloc(n);
        snprintf(cfg->public_url, n, "http://%s", cfg->listen);
    }
    if (!parse_retries("webhook-retries", cfg->webhook_retries, false, cfg->webhook_retry_ms,
                       &cfg->webhook_nretries, err, errlen) ||
        !parse_retries("refresh-retries", cfg->refresh_retries, true, cfg->refresh_retry_ms,
                       &cfg->refresh_nretries, err, errlen))
        return false;
    if (cfg->files && !*cfg->files) {
        free(cfg->files); /* SOCIALD_FILES= : the data directory */
        cfg->files = NULL;
    }
    if (strcmp(cfg->files_addressing, "auto") != 0 && strcmp(cfg->files_addressing, "path") != 0 &&
        strcmp(cfg->files_addressing, "virtual") != 0) {
        snprintf(err, errlen, "files-addressing must be auto, path or virtual");
        return false;
    }
    /* A pre-signed URL lives at most 7 days (SigV4's limit). */
    if (cfg->files && cfg->batch_url_ttl_s > 604800) {
        snprintf(err, errlen, "with --files, batch-url-ttl is at most 604800 s (7 days)");
        return false;
    }
    /* No trailing slash: URLs are built as public_url + "/path". */
    size_t pl = strlen(cfg->public_url);
    while (pl > 0 && cfg->public_url[pl - 1] == '/')
        cfg->public_url[--pl] = '\0';
    return true;
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].type == OT_STR) {
            char **p = (char **)(void *)((char *)cfg + opts[i].off);
            free(*p);
            *p = NULL;
        }
    free(cfg->host);
    free(cfg->config_file);
    json_decref(cfg->networks);
    cfg->networks = NULL;
    cfg->host = NULL;
    cfg->config_file = NULL;
}

const struct plan *config_plan(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nplans; i++)
        if (!strcmp(cfg->plans[i].name, name))
            return &cfg->plans[i];
    return NULL;
}

bool config_plan_allows(const struct plan *p, const char *fam)
{
    for (size_t i = 0; i < p->nfamilies; i++)
        if (!strcmp(p->families[i], fam))
            return true;
    return false;
}
