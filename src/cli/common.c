/*
 * common: what the commands share — opening the store, printing results,
 * `migrate` and `version`.
 */
#include "cli/cli.h"
#include "core/log.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonw.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

void cli_print(const char *s)
{
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

struct store *cli_open_store(const struct config *cfg)
{
    char err[512];
    if (!strchr(cfg->db, ':') && !fs_mkdir_p(cfg->data)) {
        log_error("cannot create data directory %s", cfg->data);
        return NULL;
    }
    struct store *st = store_open(cfg->db, err, sizeof(err));
    if (!st) {
        log_error("%s", err);
        return NULL;
    }
    int applied;
    if (store_migrate(st, &applied) != STORE_OK) {
        log_error("database migration failed");
        store_close(st);
        return NULL;
    }
    return st;
}

int cli_migrate(const struct config *cfg)
{
    char err[512];
    if (!strchr(cfg->db, ':') && !fs_mkdir_p(cfg->data)) {
        log_error("cannot create data directory %s", cfg->data);
        return 1;
    }
    struct store *st = store_open(cfg->db, err, sizeof(err));
    if (!st) {
        log_error("%s", err);
        return 1;
    }
    int applied = 0;
    enum store_rc rc = store_migrate(st, &applied);
    int version = store_schema_version(st);
    store_close(st);
    if (rc != STORE_OK) {
        log_error("database migration failed");
        return 1;
    }
    char out[128];
    snprintf(out, sizeof(out), "{\"applied\":%d,\"version\":%d}", applied, version);
    cli_print(out);
    return 0;
}

int cli_version(void)
{
    cli_print("{\"version\":\"" SOCIALD_VERSION "\"}");
    return 0;
}
