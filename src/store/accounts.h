/*
 * store/accounts: business accounts (table accounts), API-key
 * authentication, and what an account owns for linking: its RS256 public
 * key and its own OAuth apps (table account_oauth_apps). See store.h for
 * the conventions every store function follows.
 */
#ifndef SOCIALD_STORE_ACCOUNTS_H
#define SOCIALD_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct account {
    int64_t id;
    int64_t primary_profile_id;
    const char *email;
    const char *ref_id; /* the primary profile's refId */
    char plan[STORE_PLAN_LEN];
    int64_t created_ms;
};

/* Creates an account and its primary profile (title "Primary Profile",
 * refId ref_id). STORE_CONFLICT when the email is taken. */
enum store_rc store_account_create(struct store *st, const char *email, const char *plan,
                                   const unsigned char key_hash[STORE_HASH_LEN], const char *ref_id,
                                   int64_t now_ms, int64_t *account_id);
/*
 * Authenticates an API key: the account whose key hash matches. The match is
 * confirmed with a constant-time comparison of the stored hash.
 */
enum store_rc store_auth(struct store *st, struct arena *a,
                         const unsigned char key_hash[STORE_HASH_LEN], struct account *acct);
/* The account with this id. */
enum store_rc store_account_get(struct store *st, struct arena *a, int64_t id, struct account *out);
/* Finds an account by email or by its refId. */
enum store_rc store_account_find(struct store *st, struct arena *a, const char *email_or_ref,
                                 struct account *out);
/* All accounts in creation order; *out is an arena array of *n entries. */
enum store_rc store_account_list(struct store *st, struct arena *a, struct account **out,
                                 size_t *n);
enum store_rc store_account_set_plan(struct store *st, int64_t account_id, const char *plan);
/* Replaces the account's key hash; the old key stops working at once. */
enum store_rc store_account_set_key(struct store *st, int64_t account_id,
                                    const unsigned char key_hash[STORE_HASH_LEN]);
/* The account's RS256 public key (PEM) for generateJWT; NULL clears it. */
enum store_rc store_account_set_public_key(struct store *st, int64_t account_id, const char *pem);
enum store_rc store_account_public_key(struct store *st, struct arena *a, int64_t account_id,
                                       const char **pem);
/* An account's own OAuth app for platform: client id and sealed secret. */
enum store_rc store_oauth_app_set(struct store *st, int64_t account_id, const char *platform,
                                  const char *client_id, const void *sealed, size_t n,
                                  uint32_t key_id);
enum store_rc store_oauth_app_get(struct store *st, struct arena *a, int64_t account_id,
                                  const char *platform, const char **client_id, const void **sealed,
                                  size_t *n);

#endif
