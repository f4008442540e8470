#include "store/accounts.h"
#include "store/usage.h"
#include "suites.h"
#include "crypto/crypto.h"
#include "limits/usage.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ut_store ut;

static struct store *fresh(int64_t *pid)
{
    struct store *st = ut_store_open(&ut);
    unsigned char kh[32];
    crypto_sha256("k", 1, kh);
    int64_t aid;
    store_account_create(st, "u@example.com", "free", kh,
                         "1111111111111111111111111111111111111111", 1, &aid);
    struct arena *a = arena_new();
    struct account acct;
    store_auth(st, a, kh, &acct);
    *pid = acct.primary_profile_id;
    arena_free(a);
    return st;
}

static void cleanup(struct store *st)
{
    (void)st;
    ut_store_close(&ut);
}

START_TEST(counts_flush_into_store)
{
    int64_t pid, calls, stored;
    struct store *st = fresh(&pid);
    struct usage *u = usage_new(st, 60000);
    for (int i = 1; i <= 5; i++) {
        ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, true, &calls), USAGE_COUNTED);
        ck_assert_int_eq(calls, i);
    }
    ck_assert_int_eq(usage_count(u, pid, "2026-10", -1, true, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 1);
    store_usage_get(st, pid, "2026-11", &stored);
    ck_assert_int_eq(stored, 0); /* not flushed yet */
    usage_flush(u);
    store_usage_get(st, pid, "2026-11", &stored);
    ck_assert_int_eq(stored, 5);
    /* After the flush the total is the same: nothing counted twice. */
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 5);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, true, &calls), USAGE_COUNTED);
    usage_free(u); /* final flush */
    store_usage_get(st, pid, "2026-11", &stored);
    ck_assert_int_eq(stored, 6);
    cleanup(st);
}
END_TEST

START_TEST(quota_is_exact_and_sees_other_writers)
{
    int64_t pid, calls;
    struct store *st = fresh(&pid);
    /* Another process already stored 3 calls. */
    struct usage_delta d = {pid, "2026-11", 3, 0};
    store_usage_add(st, &d, 1);
    struct usage *u = usage_new(st, 60000);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", 5, true, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 4);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", 5, true, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 5);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", 5, true, &calls), USAGE_OVER_QUOTA);
    ck_assert_int_eq(calls, 5);
    /* A flush learns the other writers' new calls from the store. */
    struct usage_delta d2 = {pid, "2026-12", 0, 0};
    (void)d2;
    usage_flush(u);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 5);
    usage_free(u);
    cleanup(st);
}
END_TEST

/* A primed total is used as if read; one primed after a flush settled is
 * not (it may be older than that flush). */
START_TEST(priming_takes_only_an_unseen_counter_under_its_generation)
{
    int64_t pid, calls;
    struct store *st = fresh(&pid);
    struct usage_delta d = {pid, "2026-11", 3, 0};
    store_usage_add(st, &d, 1);
    struct usage *u = usage_new(st, 60000);
    uint64_t gen = usage_generation(u);
    /* 7, not the store's 3: the count comes from the primed total. */
    usage_prime(u, gen, pid, "2026-11", 7);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, true, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 8);
    /* A counter already in memory is never replaced. */
    usage_prime(u, gen, pid, "2026-11", 100);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 8);
    /* After a flush settled, an older generation primes nothing: the
     * month's total is read from the store (3). */
    usage_flush(u);
    ck_assert_uint_ne(usage_generation(u), gen);
    usage_prime(u, gen, pid, "2026-10", 50);
    ck_assert_int_eq(usage_count(u, pid, "2026-10", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 0);
    usage_free(u);
    cleanup(st);
}
END_TEST

/* A total older than 5 s (and than the flush interval) is answered from
 * memory and re-read in the background, which then sees another writer's
 * calls. */
START_TEST(stale_totals_are_reread_in_the_background)
{
    int64_t pid, calls;
    struct store *st = fresh(&pid);
    struct usage_delta d = {pid, "2026-11", 3, 0};
    store_usage_add(st, &d, 1);
    /* Flushes every 4 s (nothing of this counter's is pending at the first
     * one): totals are trusted for 5 s. */
    struct usage *u = usage_new(st, 4000);
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 3);
    struct usage_delta other = {pid, "2026-11", 10, 0}; /* another process's flush */
    store_usage_add(st, &other, 1);
    usleep(5200 * 1000); /* past the 5 s a stored total is trusted */
    ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, true, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 4); /* the known total, not a read */
    /* Well before the next flush (at 8 s) could learn it. */
    for (int i = 0; i < 150 && calls != 14; i++) {
        usleep(10 * 1000);
        ck_assert_int_eq(usage_count(u, pid, "2026-11", -1, false, &calls), USAGE_COUNTED);
    }
    ck_assert_int_eq(calls, 14); /* 13 stored and this process's 1 */
    usage_free(u);
    cleanup(st);
}
END_TEST

/* A flush of more counters than one transaction takes writes them all,
 * in several, and learns every total. */
