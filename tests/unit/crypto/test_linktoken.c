#include "suites.h"
#include "crypto/crypto.h"
#include "crypto/linktoken.h"
#include "util/base64.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static struct link_claims claims(int64_t iat, int64_t exp)
{
    struct link_claims c = {.iat = iat, .exp = exp};
    snprintf(c.sub, sizeof(c.sub), "%s", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    snprintf(c.iss, sizeof(c.iss), "%s", "acme");
    snprintf(c.aud, sizeof(c.aud), "%s", "https://sociald.example");
    snprintf(c.jti, sizeof(c.jti), "%s", "Zm9vYmFyYmF6cXV1eGZvb2JhcmJhenF1dXhmb29iYXI");
    return c;
}

/* PEM texts of a fresh RSA key pair (malloc'd). */
static void rsa_pair(int bits, char **priv, char **pub)
{
    EVP_PKEY *k = EVP_RSA_gen((unsigned)bits);
    ck_assert_ptr_nonnull(k);
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    *priv = strndup(p, (size_t)n);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PUBKEY(b, k) == 1);
    n = BIO_get_mem_data(b, &p);
    *pub = strndup(p, (size_t)n);
    BIO_free(b);
    EVP_PKEY_free(k);
}

START_TEST(hs256_round_trip_and_claims)
{
    struct link_claims c = claims(1000, 2000), out;
    char *t = linktoken_sign_hs256(key, &c);
    ck_assert_ptr_nonnull(t);
    struct link_claims peek;
    ck_assert_int_eq(linktoken_peek(t, &peek), LINKTOKEN_HS256);
    ck_assert_str_eq(peek.sub, c.sub);
    ck_assert_str_eq(peek.jti, c.jti);
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 1500, &out), LINKTOKEN_OK);
    ck_assert_str_eq(out.sub, c.sub);
    ck_assert_str_eq(out.iss, "acme");
    ck_assert_str_eq(out.aud, c.aud);
    ck_assert_str_eq(out.jti, c.jti);
    ck_assert_int_eq(out.iat, 1000);
    ck_assert_int_eq(out.exp, 2000);
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 2000, &out), LINKTOKEN_EXPIRED);
    unsigned char other[32];
    memcpy(other, key, 32);
    other[0] ^= 1;
    ck_assert_int_eq(linktoken_verify_hs256(t, other, 1500, &out), LINKTOKEN_BAD);
    /* Every single-character change is refused. */
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++) {
        char saved = t[i];
        t[i] = saved == 'A' ? 'B' : 'A';
        ck_assert_msg(linktoken_verify_hs256(t, key, 1500, &out) != LINKTOKEN_OK, "char %zu", i);
        t[i] = saved;
    }
    free(t);
}
END_TEST

START_TEST(malformed_tokens)
{
    struct link_claims out;
    const char *bad[] = {"",
                         "abc",
                         "a.b",
                         "a.b.c.d",
                         "..",
                         "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                         "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln",
                         "!!!.???.***",
                         "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        ck_assert_msg(linktoken_verify_hs256(bad[i], key, 1, &out) == LINKTOKEN_BAD, "%s", bad[i]);
        ck_assert_msg(linktoken_peek(bad[i], NULL) == LINKTOKEN_NONE ||
                          linktoken_verify_hs256(bad[i], key, 1, &out) == LINKTOKEN_BAD,
                      "%s", bad[i]);
    }
    /* A valid signature over claims that lack jti is still refused. */
    char big[LINKTOKEN_MAX + 10];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(linktoken_peek(big, NULL), LINKTOKEN_NONE);
}
END_TEST

