#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "suites.h"
#include "api/directory.h"
#include "crypto/crypto.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Two store handles on one file stand for two processes: the second's
 * writes must be seen by the first's directory at once. */
START_TEST(sees_other_writers_at_once)
{
    struct ut_store ut;
    struct store *st = ut_store_open(&ut);
    struct store *other = ut_store_another(&ut);

    unsigned char kh[32], ph[32], nk[32];
    crypto_sha256("api", 3, kh);
    crypto_sha256("prof", 4, ph);
    crypto_sha256("new", 3, nk);
    int64_t aid, pid;
    store_account_create(st, "d@example.com", "free", kh,
                         "2222222222222222222222222222222222222222", 1, &aid);
    store_profile_create(st, aid, "Shop", ph, "3333333333333333333333333333333333333333", NULL, 2,
                         &pid);

    struct directory *d = dir_new(st, 1 << 20);
    struct arena *a = arena_new();
    struct account acct;
    struct profile p;
    ck_assert_int_eq(dir_account(d, a, kh, &acct), STORE_OK);
    ck_assert_str_eq(acct.plan, "free");
    ck_assert_int_eq(dir_account(d, a, kh, &acct), STORE_OK); /* cached */
    ck_assert_int_eq(dir_profile_by_key(d, a, aid, ph, &p), STORE_OK);
    ck_assert_str_eq(p.title, "Shop");
    ck_assert_int_eq(dir_profile_by_key(d, a, aid + 1, ph, &p), STORE_NOTFOUND);

    struct linked_json lj;
    ck_assert_int_eq(dir_linked(d, a, &p, 10, &lj), STORE_OK);
    ck_assert_uint_eq(lj.count, 0);

    /* "another process" changes plan, links an account, rotates the key */
    ck_assert_int_eq(store_account_set_plan(other, aid, "business"), STORE_OK);
    for (int t = 0; t < ut_visible_tries(); t++) {
        ck_assert_int_eq(dir_account(d, a, kh, &acct), STORE_OK);
        if (!strcmp(acct.plan, "business"))
            break;
        usleep(10000);
    }
    ck_assert_str_eq(acct.plan, "business");

    struct linked_account la = {
        .profile_id = pid, .platform = "reddit", .disp.display_name = "funone", .linked_ms = 5};
    ck_assert_int_eq(store_linked_link(other, &la, &(struct linked_secret){0}, &(int64_t){0}),
                     STORE_OK);
    for (int t = 0; t < ut_visible_tries(); t++) {
        ck_assert_int_eq(dir_profile_by_key(d, a, aid, ph, &p), STORE_OK);
        ck_assert_int_eq(dir_linked(d, a, &p, 10, &lj), STORE_OK);
        if (lj.count == 1)
            break;
        usleep(10000);
    }
    ck_assert_uint_eq(lj.count, 1);
    ck_assert(strstr(lj.names, "funone") != NULL);

    ck_assert_int_eq(store_account_set_key(other, aid, nk), STORE_OK);
    enum store_rc rc = STORE_OK;
    for (int t = 0; t < ut_visible_tries() && rc == STORE_OK; t++) {
        rc = dir_account(d, a, kh, &acct);
        if (rc == STORE_OK)
            usleep(10000);
    }
    ck_assert_int_eq(rc, STORE_NOTFOUND);
    ck_assert_int_eq(dir_account(d, a, nk, &acct), STORE_OK);

    size_t entries, bytes;
    dir_stats(d, &entries, &bytes);
    ck_assert_uint_gt(entries, 0);
    arena_free(a);
    dir_free(d);
    store_close(other);
    ut_store_close(&ut);
}
END_TEST

Suite *directory_suite(void)
{
    Suite *s = suite_create("api/directory");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sees_other_writers_at_once);
    suite_add_tcase(s, tc);
    return s;
}
