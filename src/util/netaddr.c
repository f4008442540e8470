/*
 * netaddr: the special-purpose address table and what it allows (see
 * netaddr.h).
 *
 * Choices the registries leave to us:
 * - Blocks IANA lists as not globally reachable are refused whole. Their
 *   globally reachable exceptions (PCP and TURN anycast in 192.0.0.0/24
 *   and 2001::/23; AMT, AS112-v6 and ORCHIDv2 in 2001::/23; Teredo
 *   2001::/32, which hides an IPv4 address) are not modelled: none of
 *   them is where a webhook receiver lives.
 * - IPv6 outside 2000::/3 (global unicast) and the rows below is refused:
 *   IANA has allocated nothing else for unicast.
 * - The deprecated IPv4-compatible ::/96 and the IPv4-translated
 *   ::ffff:0:0:0/96 of SIIT (RFC 2765; not in the registry) are judged by
 *   the IPv4 address inside, like IPv4-mapped, NAT64 and 6to4: a host or a
 *   translator on the way may still turn them into that IPv4 address.
 *
 * The prefixes are text so that the table reads like the registry; parsing
 * ~40 of them per check costs microseconds, against a connection it guards.
 */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define V4(prefix, bits, name, use)         \
    {                                       \
        AF_INET, prefix, bits, name, use, 0 \
    }
#define V6(prefix, bits, name, use)          \
    {                                        \
        AF_INET6, prefix, bits, name, use, 0 \
    }
#define V6_EMBEDS(prefix, bits, name, at)                  \
    {                                                      \
        AF_INET6, prefix, bits, name, NETADDR_EMBEDDED, at \
    }

static const struct netaddr_row rows[] = {
    /* IPv4 (IANA IPv4 Special-Purpose Address Registry; multicast and
     * reserved from the IPv4 Address Space Registry). */
    V4("0.0.0.0", 0, "public IPv4", NETADDR_ALLOW),
    V4("0.0.0.0", 8, "this network", NETADDR_REFUSE),
    V4("10.0.0.0", 8, "private-use", NETADDR_REFUSE),
    V4("100.64.0.0", 10, "shared address space (CGNAT)", NETADDR_REFUSE),
    V4("127.0.0.0", 8, "loopback", NETADDR_REFUSE),
    V4("169.254.0.0", 16, "link-local (cloud metadata)", NETADDR_REFUSE),
    V4("172.16.0.0", 12, "private-use", NETADDR_REFUSE),
    V4("192.0.0.0", 24, "IETF protocol assignments", NETADDR_REFUSE),
    V4("192.0.2.0", 24, "documentation (TEST-NET-1)", NETADDR_REFUSE),
    V4("192.88.99.0", 24, "6to4 relay anycast (deprecated)", NETADDR_REFUSE),
    V4("192.168.0.0", 16, "private-use", NETADDR_REFUSE),
    V4("198.18.0.0", 15, "benchmarking", NETADDR_REFUSE),
    V4("198.51.100.0", 24, "documentation (TEST-NET-2)", NETADDR_REFUSE),
    V4("203.0.113.0", 24, "documentation (TEST-NET-3)", NETADDR_REFUSE),
    V4("224.0.0.0", 4, "multicast", NETADDR_REFUSE),
    V4("240.0.0.0", 4, "reserved", NETADDR_REFUSE),
    V4("255.255.255.255", 32, "limited broadcast", NETADDR_REFUSE),
    /* IPv6 (IANA IPv6 Special-Purpose Address Registry; global unicast,
     * unique-local, link-local, site-local and multicast from the IPv6
     * Address Space Registry). */
    V6("::", 0, "not global unicast", NETADDR_REFUSE),
    V6("2000::", 3, "global unicast", NETADDR_ALLOW),
    V6("::", 128, "unspecified", NETADDR_REFUSE),
    V6("::1", 128, "loopback", NETADDR_REFUSE),
    V6_EMBEDS("::", 96, "IPv4-compatible (deprecated)", 12),
    V6_EMBEDS("::ffff:0:0", 96, "IPv4-mapped", 12),
    V6_EMBEDS("::ffff:0:0:0", 96, "IPv4-translated (SIIT)", 12),
    V6_EMBEDS("64:ff9b::", 96, "IPv4/IPv6 translation (NAT64)", 12),
    V6("64:ff9b:1::", 48, "local-use IPv4/IPv6 translation", NETADDR_REFUSE),
    V6("100::", 64, "discard-only", NETADDR_REFUSE),
    V6("2001::", 23, "IETF protocol assignments", NETADDR_REFUSE),
    V6("2001:db8::", 32, "documentation", NETADDR_REFUSE),
    V6_EMBEDS("2002::", 16, "6to4", 2),
    V6("3fff::", 20, "documentation", NETADDR_REFUSE),
    V6("fc00::", 7, "unique-local", NETADDR_REFUSE),
    V6("fe80::", 10, "link-local unicast", NETADDR_REFUSE),
    V6("fec0::", 10, "site-local (deprecated)", NETADDR_REFUSE),
    V6("ff00::", 8, "multicast", NETADDR_REFUSE),
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct netaddr_row *netaddr_rows(size_t *n)
{
    *n = NROWS;
    return rows;
}

/* True when the first bits bits of a and b are equal. */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole))
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

const struct netaddr_row *netaddr_match(const struct sockaddr *sa)
{
    const uint8_t *a;
    if (sa->sa_family == AF_INET)
        a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
    else
        return NULL;
    const struct netaddr_row *best = NULL;
    for (size_t i = 0; i < NROWS; i++) {
        uint8_t p[16];
        if (rows[i].family != sa->sa_family || (best && rows[i].bits <= best->bits) ||
            inet_pton(rows[i].family, rows[i].prefix, p) != 1)
            continue;
        if (prefix_eq(a, p, rows[i].bits))
            best = &rows[i];
    }
    return best;
}

bool netaddr_is_public(const struct sockaddr *sa)
{
    const struct netaddr_row *row = netaddr_match(sa);
    if (row && row->use == NETADDR_EMBEDDED) {
        struct sockaddr_in v4;
        memset(&v4, 0, sizeof(v4));
        v4.sin_family = AF_INET;
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(&v4.sin_addr, v6->sin6_addr.s6_addr + row->v4_at, 4);
        row = netaddr_match((const struct sockaddr *)&v4);
    }
    return row && row->use == NETADDR_ALLOW;
}

bool netaddr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ((const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr)[0] ==
               127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
    }
    return false;
}

bool netaddr_host_is_localhost(const char *host)
{
    static const char name[] = "localhost";
    const size_t nl = sizeof(name) - 1;
    size_t n = strlen(host);
    if (n && host[n - 1] == '.')
        n--; /* the root label: "localhost." is "localhost" */
    if (n < nl || strncasecmp(host + n - nl, name, nl))
        return false;
    return n == nl || host[n - nl - 1] == '.';
}

bool netaddr_parse(const char *s, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
    if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}
