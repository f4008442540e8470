#include "suites.h"
#include "util/cache.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static bool read_int(void *entry, void *arg)
{
    *(int *)arg = *(int *)entry;
    return true;
}

static void put_int(struct cache *c, uint64_t key, int v, size_t bytes)
{
    int *e = mem_malloc(bytes);
    *e = v;
    cache_put(c, key, e, bytes);
}

START_TEST(put_get_replace_drop)
{
    struct cache *c = cache_new(1 << 20);
    int v = 0;
    ck_assert(!cache_with(c, 5, read_int, &v));
    put_int(c, 5, 50, sizeof(int));
    put_int(c, 0, 7, sizeof(int)); /* key 0 is allowed */
    ck_assert(cache_with(c, 5, read_int, &v));
    ck_assert_int_eq(v, 50);
    ck_assert(cache_with(c, 0, read_int, &v));
    ck_assert_int_eq(v, 7);
    put_int(c, 5, 51, sizeof(int));
    ck_assert(cache_with(c, 5, read_int, &v));
    ck_assert_int_eq(v, 51);
    cache_drop(c, 5);
    ck_assert(!cache_with(c, 5, read_int, &v));
    cache_free(c);
}
END_TEST

START_TEST(budget_evicts)
{
    struct cache *c = cache_new(16 * 4096);
    for (uint64_t k = 1; k <= 1000; k++)
        put_int(c, k, (int)k, 4096);
    size_t entries, bytes;
    cache_stats(c, &entries, &bytes);
    ck_assert_uint_le(bytes, 16 * 4096);
    ck_assert_uint_lt(entries, 1000);
    /* The newest entry always survives its own insertion. */
    int v = 0;
    ck_assert(cache_with(c, 1000, read_int, &v));
    ck_assert_int_eq(v, 1000);
    cache_free(c);
}
END_TEST

Suite *cache_suite(void)
{
    Suite *s = suite_create("util/cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_get_replace_drop);
    tcase_add_test(tc, budget_evicts);
    suite_add_tcase(s, tc);
    return s;
}
