#include "suites.h"
#include "crypto/crypto.h"

#include <string.h>

START_TEST(keys_have_shape_and_differ)
{
    char a[CRYPTO_KEY_LEN + 1], b[CRYPTO_KEY_LEN + 1];
    crypto_key_new(a);
    crypto_key_new(b);
    ck_assert_uint_eq(strlen(a), CRYPTO_KEY_LEN);
    ck_assert_str_ne(a, b);
    for (int i = 0; i < CRYPTO_KEY_LEN; i++) {
        if (i % 8 == 7)
            ck_assert_int_eq(a[i], '-');
        else
            ck_assert(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", a[i]) != NULL);
    }
}
END_TEST

START_TEST(refid_is_40_hex)
{
    char r[CRYPTO_REFID_LEN + 1];
    crypto_refid_new(r);
    ck_assert_uint_eq(strlen(r), 40);
    for (int i = 0; i < 40; i++)
        ck_assert(strchr("0123456789abcdef", r[i]) != NULL);
}
END_TEST

START_TEST(sha256_and_hmac_vectors)
{
    unsigned char h[32];
    char hex[65];
    crypto_sha256("abc", 3, h);
    crypto_hex(h, 32, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2 */
    crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
    crypto_hex(h, 32, hex);
    ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(hex_roundtrip_and_compare)
{
    unsigned char in[4] = {0xde, 0xad, 0xbe, 0xef}, out[4];
    char hex[9];
    crypto_hex(in, 4, hex);
    ck_assert_str_eq(hex, "deadbeef");
    ck_assert(crypto_unhex("DEADbeef", out, 4));
    ck_assert(crypto_ct_eq(in, out, 4));
    ck_assert(!crypto_unhex("deadbee", out, 4));
    ck_assert(!crypto_unhex("deadbeeg", out, 4));
    out[3] ^= 1;
    ck_assert(!crypto_ct_eq(in, out, 4));
}
END_TEST

Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, keys_have_shape_and_differ);
    tcase_add_test(tc, refid_is_40_hex);
    tcase_add_test(tc, sha256_and_hmac_vectors);
    tcase_add_test(tc, hex_roundtrip_and_compare);
    suite_add_tcase(s, tc);
    return s;
}
