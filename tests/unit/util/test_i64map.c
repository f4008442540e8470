#include "suites.h"
#include "util/i64map.h"

static bool keep_even(uint64_t key, void *val, void *arg)
{
    (void)val;
    (void)arg;
    return key % 2 == 0;
}

START_TEST(insert_find_grow)
{
    struct i64map m;
    i64map_init(&m, sizeof(int64_t));
    for (uint64_t k = 1; k <= 10000; k++)
        *(int64_t *)i64map_get(&m, k, true) = (int64_t)k * 3;
    ck_assert_uint_eq(m.len, 10000);
    for (uint64_t k = 1; k <= 10000; k++)
        ck_assert_int_eq(*(int64_t *)i64map_get(&m, k, false), (int64_t)k * 3);
    ck_assert_ptr_null(i64map_get(&m, 10001, false));
    i64map_free(&m);
}
END_TEST

START_TEST(filter_removes_and_keeps_lookups_whole)
{
    struct i64map m;
    i64map_init(&m, sizeof(int));
    for (uint64_t k = 1; k <= 1000; k++)
        *(int *)i64map_get(&m, k, true) = (int)k;
    i64map_filter(&m, keep_even, NULL);
    ck_assert_uint_eq(m.len, 500);
    for (uint64_t k = 1; k <= 1000; k++) {
        int *v = i64map_get(&m, k, false);
        if (k % 2)
            ck_assert_ptr_null(v);
        else
            ck_assert_int_eq(*v, (int)k);
    }
    i64map_free(&m);
}
END_TEST

Suite *i64map_suite(void)
{
    Suite *s = suite_create("util/i64map");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, insert_find_grow);
    tcase_add_test(tc, filter_removes_and_keeps_lookups_whole);
    suite_add_tcase(s, tc);
    return s;
}