START_TEST(rs256_with_registered_key_only)
{
    char *priv, *pub, *priv2, *pub2;
    rsa_pair(2048, &priv, &pub);
    rsa_pair(2048, &priv2, &pub2);
    ck_assert_int_eq(linktoken_rsa_check(priv, pub), RSA_CHECK_OK);
    ck_assert_int_eq(linktoken_rsa_check(priv, NULL), RSA_CHECK_OK);
    ck_assert_int_eq(linktoken_rsa_check(priv, pub2), RSA_CHECK_MISMATCH);
    ck_assert_int_eq(linktoken_rsa_check("not a key", pub), RSA_CHECK_BAD_KEY);
    ck_assert_int_eq(linktoken_rsa_check(pub, pub), RSA_CHECK_BAD_KEY);
    ck_assert(linktoken_public_ok(pub));
    ck_assert(!linktoken_public_ok(priv));
    ck_assert(!linktoken_public_ok("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));

    struct link_claims c = claims(1000, 2000), out;
    char *t = linktoken_sign_rs256(priv, &c);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(linktoken_peek(t, NULL), LINKTOKEN_RS256);
    ck_assert_int_eq(linktoken_verify_rs256(t, pub, 1500, &out), LINKTOKEN_OK);
    ck_assert_str_eq(out.jti, c.jti);
    ck_assert_int_eq(linktoken_verify_rs256(t, pub, 2500, &out), LINKTOKEN_EXPIRED);
    ck_assert_int_eq(linktoken_verify_rs256(t, pub2, 1500, &out), LINKTOKEN_BAD);
    ck_assert_int_eq(linktoken_verify_rs256(t, NULL, 1500, &out), LINKTOKEN_BAD);
    /* The algorithm is pinned by the verifier: an RS256 token is not an
     * HS256 one, and an HS256 token keyed with the public key text (the
     * classic confusion) is not accepted as RS256. */
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 1500, &out), LINKTOKEN_BAD);
    char *h = linktoken_sign_hs256(key, &c);
    ck_assert_int_eq(linktoken_verify_rs256(h, pub, 1500, &out), LINKTOKEN_BAD);
    free(h);
    free(t);
    free(priv);
    free(pub);
    free(priv2);
    free(pub2);
}
END_TEST

/* An HS256 token over a payload given as JSON text, into out. */
static void hs256_raw(const char *payload, char *out, size_t cap)
{
    static const char head[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char h[128], p[1024], sig[64];
    base64url_encode((const unsigned char *)head, strlen(head), h);
    base64url_encode((const unsigned char *)payload, strlen(payload), p);
    char signing[1200];
    snprintf(signing, sizeof(signing), "%s.%s", h, p);
    unsigned char mac[CRYPTO_SHA256_LEN];
    crypto_hmac_sha256(key, 32, signing, strlen(signing), mac);
    base64url_encode(mac, sizeof(mac), sig);
    snprintf(out, cap, "%s.%s", signing, sig);
}

START_TEST(iat_and_nbf_in_the_future_beyond_the_skew_are_refused)
{
    struct link_claims out;
    /* now = 1500; up to LINKTOKEN_SKEW_S (60 s) ahead is accepted. */
    struct link_claims c = claims(1560, 3000);
    char *t = linktoken_sign_hs256(key, &c);
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 1500, &out), LINKTOKEN_OK);
    free(t);
    c = claims(1561, 3000);
    t = linktoken_sign_hs256(key, &c);
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 1500, &out), LINKTOKEN_BAD);
    free(t);
    c = claims(1000 + 3600, 1000 + 7200);
    t = linktoken_sign_hs256(key, &c);
    ck_assert_int_eq(linktoken_verify_hs256(t, key, 1000, &out), LINKTOKEN_BAD);
    free(t);

    static const char base[] = "\"sub\":\"s\",\"iss\":\"acme\",\"aud\":\"https://a\","
                               "\"jti\":\"j\",\"iat\":1000,\"exp\":3000";
    struct {
        const char *nbf;
        enum linktoken_rc want;
    } cases[] = {
        {"", LINKTOKEN_OK},
        {",\"nbf\":1000", LINKTOKEN_OK},
        {",\"nbf\":1560", LINKTOKEN_OK},
        {",\"nbf\":1561", LINKTOKEN_BAD},
        {",\"nbf\":5100", LINKTOKEN_BAD},
        {",\"nbf\":\"soon\"", LINKTOKEN_BAD},
        {",\"nbf\":null", LINKTOKEN_BAD},
        {",\"nbf\":1500.5", LINKTOKEN_BAD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char payload[512], tok[2048];
        snprintf(payload, sizeof(payload), "{%s%s}", base, cases[i].nbf);
        hs256_raw(payload, tok, sizeof(tok));
        ck_assert_msg(linktoken_verify_hs256(tok, key, 1500, &out) == cases[i].want, "%s", payload);
    }
}
END_TEST

