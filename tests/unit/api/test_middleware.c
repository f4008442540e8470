/* api/middleware: what runs before every handler, the parts that need no
 * HTTP connection — the Bearer credential, the Profile-Key's precedence
 * (header > body > query, SPEC §1), the plan check (620) and the rate-limit
 * headers (SPEC §7). The Profile-Key header's value is passed in: a
 * request made here has no connection to read headers from. */
#include "suites.h"
#include "api/api.h"
#include "limits/ratelimit.h"

#include <string.h>

static struct req *mkreq(struct arena *a, const char *body, const struct kv *q, size_t nq)
{
    struct req *r = arena_alloc(a, sizeof(*r));
    r->arena = a;
    r->file_fd = -1;
    r->body = body ? json_loads(body, 0, NULL) : NULL;
    ck_assert(!body || r->body);
    r->query = arena_alloc(a, (nq ? nq : 1) * sizeof(*q));
    if (nq)
        memcpy(r->query, q, nq * sizeof(*q));
    r->nquery = nq;
    return r;
}

static void done(struct arena *a, struct req *r)
{
    json_t *body = r->body;
    arena_free(a);
    json_decref(body);
}

static const char *header(const struct req *r, const char *name)
{
    for (int i = 0; i < r->nhdrs; i++)
        if (!strcmp(r->hdrs[i].key, name))
            return r->hdrs[i].val;
    return NULL;
}

START_TEST(bearer_credentials)
{
    struct arena *a = arena_new();
    ck_assert_str_eq(api_bearer_parse(a, "Bearer abc-123"), "abc-123");
    /* The scheme is case-insensitive; white space around is not the key. */
    ck_assert_str_eq(api_bearer_parse(a, "  bearer    K3Y  "), "K3Y");
    ck_assert_ptr_null(api_bearer_parse(a, NULL));
    ck_assert_ptr_null(api_bearer_parse(a, ""));
    ck_assert_ptr_null(api_bearer_parse(a, "Bearer"));
    ck_assert_ptr_null(api_bearer_parse(a, "Bearer    "));
    ck_assert_ptr_null(api_bearer_parse(a, "BearerK3Y"));
    ck_assert_ptr_null(api_bearer_parse(a, "Basic dXNlcjpwYXNz"));
    ck_assert_ptr_null(api_bearer_parse(a, "K3Y"));
    /* 256 bytes is the longest key looked at. */
    char h[7 + 258];
    memcpy(h, "Bearer ", 7);
    memset(h + 7, 'k', 257);
    h[7 + 257] = '\0';
    ck_assert_ptr_null(api_bearer_parse(a, h));
    h[7 + 256] = '\0';
    const char *k = api_bearer_parse(a, h);
    ck_assert_ptr_nonnull(k);
    ck_assert_uint_eq(strlen(k), 256);
    arena_free(a);
}
END_TEST

START_TEST(profile_key_header_then_body_then_query)
{
    const struct kv q[] = {{"source", "npm"}, {"profileKey", " QK "}};
    const char *k;
    bool sent;

    /* All three: the header wins, trimmed. */
    struct arena *a = arena_new();
    struct req *r = mkreq(a, "{\"profileKey\":\"BK\"}", q, 2);
    ck_assert_int_eq(api_profile_key(r, "  HK\t", &k, &sent), ST_OK);
    ck_assert(sent);
    ck_assert_str_eq(k, "HK");
    /* No header: the body's. */
    ck_assert_int_eq(api_profile_key(r, NULL, &k, &sent), ST_OK);
    ck_assert(sent);
    ck_assert_str_eq(k, "BK");
    done(a, r);

    /* No header, a null profileKey in the body: the query's. */
    a = arena_new();
    r = mkreq(a, "{\"profileKey\":null}", q, 2);
    ck_assert_int_eq(api_profile_key(r, NULL, &k, &sent), ST_OK);
    ck_assert(sent);
    ck_assert_str_eq(k, "QK");
    done(a, r);

    /* None at all: the account's own profile. */
    a = arena_new();
    r = mkreq(a, "{\"title\":\"x\"}", q, 1);
    ck_assert_int_eq(api_profile_key(r, NULL, &k, &sent), ST_OK);
    ck_assert(!sent);
    ck_assert_ptr_null(k);
    /* An empty header was sent (and is then an invalid key, 610). */
    ck_assert_int_eq(api_profile_key(r, "   ", &k, &sent), ST_OK);
    ck_assert(sent);
    ck_assert_str_eq(k, "");
    done(a, r);

    /* A body profileKey that is not a string: 600, even with a query one. */
    a = arena_new();
    r = mkreq(a, "{\"profileKey\":42}", q, 2);
    ck_assert_int_eq(api_profile_key(r, NULL, &k, &sent), ST_BAD_PARAM);
    ck_assert_str_eq(json_string_value(json_object_get(r->err_details, "field")), "profileKey");
    /* ...unless the header settles it first. */
    ck_assert_int_eq(api_profile_key(r, "HK", &k, &sent), ST_OK);
    ck_assert_str_eq(k, "HK");
    done(a, r);
}
END_TEST

