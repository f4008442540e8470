/*
 * store/webhooks: webhook registrations (table webhooks) and the profiles'
 * signing secrets (table webhook_secrets). Events and their deliveries are
 * store/deliveries.h. See store.h for the conventions every store function
 * follows.
 */
#ifndef SOCIALD_STORE_WEBHOOKS_H
#define SOCIALD_STORE_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct webhook {
    int64_t id;
    int64_t account_id;
    int64_t profile_id;
    const char *action;
    const char *url;
    int64_t updated_ms;
    int64_t failures;
    int64_t disabled_ms; /* 0: enabled */
    const char *disabled_reason;
};

/* A profile's signing secrets, as sealed by the vault. */
struct webhook_secret {
    int64_t profile_id; /* whose they are (the vault binds them to it); 0: none */
    const void *secret; /* NULL: none set */
    size_t secret_len;
    const void *prev; /* NULL: none */
    size_t prev_len;
    int64_t rotated_ms;
};

/* Registers (or replaces, re-enabling) the profile's webhook for action. */
enum store_rc store_webhook_put(struct store *st, int64_t account_id, int64_t profile_id,
                                const char *action, const char *url, int64_t now_ms);
/* Unregisters it; its pending deliveries are cancelled. STORE_NOTFOUND when
 * none was registered. */
enum store_rc store_webhook_delete(struct store *st, int64_t profile_id, const char *action,
                                   int64_t now_ms);
/* The profile's registered webhooks, by action. */
enum store_rc store_webhook_list(struct store *st, struct arena *a, int64_t profile_id,
                                 struct webhook **out, size_t *n);
/* Sets the profile's secret; the one it replaces signs for 24 h more. */
enum store_rc store_webhook_secret_set(struct store *st, int64_t profile_id, const void *sealed,
                                       size_t n, uint32_t key_id, int64_t now_ms);
/*
 * The secrets that sign profile_id's webhooks: its own, else its account's
 * (the primary profile's), as Ayrshare does (SPEC §8). out->profile_id says
 * whose; everything zero/NULL when neither has one (deliveries go unsigned).
 * Copies live in a.
 */
enum store_rc store_webhook_secret_get(struct store *st, struct arena *a, int64_t profile_id,
                                       struct webhook_secret *out);

/* ---- master key rotation ---- */

/* Every profile's sealed webhook secrets, for re-sealing under a new key:
 * rows hold profile id, secret and previous secret (either may be NULL). */
struct sealed_pair {
    int64_t id;
    const void *a;
    size_t alen;
    const void *b;
    size_t blen;
};

enum store_rc store_webhook_secrets_all(struct store *st, struct arena *a, struct sealed_pair **out,
                                        size_t *n);
/* Replaces a profile's sealed secrets (same values, new master key). */
enum store_rc store_webhook_secret_reseal(struct store *st, int64_t profile_id, const void *secret,
                                          size_t n, uint32_t key_id, const void *prev,
                                          size_t prev_n, uint32_t prev_key_id);

#endif
