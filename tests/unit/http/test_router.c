#include "suites.h"
#include "http/router.h"

#include <string.h>

static enum status h(struct app *app, struct req *r)
{
    (void)app;
    (void)r;
    return ST_OK;
}

static const struct route routes[] = {
    {HM_GET, "/api/user", h, "user", 0, NULL, 0},
    {HM_GET, "/api/user/details/:platform", h, "user", 0, NULL, 0},
    {HM_PATCH, "/api/user/:platform", h, "user", 0, NULL, 0},
    {HM_POST | HM_PATCH, "/api/profiles", h, "profiles", 0, NULL, 0},
    {HM_DELETE, "/api/profiles", h, "profiles", 0, NULL, 0},
    {HM_POST, "/api/hook/deliveries/:id/resend", h, "webhook", 0, NULL, 0},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static const struct route *m(const char *method_path, struct arena *a, const char **params, int *np,
                             unsigned *allow)
{
    char method[16];
    const char *sp = strchr(method_path, ' ');
    memcpy(method, method_path, (size_t)(sp - method_path));
    method[sp - method_path] = '\0';
    int bad = 0;
    return router_match(routes, N, router_method(method), sp + 1, a, params, np, allow, &bad);
}

START_TEST(exact_and_params)
{
    struct arena *a = arena_new();
    const char *params[REQ_MAX_PARAMS];
    int np;
    unsigned allow;
    ck_assert_ptr_eq(m("GET /api/user", a, params, &np, &allow), &routes[0]);
    ck_assert_ptr_eq(m("GET /api/user/", a, params, &np, &allow), &routes[0]);
    ck_assert_ptr_eq(m("HEAD /api/user", a, params, &np, &allow), &routes[0]);
    ck_assert_ptr_eq(m("GET /api/user/details/pinterest", a, params, &np, &allow), &routes[1]);
    ck_assert_int_eq(np, 1);
    ck_assert_str_eq(params[0], "pinterest");
    ck_assert_ptr_eq(m("POST /api/hook/deliveries/a%20b/resend", a, params, &np, &allow),
                     &routes[5]);
    ck_assert_str_eq(params[0], "a b");
    /* dot segments are never parameters */
    allow = 0;
    ck_assert_ptr_null(m("PATCH /api/user/..", a, params, &np, &allow));
    ck_assert_uint_eq(allow, 0);
    ck_assert_ptr_null(m("PATCH /api/user/.", a, params, &np, &allow));
    ck_assert_ptr_eq(m("PATCH /api/user/...", a, params, &np, &allow), &routes[2]);
    arena_free(a);
}
END_TEST

START_TEST(not_found_vs_method_not_allowed)
{
    struct arena *a = arena_new();
    const char *params[REQ_MAX_PARAMS];
    int np;
    unsigned allow;
    ck_assert_ptr_null(m("GET /api/nope", a, params, &np, &allow));
    ck_assert_uint_eq(allow, 0);
    ck_assert_ptr_null(m("GET /api/user/details", a, params, &np, &allow));
    ck_assert_uint_eq(allow, HM_PATCH);
    ck_assert_ptr_null(m("PUT /api/profiles", a, params, &np, &allow));
    ck_assert_uint_eq(allow, HM_POST | HM_PATCH | HM_DELETE);
    char hdr[96];
    router_allow_header(allow, hdr, sizeof(hdr));
    ck_assert_str_eq(hdr, "POST, PATCH, DELETE");
    router_allow_header(HM_GET, hdr, sizeof(hdr));
    ck_assert_str_eq(hdr, "GET, HEAD");
    ck_assert_ptr_null(m("GET //api/user", a, params, &np, &allow));
    ck_assert_ptr_null(m("GET /api/user/details/", a, params, &np, &allow));
    ck_assert_ptr_null(m("GET /api/user/details/a/b", a, params, &np, &allow));
    ck_assert_ptr_null(m("GET ", a, params, &np, &allow));
    arena_free(a);
}
END_TEST

START_TEST(bad_encoding)
{
    struct arena *a = arena_new();
    const char *params[REQ_MAX_PARAMS];
    int np, bad = 0;
    unsigned allow;
    ck_assert_ptr_null(
        router_match(routes, N, HM_GET, "/api/user/details/pin%2", a, params, &np, &allow, &bad));
    ck_assert_int_eq(bad, 1);
    ck_assert_ptr_null(
        router_match(routes, N, HM_GET, "/api/user/details/a%00b", a, params, &np, &allow, &bad));
    ck_assert_int_eq(bad, 1);
    ck_assert_ptr_null(router_decode(a, "%zz", 3, 0));
    ck_assert_str_eq(router_decode(a, "a+b%2Fc", 7, 1), "a b/c");
    ck_assert_str_eq(router_decode(a, "a+b", 3, 0), "a+b");
    arena_free(a);
}
END_TEST

START_TEST(methods)
{
    ck_assert_int_eq(router_method("GET"), HM_GET);
    ck_assert_int_eq(router_method("get"), HM_OTHER);
    ck_assert_int_eq(router_method("BREW"), HM_OTHER);
}
END_TEST

Suite *router_suite(void)
{
    Suite *s = suite_create("http/router");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exact_and_params);
    tcase_add_test(tc, not_found_vs_method_not_allowed);
    tcase_add_test(tc, bad_encoding);
    tcase_add_test(tc, methods);
    suite_add_tcase(s, tc);
    return s;
}
