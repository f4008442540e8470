/*
 * sandbox: `sociald sandbox` — stand-ins for the ten networks' OAuth and
 * API endpoints (SPEC §10; the contract is docs/sandbox.md).
 */
#ifndef SOCIALD_SANDBOX_SANDBOX_H
#define SOCIALD_SANDBOX_SANDBOX_H

#include "core/config.h"

/* Runs the sandbox on cfg->host:cfg->port until SIGTERM/SIGINT; returns the
 * process exit code. */
int sandbox_run(const struct config *cfg);

#endif
