#include "suites.h"
#include "util/arena.h"

#include <stdint.h>
#include <string.h>

static int cleaned;
static void count_cleanup(void *p)
{
    cleaned += *(int *)p;
}

START_TEST(alloc_is_zeroed_and_aligned)
{
    struct arena *a = arena_new();
    for (int i = 1; i < 200; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i * 37);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        for (int j = 0; j < i * 37; j++)
            ck_assert_uint_eq(p[j], 0);
        memset(p, 0xAB, (size_t)i * 37);
    }
    arena_free(a);
}
END_TEST

START_TEST(large_allocation_gets_own_chunk)
{
    struct arena *a = arena_new();
    char *big = arena_alloc(a, 1 << 20);
    memset(big, 1, 1 << 20);
    char *small = arena_strdup(a, "after");
    ck_assert_str_eq(small, "after");
    arena_free(a);
}
END_TEST

START_TEST(strings_and_printf)
{
    struct arena *a = arena_new();
    ck_assert_str_eq(arena_strndup(a, "hello world", 5), "hello");
    ck_assert_ptr_null(arena_strdup(a, NULL));
    ck_assert_str_eq(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    arena_free(a);
}
END_TEST

START_TEST(cleanups_run_once_in_reverse)
{
    struct arena *a = arena_new();
    int one = 1, ten = 10;
    cleaned = 0;
    arena_on_free(a, count_cleanup, &one);
    arena_on_free(a, count_cleanup, &ten);
    arena_free(a);
    ck_assert_int_eq(cleaned, 11);
}
END_TEST

Suite *arena_suite(void)
{
    Suite *s = suite_create("util/arena");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, alloc_is_zeroed_and_aligned);
    tcase_add_test(tc, large_allocation_gets_own_chunk);
    tcase_add_test(tc, strings_and_printf);
    tcase_add_test(tc, cleanups_run_once_in_reverse);
    suite_add_tcase(s, tc);
    return s;
}
