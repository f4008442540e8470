/*
 * app: the assembly of the process-wide context (struct app, core/app.h):
 * configuration, store, vault and, in the server, the in-memory meters, the
 * workers and the job runners.
 *
 * This module sits above every other: app.c builds the context from the
 * modules' own constructors, serve.c runs the server on it. The modules
 * below see only the struct (core/app.h) and read it through their own
 * functions; nothing below includes this header. `sociald serve` opens
 * every part; each CLI command opens only the parts it needs (the store,
 * and the vault when it seals or opens), so a command never starts a
 * thread or answers HTTP.
 */
#ifndef SOCIALD_APP_APP_H
#define SOCIALD_APP_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"

/* The parts app_open builds, in this order. */
enum app_part {
    APP_STORE = 1 << 0,   /* the data directory, the store opened and migrated */
    APP_VAULT = 1 << 1,   /* the master keys (SOCIALD_MASTER_KEY or <data>/master.key) */
    APP_SECRETS = 1 << 2, /* the signing and jwt secrets (app/secrets.c; needs the vault) */
    APP_WORKERS = 1 << 3, /* directory, meters, outbound client, offload pools, upkeep,
                           * live data, networks, both job runners (needs the others) */
};

/* What `sociald serve` runs on. */
#define APP_SERVER (APP_STORE | APP_VAULT | APP_SECRETS | APP_WORKERS)
/* What every CLI command needs; a command adds APP_VAULT when it seals. */
#define APP_CLI APP_STORE

/* Builds app (caller's storage, zeroed here) for cfg with the parts named
 * in parts; cfg must outlive app. With APP_STORE the data directory is made
 * when the server runs or the database is a file path. With APP_WORKERS the
 * runners start leasing jobs at once. Returns false with err set (not
 * logged), everything opened closed again and app zeroed. The caller
 * releases a built app with app_close. */
bool app_open(struct app *app, const struct config *cfg, unsigned parts, char *err, size_t errlen);
/* Stops the workers: both runners stop leasing and wait up to the shutdown
 * grace for jobs in flight, outbound calls still running end
 * (CLIENT_SHUTDOWN), and the offload pools drain, resuming every request
 * they hold — so call it while the HTTP server still runs. Does nothing
 * the second time, or without APP_WORKERS. */
void app_stop(struct app *app);
/* Frees everything app_open built (stopping the workers first if app_stop
 * did not run): the runners record their last results, usage counts are
 * flushed, the store closes last. Safe on a zeroed or failed app. */
void app_close(struct app *app);

#endif
