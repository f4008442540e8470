#include "suites.h"
#include "platforms/net.h"
#include "platforms/oauth2.h"
#include "util/timeutil.h"

#include <string.h>

/* Reads a token endpoint answer of status and body. */
static enum net_rc parse(struct arena *a, long status, const char *body, struct tokens *t)
{
    struct netconf conf = {0};
    struct net n = {.a = a, .conf = &conf, .platform = "test"};
    struct net_answer ans = {.status = status, .body = body, .len = strlen(body)};
    ans.json = json_loads(body, 0, NULL);
    enum net_rc rc = net_parse_tokens(&n, &ans, t);
    if (rc == NET_OK) {
        /* keep the strings alive past the JSON */
        t->access = arena_strdup(a, t->access);
        t->refresh = arena_strdup(a, t->refresh);
        t->scopes = arena_strdup(a, t->scopes);
    }
    json_decref(ans.json);
    return rc;
}

START_TEST(token_answers)
{
    struct arena *a = arena_new();
    struct tokens t;
    int64_t now = time_now_ms();
    ck_assert_int_eq(parse(a, 200,
                           "{\"access_token\":\"AT\",\"refresh_token\":\"RT\",\"expires_in\":3600,"
                           "\"refresh_token_expires_in\":7200,\"scope\":\"a b\"}",
                           &t),
                     NET_OK);
    ck_assert_str_eq(t.access, "AT");
    ck_assert_str_eq(t.refresh, "RT");
    ck_assert_str_eq(t.scopes, "a b");
    ck_assert(t.access_expires_ms >= now + 3600000 && t.access_expires_ms < now + 3700000);
    ck_assert(t.refresh_expires_ms >= now + 7200000 && t.refresh_expires_ms < now + 7300000);
    /* TikTok's name, Pinterest's absolute time */
    ck_assert_int_eq(parse(a, 200, "{\"access_token\":\"AT\",\"refresh_expires_in\":60}", &t),
                     NET_OK);
    ck_assert(t.refresh_expires_ms >= now + 60000);
    ck_assert_int_eq(
        parse(a, 200, "{\"access_token\":\"AT\",\"refresh_token_expires_at\":2000000000}", &t),
        NET_OK);
    ck_assert_int_eq(t.refresh_expires_ms, 2000000000000LL);
    ck_assert_int_eq(parse(a, 200, "{\"access_token\":\"AT\"}", &t), NET_OK);
    ck_assert_ptr_null(t.refresh);
    ck_assert_int_eq(t.access_expires_ms, 0);
    arena_free(a);
}
END_TEST

START_TEST(token_failures_are_classified)
{
    struct arena *a = arena_new();
    struct tokens t;
    /* The grant is gone: re-link. Reddit says so with HTTP 200. */
    ck_assert_int_eq(parse(a, 400, "{\"error\":\"invalid_grant\"}", &t), NET_AUTH);
    ck_assert_int_eq(parse(a, 200, "{\"error\":\"invalid_grant\"}", &t), NET_AUTH);
    ck_assert_int_eq(parse(a, 400, "{\"error\":\"invalid_request\"}", &t), NET_AUTH);
    ck_assert_int_eq(parse(a, 401, "{\"message\":\"Unauthorized\"}", &t), NET_AUTH);
    ck_assert_int_eq(parse(a, 400, "{\"code\":1,\"message\":\"invalid_grant\"}", &t), NET_AUTH);
    /* Passing trouble never unlinks anything. */
    ck_assert_int_eq(parse(a, 429, "{\"error\":\"invalid_grant\"}", &t), NET_TRANSIENT);
    ck_assert_int_eq(parse(a, 503, "<html>down</html>", &t), NET_TRANSIENT);
    ck_assert_int_eq(parse(a, 500, "{\"code\":8,\"message\":\"oops\"}", &t), NET_TRANSIENT);
    ck_assert_int_eq(parse(a, 408, "", &t), NET_TRANSIENT);
    /* The operator's credentials. */
    ck_assert_int_eq(parse(a, 401, "{\"error\":\"invalid_client\"}", &t), NET_DENIED);
    ck_assert_int_eq(parse(a, 400, "{\"error\":\"unauthorized_client\"}", &t), NET_DENIED);
    /* Nonsense. */
    ck_assert_int_eq(parse(a, 200, "not json", &t), NET_BAD);
    ck_assert_int_eq(parse(a, 200, "{\"access_token\":42}", &t), NET_BAD);
    ck_assert_int_eq(parse(a, 200, "{\"access_token\":\"\"}", &t), NET_BAD);
    ck_assert_int_eq(parse(a, 200, "[]", &t), NET_BAD);
    ck_assert_int_eq(parse(a, 400, "{\"error\":\"invalid_scope\"}", &t), NET_BAD);
    ck_assert_int_eq(parse(a, 404, "", &t), NET_BAD);
    arena_free(a);
}
END_TEST

START_TEST(platform_capabilities)
{
    const char *revocable[] = {"facebook", "gmb",    "instagram", "linkedin",
                               "reddit",   "tiktok", "twitter",   "youtube"};
    for (size_t i = 0; i < sizeof(revocable) / sizeof(revocable[0]); i++)
        ck_assert_msg(platform_can_revoke(platform_get(revocable[i])), "%s", revocable[i]);
    ck_assert(!platform_can_revoke(platform_get("pinterest")));
    ck_assert(!platform_can_revoke(platform_get("telegram")));
    ck_assert(!platform_get("telegram")->oauth);
    ck_assert(platform_get("twitter")->pkce);
    ck_assert(platform_can_refresh(platform_get("pinterest")));
    ck_assert(!platform_can_refresh(platform_get("telegram")));
    ck_assert_ptr_eq(platform_get("gbp"), platform_get("gmb"));
    ck_assert_ptr_null(platform_get("myspace"));
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        const struct platform *p = platform_at(i);
        ck_assert_str_eq(p->name, platform_name(i));
        ck_assert_ptr_nonnull(p->identities);
    }
}
END_TEST

Suite *oauth_suite(void)
{
    Suite *s = suite_create("platforms/oauth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, token_answers);
    tcase_add_test(tc, token_failures_are_classified);
    tcase_add_test(tc, platform_capabilities);
    suite_add_tcase(s, tc);
    return s;
}