static void defaults(struct config *cfg)
{
    char err[256];
    char *argv[] = {"serve"};
    struct args a;
    ck_assert(args_parse(1, argv, &a, err, sizeof(err)));
    ck_assert_msg(config_load(cfg, &a, err, sizeof(err)), "%s", err);
}

START_TEST(plan_check_names_the_plans_that_open_the_family)
{
    struct config cfg;
    defaults(&cfg);
    struct arena *a = arena_new();
    struct route profiles = {.pattern = "/api/profiles", .family = "profiles"};
    struct route open = {.pattern = "/healthz"};
    struct principal p = {.plan = config_plan(&cfg, "premium")};
    snprintf(p.acct.plan, sizeof(p.acct.plan), "premium");

    struct req *r = mkreq(a, NULL, NULL, 0);
    r->route = &open;
    ck_assert_int_eq(api_plan_check(&cfg, r, &p), ST_OK);

    r->route = &profiles;
    ck_assert_int_eq(api_plan_check(&cfg, r, &p), ST_PLAN_REQUIRED);
    ck_assert_str_eq(r->err_message, "This endpoint needs the launch, business or enterprise "
                                     "plan; this account is on the premium plan.");
    ck_assert_str_eq(json_string_value(json_object_get(r->err_details, "plan")), "premium");

    p.plan = config_plan(&cfg, "launch");
    r = mkreq(a, NULL, NULL, 0);
    r->route = &profiles;
    ck_assert_int_eq(api_plan_check(&cfg, r, &p), ST_OK);

    /* A plan the configuration does not know opens nothing. */
    p.plan = NULL;
    ck_assert_int_eq(api_plan_check(&cfg, r, &p), ST_PLAN_REQUIRED);
    arena_free(a);
    config_free(&cfg);
}
END_TEST

START_TEST(ratelimit_headers_on_every_answer)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, NULL, NULL, 0);
    struct rl_result rl = {.max = 300, .count = 3, .remaining = 297, .reset_ms = 299001};
    ck_assert_int_eq(api_ratelimit_answer(r, &rl), ST_OK);
    ck_assert_str_eq(header(r, "x-ratelimit-max"), "300");
    ck_assert_str_eq(header(r, "x-ratelimit-count"), "3");
    ck_assert_str_eq(header(r, "x-ratelimit-remaining"), "297");
    ck_assert_str_eq(header(r, "x-ratelimit-reset"), "299001");
    ck_assert_ptr_null(header(r, "Retry-After"));
    ck_assert_ptr_null(r->err_details);
    arena_free(a);
}
END_TEST

START_TEST(ratelimit_refusal_says_when_to_retry)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, NULL, NULL, 0);
    struct rl_result rl = {
        .max = 300, .count = 300, .remaining = 0, .reset_ms = 1500, .limited = true};
    ck_assert_int_eq(api_ratelimit_answer(r, &rl), ST_RATE_LIMITED);
    ck_assert_str_eq(header(r, "x-ratelimit-remaining"), "0");
    ck_assert_str_eq(header(r, "x-ratelimit-reset"), "1500");
    /* Whole seconds, rounded up: never too early. */
    ck_assert_str_eq(header(r, "Retry-After"), "2");
    ck_assert_int_eq(json_integer_value(json_object_get(r->err_details, "retryAfter")), 2);

    r = mkreq(a, NULL, NULL, 0);
    rl.reset_ms = 2000;
    ck_assert_int_eq(api_ratelimit_answer(r, &rl), ST_RATE_LIMITED);
    ck_assert_str_eq(header(r, "Retry-After"), "2");
    arena_free(a);
}
END_TEST

Suite *middleware_suite(void)
{
    Suite *s = suite_create("api/middleware");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bearer_credentials);
    tcase_add_test(tc, profile_key_header_then_body_then_query);
    tcase_add_test(tc, plan_check_names_the_plans_that_open_the_family);
    tcase_add_test(tc, ratelimit_headers_on_every_answer);
    tcase_add_test(tc, ratelimit_refusal_says_when_to_retry);
    suite_add_tcase(s, tc);
    return s;
}
