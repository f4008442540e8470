/*
 * store/secrets: the server's own random secrets (table secrets), shared by
 * every process on the database. See store.h for the conventions every
 * store function follows.
 */
#ifndef SOCIALD_STORE_SECRETS_H
#define SOCIALD_STORE_SECRETS_H

#include "store/store.h"

/* The 32-byte server secret called name, created at random on first use
 * and the same for every process on the database. */
enum store_rc store_secret(struct store *st, const char *name, unsigned char out[32]);

#endif
