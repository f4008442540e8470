/*
 * common: what the commands share — opening their context, printing
 * results, `migrate` and `version`.
 */
#include "cli/cli.h"
#include "app/app.h"
#include "core/log.h"
#include "store/store.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

void cli_print(const char *s)
{
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

bool cli_app_open(struct app *app, const struct config *cfg, unsigned parts)
{
    char err[512];
    if (app_open(app, cfg, parts, err, sizeof(err)))
        return true;
    log_error("%s", err);
    return false;
}

int cli_migrate(const struct config *cfg)
{
    struct app app;
    if (!cli_app_open(&app, cfg, APP_CLI))
        return 1;
    char out[128];
    snprintf(out, sizeof(out), "{\"applied\":%d,\"version\":%d}", app.migrations_applied,
             store_schema_version(app.store));
    app_close(&app);
    cli_print(out);
    return 0;
}

int cli_version(void)
{
    cli_print("{\"version\":\"" SOCIALD_VERSION "\"}");
    return 0;
}
