/*
 * store/secrets: the server's own random secrets (table secrets), sealed
 * under the master key, shared by every process on the database. See store.h for the conventions
 * every store function follows.
 */
#ifndef SOCIALD_STORE_SECRETS_H
#define SOCIALD_STORE_SECRETS_H

#include "store/store.h"

/*
 * The server's own secrets (app/secrets.c), one row per name, the same for
 * every process on the database. value is sealed by the vault under master
 * key key_id; a database from before schema 10 holds the plain bytes
 * (key_id 0 here) until a start or rotate-master-key seals them.
 */
struct server_secret {
    const char *name;
    const void *value;
    size_t len;
    uint32_t key_id; /* 0: plain, not sealed yet */
};
/* Stores sealed (made with master key key_id) as name's value unless name
 * has one, then reads name's row into out (copies in a): processes starting
 * together agree on one value. */
enum store_rc store_secret_ensure(struct store *st, struct arena *a, const char *name,
                                  const void *sealed, size_t n, uint32_t key_id,
                                  struct server_secret *out);
/* Replaces name's value with sealed (made with master key key_id), zeroing
 * the space the old value took. With only_plain, only while the row is not
 * sealed yet: STORE_NOTFOUND when another process sealed it first. */
enum store_rc store_secret_seal(struct store *st, const char *name, const void *sealed, size_t n,
                                uint32_t key_id, bool only_plain);
/* Every server secret, for re-sealing under a new key (copies in a). */
enum store_rc store_secrets_all(struct store *st, struct arena *a, struct server_secret **out,
                                size_t *n);

#endif
