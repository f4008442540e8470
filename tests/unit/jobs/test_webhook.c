/* jobs/webhook: the signature headers of SPEC §8 and what each answer
 * means for the delivery (its retries and their delays). The expected
 * signatures were computed apart from sociald (Python's hmac module); the
 * first is RFC 4231's test case 2. */
#include "suites.h"
#include "jobs/webhook.h"

#include <string.h>

#define BODY "what do ya want for nothing?"

START_TEST(signs_the_body_and_the_timestamped_body)
{
    struct arena *a = arena_new();
    const char *h[3] = {NULL, NULL, NULL};
    size_t n = webhook_sign(a, "Jefe", 4, NULL, 0, "1700000000", BODY, h);
    ck_assert_uint_eq(n, 2);
    /* Ayrshare's header: HMAC-SHA256(secret, body), RFC 4231 case 2. */
    ck_assert_str_eq(h[0], "X-Authorization-Content-SHA256: "
                           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* sociald's: HMAC-SHA256(secret, t "." body). */
    ck_assert_str_eq(h[1], "X-Sociald-Signature: t=1700000000,v1="
                           "1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e");
    arena_free(a);
}
END_TEST

START_TEST(a_json_body_with_a_binary_safe_secret)
{
    struct arena *a = arena_new();
    const char *h[3] = {NULL, NULL, NULL};
    /* The secret's length counts, not a NUL: only the first 16 bytes. */
    size_t n = webhook_sign(a, "whsec_0123456789XYZ", 16, NULL, 0, "1712345678",
                            "{\"action\":\"social\",\"hookId\":\"h1\"}", h);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(h[0], "X-Authorization-Content-SHA256: "
                           "11f8a616776dd011991ea9fa9d5743e832c7ee4d76e92dd9f92a66cc59d415d6");
    ck_assert_str_eq(h[1], "X-Sociald-Signature: t=1712345678,v1="
                           "9e752ff4785c213b83fb301b83ae1879ed38579bcdce62de791b40296f15c25d");
    arena_free(a);
}
END_TEST

START_TEST(a_rotated_secret_signs_too)
{
    struct arena *a = arena_new();
    const char *h[3] = {NULL, NULL, NULL};
    size_t n = webhook_sign(a, "Jefe", 4, "old-secret", 10, "1700000000", BODY, h);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(h[0], "X-Authorization-Content-SHA256: "
                           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* The current secret's v1 first, then the previous one's. */
    ck_assert_str_eq(h[1], "X-Sociald-Signature: t=1700000000,"
                           "v1=1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e,"
                           "v1=0ca542c3b6d8f6f3e4f4ae5b3149b90eb1ee8aaaedb65db30d3dbc814dc60e68");
    ck_assert_str_eq(h[2], "X-Authorization-Content-SHA256-Previous: "
                           "0c9cfb1f2eb8d2e28f4d25f19dffbe2fcd2d14d499fa10319931ee4b5dae762b");
    arena_free(a);
}
END_TEST

/* The defaults: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h (7 attempts). */
static void defaults(struct config *cfg)
{
    char err[256];
    char *argv[] = {"serve"};
    struct args a;
    ck_assert(args_parse(1, argv, &a, err, sizeof(err)));
    ck_assert_msg(config_load(cfg, &a, err, sizeof(err)), "%s", err);
    ck_assert_uint_eq(cfg->webhook_nretries, 6);
}

START_TEST(answers_2xx_are_delivered)
{
    struct config cfg;
    defaults(&cfg);
    int64_t d = -1;
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 200, 1, 0, &d), "delivered");
    ck_assert_int_eq(d, 0);
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 204, 7, 0, &d), "delivered");
    /* An answer cut at the size cap still carried its 2xx status. */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_TOO_LARGE, 200, 1, 0, &d), "delivered");
    config_free(&cfg);
}
END_TEST

START_TEST(passing_failures_retry_on_the_schedule)
{
    struct config cfg;
    defaults(&cfg);
    static const int64_t want[] = {5000, 30000, 120000, 600000, 1800000, 3600000};
    int64_t d = -1;
    for (int64_t attempt = 1; attempt <= 6; attempt++) {
        ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 503, attempt, 0, &d), "pending");
        ck_assert_int_eq(d, want[attempt - 1]);
    }
    /* The seventh attempt was the last. */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 503, 7, 0, &d), "failed");
    /* Which answers pass: 408, 425, 429, 5xx, and no answer at all. */
    static const long retried[] = {408, 425, 429, 500, 502, 599};
    for (size_t i = 0; i < sizeof(retried) / sizeof(retried[0]); i++)
        ck_assert_msg(!strcmp(webhook_verdict(&cfg, CLIENT_OK, retried[i], 2, 0, &d), "pending"),
                      "HTTP %ld", retried[i]);
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_TIMEOUT, 0, 1, 0, &d), "pending");
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_CONNECT, 0, 1, 0, &d), "pending");
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_TOO_LARGE, 0, 1, 0, &d), "pending");
    config_free(&cfg);
}
END_TEST

START_TEST(final_answers_fail_at_once)
{
    struct config cfg;
    defaults(&cfg);
    int64_t d = -1;
    static const long final[] = {301, 400, 401, 403, 404, 410, 413, 422};
    for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        ck_assert_msg(!strcmp(webhook_verdict(&cfg, CLIENT_OK, final[i], 1, 0, &d), "failed"),
                      "HTTP %ld", final[i]);
    /* A refused address stays refused. */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_BLOCKED, 0, 1, 0, &d), "failed");
    config_free(&cfg);
}
END_TEST

START_TEST(retry_after_lengthens_up_to_the_longest_delay)
{
    struct config cfg;
    defaults(&cfg);
    int64_t d = -1;
    /* Longer than the schedule's 5 s: honoured. */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 429, 1, 90000, &d), "pending");
    ck_assert_int_eq(d, 90000);
    /* Shorter than the schedule's: the schedule wins. */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 429, 3, 1000, &d), "pending");
    ck_assert_int_eq(d, 120000);
    /* A day: capped at the longest delay (1 h). */
    ck_assert_str_eq(webhook_verdict(&cfg, CLIENT_OK, 503, 1, 86400000, &d), "pending");
    ck_assert_int_eq(d, 3600000);
    config_free(&cfg);
}
END_TEST

Suite *webhook_suite(void)
{
    Suite *s = suite_create("jobs/webhook");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, signs_the_body_and_the_timestamped_body);
    tcase_add_test(tc, a_json_body_with_a_binary_safe_secret);
    tcase_add_test(tc, a_rotated_secret_signs_too);
    tcase_add_test(tc, answers_2xx_are_delivered);
    tcase_add_test(tc, passing_failures_retry_on_the_schedule);
    tcase_add_test(tc, final_answers_fail_at_once);
    tcase_add_test(tc, retry_after_lengthens_up_to_the_longest_delay);
    suite_add_tcase(s, tc);
    return s;
}
