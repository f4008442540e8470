/*
 * linktoken: generateJWT tokens (see linktoken.h).
 */
#include "crypto/linktoken.h"
#include "crypto/crypto.h"
#include "util/base64.h"
#include "util/mem.h"

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RSA_MIN_BITS 1024
#define RSA_MAX_BITS 4096

static jwt_t *claims_jwt(const struct link_claims *c)
{
    jwt_t *j = NULL;
    if (jwt_new(&j) != 0)
        return NULL;
    if (jwt_add_grant(j, "sub", c->sub) || jwt_add_grant(j, "iss", c->iss) ||
        jwt_add_grant(j, "aud", c->aud) || jwt_add_grant(j, "jti", c->jti) ||
        jwt_add_grant_int(j, "iat", (long)c->iat) || jwt_add_grant_int(j, "exp", (long)c->exp)) {
        jwt_free(j);
        return NULL;
    }
    return j;
}

static char *sign(const struct link_claims *c, jwt_alg_t alg, const unsigned char *key, int len)
{
    jwt_t *j = claims_jwt(c);
    if (!j)
        return NULL;
    char *out = NULL;
    if (jwt_set_alg(j, alg, key, len) == 0)
        out = jwt_encode_str(j);
    jwt_free(j);
    return out;
}

char *linktoken_sign_hs256(const unsigned char key[32], const struct link_claims *c)
{
    return sign(c, JWT_ALG_HS256, key, 32);
}

char *linktoken_sign_rs256(const char *private_pem, const struct link_claims *c)
{
    return sign(c, JWT_ALG_RS256, (const unsigned char *)private_pem, (int)strlen(private_pem));
}

/* Splits a token into its three parts' lengths; false when it is not three
 * non-empty base64url parts of bounded size. */
static bool split(const char *token, size_t *h, size_t *p, size_t *s)
{
    size_t n = strnlen(token, LINKTOKEN_MAX + 1);
    if (n == 0 || n > LINKTOKEN_MAX)
        return false;
    const char *d1 = memchr(token, '.', n);
    if (!d1)
        return false;
    const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token));
    if (!d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token)))
        return false;
    *h = (size_t)(d1 - token);
    *p = (size_t)(d2 - d1 - 1);
    *s = n - (size_t)(d2 + 1 - token);
    return *h && *p && *s;
}