/* PEM text of key in the given form (malloc'd). */
static char *private_text(EVP_PKEY *k, bool pkcs1, bool encrypted)
{
    BIO *b = BIO_new(BIO_s_mem());
    const EVP_CIPHER *enc = encrypted ? EVP_aes_256_cbc() : NULL;
    unsigned char pass[] = "secret";
    if (pkcs1)
        ck_assert(PEM_write_bio_PrivateKey_traditional(b, k, enc, encrypted ? pass : NULL,
                                                       encrypted ? 6 : 0, NULL, NULL) == 1);
    else
        ck_assert(PEM_write_bio_PrivateKey(b, k, enc, encrypted ? pass : NULL, encrypted ? 6 : 0,
                                           NULL, NULL) == 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *out = strndup(p, (size_t)n);
    BIO_free(b);
    return out;
}

START_TEST(rs256_public_half_derived_from_the_private_key)
{
    EVP_PKEY *k = EVP_RSA_gen(1024);
    ck_assert_ptr_nonnull(k);
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PUBKEY(b, k) == 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *pub = strndup(p, (size_t)n);
    BIO_free(b);
    struct link_claims c = claims(1000, 2000), out;
    for (int pkcs1 = 0; pkcs1 <= 1; pkcs1++) {
        char *priv = private_text(k, pkcs1, false);
        ck_assert(strstr(priv, pkcs1 ? "BEGIN RSA PRIVATE KEY" : "BEGIN PRIVATE KEY"));
        char *derived = linktoken_rsa_public(priv);
        ck_assert_ptr_nonnull(derived);
        ck_assert_str_eq(derived, pub);
        ck_assert(!strstr(derived, "PRIVATE"));
        char *t = linktoken_sign_rs256(priv, &c);
        ck_assert_int_eq(linktoken_verify_rs256(t, derived, 1500, &out), LINKTOKEN_OK);
        free(t);
        free(derived);
        free(priv);
        /* A key with a passphrase is refused, never asked for. */
        priv = private_text(k, pkcs1, true);
        ck_assert_ptr_null(linktoken_rsa_public(priv));
        ck_assert_int_eq(linktoken_rsa_check(priv, NULL), RSA_CHECK_BAD_KEY);
        free(priv);
    }
    EVP_PKEY_free(k);
    free(pub);
    /* Too small, not RSA, not a key. */
    k = EVP_RSA_gen(512);
    char *small = private_text(k, false, false);
    ck_assert_ptr_null(linktoken_rsa_public(small));
    ck_assert_int_eq(linktoken_rsa_check(small, NULL), RSA_CHECK_BAD_KEY);
    free(small);
    EVP_PKEY_free(k);
    k = EVP_EC_gen("P-256");
    char *ec = private_text(k, false, false);
    ck_assert_ptr_null(linktoken_rsa_public(ec));
    free(ec);
    EVP_PKEY_free(k);
    ck_assert_ptr_null(linktoken_rsa_public("not a key"));
    ck_assert_ptr_null(linktoken_rsa_public(""));
}
END_TEST

Suite *linktoken_suite(void)
{
    Suite *s = suite_create("crypto/linktoken");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, hs256_round_trip_and_claims);
    tcase_add_test(tc, malformed_tokens);
    tcase_add_test(tc, rs256_with_registered_key_only);
    tcase_add_test(tc, rs256_public_half_derived_from_the_private_key);
    tcase_add_test(tc, iat_and_nbf_in_the_future_beyond_the_skew_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
