/*
 * linktoken: the JWTs of POST /api/profiles/generateJWT (SPEC §6).
 *
 * Claims: sub = the profile's refId, iss = the caller's domain, aud = the
 * server's public URL, iat, exp, jti = the linking session's secret. No key
 * of any kind is ever put in a token.
 *
 * HS256 tokens are signed with the server's "jwt" secret (app/secrets.c) and
 * verified here with a constant-time comparison. RS256 tokens are signed
 * with the private key the caller sent and verified with the public key the
 * account registered (`sociald account set-public-key`) or, when it
 * registered none, with the public half of that private key, which the
 * linking session keeps (linktoken_rsa_public); through libjwt. The
 * algorithm is pinned by the caller of verify, never taken from the token
 * (no "alg" confusion: an HS256 token is never checked against a public
 * key, and "none" is never accepted).
 *
 * RSA keys have 1024 to 4096 bits: 1024 because Ayrshare's Integration
 * Package keys have that size and clients moving over keep them (new keys
 * should have 2048 or more); 4096 bounds the work a request can ask for.
 */
#ifndef SOCIALD_CRYPTO_LINKTOKEN_H
#define SOCIALD_CRYPTO_LINKTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINKTOKEN_MAX 4096 /* longer tokens are refused unread */
/* Seconds a token's iat or nbf may lie ahead of the server's clock (the
 * signer's clock may run a little fast); further ahead is LINKTOKEN_BAD. */
#define LINKTOKEN_SKEW_S 60

struct link_claims {
    char sub[48];
    char iss[208];
    char aud[312];
    char jti[64];
    int64_t iat;
    int64_t exp;
};

enum linktoken_alg { LINKTOKEN_NONE, LINKTOKEN_HS256, LINKTOKEN_RS256 };

enum linktoken_rc {
    LINKTOKEN_OK,
    LINKTOKEN_BAD,     /* malformed, wrong signature, wrong algorithm, missing claims,
                          iat or nbf ahead of now by more than LINKTOKEN_SKEW_S */
    LINKTOKEN_EXPIRED, /* valid, but exp has passed */
};

/* An HS256 token (malloc'd; the caller frees it), or NULL. */
char *linktoken_sign_hs256(const unsigned char key[32], const struct link_claims *c);
/* An RS256 token signed with the PEM private key, or NULL. */
char *linktoken_sign_rs256(const char *private_pem, const struct link_claims *c);
/*
 * Reads a token's header algorithm and, when unverified is not NULL, its
 * sub and jti (nothing else) into it, UNVERIFIED: only to choose the key to
 * verify with. LINKTOKEN_NONE when the token is malformed, uses another
 * algorithm, or (with unverified) lacks sub or jti.
 */
enum linktoken_alg linktoken_peek(const char *token, struct link_claims *unverified);
enum linktoken_rc linktoken_verify_hs256(const char *token, const unsigned char key[32],
                                         int64_t now_s, struct link_claims *out);
enum linktoken_rc linktoken_verify_rs256(const char *token, const char *public_pem, int64_t now_s,
                                         struct link_claims *out);

enum rsa_check {
    RSA_CHECK_OK,
    RSA_CHECK_BAD_KEY,  /* not an unencrypted PEM RSA private key of 1024–4096 bits */
    RSA_CHECK_MISMATCH, /* a good key, but not the registered public key's pair */
};
/* Whether private_pem (PKCS#1 or PKCS#8) is an RSA private key whose public
 * half is public_pem (NULL: only the private key is checked). */
enum rsa_check linktoken_rsa_check(const char *private_pem, const char *public_pem);
/* The public half of private_pem as PEM ("BEGIN PUBLIC KEY"), malloc'd (the
 * caller frees it), or NULL when private_pem is not a usable key (as
 * RSA_CHECK_BAD_KEY). */
char *linktoken_rsa_public(const char *private_pem);
/* True when pem is an RSA public key ("BEGIN PUBLIC KEY") of 1024–4096 bits. */
bool linktoken_public_ok(const char *pem);

#endif
