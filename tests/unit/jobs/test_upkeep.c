#include "suites.h"
#include "api/live.h"
#include "jobs/batch.h"
#include "ops/ops.h"
#include "util/timeutil.h"

START_TEST(refresh_at_80_percent)
{
    /* an hour's token issued at 0: renewed at 48 minutes */
    ck_assert_int_eq(ops_refresh_at(0, 3600000), 2880000);
    ck_assert_int_eq(ops_refresh_at(1000, 6000), 5000);
    /* expired or nonsense lifetimes: at once (the earlier time) */
    ck_assert_int_eq(ops_refresh_at(5000, 5000), 5000);
    ck_assert_int_eq(ops_refresh_at(5000, 1000), 1000);
    /* long lives do not overflow */
    int64_t year = 365 * MS_PER_DAY;
    ck_assert_int_eq(ops_refresh_at(1700000000000LL, 1700000000000LL + year),
                     1700000000000LL + year / 5 * 4);
}
END_TEST

START_TEST(batch_retry_backs_off)
{
    /* 30 s, doubling per failed attempt, at most 15 minutes */
    ck_assert_int_eq(batch_retry_delay_ms(0), 30000);
    ck_assert_int_eq(batch_retry_delay_ms(1), 30000);
    ck_assert_int_eq(batch_retry_delay_ms(2), 60000);
    ck_assert_int_eq(batch_retry_delay_ms(3), 120000);
    ck_assert_int_eq(batch_retry_delay_ms(5), 480000);
    ck_assert_int_eq(batch_retry_delay_ms(6), 900000);
    ck_assert_int_eq(batch_retry_delay_ms(1000000), 900000);
}
END_TEST

START_TEST(remind_15_days_before)
{
    int64_t linked = 1700000000000LL;
    /* link time + 365 days, 15 days before */
    ck_assert_int_eq(ops_remind_at(linked, 0), linked + 350 * MS_PER_DAY);
    /* a refresh token that ends sooner sets the deadline */
    ck_assert_int_eq(ops_remind_at(linked, linked + 60 * MS_PER_DAY), linked + 45 * MS_PER_DAY);
    /* one that ends later does not */
    ck_assert_int_eq(ops_remind_at(linked, linked + 400 * MS_PER_DAY), linked + 350 * MS_PER_DAY);
}
END_TEST

START_TEST(x_reset_date)
{
    char d[11];
    /* 2024-01-04: reset day 12 is later this month */
    live_reset_date(1704383477775LL, 12, d);
    ck_assert_str_eq(d, "2024-01-12");
    /* on the reset day itself: next month's */
    live_reset_date(1704383477775LL, 4, d);
    ck_assert_str_eq(d, "2024-02-04");
    /* day 2 already passed: February */
    live_reset_date(1704383477775LL, 2, d);
    ck_assert_str_eq(d, "2024-02-02");
    /* 2024-01-31 with day 31 passed: February has 29 days (leap year) */
    live_reset_date(1706659200000LL, 31, d);
    ck_assert_str_eq(d, "2024-02-29");
    /* December rolls into the next year */
    live_reset_date(1734048000000LL, 1, d); /* 2024-12-13 */
    ck_assert_str_eq(d, "2025-01-01");
}
END_TEST

Suite *upkeep_suite(void)
{
    Suite *s = suite_create("jobs/upkeep");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, refresh_at_80_percent);
    tcase_add_test(tc, batch_retry_backs_off);
    tcase_add_test(tc, remind_15_days_before);
    tcase_add_test(tc, x_reset_date);
    suite_add_tcase(s, tc);
    return s;
}
