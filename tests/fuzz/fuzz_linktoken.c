/* The linking URL's jwt parameter: peek, HS256 and RS256 verification. */
#include "fuzz.h"
#include "crypto/linktoken.h"

#include <stdlib.h>
#include <string.h>

/* A 1024-bit public key: its modulus is all the verifier needs. */
static const char pub[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCc9GA9iEG+O14Q4Cgy8T76IFH\n"
                          "gyO2VwfGrhqkC6snbw82tE/tvTykbQTpCA/bo110ZDzao4JqhEDbKThR7yrUlYUl\n"
                          "ildrm2fMYNquQC4P9es6zTAGm47ar9+JNNzxKh1nDKuNzKyOA/89lQxPfIqutZSU\n"
                          "ax3Nkihek64HYpWjgQIDAQAB\n"
                          "-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    t[size] = '\0';
    static const unsigned char key[32] = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-f";
    struct link_claims c;
    linktoken_peek(t, &c);
    linktoken_verify_hs256(t, key, 1700000000, &c);
    linktoken_verify_rs256(t, pub, 1700000000, &c);
    free(t);
    return 0;
}
