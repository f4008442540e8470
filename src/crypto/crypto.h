/*
 * crypto: randomness, hashing and key generation — the only code that
 * includes OpenSSL.
 *
 * API keys and profile keys are 35 random bytes (280 bits) written as eight
 * groups of seven Crockford base32 characters, like Ayrshare's keys but
 * longer. Only their SHA-256 is ever stored; a presented key is hashed and
 * the stored hash compared in constant time (crypto_ct_eq).
 */
#ifndef SOCIALD_CRYPTO_CRYPTO_H
#define SOCIALD_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_LEN    63 /* 8 groups of 7 + 7 dashes */
#define CRYPTO_REFID_LEN  40 /* 20 bytes as lowercase hex */
#define CRYPTO_SHA256_LEN 32

/* Fills buf with n cryptographically random bytes; aborts if the RNG fails. */
void crypto_random(void *buf, size_t n);
/* A uniformly random 64-bit number from the CSPRNG. */
uint64_t crypto_random_u64(void);
/* SHA-256 of n bytes into out. */
void crypto_sha256(const void *data, size_t n, unsigned char out[CRYPTO_SHA256_LEN]);
/* HMAC-SHA256 of n bytes with the given key into out. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                        unsigned char out[CRYPTO_SHA256_LEN]);
/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void crypto_hex(const unsigned char *in, size_t n, char *out);
/* Decodes 2n hex characters into n bytes; false if s is not exactly that. */
bool crypto_unhex(const char *s, unsigned char *out, size_t n);
/* Constant-time equality of n bytes. */
bool crypto_ct_eq(const void *a, const void *b, size_t n);
/* A new API or profile key into out (CRYPTO_KEY_LEN + 1 bytes). */
void crypto_key_new(char *out);
/* A new 40-hex-character refId into out (CRYPTO_REFID_LEN + 1 bytes). */
void crypto_refid_new(char *out);

#endif
