#include "suites.h"
#include "util/url.h"

START_TEST(valid_urls)
{
    struct arena *a = arena_new();
    struct url u;
    const char *why;
    ck_assert(url_parse(a, "https://Hooks.Example.com/x?a=1", &u, &why));
    ck_assert_str_eq(u.scheme, "https");
    ck_assert_str_eq(u.host, "hooks.example.com");
    ck_assert_uint_eq(u.port, 443);
    ck_assert_str_eq(u.path_query, "/x?a=1");
    ck_assert(url_parse(a, "http://127.0.0.1:8080", &u, &why));
    ck_assert_uint_eq(u.port, 8080);
    ck_assert_str_eq(u.path_query, "/");
    ck_assert(url_parse(a, "https://[2001:db8::1]:8443/h", &u, &why));
    ck_assert(u.ipv6);
    ck_assert_str_eq(u.host, "2001:db8::1");
    ck_assert_uint_eq(u.port, 8443);
    arena_free(a);
}
END_TEST

START_TEST(invalid_urls)
{
    struct arena *a = arena_new();
    struct url u;
    const char *why;
    const char *bad[] = {"",
                         "ftp://x",
                         "https://",
                         "https:///x",
                         "https://u:p@x.com/",
                         "https://x.com:0/",
                         "https://x.com:65536/",
                         "https://x.com:8a/",
                         "https://x .com/",
                         "https://x.com/#f",
                         "https://[::1/",
                         "https://[::1]x/",
                         "https://ex_ample.com/",
                         "https://x.com/\x01",
                         "//x.com",
                         "https://é.com/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!url_parse(a, bad[i], &u, &why), "%s accepted", bad[i]);
    char longurl[2100] = "https://x.com/";
    for (int i = 14; i < 2060; i++)
        longurl[i] = 'a';
    longurl[2060] = '\0';
    ck_assert(!url_parse(a, longurl, &u, &why));
    arena_free(a);
}
END_TEST

Suite *url_suite(void)
{
    Suite *s = suite_create("util/url");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, valid_urls);
    tcase_add_test(tc, invalid_urls);
    suite_add_tcase(s, tc);
    return s;
}
