/*
 * store/linked: linked accounts (table linked_accounts): the display fields
 * GET /api/user shows, the sealed tokens and network ids behind them, their
 * health, and what the upkeep jobs (refresh, reminders, details) read and
 * write (SPEC §2, §6, §9). See store.h for the conventions every store
 * function follows.
 *
 * Token writes after a link are guarded by token_version: a job reads it
 * with the tokens and writes only if it is unchanged, so a refresh that
 * raced a re-link never stores tokens of a grant that is no longer the
 * account's.
 */
#ifndef SOCIALD_STORE_LINKED_H
#define SOCIALD_STORE_LINKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/display.h"
#include "store/store.h"

struct linked_account {
    int64_t id;
    int64_t profile_id;
    const char *platform;
    struct display_fields disp;
    int64_t linked_ms;
    const char *status; /* ok | refresh_failing | relink_required */
};

/* A linked account's sealed tokens and network ids. */
struct linked_secret {
    const void *access; /* sealed; NULL when none */
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
    uint32_t key_id;
    int64_t access_expires_ms; /* 0: none known */
    int64_t refresh_expires_ms;
    const char *scopes;
    const char *extra; /* JSON object text of network ids */
    const char *status;
    int64_t linked_ms;
};

/* The health of one linked account (SPEC §9). */
struct linked_health {
    const char *platform;
    const char *status; /* ok | refresh_failing | relink_required */
    int64_t linked_ms;
    int64_t access_expires_ms; /* 0: unknown or never */
    int64_t last_refresh_ms;   /* 0: never */
    const char *last_error;
};

/* What the upkeep jobs know of a linked account. */
struct linked_state {
    int64_t id;
    int64_t profile_id;
    int64_t account_id;
    const char *platform;
    const char *network_id;
    const char *display_name;
    const char *status;
    const char *extra;
    const void *access; /* sealed */
    size_t access_len;
    const void *refresh; /* sealed; NULL when none */
    size_t refresh_len;
    int64_t access_expires_ms; /* 0: none known */
    int64_t refresh_expires_ms;
    int64_t linked_ms;
    int64_t last_refresh_ms; /* 0: never */
    int64_t token_version;   /* changes with every token write */
    int64_t failures;        /* consecutive failed refreshes */
};

/* ---- linking and unlinking ---- */

/*
 * Links (or re-links) an account: display fields, sealed tokens, expiries
 * and ids; status back to ok. Joins the caller's transaction when one is
 * open (the social webhook is written with it).
 */
enum store_rc store_linked_link(struct store *st, const struct linked_account *la,
                                const struct linked_secret *sec, int64_t *id);
#define STORE_LINKED_INSERT_MAX 10
/*
 * Inserts n (up to STORE_LINKED_INSERT_MAX) accounts of one profile, of
 * networks it has not linked, in one statement: the rows store_linked_link
 * would write, for bulk loads (sociald seed). STORE_CONFLICT when the
 * profile has linked one of them already.
 */
enum store_rc store_linked_insert(struct store *st, const struct linked_account *la,
                                  const struct linked_secret *sec, size_t n);
/*
 * In a bulk load (store_bulk_begin) the triggers that keep a profile's
 * version and linked mask are off: after inserting its n accounts, the
 * loader adds what they would have (n to the version, the accounts' bits
 * to the mask, platforms/names.h). Outside a bulk load it does nothing
 * (the triggers did it).
 */
enum store_rc store_bulk_linked(struct store *st, int64_t profile_id, int64_t n, unsigned mask);
/* Removes the profile's account on platform; *removed_name (arena, may be
 * NULL) gets its display name. STORE_NOTFOUND when none was linked. Its
 * tokens are queued for revocation at the network (struct revocation). */
enum store_rc store_linked_delete(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, const char **removed_name);

/* ---- reading ---- */

/* The profile's linked accounts sorted by platform; arena array. */
enum store_rc store_linked_list(struct store *st, struct arena *a, int64_t profile_id,
                                struct linked_account **out, size_t *n);
/* The health of each of the profile's linked accounts, by platform. */
enum store_rc store_linked_health(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_health **out, size_t *n);
/* The sealed tokens of the profile's account on platform. */
enum store_rc store_linked_secret(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, struct linked_secret *out);
/* The linked account with row id. */
enum store_rc store_linked_state(struct store *st, struct arena *a, int64_t id,
                                 struct linked_state *out);
/* Every linked account of a profile, by platform; arena array. */
enum store_rc store_linked_states(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_state **out, size_t *n);

/* ---- upkeep: refresh, reminders, details ---- */

/*
 * A successful refresh: the new sealed tokens (both re-sealed under
 * sec->key_id) and expiries; status ok, no error, no failures,
 * last_refresh_ms = now_ms. STORE_CONFLICT when the tokens changed since
 * version was read (a re-link won the race).
 */
enum store_rc store_linked_refreshed(struct store *st, int64_t id, int64_t version,
                                     const struct linked_secret *sec, int64_t now_ms);
/* A failed refresh (or a grant found gone): status, error and failure
 * count. STORE_CONFLICT as above. */
enum store_rc store_linked_failed(struct store *st, int64_t id, int64_t version, const char *status,
                                  const char *error, int64_t failures);
/* New display fields read from the network for linked account la->id; only
 * fields that differ are written. *changed tells whether any did. */
enum store_rc store_linked_details(struct store *st, const struct linked_account *la,
                                   bool *changed);

/* ---- master key rotation ---- */

/* Every linked account's sealed tokens (id = the linked account's row id;
 * aad_key names the row for the vault: "<profile id>:<platform>"). */
struct sealed_tokens {
    int64_t id;
    const char *aad_key;
    const void *access;
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
};

enum store_rc store_linked_tokens_all(struct store *st, struct arena *a, struct sealed_tokens **out,
                                      size_t *n);
/* Replaces a linked account's sealed tokens (same values, new master key). */
enum store_rc store_linked_reseal(struct store *st, int64_t id, const void *access,
                                  size_t access_len, const void *refresh, size_t refresh_len,
                                  uint32_t key_id);

#endif
