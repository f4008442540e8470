#include "suites.h"
#include "api/link.h"

#include <string.h>

START_TEST(code_in_messages)
{
    char c[LINK_TG_CODE_LEN + 1];
    ck_assert(link_tg_code_in("ABCDEFGHJK", c));
    ck_assert_str_eq(c, "ABCDEFGHJK");
    ck_assert(link_tg_code_in("  /connect abcd2345xy \n", c));
    ck_assert_str_eq(c, "ABCD2345XY");
    ck_assert(link_tg_code_in("/connect@sociald_bot ABCDEFGHJK", c));
    ck_assert(link_tg_code_in("/CONNECT\tZZZZZZZZZZ", c));
    ck_assert_str_eq(c, "ZZZZZZZZZZ");
    /* Anything else is not a code. */
    static const char *const no[] = {
        "",
        "/connect",
        "/connect ",
        "/connectx ABCDEFGHJK",
        "/start ABCDEFGHJK",
        "ABCDEFGHJ",   /* 9 */
        "ABCDEFGHJKL", /* 11 */
        "ABCDEFGHJI",  /* I is not in the alphabet */
        "ABCDEFGHJ0",  /* nor 0, 1, O */
        "ABCDEFGH-K",
        "ABCDEFGHJK please",
        "my code is ABCDEFGHJK",
        "/connect ABCDEFGHJK ABCDEFGHJK",
        "ABCDÉFGHJK",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!link_tg_code_in(no[i], c), "accepted \"%s\"", no[i]);
}
END_TEST

START_TEST(code_text_keyed_and_in_the_alphabet)
{
    struct app a1, a2;
    memset(&a1, 0, sizeof(a1));
    memset(&a2, 0, sizeof(a2));
    memset(a1.signing_key, 7, sizeof(a1.signing_key));
    memset(a2.signing_key, 8, sizeof(a2.signing_key));
    char x[LINK_TG_CODE_LEN + 1], y[LINK_TG_CODE_LEN + 1], z[LINK_TG_CODE_LEN + 1];
    link_tg_code_text(&a1, "nonce-1", x);
    link_tg_code_text(&a1, "nonce-1", y);
    ck_assert_str_eq(x, y); /* the page can show it again */
    link_tg_code_text(&a1, "nonce-2", y);
    link_tg_code_text(&a2, "nonce-1", z);
    ck_assert_str_ne(x, y);
    ck_assert_str_ne(x, z); /* the key is needed */
    char back[LINK_TG_CODE_LEN + 1];
    ck_assert(link_tg_code_in(x, back)); /* what the page shows is what the bot accepts */
    ck_assert_str_eq(back, x);
}
END_TEST

Suite *link_tg_suite(void)
{
    Suite *s = suite_create("link_telegram");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, code_in_messages);
    tcase_add_test(tc, code_text_keyed_and_in_the_alphabet);
    suite_add_tcase(s, tc);
    return s;
}
