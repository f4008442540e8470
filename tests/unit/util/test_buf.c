#include "suites.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

START_TEST(append_respects_cap)
{
    struct buf b;
    buf_init(&b, 10);
    ck_assert_int_eq(buf_puts(&b, "hello"), 0);
    ck_assert_int_eq(buf_puts(&b, "world"), 0);
    ck_assert_uint_eq(b.len, 10);
    ck_assert_int_eq(buf_putc(&b, '!'), -1);
    ck_assert_uint_eq(b.len, 10);
    ck_assert_str_eq(b.data, "helloworld");
    buf_free(&b);
}
END_TEST

START_TEST(failed_append_leaves_buffer_unchanged)
{
    struct buf b;
    buf_init(&b, 8);
    buf_puts(&b, "abc");
    ck_assert_int_eq(buf_puts(&b, "defghij"), -1);
    ck_assert_str_eq(b.data, "abc");
    ck_assert_int_eq(buf_printf(&b, "%s", "0123456789"), -1);
    ck_assert_str_eq(b.data, "abc");
    buf_free(&b);
}
END_TEST

START_TEST(printf_long_output)
{
    struct buf b;
    buf_init(&b, 4096);
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(buf_printf(&b, "[%s]", big), 0);
    ck_assert_uint_eq(b.len, 1001);
    ck_assert_int_eq(b.data[1000], ']');
    buf_free(&b);
}
END_TEST

START_TEST(steal_and_reset)
{
    struct buf b;
    buf_init(&b, 100);
    buf_puts(&b, "xyz");
    size_t n;
    char *p = buf_steal(&b, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(p, "xyz");
    ck_assert_ptr_null(b.data);
    free(p);
    buf_puts(&b, "again");
    buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    buf_free(&b);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("util/buf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, append_respects_cap);
    tcase_add_test(tc, failed_append_leaves_buffer_unchanged);
    tcase_add_test(tc, printf_long_output);
    tcase_add_test(tc, steal_and_reset);
    suite_add_tcase(s, tc);
    return s;
}
