#include "suites.h"
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool pub(const char *s)
{
    struct sockaddr_storage ss;
    ck_assert_msg(netaddr_parse(s, &ss), "%s", s);
    return netaddr_is_public((const struct sockaddr *)&ss);
}

/*
 * One case per row of the table in util/netaddr.c: the row (prefix/length),
 * an address inside it (its last address where that is still the row's),
 * the row holding the first address past it (or, where that would be the
 * same neighbour as another case's, the one before it) and that address;
 * each address with the verdict expected for it.
 */
struct row_case {
    const char *row;
    const char *inside;
    bool inside_public;
    const char *outside_row;
    const char *outside;
    bool outside_public;
};

static const struct row_case cases[] = {
    /* IPv4 */
    {"0.0.0.0/0", "8.8.8.8", true, "10.0.0.0/8", "10.0.0.0", false},
    {"0.0.0.0/8", "0.255.255.255", false, "0.0.0.0/0", "1.0.0.0", true},
    {"10.0.0.0/8", "10.255.255.255", false, "0.0.0.0/0", "11.0.0.0", true},
    {"100.64.0.0/10", "100.127.255.255", false, "0.0.0.0/0", "100.128.0.0", true},
    {"127.0.0.0/8", "127.255.255.255", false, "0.0.0.0/0", "128.0.0.0", true},
    {"169.254.0.0/16", "169.254.255.255", false, "0.0.0.0/0", "169.255.0.0", true},
    {"172.16.0.0/12", "172.31.255.255", false, "0.0.0.0/0", "172.32.0.0", true},
    {"192.0.0.0/24", "192.0.0.255", false, "0.0.0.0/0", "192.0.1.0", true},
    {"192.0.2.0/24", "192.0.2.255", false, "0.0.0.0/0", "192.0.3.0", true},
    {"192.88.99.0/24", "192.88.99.255", false, "0.0.0.0/0", "192.88.100.0", true},
    {"192.168.0.0/16", "192.168.255.255", false, "0.0.0.0/0", "192.169.0.0", true},
    {"198.18.0.0/15", "198.19.255.255", false, "0.0.0.0/0", "198.20.0.0", true},
    {"198.51.100.0/24", "198.51.100.255", false, "0.0.0.0/0", "198.51.101.0", true},
    {"203.0.113.0/24", "203.0.113.255", false, "0.0.0.0/0", "203.0.114.0", true},
    {"224.0.0.0/4", "239.255.255.255", false, "0.0.0.0/0", "223.255.255.255", true},
    {"240.0.0.0/4", "255.255.255.254", false, "224.0.0.0/4", "239.255.255.255", false},
    {"255.255.255.255/32", "255.255.255.255", false, "240.0.0.0/4", "255.255.255.254", false},
    /* IPv6 */
    {"::/0", "4000::1", false, "2000::/3", "2000::", true},
    {"2000::/3", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, "::/0", "4000::", false},
    {"::/128", "::", false, "::1/128", "::1", false},
    {"::1/128", "::1", false, "::/96", "::2", false},
    {"::/96", "::7f00:1", false, "::/0", "::1:0:0", false},
    {"::/96", "::808:808", true, "::/0", "::1:0:0", false},
    {"::ffff:0:0/96", "::ffff:127.0.0.1", false, "::/0", "0:0:0:1::", false},
    {"::ffff:0:0/96", "::ffff:8.8.8.8", true, "::/0", "0:0:0:1::", false},
    {"::ffff:0:0:0/96", "::ffff:0:7f00:1", false, "::/0", "::ffff:1:0:0", false},
    {"::ffff:0:0:0/96", "::ffff:0:808:808", true, "::/0", "::ffff:1:0:0", false},
    {"64:ff9b::/96", "64:ff9b::a00:1", false, "::/0", "64:ff9b::1:0:0", false},
    {"64:ff9b::/96", "64:ff9b::808:808", true, "::/0", "64:ff9b::1:0:0", false},
    {"64:ff9b:1::/48", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false, "::/0", "64:ff9b:2::", false},
    {"100::/64", "100::ffff:ffff:ffff:ffff", false, "::/0", "100:0:0:1::", false},
    {"2001::/23", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false, "2000::/3", "2001:200::", true},
    {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false, "2000::/3",
     "2001:db9::", true},
    {"2002::/16", "2002:7f00:1::1", false, "2000::/3", "2003::", true},
    {"2002::/16", "2002:a00:1::1", false, "2000::/3", "2003::", true},
    {"2002::/16", "2002:c0a8:101::1", false, "2000::/3", "2003::", true},
    {"2002::/16", "2002:a9fe:a9fe::1", false, "2000::/3", "2003::", true},
    {"2002::/16", "2002:808:808::1", true, "2000::/3", "2003::", true},
    {"3fff::/20", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false, "2000::/3", "3fff:1000::", true},
    {"fc00::/7", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "::/0", "fe00::", false},
    {"fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "fec0::/10", "fec0::", false},
    {"fec0::/10", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "ff00::/8", "ff00::", false},
    {"ff00::/8", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "fec0::/10", "feff::", false},
};

/* "prefix/bits" of the row holding s. */
static const char *row_of(const char *s, char *out, size_t n)
{
    struct sockaddr_storage ss;
    ck_assert_msg(netaddr_parse(s, &ss), "%s", s);
    const struct netaddr_row *row = netaddr_match((const struct sockaddr *)&ss);
    ck_assert_msg(row != NULL, "%s has no row", s);
    snprintf(out, n, "%s/%u", row->prefix, row->bits);
    return out;
}

START_TEST(registry_rows)
{
    const struct row_case *c = &cases[_i];
    char got[64];
    ck_assert_str_eq(row_of(c->inside, got, sizeof(got)), c->row);
    ck_assert_msg(pub(c->inside) == c->inside_public, "%s (row %s) %s", c->inside, c->row,
                  c->inside_public ? "refused" : "passed as public");
    ck_assert_str_eq(row_of(c->outside, got, sizeof(got)), c->outside_row);
    ck_assert_msg(pub(c->outside) == c->outside_public, "%s (past row %s) %s", c->outside, c->row,
                  c->outside_public ? "refused" : "passed as public");
}
END_TEST

/* Every row is tested above, and its prefix is a network address: it
 * parses and has no bit set past its length. */
START_TEST(every_row_tested_and_well_formed)
{
    size_t n = 0;
    const struct netaddr_row *rows = netaddr_rows(&n);
    for (size_t i = 0; i < n; i++) {
        unsigned char p[16];
        ck_assert_msg(inet_pton(rows[i].family, rows[i].prefix, p) == 1, "%s", rows[i].prefix);
        unsigned len = rows[i].family == AF_INET ? 32 : 128;
        ck_assert_uint_le(rows[i].bits, len);
        for (unsigned b = rows[i].bits; b < len; b++)
            ck_assert_msg(!(p[b / 8] & (0x80 >> (b % 8))), "%s/%u has host bits", rows[i].prefix,
                          rows[i].bits);
        char id[64];
        snprintf(id, sizeof(id), "%s/%u", rows[i].prefix, rows[i].bits);
        bool tested = false;
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
            tested |= !strcmp(cases[k].row, id);
        ck_assert_msg(tested, "row %s (%s) has no case", id, rows[i].name);
        if (rows[i].use == NETADDR_EMBEDDED)
            ck_assert_uint_le(rows[i].v4_at, 12);
    }
}
END_TEST

START_TEST(localhost_names)
{
    const char *yes[] = {"localhost",   "localhost.",     "LOCALHOST",  "LocalHost.",
                         "a.localhost", "a.b.localhost.", "x.LOCALHOST"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        ck_assert_msg(netaddr_host_is_localhost(yes[i]), "%s", yes[i]);
    const char *no[] = {"localhost.example.com",
                        "mylocalhost",
                        "notlocalhost.",
                        "localhost..x",
                        "localhos",
                        "",
                        ".",
                        "example.com"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!netaddr_host_is_localhost(no[i]), "%s", no[i]);
}
END_TEST

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
                             "fec0::1",
                             "ff02::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "::127.0.0.1",
                             "64:ff9b::a00:1",
                             "64:ff9b::7f00:1",
                             "2002:7f00:1::",
                             "2002:a9fe:a9fe::"};
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
    tcase_add_loop_test(tc, registry_rows, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, every_row_tested_and_well_formed);
    tcase_add_test(tc, localhost_names);
    tcase_add_test(tc, private_and_special_ranges);
    tcase_add_test(tc, loopback_and_parse);
    suite_add_tcase(s, tc);
    return s;
}
