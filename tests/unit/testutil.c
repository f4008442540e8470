#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

struct store *ut_store_open(struct ut_store *u)
{
    snprintf(u->dir, sizeof(u->dir), "/tmp/sociald-ut-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(u->dir));
    snprintf(u->path, sizeof(u->path), "%s/t.db", u->dir);
    u->st = ut_store_another(u);
    int applied;
    ck_assert_int_eq(store_migrate(u->st, &applied), STORE_OK);
    return u->st;
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
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", u->dir);
    ck_assert_int_eq(system(cmd), 0);
}
