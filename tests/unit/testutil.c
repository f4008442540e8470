#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * With SOCIALD_TEST_PG set to a PostgreSQL URL (scripts/pg.sh prints one),
 * each store is a fresh database on that server, created and dropped with
 * psql; otherwise a SQLite file in the temporary directory.
 */
static const char *pg_base(void)
{
    const char *b = getenv("SOCIALD_TEST_PG");
    return b && *b ? b : NULL;
}

/* Runs one SQL statement against the maintenance database. */
static void pg_admin(const char *sql)
{
    char cmd[768];
    snprintf(cmd, sizeof(cmd),
             "PGOPTIONS='-c client_min_messages=warning' psql -qX -v ON_ERROR_STOP=1 '%s' -c '%s' "
             ">/dev/null",
             pg_base(), sql);
    ck_assert_msg(system(cmd) == 0, "failed: %s", sql);
}

struct store *ut_store_open(struct ut_store *u)
{
    snprintf(u->dir, sizeof(u->dir), "/tmp/sociald-ut-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(u->dir));
    const char *base = pg_base();
    if (base) {
        static unsigned counter;
        snprintf(u->dbname, sizeof(u->dbname), "ut_%ld_%u", (long)getpid(), counter++);
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", u->dbname);
        pg_admin(sql);
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", u->dbname);
        pg_admin(sql);
        /* The base URL with its database name replaced: .../postgres?x -> .../ut_N?x */
        const char *q = strchr(base, '?');
        size_t end = q ? (size_t)(q - base) : strlen(base);
        size_t slash = end;
        while (slash > 0 && base[slash - 1] != '/')
            slash--;
        ck_assert_msg(slash > 0, "SOCIALD_TEST_PG has no /database: %s", base);
        snprintf(u->path, sizeof(u->path), "%.*s%s%s", (int)slash, base, u->dbname, q ? q : "");
    } else {
        u->dbname[0] = 0;
        snprintf(u->path, sizeof(u->path), "%s/t.db", u->dir);
    }
    u->st = ut_store_another(u);
    int applied;
    ck_assert_int_eq(store_migrate(u->st, &applied), STORE_OK);
    return u->st;
}

int ut_visible_tries(void)
{
    return pg_base() ? 500 : 1;
}

struct store *ut_store_another(const struct ut_store *u)
{
    char err[256];
    struct store *st = store_open(u->path, err, sizeof(err));
    ck_assert_msg(st != NULL, "%s", err);
    return st;
}

void ut_store_close(struct ut_store *u)
{
    store_close(u->st);
    if (u->dbname[0]) {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", u->dbname);
        pg_admin(sql);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", u->dir);
    ck_assert_int_eq(system(cmd), 0);
}
