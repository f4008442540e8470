/*
 * metrics: the counters behind GET /metrics (see metrics.h).
 */
#include "core/metrics.h"
#include "core/health.h"
#include "core/log.h"

#include <stdatomic.h>
#include <stdio.h>

/* The statuses sociald answers, each its own series; others count as 0. */
static const unsigned statuses[] = {200, 206, 302, 303, 304, 400, 401, 403, 404, 405,
                                    410, 413, 425, 429, 431, 500, 502, 503, 504};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Latency bucket upper bounds, microseconds (Prometheus "le" in seconds). */
static const int64_t bounds_us[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
                                    100000, 250000, 500000, 1000000, 2500000, 10000000};
#define NBUCKET (sizeof(bounds_us) / sizeof(bounds_us[0]))

/* Slot 0: no route matched; route i is slot i + 1. */
#define NSLOT (METRICS_ROUTES + 1)

/* Per route slot and method (METRICS_METHODS columns): ~150 KiB of
 * zeroes, touched only where requests land. */
static _Atomic uint64_t requests[NSLOT][METRICS_METHODS][NSTATUS];
static _Atomic uint64_t buckets[NSLOT][METRICS_METHODS][NBUCKET]; /* summed when written */
static _Atomic uint64_t dur_sum_us[NSLOT][METRICS_METHODS];
static _Atomic uint64_t dur_count[NSLOT][METRICS_METHODS];
static _Atomic uint64_t deliveries[MD_COUNT];
static _Atomic uint64_t net_calls[METRICS_NETS][MN_COUNT];

static void inc(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void metrics_request(int route, int method, unsigned http_status, int64_t dur_us)
{
    size_t slot = route < 0 ? 0 : route >= METRICS_ROUTES ? METRICS_ROUTES : (size_t)route + 1;
    size_t m = method < 0 || method >= METRICS_METHODS ? METRICS_METHODS - 1 : (size_t)method;
    size_t si = NSTATUS - 1;
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == http_status)
            si = i;
    inc(&requests[slot][m][si], 1);
    if (dur_us < 0)
        dur_us = 0;
    for (size_t b = 0; b < NBUCKET; b++) {
        if (dur_us <= bounds_us[b]) {
            inc(&buckets[slot][m][b], 1);
            break;
        }
    }
    inc(&dur_sum_us[slot][m], (uint64_t)dur_us);
    inc(&dur_count[slot][m], 1);
}

void metrics_delivery(enum metrics_delivery outcome)
{
    if (outcome < MD_COUNT)
        inc(&deliveries[outcome], 1);
}

void metrics_net(int net, enum metrics_net outcome)
{
    if (net >= 0 && net < METRICS_NETS && outcome < MN_COUNT)
        inc(&net_calls[net][outcome], 1);
}

static const char *slot_name(size_t slot, const char *(*route_name)(int i, void *arg), void *arg)
{
    return slot == 0 ? "(none)" : route_name((int)slot - 1, arg);
}

void metrics_write(struct buf *out, const char *(*route_name)(int i, void *arg), void *arg,
                   int nroutes, const char *const method_names[METRICS_METHODS],
                   const char *(*net_name)(int i), int nnets)
{
    size_t nslots = (size_t)(nroutes < METRICS_ROUTES ? nroutes : METRICS_ROUTES) + 1;
    buf_puts(out, "# HELP sociald_http_requests_total HTTP requests answered, by route, method "
                  "and status.\n# TYPE sociald_http_requests_total counter\n");
    for (size_t s = 0; s < nslots; s++)
        for (size_t m = 0; m < METRICS_METHODS; m++)
            for (size_t i = 0; i < NSTATUS; i++) {
                uint64_t n = get(&requests[s][m][i]);
                if (n)
                    buf_printf(out,
                               "sociald_http_requests_total{route=\"%s\",method=\"%s\","
                               "status=\"%u\"} %llu\n",
                               slot_name(s, route_name, arg), method_names[m],
                               i < NSTATUS - 1 ? statuses[i] : 0, (unsigned long long)n);
            }
    buf_puts(out, "# HELP sociald_http_request_duration_seconds Time from the request's first "
                  "byte to its answer, by route and method.\n"
                  "# TYPE sociald_http_request_duration_seconds histogram\n");
    for (size_t s = 0; s < nslots; s++)
        for (size_t m = 0; m < METRICS_METHODS; m++) {
            uint64_t count = get(&dur_count[s][m]);
            if (!count)
                continue;
            const char *name = slot_name(s, route_name, arg), *meth = method_names[m];
            /* Requests land while this reads: _count (and the +Inf
             * bucket, the same number) is raised to the finite buckets'
             * total when they ran ahead of it, so the series stay
             * cumulative. */
            uint64_t cum = 0;
            for (size_t b = 0; b < NBUCKET; b++) {
                cum += get(&buckets[s][m][b]);
                buf_printf(out,
                           "sociald_http_request_duration_seconds_bucket{route=\"%s\","
                           "method=\"%s\",le=\"%g\"} %llu\n",
                           name, meth, (double)bounds_us[b] / 1e6, (unsigned long long)cum);
            }
            if (count < cum)
                count = cum;
            buf_printf(out,
                       "sociald_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
                       "le=\"+Inf\"} %llu\n"
                       "sociald_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} "
                       "%.6f\n"
                       "sociald_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} "
                       "%llu\n",
                       name, meth, (unsigned long long)count, name, meth,
                       (double)get(&dur_sum_us[s][m]) / 1e6, name, meth, (unsigned long long)count);
        }
    static const char *const dnames[MD_COUNT] = {"delivered", "retry", "failed", "cancelled"};
    buf_puts(out, "# HELP sociald_webhook_deliveries_total Webhook delivery attempts, by "
                  "outcome.\n# TYPE sociald_webhook_deliveries_total counter\n");
    for (int i = 0; i < MD_COUNT; i++)
        buf_printf(out, "sociald_webhook_deliveries_total{outcome=\"%s\"} %llu\n", dnames[i],
                   (unsigned long long)get(&deliveries[i]));
    static const char *const nnames[MN_COUNT] = {"2xx", "3xx", "4xx", "5xx", "timeout", "error"};
    buf_puts(out, "# HELP sociald_network_calls_total Calls to the social networks, by network "
                  "and outcome.\n# TYPE sociald_network_calls_total counter\n");
    for (int p = 0; p < nnets && p < METRICS_NETS; p++)
        for (int i = 0; i < MN_COUNT; i++) {
            uint64_t n = get(&net_calls[p][i]);
            if (n)
                buf_printf(out, "sociald_network_calls_total{network=\"%s\",outcome=\"%s\"} %llu\n",
                           net_name(p), nnames[i], (unsigned long long)n);
        }
    buf_printf(out,
               "# HELP sociald_log_lines_dropped_total Info and debug log lines (the access "
               "log) dropped because the log's sink did not keep up.\n"
               "# TYPE sociald_log_lines_dropped_total counter\n"
               "sociald_log_lines_dropped_total %llu\n",
               (unsigned long long)log_lines_dropped());
    buf_printf(out,
               "# HELP sociald_db_reachable 1 while the database answers, 0 from a broken "
               "connection until a statement succeeds again (core/health.h).\n"
               "# TYPE sociald_db_reachable gauge\n"
               "sociald_db_reachable %d\n",
               health_db_reachable() ? 1 : 0);
}
