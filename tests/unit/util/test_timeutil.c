#include "suites.h"
#include "util/timeutil.h"

START_TEST(iso_formats)
{
    char out[32];
    time_iso_ms(1668442729110LL, out, sizeof(out));
    ck_assert_str_eq(out, "2022-11-14T16:18:49.110Z");
    time_iso_s(1667351022814LL, out, sizeof(out));
    ck_assert_str_eq(out, "2022-11-02T01:03:42Z");
    time_iso_ms(0, out, sizeof(out));
    ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST(iso_parse)
{
    int64_t ms;
    ck_assert(time_parse_iso("2022-11-14T16:18:49.110Z", &ms));
    ck_assert_int_eq(ms, 1668442729110LL);
    ck_assert(time_parse_iso("2022-11-14T17:18:49+01:00", &ms));
    ck_assert_int_eq(ms, 1668442729000LL);
    ck_assert(!time_parse_iso("2022-11-14 16:18:49Z", &ms));
    ck_assert(!time_parse_iso("2022-13-14T16:18:49Z", &ms));
    ck_assert(!time_parse_iso("2022-11-14T16:18:49", &ms));
    ck_assert(!time_parse_iso("2022-11-14T16:18:49Zjunk", &ms));
}
END_TEST

START_TEST(months)
{
    char m[8];
    time_month_key(1668442729110LL, m, sizeof(m));
    ck_assert_str_eq(m, "2022-11");
    char out[32];
    time_iso_s(time_next_month_ms(1668442729110LL), out, sizeof(out));
    ck_assert_str_eq(out, "2022-12-01T00:00:00Z");
    /* December rolls into January of the next year. */
    ck_assert(time_parse_iso("2022-12-31T23:59:59Z", &(int64_t){0}));
    int64_t dec;
    time_parse_iso("2022-12-31T23:59:59Z", &dec);
    time_iso_s(time_next_month_ms(dec), out, sizeof(out));
    ck_assert_str_eq(out, "2023-01-01T00:00:00Z");
}
END_TEST

Suite *timeutil_suite(void)
{
    Suite *s = suite_create("util/timeutil");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, iso_formats);
    tcase_add_test(tc, iso_parse);
    tcase_add_test(tc, months);
    suite_add_tcase(s, tc);
    return s;
}
