/*
 * store/revocations: tokens waiting to be revoked at a network after an
 * unlink (table revocations; the job is src/jobs/revoke.c). See store.h for
 * the conventions every store function follows.
 */
#ifndef SOCIALD_STORE_REVOCATIONS_H
#define SOCIALD_STORE_REVOCATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Tokens waiting to be revoked at a network after an unlink. Unlinking
 * (store_linked_delete, store_profile_delete) moves the sealed tokens here
 * and queues a 'revoke' job per row in the same transaction.
 */
struct revocation {
    int64_t id;
    int64_t profile_id;
    int64_t account_id;
    const char *platform;
    const void *access; /* sealed, AAD "linked:<profile id>:<platform>:access" */
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
    const char *extra;
};

enum store_rc store_revocation_get(struct store *st, struct arena *a, int64_t id,
                                   struct revocation *out);
enum store_rc store_revocation_delete(struct store *st, int64_t id);

#endif
