#include "suites.h"
#include "util/html.h"

#include <stdlib.h>

START_TEST(escaping)
{
    struct buf b;
    buf_init(&b, 1024);
    html_esc(&b, "<a href=\"x\" onclick='y'>&amp;</a>");
    buf_putc(&b, '\0');
    ck_assert_str_eq(b.data, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    buf_reset(&b);
    html_esc(&b, NULL);
    html_esc_n(&b, "<b>xyz", 3);
    html_urlenc(&b, "a b/é?");
    buf_putc(&b, '\0');
    ck_assert_str_eq(b.data, "&lt;b&gt;a%20b%2F%C3%A9%3F");
    buf_free(&b);
}
END_TEST

START_TEST(safe_urls)
{
    ck_assert(html_safe_url("https://pbs.example/img.png?x=1&y=2"));
    ck_assert(html_safe_url("http://127.0.0.1:8090/_sandbox/img/x.png"));
    ck_assert(!html_safe_url("javascript:alert(1)"));
    ck_assert(!html_safe_url("data:text/html,hi"));
    ck_assert(!html_safe_url("https://a b"));
    ck_assert(!html_safe_url("https://a\n"));
    ck_assert(!html_safe_url(NULL));
    char *long_url = malloc(3000);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'a', 2990);
    long_url[2998] = '\0';
    ck_assert(!html_safe_url(long_url));
    free(long_url);
}
END_TEST

Suite *html_suite(void)
{
    Suite *s = suite_create("util/html");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, escaping);
    tcase_add_test(tc, safe_urls);
    suite_add_tcase(s, tc);
    return s;
}