/* Decodes base64url part [off, off+len) of token into a JSON object. */
static json_t *part_json(const char *token, size_t off, size_t len)
{
    char enc[LINKTOKEN_MAX + 1];
    memcpy(enc, token + off, len);
    enc[len] = '\0';
    unsigned char dec[LINKTOKEN_MAX];
    size_t n = 0;
    if (!base64url_decode(enc, dec, sizeof(dec), &n))
        return NULL;
    json_t *j = json_loadb((const char *)dec, n, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool copy_str(json_t *o, const char *key, char *out, size_t cap)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap)
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

static enum linktoken_rc read_claims(json_t *payload, int64_t now_s, struct link_claims *out)
{
    memset(out, 0, sizeof(*out));
    json_t *iat = json_object_get(payload, "iat"), *exp = json_object_get(payload, "exp");
    if (!copy_str(payload, "sub", out->sub, sizeof(out->sub)) ||
        !copy_str(payload, "iss", out->iss, sizeof(out->iss)) ||
        !copy_str(payload, "aud", out->aud, sizeof(out->aud)) ||
        !copy_str(payload, "jti", out->jti, sizeof(out->jti)) || !json_is_integer(iat) ||
        !json_is_integer(exp))
        return LINKTOKEN_BAD;
    out->iat = json_integer_value(iat);
    out->exp = json_integer_value(exp);
    /* Issued, or valid only from, later than now (beyond the clocks' skew):
     * such a token was not made for now; it would otherwise outlive the
     * lifetime its maker chose. */
    json_t *nbf = json_object_get(payload, "nbf");
    if ((nbf && !json_is_integer(nbf)) || out->iat > now_s + LINKTOKEN_SKEW_S ||
        (nbf && json_integer_value(nbf) > now_s + LINKTOKEN_SKEW_S))
        return LINKTOKEN_BAD;
    return out->exp <= now_s ? LINKTOKEN_EXPIRED : LINKTOKEN_OK;
}

enum linktoken_alg linktoken_peek(const char *token, struct link_claims *unverified)
{
    size_t h, p, s;
    if (unverified)
        memset(unverified, 0, sizeof(*unverified));
    if (!split(token, &h, &p, &s))
        return LINKTOKEN_NONE;
    json_t *hdr = part_json(token, 0, h);
    json_t *payload = part_json(token, h + 1, p);
    enum linktoken_alg alg = LINKTOKEN_NONE;
    const char *a = hdr ? json_string_value(json_object_get(hdr, "alg")) : NULL;
    if (a && payload && !strcmp(a, "HS256"))
        alg = LINKTOKEN_HS256;
    else if (a && payload && !strcmp(a, "RS256"))
        alg = LINKTOKEN_RS256;
    if (alg != LINKTOKEN_NONE && unverified &&
        (!copy_str(payload, "sub", unverified->sub, sizeof(unverified->sub)) ||
         !copy_str(payload, "jti", unverified->jti, sizeof(unverified->jti))))
        alg = LINKTOKEN_NONE;
    json_decref(hdr);
    json_decref(payload);
    return alg;
}

enum linktoken_rc linktoken_verify_hs256(const char *token, const unsigned char key[32],
                                         int64_t now_s, struct link_claims *out)
{
    size_t h, p, s;
    if (linktoken_peek(token, NULL) != LINKTOKEN_HS256 || !split(token, &h, &p, &s))
        return LINKTOKEN_BAD;
    unsigned char mac[CRYPTO_SHA256_LEN], sig[64];
    crypto_hmac_sha256(key, 32, token, h + 1 + p, mac);
    size_t n = 0;
    if (s >= 64 || !base64url_decode(token + h + 1 + p + 1, sig, sizeof(sig), &n) ||
        n != sizeof(mac) || !crypto_ct_eq(mac, sig, sizeof(mac)))
        return LINKTOKEN_BAD;
    json_t *payload = part_json(token, h + 1, p);
    if (!payload)
        return LINKTOKEN_BAD;
    enum linktoken_rc rc = read_claims(payload, now_s, out);
    json_decref(payload);
    return rc;
}

enum linktoken_rc linktoken_verify_rs256(const char *token, const char *public_pem, int64_t now_s,
                                         struct link_claims *out)
{
    size_t h, p, s;
    if (!public_pem || linktoken_peek(token, NULL) != LINKTOKEN_RS256 || !split(token, &h, &p, &s))
        return LINKTOKEN_BAD;
    jwt_t *j = NULL;
    if (jwt_decode(&j, token, (const unsigned char *)public_pem, (int)strlen(public_pem)) != 0 ||
        jwt_get_alg(j) != JWT_ALG_RS256) {
        jwt_free(j);
        return LINKTOKEN_BAD;
    }
    jwt_free(j);
    json_t *payload = part_json(token, h + 1, p);
    if (!payload)
        return LINKTOKEN_BAD;
    enum linktoken_rc rc = read_claims(payload, now_s, out);
    json_decref(payload);
    return rc;
}

/* An encrypted key is not usable: without this callback OpenSSL would ask
 * for its passphrase on the server's terminal, holding the request. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static EVP_PKEY *read_key(const char *pem, bool private_key)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (!b)
        return NULL;
    EVP_PKEY *k = private_key ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)
                              : PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    if (k && (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) < RSA_MIN_BITS ||
              EVP_PKEY_get_bits(k) > RSA_MAX_BITS)) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

enum rsa_check linktoken_rsa_check(const char *private_pem, const char *public_pem)
{
    EVP_PKEY *priv = read_key(private_pem, true);
    if (!priv)
        return RSA_CHECK_BAD_KEY;
    enum rsa_check rc = RSA_CHECK_OK;
    if (public_pem) {
        EVP_PKEY *pub = read_key(public_pem, false);
        rc = pub && EVP_PKEY_eq(priv, pub) == 1 ? RSA_CHECK_OK : RSA_CHECK_MISMATCH;
        EVP_PKEY_free(pub);
    }
    EVP_PKEY_free(priv);
    return rc;
}

char *linktoken_rsa_public(const char *private_pem)
{
    EVP_PKEY *k = read_key(private_pem, true);
    BIO *b = NULL;
    char *out = NULL, *data = NULL;
    if (!k)
        goto out;
    b = BIO_new(BIO_s_mem());
    if (!b || PEM_write_bio_PUBKEY(b, k) != 1)
        goto out;
    long n = BIO_get_mem_data(b, &data);
    if (n > 0)
        out = mem_strndup(data, (size_t)n);
out:
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

bool linktoken_public_ok(const char *pem)
{
    EVP_PKEY *k = read_key(pem, false);
    EVP_PKEY_free(k);
    return k != NULL;
}
