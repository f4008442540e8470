/* Helpers the unit suites share: a migrated store in a temporary directory. */
#ifndef SOCIALD_TESTS_TESTUTIL_H
#define SOCIALD_TESTS_TESTUTIL_H

#include "store/store.h"

struct ut_store {
    char dir[64];
    char path[96];
    struct store *st;
};

/* Creates a temporary directory with a migrated database; returns the store. */
struct store *ut_store_open(struct ut_store *u);
/* A second, independent handle on the same database (another "process"). */
struct store *ut_store_another(const struct ut_store *u);
/* Closes the store and removes the directory. */
void ut_store_close(struct ut_store *u);

#endif
