/*
 * netaddr: which IP addresses outbound requests to user-given URLs may
 * reach. Webhook URLs must not point into the server's own networks
 * (SSRF): loopback, private (RFC 1918, ULA), link-local (which holds cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), CGNAT, documentation,
 * benchmarking, multicast, reserved and unspecified addresses are not
 * public.
 *
 * One table (netaddr.c) says so, row by row, after IANA's IPv4 and IPv6
 * Special-Purpose Address Registries: a prefix, its length, the registry's
 * name and whether it may be an outbound target. An address belongs to the
 * longest prefix that holds it. Rows that carry an IPv4 address inside an
 * IPv6 one (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) are judged by the IPv4 address inside. The same table
 * decides at webhook registration (api/webhooks.c) and on the address each
 * outbound connection is about to use (platforms/client.c).
 */
#ifndef SOCIALD_UTIL_NETADDR_H
#define SOCIALD_UTIL_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum netaddr_use {
    NETADDR_ALLOW,    /* a public destination */
    NETADDR_REFUSE,   /* never an outbound target */
    NETADDR_EMBEDDED, /* the IPv4 address inside decides */
};

struct netaddr_row {
    int family;           /* AF_INET or AF_INET6 */
    const char *prefix;   /* the network, as text ("10.0.0.0", "fc00::") */
    unsigned bits;        /* the prefix length */
    const char *name;     /* the registry's name for the block */
    enum netaddr_use use; /* whether it may be a webhook / outbound target */
    unsigned v4_at;       /* NETADDR_EMBEDDED: byte offset of the IPv4 address */
};

/* The table, in its static storage; *n gets its length. */
const struct netaddr_row *netaddr_rows(size_t *n);
/* The row holding sa (the longest matching prefix of its family; the table
 * has a /0 row for each), or NULL when sa is neither AF_INET nor AF_INET6.
 * An embedding row is returned as such, not the row of the IPv4 inside. */
const struct netaddr_row *netaddr_match(const struct sockaddr *sa);
/* True when the table allows sa (AF_INET or AF_INET6) as an outbound
 * target: its row allows it, or it embeds an IPv4 address whose row does. */
bool netaddr_is_public(const struct sockaddr *sa);
/* True when sa is a loopback address (127/8, ::1, ::ffff:127/104). */
bool netaddr_is_loopback(const struct sockaddr *sa);
/* True when host (a URL's host, lowercased) is a name RFC 6761 §6.3 keeps
 * for loopback: "localhost" or a name under it, with or without the root's
 * trailing dot. */
bool netaddr_host_is_localhost(const char *host);
/* Parses a literal IPv4 or IPv6 address (no brackets, no zone id) into ss;
 * false if s is not one. */
bool netaddr_parse(const char *s, struct sockaddr_storage *ss);

#endif
