/*
 * secrets: the server's own secrets — "signing" (cursors, signed URLs,
 * OAuth state) and "jwt" (generateJWT's HS256 tokens) — kept in the store
 * sealed under the master key, like tokens and webhook secrets.
 *
 * Each is 32 random bytes, created by the first process that needs it and
 * the same for every process on the database; it is sealed by the vault,
 * bound to its name (additional data "secret:<name>"). A database from
 * before schema 10 holds them in the clear: the next start seals each,
 * keeping its value (cursors, signed URLs and link tokens already handed
 * out stay valid), and so does rotate-master-key.
 */
#ifndef SOCIALD_APP_SECRETS_H
#define SOCIALD_APP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct vault;

/* Reads the secret called name into out, creating it (sealed) on first use
 * and sealing a plain one. False with err (not logged) when the store fails
 * or the row does not open (its master key is missing): the server must not
 * start with a different key than the other processes. */
bool app_secrets_load(struct store *st, struct vault *v, const char *name, unsigned char out[32],
                      char *err, size_t errlen);
/* Re-seals every server secret under the vault's current key (a plain one
 * is sealed as it is) inside the caller's transaction, adding the count to
 * *count. False (logged) when one does not open: nothing should be retired. */
bool app_secrets_reseal(struct store *st, struct vault *v, int64_t *count);

#endif
