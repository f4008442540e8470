#include "suites.h"
#include "util/str.h"

#include <stdlib.h>

START_TEST(trim)
{
    struct slice s = str_trim("  \tkey value \t ");
    ck_assert(str_eq(s, "key value"));
    ck_assert(str_eq(str_trim(""), ""));
    ck_assert(str_eq(str_trim("   "), ""));
    ck_assert(str_eq(str_trim(" \n\r\t\v\f "), ""));
    ck_assert(str_eq(str_trim("\nx\r\n"), "x"));
    ck_assert(str_ieq(str_trim(" ABC "), "abc"));
}
END_TEST

START_TEST(integers)
{
    int64_t v;
    ck_assert(str_to_i64("42", 0, 100, &v) && v == 42);
    ck_assert(str_to_i64("-5", -10, 10, &v) && v == -5);
    ck_assert(!str_to_i64("101", 0, 100, &v));
    ck_assert(!str_to_i64("4x", 0, 100, &v));
    ck_assert(!str_to_i64("", 0, 100, &v));
    ck_assert(!str_to_i64(" 4", 0, 100, &v));
    ck_assert(!str_to_i64("99999999999999999999", 0, INT64_MAX, &v));
}
END_TEST

START_TEST(booleans)
{
    bool b;
    ck_assert(str_to_bool("TRUE", &b) && b);
    ck_assert(str_to_bool("1", &b) && b);
    ck_assert(str_to_bool("False", &b) && !b);
    ck_assert(str_to_bool("0", &b) && !b);
    ck_assert(!str_to_bool("yes", &b));
    ck_assert(!str_to_bool("", &b));
}
END_TEST

START_TEST(copy_truncates)
{
    char small[4];
    ck_assert(!str_copy(small, sizeof(small), "abcdef"));
    ck_assert_str_eq(small, "abc");
    ck_assert(str_copy(small, sizeof(small), "ab"));
    ck_assert_str_eq(small, "ab");
}
END_TEST

START_TEST(utf8_fixed)
{
    ck_assert_ptr_null(str_utf8_fixed("plain ascii"));
    ck_assert_ptr_null(str_utf8_fixed("caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC"));
    const char *bad[][2] = {
        {"\xFF", "\xEF\xBF\xBD"},
        {"a\xC0\xAF"
         "b",
         "a\xEF\xBF\xBD\xEF\xBF\xBD"
         "b"},                                                    /* overlong slash */
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* a surrogate */
        {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"ok\xE2\x82", "ok\xEF\xBF\xBD\xEF\xBF\xBD"}, /* cut short */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *f = str_utf8_fixed(bad[i][0]);
        ck_assert_ptr_nonnull(f);
        ck_assert_str_eq(f, bad[i][1]);
        ck_assert_ptr_null(str_utf8_fixed(f));
        free(f);
    }
}
END_TEST

Suite *str_suite(void)
{
    Suite *s = suite_create("util/str");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, trim);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, copy_truncates);
    tcase_add_test(tc, utf8_fixed);
    suite_add_tcase(s, tc);
    return s;
}
