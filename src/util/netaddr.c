/*
 * netaddr: public/private address classification (see netaddr.h).
 */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

static bool v4_public(uint32_t a)
{
    uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16), b2 = (uint8_t)(a >> 8);
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224)
        return false; /* this network, private, loopback, multicast, reserved */
    if (b0 == 100 && (b1 & 0xC0) == 64)
        return false; /* 100.64/10 CGNAT */
    if (b0 == 169 && b1 == 254)
        return false; /* link-local, cloud metadata */
    if (b0 == 172 && (b1 & 0xF0) == 16)
        return false; /* 172.16/12 */
    if (b0 == 192 && b1 == 168)
        return false;
    if (b0 == 192 && b1 == 0 && b2 == 0)
        return false; /* 192.0.0/24 IETF protocol assignments */
    if (b0 == 198 && (b1 & 0xFE) == 18)
        return false; /* 198.18/15 benchmarking */
    return true;
}

static uint32_t v4_of(const struct sockaddr *sa)
{
    return ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
}

bool netaddr_is_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_public(v4_of(sa));
    if (sa->sa_family != AF_INET6)
        return false;
    const uint8_t *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return v4_public((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 |
                         a[15]);
    static const uint8_t zero[15] = {0};
    if (!memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1))
        return false; /* :: and ::1 */
    if ((a[0] & 0xFE) == 0xFC)
        return false; /* fc00::/7 unique local */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
        return false; /* fe80::/10 link-local */
    if (a[0] == 0xFF)
        return false; /* multicast */
    if (!memcmp(a, zero, 12))
        return false; /* deprecated IPv4-compatible */
    return true;
}

bool netaddr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (v4_of(sa) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
    }
    return false;
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
