/*
 * main: command-line dispatch only (SPEC §11).
 */
#include "app/serve.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "platforms/client.h"
#include "sandbox/sandbox.h"
#include "util/arena.h"
#include "util/mem.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: sociald <command> [options]\n"
    "  serve   [--listen HOST:PORT] [--db PATH|postgres://...] [--data DIR]\n"
    "          [--public-url URL] [--config FILE] [--sandbox URL]\n"
    "          [--files s3://BUCKET/PREFIX]   (endpoint, keys: AWS_* variables)\n"
    "  migrate [--db PATH|postgres://...]\n"
    "  account create --email EMAIL [--plan PLAN]\n"
    "  account list | set-plan --plan PLAN | rotate-key   (select with --email or --ref-id)\n"
    "  account set-oauth-app --platform P --client-id ID [--client-secret-file F]\n"
    "  account set-public-key --key-file PEM | --clear\n"
    "  profile reactivate | suspend | delete --ref-id REF\n"
    "  seed --profiles N --accounts M [--keys-out FILE] [--email EMAIL]\n"
    "  rotate-master-key\n"
    "  sandbox [--listen HOST:PORT]   (default 127.0.0.1:8090)\n"
    "  version\n"
    "Every option also reads SOCIALD_<OPTION> from the environment and the\n"
    "config file (JSON). See docs/operations.md.\n";

/* Options each command takes besides the configuration's. */
static const struct {
    const char *cmd;
    const char *opts[10];
} command_opts[] = {
    {"account",
     {"email", "plan", "ref-id", "platform", "client-id", "client-secret-file", "key-file", "clear",
      NULL}},
    {"seed", {"profiles", "accounts", "keys-out", "email", NULL}},
    {"profile", {"ref-id", NULL}},
};

static bool check_options(struct args *a, const char *cmd)
{
    for (size_t i = 0; i < sizeof(command_opts) / sizeof(command_opts[0]); i++) {
        if (strcmp(command_opts[i].cmd, cmd))
            continue;
        for (size_t j = 0; command_opts[i].opts[j]; j++)
            for (size_t k = 0; k < a->nopts; k++)
                if (!strcmp(a->opts[k].name, command_opts[i].opts[j]))
                    a->opts[k].used = true;
    }
    const char *bad = args_unused(a);
    if (bad) {
        fprintf(stderr, "sociald: unknown option --%s\n%s", bad, usage);
        return false;
    }
    for (size_t k = 0; k < a->nopts; k++)
        a->opts[k].used = false;
    return true;
}

int main(int argc, char **argv)
{
    /* Everything sociald creates — the database and its -wal/-shm, the
     * stamps file, master.key, batch files, logs, keys-out files — holds
     * secrets or what they guard: owner only (files 0600, directories
     * 0700), whatever umask the shell or the service manager passed. */
    umask(077);
    client_global_init(); /* before any thread starts */
    struct args a;
    struct config cfg;
    char err[512];
    if (!args_parse(argc - 1, argv + 1, &a, err, sizeof(err))) {
        fprintf(stderr, "sociald: %s\n%s", err, usage);
        return 2;
    }
    if (a.nwords == 0 || !strcmp(a.words[0], "help") || args_flag(&a, "help")) {
        fputs(usage, a.nwords == 0 ? stderr : stdout);
        return a.nwords == 0 ? 2 : 0;
    }
    const char *cmd = a.words[0];
    if (!strcmp(cmd, "version"))
        return cli_version();
    if (!config_load(&cfg, &a, err, sizeof(err))) {
        fprintf(stderr, "sociald: %s\n", err);
        config_free(&cfg);
        return 2;
    }
    if (!check_options(&a, cmd)) {
        config_free(&cfg);
        return 2;
    }
    enum log_level level = LOG_INFO;
    if (cfg.log_level && !log_level_parse(cfg.log_level, &level)) {
        fprintf(stderr, "sociald: log level must be debug, info, warn or error\n");
        config_free(&cfg);
        return 2;
    }
    if (!strcmp(cmd, "serve") || !strcmp(cmd, "sandbox")) {
        /* Servers take their signals with sigwait() on the main thread:
         * block them before any thread starts (the log writer is the
         * first), so that none is delivered to another thread and kills
         * the process by its default action. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
    }
    log_init(level, cfg.log_file);

    int rc;
    if (!strcmp(cmd, "serve"))
        rc = app_serve(&cfg);
    else if (!strcmp(cmd, "migrate"))
        rc = cli_migrate(&cfg);
    else if (!strcmp(cmd, "account"))
        rc = cli_account(&cfg, &a);
    else if (!strcmp(cmd, "seed"))
        rc = cli_seed(&cfg, &a);
    else if (!strcmp(cmd, "profile"))
        rc = cli_profile(&cfg, &a);
    else if (!strcmp(cmd, "rotate-master-key"))
        rc = cli_rotate_master_key(&cfg);
    else if (!strcmp(cmd, "sandbox")) {
        /* Not the server's port by default, so both run side by side. */
        bool listen_given = false;
        for (size_t i = 0; i < a.nopts; i++)
            listen_given |= !strcmp(a.opts[i].name, "listen");
        if (!listen_given && !getenv("SOCIALD_LISTEN")) {
            free(cfg.host);
            cfg.host = mem_strdup("127.0.0.1");
            cfg.port = 8090;
        }
        rc = sandbox_run(&cfg);
    } else {
        fprintf(stderr, "sociald: unknown command %s\n%s", cmd, usage);
        rc = 2;
    }
    log_shutdown();
    config_free(&cfg);
    arena_release_spares();
    return rc;
}
