/*
 * metrics: process-wide counters for GET /metrics (SPEC §11), in the
 * Prometheus text format — requests by route, method and status with
 * latency histograms by route and method, webhook deliveries by outcome,
 * network calls by network and outcome, log lines dropped (core/log.h).
 * Updates are relaxed atomic increments, cheap enough for every request;
 * nothing is allocated.
 *
 * Per-route series carry the method: several rows of the route table share
 * a pattern (GET, POST, PATCH and DELETE /api/profiles), and a scrape with
 * the same name and labels twice is refused by Prometheus.
 */
#ifndef SOCIALD_CORE_METRICS_H
#define SOCIALD_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define METRICS_ROUTES  64 /* route table rows counted; more share the last slot */
#define METRICS_METHODS 8  /* request methods told apart (http/request.h's bits) */
#define METRICS_NETS    16 /* networks counted (platforms/names.h's indexes); more: dropped */

enum metrics_delivery { MD_DELIVERED, MD_RETRY, MD_FAILED, MD_CANCELLED, MD_COUNT };
enum metrics_net { MN_2XX, MN_3XX, MN_4XX, MN_5XX, MN_TIMEOUT, MN_ERROR, MN_COUNT };

/* One answered request: route (index in the route table, -1: none matched),
 * method (an index below METRICS_METHODS, named by metrics_write's
 * method_names; others count as the last), its HTTP status and how long it
 * took. */
void metrics_request(int route, int method, unsigned http_status, int64_t dur_us);
/* One webhook delivery attempt's outcome. */
void metrics_delivery(enum metrics_delivery outcome);
/* One call to a network (its index below METRICS_NETS). */
void metrics_net(int net, enum metrics_net outcome);

/* Writes every counter; route_name(i) names route i ("/api/user"),
 * method_names[m] method m ("GET"), net_name(i) network i ("facebook") of
 * the first nnets. The names come from the caller so that this floor
 * module knows neither the route table nor the networks. */
void metrics_write(struct buf *out, const char *(*route_name)(int i, void *arg), void *arg,
                   int nroutes, const char *const method_names[METRICS_METHODS],
                   const char *(*net_name)(int i), int nnets);

#endif
