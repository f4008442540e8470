#include "suites.h"
#include "crypto/crypto.h"
#include "limits/usage.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(counts_flush_into_store)
{
    char dir[] = "/tmp/sociald-usage-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64], err[256];
    snprintf(path, sizeof(path), "%s/u.db", dir);
    struct store *st = store_open(path, err, sizeof(err));
    int applied;
    store_migrate(st, &applied);
    unsigned char kh[32];
    crypto_sha256("k", 1, kh);
    int64_t aid;
    store_account_create(st, "u@example.com", "free", kh,
                         "1111111111111111111111111111111111111111", 1, &aid);
    struct arena *a = arena_new();
    struct account acct;
    struct profile p;
    store_auth(st, a, kh, "2026-11", &acct, &p);

    struct usage *u = usage_new(st, 60000);
    uint64_t g0 = usage_gen(u);
    ck_assert(usage_stable(u, g0));
    usage_add(u, p.id, "2026-11", 2);
    usage_add(u, p.id, "2026-11", 3);
    usage_add(u, p.id, "2026-10", 1);
    ck_assert_int_eq(usage_unflushed(u, p.id, "2026-11"), 5);
    ck_assert_int_eq(usage_unflushed(u, p.id + 1, "2026-11"), 0);
    usage_flush(u);
    ck_assert(!usage_stable(u, g0));
    ck_assert_int_eq(usage_unflushed(u, p.id, "2026-11"), 0);
    store_auth(st, a, kh, "2026-11", &acct, &p);
    ck_assert_int_eq(p.month_calls, 5);
    store_auth(st, a, kh, "2026-10", &acct, &p);
    ck_assert_int_eq(p.month_calls, 1);
    usage_add(u, p.id, "2026-11", 4);
    usage_free(u); /* final flush */
    store_auth(st, a, kh, "2026-11", &acct, &p);
    ck_assert_int_eq(p.month_calls, 9);
    arena_free(a);
    store_close(st);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *usage_suite(void)
{
    Suite *s = suite_create("limits/usage");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, counts_flush_into_store);
    suite_add_tcase(s, tc);
    return s;
}
