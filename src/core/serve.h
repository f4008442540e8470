/*
 * serve: `sociald serve` — start-up, the signal loop and graceful shutdown.
 */
#ifndef SOCIALD_CORE_SERVE_H
#define SOCIALD_CORE_SERVE_H

#include "core/config.h"

/* Runs the server until SIGTERM/SIGINT; returns the process exit code. When
 * the public URL was not configured it becomes http://<host>:<bound port>. */
int serve_run(struct config *cfg);
/* Creates dir (and parents) with mode 0700 if missing; false on failure. */
bool serve_ensure_dir(const char *dir);
/* Creates the data directory like serve_ensure_dir, then refuses it (false,
 * with err naming it and the chmod to run) when group or others may open
 * it: master.key, the database and the batch files live there. For serve
 * and every command that opens the data directory. */
bool serve_open_data_dir(const char *dir, char *err, size_t errlen);

#endif
