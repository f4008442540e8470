/*
 * app: the process-wide context handlers, jobs and commands receive —
 * configuration, store, vault and, in the server, the in-memory meters, the
 * workers and the job runners.
 *
 * Only the type lives here, at the floor, so every module can take the
 * context without including what builds it: the members are pointers to
 * types this header only names, each read through its own module's
 * functions. The assembly (app_open, app_close) and the server are in app/,
 * the one module above all others.
 */
#ifndef SOCIALD_CORE_APP_H
#define SOCIALD_CORE_APP_H

#include <stdbool.h>

#include "core/config.h"

struct store;
struct usage;
struct ratelimit;
struct directory;
struct dir_warm;
struct vault;
struct client;
struct runner;
struct offload;
struct netconfs;
struct upkeep;
struct live;
struct details;
struct s3;

struct app {
    const struct config *cfg;
    struct store *store;
    struct directory *dir; /* the hot path's cached view of the store */
    struct dir_warm *warm; /* filling dir at start (--cache-warm) */
    struct usage *usage;
    struct ratelimit *rl;
    struct vault *vault;            /* seals every secret at rest */
    struct client *client;          /* outbound HTTP (webhooks, networks) */
    struct runner *runner;          /* durable jobs: webhook deliveries */
    struct runner *upkeep_runner;   /* durable jobs: refresh, remind, revoke, batch */
    struct offload *offload;        /* workers for calls users wait on (linking, live data) */
    struct offload *upkeep_offload; /* workers for the upkeep jobs' network calls */
    struct upkeep *upkeep;          /* the refresher's per-process state */
    struct details *details;        /* the details refresh: queue and budgets */
    struct live *live;              /* live network data for GET /api/user (cached) */
    struct netconfs *nets;          /* each network's configuration */
    struct s3 *files;               /* batch files' object store; NULL: <data>/files */
    unsigned char signing_key[32];  /* the store's "signing" secret: cursors, signed URLs */
    unsigned char jwt_key[32];      /* the store's "jwt" secret: generateJWT's HS256 tokens */
    int migrations_applied;         /* by app_open (`sociald migrate` reports it) */
    bool stopped;                   /* app_stop ran: the workers are stopped */
};

#endif
