/*
 * store/batch: the scan behind a batch export (store_batch_scan), on SQLite
 * or, with SOCIALD_TEST_PG, PostgreSQL, where it reads through a cursor a
 * batch of rows at a time (postgres.c FETCH_ROWS, 1,000): the account here
 * has 2,200 rows, so the scan crosses two batch boundaries, one of them
 * inside a profile's accounts.
 */
#include "crypto/crypto.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/batch.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "store/usage.h"
#include "suites.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define PROFILES 1000 /* profile i has i % 5 accounts: 2,000 rows, and 200 of NULLs */
#define MONTH    "2026-03"

static struct ut_store ut;
static int64_t account_id;
static int64_t ids[PROFILES];   /* profile i's id */
static int64_t order[PROFILES]; /* the ids in creation order, as the scan gives them */

/* Profile i's k-th account, in platform order: distinct per profile. */
static const char *platform_of(int i, int k)
{
    return platform_name(k * 2 + (i & 1));
}

/* Profile i is created at a time out of its id's order (389 is prime to
 * PROFILES), so that the scan's order is its own. */
static int64_t created_of(int i)
{
    return 1000 + (int64_t)((i * 389) % PROFILES);
}

static void seed(struct store *st)
{
    unsigned char kh[STORE_HASH_LEN];
    crypto_sha256("api", 3, kh);
    ck_assert_int_eq(store_account_create(st, "b@example.com", "business", kh,
                                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1,
                                          &account_id),
                     STORE_OK);
    struct arena *a = arena_new();
    ck_assert_int_eq(store_begin(st), STORE_OK);
    for (int i = 0; i < PROFILES; i++) {
        char title[16], key[16], ref[STORE_REFID_LEN + 1];
        snprintf(title, sizeof(title), "p%d", i);
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(ref, sizeof(ref), "%040x", i + 1);
        crypto_sha256(key, strlen(key), kh);
        ck_assert_int_eq(
            store_profile_create(st, account_id, title, kh, ref, NULL, created_of(i), &ids[i]),
            STORE_OK);
        order[created_of(i) - 1000] = ids[i];
        struct linked_account la[5];
        struct linked_secret sec[5];
        int n = i % 5;
        for (int k = 0; k < n; k++) {
            la[k] = (struct linked_account){.profile_id = ids[i],
                                            .platform = platform_of(i, k),
                                            .disp.display_name = arena_printf(a, "n%d.%d", i, k),
                                            .linked_ms = 5};
            sec[k] = (struct linked_secret){.linked_ms = 5};
        }
        ck_assert_int_eq(store_linked_insert(st, la, sec, (size_t)n), STORE_OK);
        if (i % 7 == 0) {
            struct usage_delta d = {ids[i], MONTH, i + 1, 0};
            ck_assert_int_eq(store_usage_add(st, &d, 1), STORE_OK);
        }
    }
    ck_assert_int_eq(store_commit(st), STORE_OK);
    arena_free(a);
}

/* What a scan should give, and what it gave. */
struct scan {
    struct store *st;
    int64_t want[PROFILES + 1]; /* ids, in order */
    int nwant;
    int n;                  /* profiles given so far */
    int stop_at;            /* return false after this many (0: never) */
    int64_t renamed, added; /* the profile titled "renamed" / "added" (0: none) */
    bool change;            /* at the first profile, change what is yet to be read */
};

static void expect_all(struct scan *s, struct store *st)
{
    *s = (struct scan){.st = st, .nwant = PROFILES};
    memcpy(s->want, order, sizeof(order));
}

static int index_of(int64_t id)
{
    for (int i = 0; i < PROFILES; i++)
        if (ids[i] == id)
            return i;
    ck_abort_msg("profile %lld was not seeded", (long long)id);
    return -1;
}

/* On the thread's own connection, while the scan's (another) is open: the
 * last profile renamed, the one before it deleted, one added after both. */
