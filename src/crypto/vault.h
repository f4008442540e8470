/*
 * vault: AES-256-GCM encryption of secrets at rest — network tokens,
 * webhook signing secrets, the server's own signing and JWT keys (SPEC §9).
 *
 * Master keys come from SOCIALD_MASTER_KEY ("<64 hex>", or "id:hex,id:hex"
 * with the last one current) or from <data>/master.key, created mode 0600
 * with one fresh key at first start. The file holds lines "<id> <64 hex>";
 * the last line is the current key. A ciphertext is
 *     version(1) | key id (4, big-endian) | nonce (12) | ciphertext | tag (16)
 * and is bound to its purpose and row by additional data (AAD), so a
 * ciphertext moved to another row or column does not decrypt.
 *
 * The vault re-reads the key file when it changes, so every process
 * encrypts with the newest key soon after `sociald rotate-master-key`.
 * Thread-safe.
 */
#ifndef SOCIALD_CRYPTO_VAULT_H
#define SOCIALD_CRYPTO_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAULT_MAX_KEYS 16

struct vault;

/* True when path (a file or a directory) exists and neither its group nor
 * others may read, write or enter it; else false with err naming what
 * (e.g. "data directory"), path, and the chmod that fixes it. master.key
 * and the data directory that holds it and the database are held to this. */
bool vault_path_private(const char *path, const char *what, char *err, size_t errlen);
/* Loads (creating the key file if needed) the master keys. env is the
 * value of SOCIALD_MASTER_KEY or NULL. NULL with err on failure. */
struct vault *vault_open(const char *data_dir, const char *env, char *err, size_t errlen);
void vault_free(struct vault *v);
/* The id of the key new ciphertexts use. */
uint32_t vault_current(struct vault *v);
/* The ids of every key held, into ids (VAULT_MAX_KEYS); returns the count. */
size_t vault_key_ids(struct vault *v, uint32_t *ids);
/* The key id a ciphertext was made with, or 0 when it is not one. */
uint32_t vault_key_of(const void *blob, size_t n);
/* Encrypts n bytes under the current key, bound to aad. Returns a malloc'd
 * blob of *outlen bytes; the caller frees it. */
unsigned char *vault_seal(struct vault *v, const void *plain, size_t n, const char *aad,
                          size_t *outlen);
/* Decrypts a blob bound to aad. Returns a malloc'd, NUL-terminated plaintext
 * of *outlen bytes (the caller frees it with vault_wipe), or NULL when the
 * key is unknown or the blob or aad does not match. */
char *vault_unseal(struct vault *v, const void *blob, size_t n, const char *aad, size_t *outlen);
/* Zeroes and frees a plaintext from vault_unseal. */
void vault_wipe(char *plain, size_t n);
/* Adds a fresh key to the key file and makes it current. False (with err)
 * when the keys come from the environment or the file cannot be written. */
bool vault_add_key(struct vault *v, uint32_t *new_id, char *err, size_t errlen);
/* Rewrites the key file keeping only the current key and those in keep. */
bool vault_retire_keys(struct vault *v, const uint32_t *keep, size_t nkeep, char *err,
                       size_t errlen);

#endif
