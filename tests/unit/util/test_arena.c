#include "suites.h"
#include "util/arena.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define UT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UT_ASAN 1
#endif
#endif
#ifdef UT_ASAN
#include <sanitizer/asan_interface.h>
#endif

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

/* ---- ownership (arena.h): debug builds abort on a broken contract ---- */

#ifndef NDEBUG

/* Each must abort in the arena call named; failing that the test ends
 * normally and fails. arena_release_spares() first: the arena must be one
 * kept for reuse (a real free() is the sanitizer's to catch). */
START_TEST(freeing_twice_aborts)
{
    arena_release_spares();
    struct arena *a = arena_new();
    arena_free(a);
    arena_free(a);
}
END_TEST

START_TEST(allocating_from_a_freed_arena_aborts)
{
    arena_release_spares();
    struct arena *a = arena_new();
    arena_free(a);
    arena_alloc(a, 16);
}
END_TEST

START_TEST(registering_a_cleanup_on_a_freed_arena_aborts)
{
    arena_release_spares();
    struct arena *a = arena_new();
    arena_free(a);
    int one = 1;
    arena_on_free(a, count_cleanup, &one);
}
END_TEST

#endif

START_TEST(a_reused_arena_is_owned_again)
{
    arena_release_spares();
    struct arena *a = arena_new();
    arena_free(a);
    struct arena *b = arena_new();
    ck_assert_ptr_eq(a, b); /* the spare came back */
    ck_assert_str_eq(arena_strdup(b, "fine"), "fine");
    arena_free(b);
    arena_release_spares();
}
END_TEST

#ifdef UT_ASAN
/* Under AddressSanitizer what a freed arena held is poisoned, though the
 * arena is kept for reuse, and so is a chunk's space past each allocation. */
START_TEST(freed_memory_is_poisoned)
{
    arena_release_spares();
    struct arena *a = arena_new();
    char *p = arena_alloc(a, 24);
    ck_assert(!__asan_address_is_poisoned(p));
    ck_assert(!__asan_address_is_poisoned(p + 23));
    ck_assert(__asan_address_is_poisoned(p + 24));
    arena_free(a);
    ck_assert(__asan_address_is_poisoned(p));
    struct arena *b = arena_new();
    ck_assert_ptr_eq(a, b);
    char *q = arena_alloc(b, 8);
    ck_assert_ptr_eq(p, q);
    ck_assert(!__asan_address_is_poisoned(q));
    ck_assert(__asan_address_is_poisoned(q + 8));
    arena_free(b);
    arena_release_spares();
}
END_TEST
#endif

/* arena_grow: an array built one element at a time keeps every element,
 * in order, whether it starts empty (NULL, capacity 0) or preallocated. */
START_TEST(grow_keeps_elements_in_order)
{
    struct arena *a = arena_new();
    struct pair {
        int64_t k;
        const char *v;
    } *arr = NULL;
    size_t cap = 0, n = 0;
    for (int64_t i = 0; i < 1000; i++) {
        arr = arena_grow(a, arr, &cap, n, sizeof(*arr));
        ck_assert_uint_gt(cap, n);
        /* The slot handed out is zeroed, like arena_alloc's memory. */
        ck_assert_int_eq(arr[n].k, 0);
        ck_assert_ptr_null(arr[n].v);
        arr[n].k = i;
        arr[n].v = arena_printf(a, "v%lld", (long long)i);
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(arr[i].k, (int64_t)i);
        ck_assert_str_eq(arr[i].v, arena_printf(a, "v%zu", i));
    }

    /* Room to spare: the same array comes back, the capacity unchanged. */
    size_t pcap = 4;
    uint32_t *ids = arena_alloc(a, pcap * sizeof(*ids));
    uint32_t *same = arena_grow(a, ids, &pcap, 3, sizeof(*ids));
    ck_assert_ptr_eq(same, ids);
    ck_assert_uint_eq(pcap, 4);
    ids[0] = 7;
    ids[3] = 9;
    uint32_t *bigger = arena_grow(a, ids, &pcap, 4, sizeof(*ids));
    ck_assert_uint_ge(pcap, 5);
    ck_assert_uint_eq(bigger[0], 7);
    ck_assert_uint_eq(bigger[3], 9);
    ck_assert_uint_eq(bigger[4], 0);
    arena_free(a);
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
    tcase_add_test(tc, a_reused_arena_is_owned_again);
    tcase_add_test(tc, grow_keeps_elements_in_order);
#ifndef NDEBUG
    tcase_add_test_raise_signal(tc, freeing_twice_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, allocating_from_a_freed_arena_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, registering_a_cleanup_on_a_freed_arena_aborts, SIGABRT);
#endif
#ifdef UT_ASAN
    tcase_add_test(tc, freed_memory_is_poisoned);
#endif
    suite_add_tcase(s, tc);
    return s;
}
