/*
 * ops/linked: what ties a network account to the vault and the store, for
 * the connectors — used by the linking page, import, live data, revocation
 * and upkeep (the link itself is ops_link, ops.h).
 *
 *  - ops_linked_net(): a connector context for an account: the operator's
 *    network configuration with the account's own OAuth app applied
 *    (`sociald account set-oauth-app`).
 *  - ops_linked_seal() / ops_linked_unseal(): tokens at rest are AES-256-GCM
 *    ciphertexts bound to "linked:<profile id>:<platform>:access|refresh".
 *
 * Unsealed tokens live in the caller's arena and are zeroed when it is
 * freed. They never reach logs, errors or API answers.
 */
#ifndef SOCIALD_OPS_LINKED_H
#define SOCIALD_OPS_LINKED_H

#include "core/app.h"
#include "platforms/platform.h"
#include "store/linked.h"
#include "store/profiles.h"

/*
 * Fills n for account_id's use of network idx (calls limited to
 * network-timeout-ms). Returns false when the
 * network cannot be used by this account (no client credentials, or no bot
 * token for telegram).
 */
bool ops_linked_net(struct app *app, struct arena *a, int64_t account_id, int idx, struct net *n);
/* True when account_id can link network idx (see ops_linked_net). */
bool ops_linked_available(struct app *app, struct arena *a, int64_t account_id, int idx);

struct vault;

/* Seals access and refresh (either may be NULL) under v's current key into
 * sec's blobs (arena) and sets sec->key_id; false when one did not seal. */
bool ops_linked_seal(struct vault *v, struct arena *a, int64_t profile_id, const char *platform,
                     const char *access, const char *refresh, struct linked_secret *sec);
/* Opens sealed tokens into out->access / out->refresh (arena, zeroed with
 * it). False when a blob does not open (unknown key, moved ciphertext). */
bool ops_linked_unseal(struct app *app, struct arena *a, int64_t profile_id, const char *platform,
                       const void *access, size_t access_len, const void *refresh,
                       size_t refresh_len, struct tokens *out);

/* The display fields (and network id) of identity id as a linked account's;
 * the rest of *la is zeroed. Strings stay id's. */
void ops_linked_from_identity(struct linked_account *la, const struct identity *id);

/* The account's own OAuth app for platform: sealed secret's AAD. */
const char *ops_linked_app_aad(struct arena *a, int64_t account_id, const char *platform);

#endif
