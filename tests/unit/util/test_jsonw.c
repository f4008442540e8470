#include "suites.h"
#include "util/jsonw.h"

#include <jansson.h>
#include <stdio.h>
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

/* Escaping reads eight bytes at a time while they need nothing: a byte
 * that needs escaping (or a UTF-8 check) at any offset, in strings longer
 * than eight, comes out as it does alone (fewer than eight bytes go one by
 * one). */
START_TEST(escaping_at_every_offset)
{
    static const char *const specials[] = {"\"",   "\\",       "\n",   "\x01",         "\x1f",
                                           "\x7f", "\xc3\xa9", "\xff", "\xe2\x82\xac", " "};
    for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
        struct buf one;
        buf_init(&one, 64);
        ck_assert_int_eq(jw_escape(&one, specials[k], strlen(specials[k])), 0);
        for (size_t len = 8; len <= 24; len++) {
            for (size_t at = 0; at + strlen(specials[k]) <= len; at++) {
                char in[32], want[128];
                size_t sl = strlen(specials[k]);
                memset(in, 'a', len);
                memcpy(in + at, specials[k], sl);
                size_t tail = len - at - sl;
                /* "aaa<the special, escaped, without its quotes>aaa" */
                snprintf(want, sizeof(want), "\"%.*s%.*s%.*s\"", (int)at, in, (int)(one.len - 2),
                         one.data + 1, (int)tail, in + at + sl);
                struct buf b;
                buf_init(&b, 256);
                ck_assert_int_eq(jw_escape(&b, in, len), 0);
                ck_assert_str_eq(b.data, want);
                buf_free(&b);
            }
        }
        buf_free(&one);
    }
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

/* The reserved fast path and the byte at a time one (taken when the worst
 * case would pass the buffer's cap) write the same bytes, for every byte
 * value and for broken and valid UTF-8 in runs of any length. */
START_TEST(fast_and_capped_escapes_agree)
{
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char in[64];
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xFFu;
            /* Mostly plain text, with quotes, controls and UTF-8 bytes. */
            in[i] = (char)(r < 160 ? 'a' + r % 26 : r);
        }
        struct buf big, tight;
        buf_init(&big, 1 << 16);
        buf_init(&tight, 6 * n + 1); /* below the reservation: the other path */
        ck_assert_int_eq(jw_escape(&big, in, n), 0);
        int rc = jw_escape(&tight, in, n);
        if (rc == 0) {
            ck_assert_uint_eq(big.len, tight.len);
            ck_assert(memcmp(big.data, tight.data, big.len) == 0);
        } else {
            ck_assert_uint_gt(big.len + 1, 6 * n + 1); /* only when it truly does not fit */
        }
        buf_free(&big);
        buf_free(&tight);
    }
}
END_TEST

/* The plain writers give the bytes of the escaping ones for plain input,
 * commas included, and fail as they do at the cap. */
static void plain_members(struct jw *w)
{
    jw_obj(w);
    jw_kstr_plain(w, "ts", "2026-12-02T13:48:45.123Z");
    jw_kint_plain(w, "status", 200);
    jw_kint_plain(w, "neg", -42);
    jw_kstr_plain(w, "route", "/api/user/details/:platform");
    jw_kstr_plain(w, "empty", "");
    jw_obj_end(w);
}

static void escaped_members(struct jw *w)
{
    jw_obj(w);
    jw_kstr(w, "ts", "2026-12-02T13:48:45.123Z");
    jw_kint(w, "status", 200);
    jw_kint(w, "neg", -42);
    jw_kstr(w, "route", "/api/user/details/:platform");
    jw_kstr(w, "empty", "");
    jw_obj_end(w);
}

static void int_or_null_members(struct jw *w)
{
    jw_obj(w);
    jw_kint_or_null(w, "a", true, 0);
    jw_kint_or_null(w, "b", false, 7);
    jw_kint_or_null(w, "c", true, -3);
    jw_obj_end(w);
}

START_TEST(int_or_null)
{
    struct buf b;
    ck_assert_str_eq(render(int_or_null_members, &b), "{\"a\":0,\"b\":null,\"c\":-3}");
    buf_free(&b);
}
END_TEST

START_TEST(plain_writers_match)
{
    struct buf a, b;
    ck_assert_str_eq(render(plain_members, &a), render(escaped_members, &b));
    buf_free(&a);
    buf_free(&b);
    buf_init(&a, 12);
    struct jw w;
    jw_init(&w, &a);
    jw_obj(&w);
    jw_kstr_plain(&w, "key", "a value past the cap");
    ck_assert(jw_failed(&w));
    jw_kint_plain(&w, "k", 1);
    ck_assert(jw_failed(&w));
    buf_free(&a);
}
END_TEST

Suite *jsonw_suite(void)
{
    Suite *s = suite_create("util/jsonw");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, commas_and_nesting);
    tcase_add_test(tc, escaping_and_bad_utf8);
    tcase_add_test(tc, escaping_at_every_offset);
    tcase_add_test(tc, doubles_shortest);
    tcase_add_test(tc, cap_failure_is_sticky);
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, fast_and_capped_escapes_agree);
    tcase_add_test(tc, plain_writers_match);
    tcase_add_test(tc, int_or_null);
    suite_add_tcase(s, tc);
    return s;
}
