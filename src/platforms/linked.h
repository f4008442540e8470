/*
 * linked: what links a network account to a profile, between the
 * connectors, the vault and the store — used by the linking page, import,
 * revocation and (later) the refresher.
 *
 *  - linked_net(): a connector context for an account: the operator's
 *    network configuration with the account's own OAuth app applied
 *    (`sociald account set-oauth-app`).
 *  - linked_seal() / linked_unseal(): tokens at rest are AES-256-GCM
 *    ciphertexts bound to "linked:<profile id>:<platform>:access|refresh".
 *  - linked_store(): a completed link — display fields, sealed tokens and
 *    the social link webhook in one transaction.
 *
 * Unsealed tokens live in the caller's arena and are zeroed when it is
 * freed. They never reach logs, errors or API answers.
 */
#ifndef SOCIALD_PLATFORMS_LINKED_H
#define SOCIALD_PLATFORMS_LINKED_H

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
bool linked_net(struct app *app, struct arena *a, int64_t account_id, int idx, struct net *n);
/* True when account_id can link network idx (see linked_net). */
bool linked_available(struct app *app, struct arena *a, int64_t account_id, int idx);

struct vault;

/* Seals access and refresh (either may be NULL) under v's current key into
 * sec's blobs (arena) and sets sec->key_id; false when one did not seal. */
bool linked_seal(struct vault *v, struct arena *a, int64_t profile_id, const char *platform,
                 const char *access, const char *refresh, struct linked_secret *sec);
/* Opens sealed tokens into out->access / out->refresh (arena, zeroed with
 * it). False when a blob does not open (unknown key, moved ciphertext). */
bool linked_unseal(struct app *app, struct arena *a, int64_t profile_id, const char *platform,
                   const void *access, size_t access_len, const void *refresh, size_t refresh_len,
                   struct tokens *out);

/* The display fields (and network id) of identity id as a linked account's;
 * the rest of *la is zeroed. Strings stay id's. */
void linked_from_identity(struct linked_account *la, const struct identity *id);

/*
 * Links identity id (with tokens t) to profile p on network idx, replacing
 * what was linked there, and writes the social webhook (type link, source
 * user) in the same transaction; delivery starts after commit.
 */
enum store_rc linked_store(struct app *app, struct arena *a, const struct profile *p, int idx,
                           const struct identity *id, const struct tokens *t);

/* The account's own OAuth app for platform: sealed secret's AAD. */
const char *linked_app_aad(struct arena *a, int64_t account_id, const char *platform);

#endif
