/* Helpers the unit suites share: a migrated store in a temporary directory. */
#ifndef SOCIALD_TESTS_TESTUTIL_H
#define SOCIALD_TESTS_TESTUTIL_H

#include "store/store.h"

struct ut_store {
    char dir[64];
    char path[512];  /* a SQLite file, or a PostgreSQL URL (SOCIALD_TEST_PG) */
    char dbname[48]; /* the PostgreSQL database; empty on SQLite */
    struct store *st;
};

/* Creates a temporary directory with a migrated database (SQLite, or with
 * SOCIALD_TEST_PG a fresh PostgreSQL database); returns the store. */
struct store *ut_store_open(struct ut_store *u);
/* A second, independent handle on the same database (another "process"). */
struct store *ut_store_another(const struct ut_store *u);
/* How many 10 ms tries a change by another handle ("process") may take to
 * be seen: 1 on SQLite (the shared stamps: at once), 500 on PostgreSQL
 * (the change log, polled every 50 ms). */
int ut_visible_tries(void);
/* Closes the store and removes the directory. */
void ut_store_close(struct ut_store *u);

#endif
