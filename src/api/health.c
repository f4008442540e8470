/*
 * health: GET /healthz (SPEC §11) — 200 when the database answers — and
 * GET /metrics, the Prometheus text exposition of core/metrics.h plus the
 * job queue and the caches. With --metrics-token, /metrics answers only
 * "Authorization: Bearer <token>" (else 401/102).
 */
#include "api/api.h"
#include "api/directory.h"
#include "jobs/details.h"
#include "core/metrics.h"
#include "crypto/crypto.h"
#include "platforms/names.h"
#include "store/jobs.h"
#include "store/store.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

_Static_assert(PLATFORM_COUNT <= METRICS_NETS, "metrics count every network");

/* http/request.h's method bits, in bit order (metrics' method index). */
static const char *const method_names[METRICS_METHODS] = {"GET",    "POST", "PUT",     "PATCH",
                                                          "DELETE", "HEAD", "OPTIONS", "OTHER"};

enum status api_health_get(struct app *app, struct req *r)
{
    if (store_ping(app->store) != STORE_OK)
        return ST_UNAVAILABLE;
    buf_puts(&r->out, "{\"status\":\"ok\"}");
    return ST_OK;
}

static const char *route_name(int i, void *arg)
{
    (void)arg;
    /* The pattern names the route; paths can carry session ids. */
    return api_routes[i].pattern;
}

void api_on_complete(void *ctx, const struct req *r, unsigned http_status, int64_t dur_us)
{
    (void)ctx;
    int method = r->method ? __builtin_ctz((unsigned)r->method) : METRICS_METHODS - 1;
    metrics_request(r->route ? (int)(r->route - api_routes) : -1, method, http_status, dur_us);
}

/* True when the request carries the metrics token. Both sides are hashed
 * first, so the comparison takes the same time whatever the length or the
 * first differing byte. */
static bool token_ok(struct req *r, const char *token)
{
    const char *sent = api_bearer(r);
    if (!sent)
        return false;
    unsigned char a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
    crypto_sha256(sent, strlen(sent), a);
    crypto_sha256(token, strlen(token), b);
    return crypto_ct_eq(a, b, sizeof(a));
}

enum status api_metrics_get(struct app *app, struct req *r)
{
    if (app->cfg->metrics_token && !token_ok(r, app->cfg->metrics_token)) {
        r->err_message = "Metrics token not valid. Send the operator's metrics token as "
                         "'Authorization: Bearer <token>'.";
        return ST_API_KEY_INVALID;
    }
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_write(&r->out, route_name, NULL, (int)api_nroutes, method_names, platform_name,
                  PLATFORM_COUNT);
    struct job_kind_count *k = NULL;
    size_t n = 0;
    int64_t now = time_now_ms();
    if (store_job_counts(app->store, r->arena, 32, &k, &n) == STORE_OK) {
        buf_puts(&r->out, "# HELP sociald_jobs_queued Durable jobs waiting or running, by kind.\n"
                          "# TYPE sociald_jobs_queued gauge\n");
        for (size_t i = 0; i < n; i++)
            buf_printf(&r->out, "sociald_jobs_queued{kind=\"%s\"} %lld\n", k[i].kind,
                       (long long)k[i].queued);
        buf_puts(&r->out, "# HELP sociald_jobs_overdue_seconds How long the most overdue job of "
                          "each kind has been due.\n# TYPE sociald_jobs_overdue_seconds gauge\n");
        for (size_t i = 0; i < n; i++) {
            int64_t late = now - k[i].earliest_ms;
            buf_printf(&r->out, "sociald_jobs_overdue_seconds{kind=\"%s\"} %.3f\n", k[i].kind,
                       late > 0 ? (double)late / 1000.0 : 0.0);
        }
    }
    size_t entries = 0, bytes = 0;
    dir_stats(app->dir, &entries, &bytes);
    buf_printf(&r->out,
               "# HELP sociald_cache_entries Entries in the GET /api/user cache.\n"
               "# TYPE sociald_cache_entries gauge\nsociald_cache_entries %zu\n"
               "# HELP sociald_cache_bytes Bytes held by the GET /api/user cache.\n"
               "# TYPE sociald_cache_bytes gauge\nsociald_cache_bytes %zu\n",
               entries, bytes);
    uint64_t warmed = 0;
    bool warm_done = true;
    dir_warm_stats(app->warm, &warmed, &warm_done);
    buf_printf(&r->out,
               "# HELP sociald_cache_warmed_profiles Profiles cached by the warm at start "
               "(--cache-warm).\n"
               "# TYPE sociald_cache_warmed_profiles gauge\nsociald_cache_warmed_profiles %llu\n"
               "# HELP sociald_cache_warming 1 while the warm at start is under way.\n"
               "# TYPE sociald_cache_warming gauge\nsociald_cache_warming %d\n",
               (unsigned long long)warmed, warm_done ? 0 : 1);
    struct details_stats ds;
    details_get_stats(app->details, &ds);
    buf_printf(&r->out,
               "# HELP sociald_details_queued_total Stale profiles queued for a details read.\n"
               "# TYPE sociald_details_queued_total counter\nsociald_details_queued_total %llu\n"
               "# HELP sociald_details_dropped_total Stale profiles read while the details queue "
               "was full (the next read tries again).\n"
               "# TYPE sociald_details_dropped_total counter\nsociald_details_dropped_total %llu\n"
               "# HELP sociald_details_refreshed_total Profiles whose details read was written.\n"
               "# TYPE sociald_details_refreshed_total counter\n"
               "sociald_details_refreshed_total %llu\n"
               "# HELP sociald_details_waiting Profiles in the details queue.\n"
               "# TYPE sociald_details_waiting gauge\nsociald_details_waiting %llu\n",
               (unsigned long long)ds.queued, (unsigned long long)ds.dropped,
               (unsigned long long)ds.refreshed, (unsigned long long)ds.waiting);
    return ST_OK;
}