START_TEST(a_large_flush_spans_transactions)
{
    int64_t pid, calls;
    struct store *st = fresh(&pid);
    struct usage *u = usage_new(st, 60000);
    const int64_t n = 5000; /* more than two FLUSH_CHUNKs */
    for (int64_t i = 0; i < n; i++) {
        ck_assert_int_eq(usage_count(u, 1000000 + i, "2026-11", -1, true, &calls), USAGE_COUNTED);
        if (i % 3 == 0)
            ck_assert_int_eq(usage_count(u, 1000000 + i, "2026-11", -1, true, &calls),
                             USAGE_COUNTED);
    }
    usage_flush(u);
    for (int64_t i = 0; i < n; i += 499) {
        int64_t stored = -1;
        ck_assert_int_eq(store_usage_get(st, 1000000 + i, "2026-11", &stored), STORE_OK);
        ck_assert_int_eq(stored, i % 3 == 0 ? 2 : 1);
        /* Memory agrees, counting nothing twice. */
        ck_assert_int_eq(usage_count(u, 1000000 + i, "2026-11", -1, false, &calls), USAGE_COUNTED);
        ck_assert_int_eq(calls, stored);
    }
    usage_free(u);
    cleanup(st);
}
END_TEST

/* The flusher's pass is paced, a transaction a second: calls counted while
 * it runs, to counters it has written and to counters it has not reached,
 * are all kept, once; usage_flush cuts the pacing short. */
START_TEST(a_paced_pass_keeps_calls_counted_meanwhile)
{
    int64_t pid, calls, stored;
    struct store *st = fresh(&pid);
    struct usage *u = usage_new(st, 4000); /* two transactions, a second apart */
    const int64_t n = 5000, first = 2000000, last = 2000000 + 4999;
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(usage_count(u, first + i, "2026-11", -1, true, &calls), USAGE_COUNTED);
    /* Wait for the pass's first transaction (the low half of the keys). */
    stored = 0;
    for (int i = 0; i < 400 && stored == 0; i++) {
        usleep(25000);
        ck_assert_int_eq(store_usage_get(st, first, "2026-11", &stored), STORE_OK);
    }
    ck_assert_int_eq(stored, 1);
    /* The pass now waits a second before its last transaction. */
    ck_assert_int_eq(store_usage_get(st, last, "2026-11", &stored), STORE_OK);
    ck_assert_int_eq(stored, 0);
    for (int j = 0; j < 3; j++) {
        ck_assert_int_eq(usage_count(u, first, "2026-11", -1, true, &calls), USAGE_COUNTED);
        ck_assert_int_eq(usage_count(u, last, "2026-11", -1, true, &calls), USAGE_COUNTED);
    }
    ck_assert_int_eq(calls, 4);
    usage_flush(u);
    ck_assert_int_eq(store_usage_get(st, first, "2026-11", &stored), STORE_OK);
    ck_assert_int_eq(stored, 4);
    ck_assert_int_eq(store_usage_get(st, last, "2026-11", &stored), STORE_OK);
    ck_assert_int_eq(stored, 4);
    ck_assert_int_eq(store_usage_get(st, first + 2500, "2026-11", &stored), STORE_OK);
    ck_assert_int_eq(stored, 1);
    ck_assert_int_eq(usage_count(u, last, "2026-11", -1, false, &calls), USAGE_COUNTED);
    ck_assert_int_eq(calls, 4);
    usage_free(u);
    cleanup(st);
}
END_TEST

/* PostgreSQL (many processes): three meters on three handles of one
 * database count exactly the quota between them; the next call is refused
 * wherever it arrives. (On SQLite one process counts in memory: skipped.) */
START_TEST(a_quota_is_exact_across_processes)
{
    if (!getenv("SOCIALD_TEST_PG"))
        return;
    int64_t pid, calls;
    struct store *st = fresh(&pid);
    struct store *h2 = ut_store_another(&ut), *h3 = ut_store_another(&ut);
    struct usage *us[3] = {usage_new(st, 60000), usage_new(h2, 60000), usage_new(h3, 60000)};
    int counted = 0, refused = 0;
    for (int i = 0; i < 300; i++) {
        enum usage_rc rc = usage_count(us[i % 3], pid, "2026-11", 205, true, &calls);
        ck_assert_int_ne(rc, USAGE_ERROR);
        counted += rc == USAGE_COUNTED;
        refused += rc == USAGE_OVER_QUOTA;
    }
    ck_assert_int_eq(counted, 205);
    ck_assert_int_eq(refused, 95);
    for (int i = 0; i < 3; i++)
        usage_free(us[i]);
    int64_t stored = 0;
    ck_assert_int_eq(store_usage_get(st, pid, "2026-11", &stored), STORE_OK);
    ck_assert_int_eq(stored, 205); /* leased calls were all used, none flushed twice */
    store_close(h2);
    store_close(h3);
    cleanup(st);
}
END_TEST

Suite *usage_suite(void)
{
    Suite *s = suite_create("limits/usage");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, counts_flush_into_store);
    tcase_add_test(tc, quota_is_exact_and_sees_other_writers);
    tcase_add_test(tc, priming_takes_only_an_unseen_counter_under_its_generation);
    tcase_add_test(tc, stale_totals_are_reread_in_the_background);
    tcase_add_test(tc, a_large_flush_spans_transactions);
    tcase_add_test(tc, a_paced_pass_keeps_calls_counted_meanwhile);
    tcase_add_test(tc, a_quota_is_exact_across_processes);
    suite_add_tcase(s, tc);
    return s;
}
