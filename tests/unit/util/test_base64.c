#include "suites.h"
#include "util/base64.h"

#include <string.h>

START_TEST(rfc4648_vectors_url_safe)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char enc[16];
        base64url_encode((const unsigned char *)in[i], strlen(in[i]), enc);
        ck_assert_str_eq(enc, out[i]);
        ck_assert_uint_eq(base64url_len(strlen(in[i])), strlen(out[i]));
        unsigned char dec[16];
        size_t n;
        ck_assert(base64url_decode(out[i], dec, sizeof(dec), &n));
        ck_assert_uint_eq(n, strlen(in[i]));
        ck_assert(memcmp(dec, in[i], n) == 0);
    }
    unsigned char bin[3] = {0xfb, 0xff, 0xfe};
    char enc[8];
    base64url_encode(bin, 3, enc);
    ck_assert_str_eq(enc, "-__-");
}
END_TEST

START_TEST(rejects_bad_input)
{
    unsigned char dec[16];
    size_t n;
    ck_assert(!base64url_decode("Zm9v+", dec, sizeof(dec), &n));  /* not url-safe */
    ck_assert(!base64url_decode("Zm9v=", dec, sizeof(dec), &n));  /* padding */
    ck_assert(!base64url_decode("Z", dec, sizeof(dec), &n));      /* impossible length */
    ck_assert(!base64url_decode("Zh", dec, sizeof(dec), &n));     /* non-zero leftover bits */
    ck_assert(!base64url_decode("Zm9vYmFyZm9vYmFy", dec, 4, &n)); /* too long for out */
}
END_TEST

Suite *base64_suite(void)
{
    Suite *s = suite_create("util/base64");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc4648_vectors_url_safe);
    tcase_add_test(tc, rejects_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
