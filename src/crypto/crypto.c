/*
 * crypto: OpenSSL-backed primitives (see crypto.h).
 */
#include "crypto/crypto.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crypto_random(void *buf, size_t n)
{
    if (n > (size_t)0x7fffffff || RAND_bytes(buf, (int)n) != 1) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"RAND_bytes failed\"}\n");
        abort();
    }
}

uint64_t crypto_random_u64(void)
{
    uint64_t v;
    crypto_random(&v, sizeof(v));
    return v;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Every request hashes its keys: OpenSSL 3's SHA256() looks the algorithm
 * up in the providers on each call, which costs more than the hash of a
 * key. It is fetched once. */
void crypto_sha256(const void *data, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
    pthread_once(&sha256_once, sha256_fetch);
    if (!sha256_md || !EVP_Digest(data, n, out, NULL, sha256_md, NULL))
        SHA256(data, n, out);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                        unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned int len = CRYPTO_SHA256_LEN;
    if (keylen > (size_t)0x7fffffff || !HMAC(EVP_sha256(), key, (int)keylen, data, n, out, &len)) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"HMAC failed\"}\n");
        abort();
    }
}

void crypto_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool crypto_unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = str_hexval(s[2 * i]), lo = str_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

bool crypto_ct_eq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_key_new(char *out)
{
    /* Crockford base32: no I, L, O, U, so keys survive being read aloud. */
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char raw[35];
    crypto_random(raw, sizeof(raw));
    size_t o = 0, bits = 0;
    unsigned acc = 0;
    int chars = 0;
    for (size_t i = 0; i < sizeof(raw); i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (chars && chars % 7 == 0)
                out[o++] = '-';
            out[o++] = alphabet[(acc >> bits) & 31u];
            chars++;
        }
        acc &= (1u << bits) - 1u;
    }
    out[o] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));
}

void crypto_refid_new(char *out)
{
    unsigned char raw[CRYPTO_REFID_LEN / 2];
    crypto_random(raw, sizeof(raw));
    crypto_hex(raw, sizeof(raw), out);
}