static void change(struct store *st)
{
    struct profile_update u = {.set_title = true, .title = "renamed"};
    const char *conflict = NULL;
    ck_assert_int_eq(store_profile_update(st, order[PROFILES - 1], &u, &conflict), STORE_OK);
    ck_assert_int_eq(store_profile_delete(st, order[PROFILES - 2], "api", 9000), STORE_OK);
    unsigned char kh[STORE_HASH_LEN];
    crypto_sha256("added", 5, kh);
    ck_assert_int_eq(store_profile_create(st, account_id, "added", kh,
                                          "ffffffffffffffffffffffffffffffffffffffff", NULL, 9000,
                                          NULL),
                     STORE_OK);
}

static bool check(void *arg, const struct profile *p, const struct linked_account *la, size_t n,
                  int64_t calls)
{
    struct scan *s = arg;
    ck_assert_int_lt(s->n, s->nwant);
    ck_assert_int_eq(p->id, s->want[s->n]);
    ck_assert_int_eq(p->account_id, account_id);
    ck_assert(!p->is_primary);
    s->n++;
    if (p->id == s->added) {
        ck_assert_str_eq(p->title, "added");
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(calls, 0);
        return true;
    }
    int i = index_of(p->id);
    char want[16];
    snprintf(want, sizeof(want), "p%d", i);
    ck_assert_str_eq(p->title, p->id == s->renamed ? "renamed" : want);
    ck_assert_uint_eq(n, (size_t)(i % 5));
    for (size_t k = 0; k < n; k++) {
        ck_assert_int_eq(la[k].profile_id, p->id);
        ck_assert_str_eq(la[k].platform, platform_of(i, (int)k));
        snprintf(want, sizeof(want), "n%d.%d", i, (int)k);
        ck_assert_str_eq(la[k].disp.display_name, want);
    }
    ck_assert_int_eq(calls, i % 7 == 0 ? i + 1 : 0);
    if (s->change && s->n == 1)
        change(s->st);
    return !s->stop_at || s->n < s->stop_at;
}

START_TEST(scan_gives_every_profile_once_in_order)
{
    struct store *st = ut_store_open(&ut);
    seed(st);
    static struct scan s;
    expect_all(&s, st);
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, PROFILES);
    /* Again: nothing of the first scan (a cursor, a transaction) is left
     * in the way of the next. */
    expect_all(&s, st);
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, PROFILES);
    ut_store_close(&ut);
}
END_TEST

START_TEST(scan_stops_when_told)
{
    struct store *st = ut_store_open(&ut);
    seed(st);
    static struct scan s;
    expect_all(&s, st);
    s.stop_at = 5;
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, 5);
    /* Stopped inside the first batch, rows left unread: the next scan is
     * whole, and the store still writes. */
    expect_all(&s, st);
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, PROFILES);
    struct usage_delta d = {order[0], MONTH, 1, 0};
    ck_assert_int_eq(store_usage_add(st, &d, 1), STORE_OK);
    ut_store_close(&ut);
}
END_TEST

START_TEST(scan_reads_one_snapshot)
{
    struct store *st = ut_store_open(&ut);
    seed(st);
    /* Changes committed once the scan has begun, to rows past its first
     * batch, are not in it: it gives the profiles as they were. */
    static struct scan s;
    expect_all(&s, st);
    s.change = true;
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, PROFILES);
    /* The next scan has them all. */
    struct arena *a = arena_new();
    struct profile added;
    ck_assert_int_eq(store_profile_by_title(st, a, account_id, "added", &added), STORE_OK);
    expect_all(&s, st);
    s.want[PROFILES - 2] = order[PROFILES - 1];
    s.want[PROFILES - 1] = added.id;
    s.renamed = order[PROFILES - 1];
    s.added = added.id;
    ck_assert_int_eq(store_batch_scan(st, account_id, MONTH, check, &s), STORE_OK);
    ck_assert_int_eq(s.n, PROFILES);
    arena_free(a);
    ut_store_close(&ut);
}
END_TEST

Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("scan");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scan_gives_every_profile_once_in_order);
    tcase_add_test(tc, scan_stops_when_told);
    tcase_add_test(tc, scan_reads_one_snapshot);
    suite_add_tcase(s, tc);
    return s;
}
