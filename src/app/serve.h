/*
 * serve: `sociald serve` — start-up, the signal loop and graceful shutdown.
 */
#ifndef SOCIALD_APP_SERVE_H
#define SOCIALD_APP_SERVE_H

#include "core/config.h"

/* Runs the server until SIGTERM/SIGINT; returns the process exit code. When
 * the public URL was not configured it becomes http://<host>:<bound port>. */
int app_serve(struct config *cfg);

#endif
