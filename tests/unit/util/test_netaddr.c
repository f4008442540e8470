#include "suites.h"
#include "util/netaddr.h"

static bool pub(const char *s)
{
    struct sockaddr_storage ss;
    ck_assert_msg(netaddr_parse(s, &ss), "%s", s);
    return netaddr_is_public((const struct sockaddr *)&ss);
}

START_TEST(private_and_special_ranges)
{
    const char *blocked[] = {"127.0.0.1",
                             "10.2.3.4",
                             "172.16.0.1",
                             "172.31.255.255",
                             "192.168.0.1",
                             "169.254.169.254",
                             "100.64.0.1",
                             "0.0.0.0",
                             "224.0.0.1",
                             "255.255.255.255",
                             "192.0.0.8",
                             "198.18.0.1",
                             "::1",
                             "::",
                             "fc00::1",
                             "fd00:ec2::254",
                             "fe80::1",
                             "ff02::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "64:ff9b::a00:1"};
    for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
        ck_assert_msg(!pub(blocked[i]), "%s passed as public", blocked[i]);
    const char *open[] = {"8.8.8.8",         "1.1.1.1",        "172.32.0.1",      "100.128.0.1",
                          "2001:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"};
    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
        ck_assert_msg(pub(open[i]), "%s refused", open[i]);
}
END_TEST

START_TEST(loopback_and_parse)
{
    struct sockaddr_storage ss;
    ck_assert(netaddr_parse("127.9.9.9", &ss) && netaddr_is_loopback((struct sockaddr *)&ss));
    ck_assert(netaddr_parse("::1", &ss) && netaddr_is_loopback((struct sockaddr *)&ss));
    ck_assert(netaddr_parse("8.8.8.8", &ss) && !netaddr_is_loopback((struct sockaddr *)&ss));
    ck_assert(!netaddr_parse("example.com", &ss));
    ck_assert(!netaddr_parse("[::1]", &ss));
}
END_TEST

Suite *netaddr_suite(void)
{
    Suite *s = suite_create("util/netaddr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, private_and_special_ranges);
    tcase_add_test(tc, loopback_and_parse);
    suite_add_tcase(s, tc);
    return s;
}
