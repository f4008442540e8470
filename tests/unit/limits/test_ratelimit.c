#include "store/accounts.h"
#include "store/store.h"
#include "suites.h"
#include "crypto/crypto.h"
#include "limits/ratelimit.h"
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

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

/* Shared windows: three limiters on three handles of one database (three
 * "processes"), eight threads each hammering one profile, admit exactly
 * the limit between them, and report the suspension exactly once. */
static struct ut_store sut;

struct hammer {
    struct ratelimit *rl;
    int64_t pid;
    atomic_long *admitted, *suspended;
};

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < 60; i++) {
        struct rl_result r;
        ratelimit_hit(h->rl, h->pid, 1000000, &r);
        if (!r.limited)
            atomic_fetch_add(h->admitted, 1);
        if (r.suspend)
            atomic_fetch_add(h->suspended, 1);
    }
    return NULL;
}

START_TEST(shared_windows_are_exact_across_processes)
{
    struct store *st = ut_store_open(&sut);
    unsigned char kh[32];
    crypto_sha256("rl", 2, kh);
    int64_t aid;
    ck_assert_int_eq(store_account_create(st, "rl@example.com", "free", kh,
                                          "5555555555555555555555555555555555555555", 1, &aid),
                     STORE_OK);
    struct account acct;
    struct arena *a = arena_new();
    ck_assert_int_eq(store_auth(st, a, kh, &acct), STORE_OK);
    int64_t pid = acct.primary_profile_id;
    arena_free(a);
    struct store *handles[3] = {st, ut_store_another(&sut), ut_store_another(&sut)};
    struct ratelimit *rls[3];
    for (int i = 0; i < 3; i++)
        rls[i] = ratelimit_new_shared(handles[i], 97, 60000, 500);
    atomic_long admitted = 0, suspended = 0;
    pthread_t th[24];
    struct hammer hs[24];
    for (int i = 0; i < 24; i++) {
        hs[i] = (struct hammer){rls[i % 3], pid, &admitted, &suspended};
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, &hs[i]), 0);
    }
    for (int i = 0; i < 24; i++)
        pthread_join(th[i], NULL);
    /* 1,440 requests: 97 admitted, 1,343 refused; the 500th refusal
     * suspends, once. */
    ck_assert_int_eq(atomic_load(&admitted), 97);
    ck_assert_int_eq(atomic_load(&suspended), 1);
    for (int i = 0; i < 3; i++)
        ratelimit_free(rls[i]);
    store_close(handles[1]);
    store_close(handles[2]);
    ut_store_close(&sut);
}
END_TEST

Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("limits/ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, window_counts_and_resets);
    tcase_add_test(tc, suspend_after_errors_in_a_day);
    tcase_add_test(tc, many_profiles_swept);
    tcase_add_test(tc, shared_windows_are_exact_across_processes);
    suite_add_tcase(s, tc);
    return s;
}
