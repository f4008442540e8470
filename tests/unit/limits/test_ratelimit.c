#include "suites.h"
#include "limits/ratelimit.h"

START_TEST(window_counts_and_resets)
{
    struct ratelimit *rl = ratelimit_new(3, 1000, 0);
    struct rl_result r;
    for (int i = 1; i <= 3; i++) {
        ratelimit_hit(rl, 7, 10000 + i, &r);
        ck_assert(!r.limited);
        ck_assert_int_eq(r.count, i);
        ck_assert_int_eq(r.remaining, 3 - i);
    }
    ratelimit_hit(rl, 7, 10500, &r);
    ck_assert(r.limited);
    ck_assert_int_eq(r.count, 3);
    ck_assert_int_eq(r.reset_ms, 10001 + 1000 - 10500);
    /* Another profile has its own window. */
    ratelimit_hit(rl, 8, 10500, &r);
    ck_assert(!r.limited);
    /* The window ends, the profile may go again. */
    ratelimit_hit(rl, 7, 11001, &r);
    ck_assert(!r.limited);
    ck_assert_int_eq(r.count, 1);
    ratelimit_free(rl);
}
END_TEST

START_TEST(suspend_after_errors_in_a_day)
{
    const int64_t day = 24 * 3600 * 1000LL;
    struct ratelimit *rl = ratelimit_new(1, 1000, 3);
    struct rl_result r;
    ratelimit_hit(rl, 1, 5000, &r);
    ck_assert(!r.limited);
    /* refusals 1 and 2: no suspension; 3: once; 4: not again */
    for (int i = 1; i <= 4; i++) {
        ratelimit_hit(rl, 1, 5000 + i, &r);
        ck_assert(r.limited);
        ck_assert(r.suspend == (i == 3));
    }
    /* a day after the first refusal the count starts again, across sweeps */
    struct rl_result q;
    for (int64_t p = 100; p < 5000; p++)
        ratelimit_hit(rl, p, 5000 + day / 2, &q);
    ratelimit_hit(rl, 2, 5000 + day / 2, &r);
    ratelimit_hit(rl, 2, 5000 + day / 2, &r); /* profile 2: one refusal */
    ck_assert(r.limited && !r.suspend);
    ratelimit_hit(rl, 1, 5001 + day, &r); /* a new window: passes */
    ck_assert(!r.limited);
    for (int i = 1; i <= 3; i++) {
        ratelimit_hit(rl, 1, 5001 + day + i, &r);
        ck_assert(r.limited);
        ck_assert(r.suspend == (i == 3));
    }
    ratelimit_free(rl);
}
END_TEST

START_TEST(many_profiles_swept)
{
    struct ratelimit *rl = ratelimit_new(10, 100, 0);
    struct rl_result r;
    for (int64_t p = 0; p < 100000; p++)
        ratelimit_hit(rl, p, p / 10, &r);
    ratelimit_hit(rl, 5, 100000, &r);
    ck_assert(!r.limited);
    ratelimit_free(rl);
}
END_TEST

Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("limits/ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, window_counts_and_resets);
    tcase_add_test(tc, suspend_after_errors_in_a_day);
    tcase_add_test(tc, many_profiles_swept);
    suite_add_tcase(s, tc);
    return s;
}
