#include "suites.h"
#include "http/status.h"

#include <stdbool.h>

#include <string.h>

/* Every code of SPEC §1.2 with its HTTP status. */
static const struct {
    int code;
    unsigned http;
} spec[] = {{102, 401}, {106, 429}, {146, 400}, {156, 400}, {189, 400}, {501, 400}, {502, 404},
            {503, 410}, {600, 400}, {601, 404}, {602, 405}, {603, 413}, {604, 400}, {610, 403},
            {611, 404}, {612, 403}, {613, 401}, {620, 403}, {621, 429}, {630, 502}, {630, 400},
            {631, 504}, {632, 400}, {633, 400}, {640, 425}, {641, 403}, {650, 500}, {651, 503}};

START_TEST(table_covers_spec)
{
    for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
        bool found = false;
        for (int s = 0; s < ST_COUNT_; s++) {
            if (status_code((enum status)s) == spec[i].code &&
                status_http((enum status)s) == spec[i].http)
                found = true;
        }
        ck_assert_msg(found, "code %d / HTTP %u missing", spec[i].code, spec[i].http);
    }
}
END_TEST

START_TEST(messages_are_sentences)
{
    for (int s = 1; s < ST_COUNT_; s++) {
        const char *m = status_message((enum status)s);
        size_t n = strlen(m);
        ck_assert_msg(n > 10 && m[n - 1] == '.', "%s: %s", status_name((enum status)s), m);
        ck_assert(status_http((enum status)s) >= 400);
    }
    ck_assert_uint_eq(status_http(ST_OK), 200);
    ck_assert_uint_eq(status_http((enum status)999), 500);
}
END_TEST

Suite *status_suite(void)
{
    Suite *s = suite_create("http/status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, table_covers_spec);
    tcase_add_test(tc, messages_are_sentences);
    suite_add_tcase(s, tc);
    return s;
}
