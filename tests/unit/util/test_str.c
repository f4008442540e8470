#include "suites.h"
#include "util/str.h"

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

Suite *str_suite(void)
{
    Suite *s = suite_create("util/str");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, trim);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, copy_truncates);
    suite_add_tcase(s, tc);
    return s;
}
