/*
 * cli: the commands of SPEC §11 other than serve. Each prints its
 * machine-readable result as JSON on stdout, logs on stderr, and returns
 * the process exit code (0 ok, 1 failure, 2 usage error).
 */
#ifndef SOCIALD_CLI_CLI_H
#define SOCIALD_CLI_CLI_H

#include "core/config.h"

#include <stdbool.h>

struct app;

int cli_migrate(const struct config *cfg);
int cli_account(const struct config *cfg, struct args *a);
int cli_seed(const struct config *cfg, struct args *a);
int cli_profile(const struct config *cfg, struct args *a);
int cli_rotate_master_key(const struct config *cfg);
int cli_version(void);

/* A command's context: app_open with parts (app/app.h's APP_CLI, plus
 * APP_VAULT for a command that seals or opens); false (logged) on failure,
 * with nothing left to close. The command releases it with app_close. */
bool cli_app_open(struct app *app, const struct config *cfg, unsigned parts);
/* Prints s and a newline on stdout and flushes. */
void cli_print(const char *s);

#endif
