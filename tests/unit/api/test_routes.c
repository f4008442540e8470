/* api/routes: the route table keeps its own rules. With designated
 * initializers a forgotten member is silently zero, so every row is checked
 * for what the router and the middleware rely on. */
#include "suites.h"
#include "api/api.h"

#include <string.h>

START_TEST(every_row_is_complete_and_consistent)
{
    static const char *const actions[] = {"user",  "profiles", "webhook",
                                          "batch", "link",     "request"}; /* SPEC §1.1 */
    ck_assert_uint_gt(api_nroutes, 0);
    for (size_t i = 0; i < api_nroutes; i++) {
        const struct route *rt = &api_routes[i];
        ck_assert_msg(rt->pattern && rt->pattern[0] == '/', "row %zu: pattern", i);
        const char *p = rt->pattern;
        ck_assert_msg(rt->methods && !(rt->methods & HM_OTHER), "%s: methods", p);
        ck_assert_msg(rt->handler != NULL, "%s: no handler", p);
        bool known = false;
        for (size_t k = 0; rt->action && k < sizeof(actions) / sizeof(actions[0]); k++)
            known |= !strcmp(rt->action, actions[k]);
        ck_assert_msg(known, "%s: action %s is not a family of SPEC §1.1", p,
                      rt->action ? rt->action : "(none)");
        /* A profile or a plan family means a caller to look them up for. */
        ck_assert_msg(!(rt->flags & ROUTE_PROFILE) || (rt->flags & ROUTE_AUTH),
                      "%s: ROUTE_PROFILE without ROUTE_AUTH", p);
        ck_assert_msg(!rt->family || (rt->flags & ROUTE_AUTH), "%s: a plan family without auth", p);
        ck_assert_msg(!((rt->flags & ROUTE_BODY_JSON) && (rt->flags & ROUTE_BODY_FORM)),
                      "%s: two body kinds", p);
        /* One handler per method and pattern. */
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(api_routes[j].pattern, p) ||
                              !(api_routes[j].methods & rt->methods),
                          "%s: a method routed twice", p);
    }
}
END_TEST

Suite *routes_suite(void)
{
    Suite *s = suite_create("api/routes");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_row_is_complete_and_consistent);
    suite_add_tcase(s, tc);
    return s;
}
