#include "suites.h"
#include "http/request.h"

#include <string.h>

static struct req *mkreq(struct arena *a, const struct kv *q, size_t n)
{
    struct req *r = arena_alloc(a, sizeof(*r));
    r->arena = a;
    r->query = arena_alloc(a, n * sizeof(struct kv));
    if (n)
        memcpy(r->query, q, n * sizeof(struct kv));
    r->nquery = n;
    return r;
}

START_TEST(arrays_all_forms)
{
    struct arena *a = arena_new();
    const struct kv q[] = {{"source", "npm"}, {"x[0]", "fb"},  {"x[1]", "ig"},    {"x[]", "li"},
                           {"x", "tw, yt"},   {"xy[0]", "no"}, {"x[junk]", "no"}, {"x[2]", ""}};
    struct req *r = mkreq(a, q, sizeof(q) / sizeof(q[0]));
    const char *out[8];
    size_t n = req_query_array(r, "x", out, 8);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(out[0], "fb");
    ck_assert_str_eq(out[1], "ig");
    ck_assert_str_eq(out[2], "li");
    ck_assert_str_eq(out[3], "tw");
    ck_assert_str_eq(out[4], "yt");
    ck_assert_uint_eq(req_query_array(r, "x", out, 2), 2);
    arena_free(a);
}
END_TEST

START_TEST(booleans_and_failures)
{
    struct arena *a = arena_new();
    const struct kv q[] = {{"validate", "TRUE"}, {"instagramQuota", "yes"}};
    struct req *r = mkreq(a, q, 2);
    bool v;
    ck_assert_int_eq(req_query_bool(r, "validate", false, &v), ST_OK);
    ck_assert(v);
    ck_assert_int_eq(req_query_bool(r, "absent", true, &v), ST_OK);
    ck_assert(v);
    ck_assert_int_eq(req_query_bool(r, "instagramQuota", false, &v), ST_BAD_PARAM);
    ck_assert_str_eq(json_string_value(json_object_get(r->err_details, "field")), "instagramQuota");
    arena_free(a);
}
END_TEST

START_TEST(headers_replace)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, NULL, 0);
    req_add_header(r, "X-A", "1");
    req_add_header(r, "X-A", "2");
    ck_assert_int_eq(r->nhdrs, 1);
    ck_assert_str_eq(r->hdrs[0].val, "2");
    arena_free(a);
}
END_TEST

Suite *request_suite(void)
{
    Suite *s = suite_create("http/request");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, arrays_all_forms);
    tcase_add_test(tc, booleans_and_failures);
    tcase_add_test(tc, headers_replace);
    suite_add_tcase(s, tc);
    return s;
}
