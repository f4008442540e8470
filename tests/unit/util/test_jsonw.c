#include "suites.h"
#include "util/jsonw.h"

#include <jansson.h>
#include <string.h>

static char *render(void (*fn)(struct jw *), struct buf *b)
{
    buf_init(b, 1 << 16);
    struct jw w;
    jw_init(&w, b);
    fn(&w);
    ck_assert(!jw_failed(&w));
    return b->data;
}

static void nested(struct jw *w)
{
    jw_obj(w);
    jw_kstr(w, "a", "x");
    jw_key(w, "arr");
    jw_arr(w);
    jw_int(w, 1);
    jw_int(w, -2);
    jw_obj(w);
    jw_obj_end(w);
    jw_arr(w);
    jw_arr_end(w);
    jw_arr_end(w);
    jw_kbool(w, "t", true);
    jw_key(w, "n");
    jw_null(w);
    jw_kstr_opt(w, "skip", NULL);
    jw_kstr_opt(w, "skip2", "");
    jw_obj_end(w);
}

START_TEST(commas_and_nesting)
{
    struct buf b;
    ck_assert_str_eq(render(nested, &b),
                     "{\"a\":\"x\",\"arr\":[1,-2,{},[]],\"t\":true,\"n\":null}");
    buf_free(&b);
}
END_TEST

static void escapes(struct jw *w)
{
    jw_str(w, "q\"b\\n\n\t\x01 é \xff end");
}

START_TEST(escaping_and_bad_utf8)
{
    struct buf b;
    const char *out = render(escapes, &b);
    ck_assert_str_eq(out, "\"q\\\"b\\\\n\\n\\t\\u0001 é \\ufffd end\"");
    json_error_t err;
    json_t *j = json_loads(out, JSON_DECODE_ANY, &err);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    buf_free(&b);
}
END_TEST

static void doubles(struct jw *w)
{
    jw_arr(w);
    jw_double(w, 0.1);
    jw_double(w, -90);
    jw_double(w, 40.7128);
    jw_arr_end(w);
}

START_TEST(doubles_shortest)
{
    struct buf b;
    ck_assert_str_eq(render(doubles, &b), "[0.1,-90,40.7128]");
    buf_free(&b);
}
END_TEST

START_TEST(cap_failure_is_sticky)
{
    struct buf b;
    buf_init(&b, 8);
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_str(&w, "a long string");
    jw_int(&w, 1);
    ck_assert(jw_failed(&w));
    buf_free(&b);
}
END_TEST

START_TEST(depth_limit)
{
    struct buf b;
    buf_init(&b, 4096);
    struct jw w;
    jw_init(&w, &b);
    for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
        jw_arr(&w);
    ck_assert(jw_failed(&w));
    buf_free(&b);
}
END_TEST

Suite *jsonw_suite(void)
{
    Suite *s = suite_create("util/jsonw");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, commas_and_nesting);
    tcase_add_test(tc, escaping_and_bad_utf8);
    tcase_add_test(tc, doubles_shortest);
    tcase_add_test(tc, cap_failure_is_sticky);
    tcase_add_test(tc, depth_limit);
    suite_add_tcase(s, tc);
    return s;
}
