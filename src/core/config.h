/*
 * config: every option of SPEC §11, from (lowest to highest precedence)
 * built-in defaults, the JSON config file, SOCIALD_* environment variables
 * and command-line flags.
 *
 * Each option has one entry in the table in config.c naming its flag
 * (--public-url), environment variable (SOCIALD_PUBLIC_URL) and config-file
 * key ("public_url"). The plan table (quotas and endpoint families) comes
 * from the config file's "plans" object over the defaults of SPEC §7.
 */
#ifndef SOCIALD_CORE_CONFIG_H
#define SOCIALD_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX           8
#define CONFIG_MAX_RETRIES 16
#define PLAN_FAMILIES_MAX  8

struct json_t;

struct plan {
    char name[16];
    int64_t monthly_quota;                   /* -1: no quota */
    const char *families[PLAN_FAMILIES_MAX]; /* endpoint families the plan opens */
    size_t nfamilies;
};

struct config {
    /* serve */
    char *listen; /* HOST:PORT */
    char *host;   /* parsed from listen */
    unsigned port;
    char *db;                /* SQLite path or postgres:// URL */
    char *data;              /* data directory */
    char *public_url;        /* how clients reach us; default http://<listen> */
    bool public_url_default; /* not configured: serve rewrites it with the bound port */
    char *config_file;
    char *sandbox; /* base URL of `sociald sandbox`, or NULL */
    unsigned threads;
    unsigned max_connections;
    unsigned timeout_s;
    int64_t body_limit;
    int64_t header_limit;
    char *log_level;
    char *log_file;
    bool access_log;
    int64_t details_ttl_s;  /* nextUpdate = lastUpdated + this */
    int64_t usage_flush_ms; /* how often monthly counters reach the store */
    int64_t rate_limit;     /* requests per window per profile */
    int64_t rate_window_s;
    int64_t rate_suspend_after; /* rate-limit errors in 24 h that suspend a profile */
    int64_t shutdown_grace_s;
    int64_t cache_mb;    /* directory cache budget; 0: from the machine's memory */
    bool cache_warm;     /* fill the cache from the store at start */
    char *metrics_token; /* NULL: GET /metrics is open; else its bearer token */

    /* webhooks (SPEC §8) */
    int64_t webhook_timeout_ms;
    char *webhook_retries; /* milliseconds between attempts, comma-separated */
    int64_t webhook_retry_ms[CONFIG_MAX_RETRIES];
    size_t webhook_nretries;       /* attempts = this + 1 */
    int64_t webhook_disable_after; /* failed events in a row that disable a webhook */
    bool webhook_allow_private;    /* deliver to loopback/private addresses */
    bool webhook_allow_http;       /* plain http:// for loopback hosts */

    /* job runner */
    int64_t jobs_lease_ms;
    int64_t jobs_poll_ms;
    int64_t jobs_concurrency;
    int64_t network_workers;
    int64_t link_page_minutes;
    int64_t network_timeout_ms;
    int64_t batch_interval_s;
    int64_t batch_url_ttl_s;
    /* Where batch files live: NULL for <data>/files, or "s3://bucket/prefix"
     * (platforms/s3.h; endpoint and credentials from the AWS_* variables). */
    char *files;
    char *files_addressing; /* "auto" | "path" | "virtual" */
    int64_t files_part_mb;  /* multipart upload part size */

    /* upkeep (SPEC §9) */
    int64_t upkeep_workers;
    char *refresh_retries;
    int64_t refresh_retry_ms[CONFIG_MAX_RETRIES];
    size_t refresh_nretries;
    int64_t refresh_rate;  /* refreshes started per second per network */
    int64_t details_rate;  /* details reads per second per network */
    int64_t details_queue; /* stale profiles waiting for a details read, at most */
    /* Retention (ops/retention.c): seconds each kind of row is kept, 0 =
     * for ever; the sweep's period. */
    int64_t retain_deleted_s;    /* deleted profiles' tombstones */
    int64_t retain_events_s;     /* webhook events */
    int64_t retain_deliveries_s; /* finished deliveries, unregistered webhooks */
    int64_t retain_jobs_s;       /* finished batch exports' records */
    int64_t sweep_interval_s;

    struct json_t *networks; /* the config file's "networks" object (platforms/netconf.c) */

    struct plan plans[PLAN_MAX];
    size_t nplans;
};

/* Command-line words that are not options, and options the caller's command
 * consumes itself (--email, --profiles ...). */
struct args {
    const char *words[8];
    size_t nwords;
    struct {
        const char *name; /* without the leading dashes */
        const char *value;
        bool used;
    } opts[32];
    size_t nopts;
    char names[32][64]; /* storage for --name=value names */
};

/* Splits argv (after the program name) into words and --name value pairs.
 * Returns false and writes err for malformed input. */
bool args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen);
/* The value of --name (marking it used), or NULL. */
const char *args_get(struct args *a, const char *name);
/* True when --name was given (marking it used); for flags without values. */
bool args_flag(struct args *a, const char *name);
/* The first option not used by anyone, or NULL. */
const char *args_unused(const struct args *a);

/* Loads the configuration for args (marking the options it consumes).
 * Returns false and writes err on a bad value or unreadable config file.
 * The caller frees it with config_free(). */
bool config_load(struct config *cfg, struct args *a, char *err, size_t errlen);
void config_free(struct config *cfg);
/* The plan named name, or NULL. */
const struct plan *config_plan(const struct config *cfg, const char *name);
/* True when plan p opens endpoint family fam. */
bool config_plan_allows(const struct plan *p, const char *fam);

#endif
