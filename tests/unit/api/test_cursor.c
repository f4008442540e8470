#include "suites.h"
#include "api/cursor.h"

#include <string.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcde";

START_TEST(roundtrip)
{
    struct arena *a = arena_new();
    struct cursor c = {42, 1795670825697LL, 99, 0xdeadbeefcafef00dULL}, d;
    char *s = cursor_encode(a, key, &c);
    ck_assert(cursor_decode(key, s, &d));
    ck_assert_int_eq(d.account_id, 42);
    ck_assert_int_eq(d.created_ms, 1795670825697LL);
    ck_assert_int_eq(d.id, 99);
    ck_assert(d.filters == 0xdeadbeefcafef00dULL);
    struct cursor neg = {1, INT64_MIN, 0, 0};
    ck_assert(cursor_decode(key, cursor_encode(a, key, &neg), &d));
    ck_assert(d.created_ms == INT64_MIN);
    arena_free(a);
}
END_TEST

START_TEST(every_flipped_character_is_refused)
{
    struct arena *a = arena_new();
    struct cursor c = {7, 1000, 5, 1}, d;
    char *s = cursor_encode(a, key, &c);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        char *t = arena_strdup(a, s);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        ck_assert_msg(!cursor_decode(key, t, &d), "flip at %zu accepted", i);
    }
    unsigned char other[32];
    memcpy(other, key, 32);
    other[0] ^= 1;
    ck_assert(!cursor_decode(other, s, &d));
    ck_assert(!cursor_decode(key, "", &d));
    ck_assert(!cursor_decode(key, "not a cursor", &d));
    arena_free(a);
}
END_TEST

Suite *cursor_suite(void)
{
    Suite *s = suite_create("api/cursor");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, roundtrip);
    tcase_add_test(tc, every_flipped_character_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
