/*
 * netaddr: which IP addresses outbound requests to user-given URLs may
 * reach. Webhook URLs must not point into the server's own networks
 * (SSRF): loopback, private (RFC 1918, ULA), link-local (which holds cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), CGNAT, multicast,
 * reserved and unspecified addresses are not public. IPv4-mapped and NAT64
 * IPv6 addresses are judged by the IPv4 address inside.
 */
#ifndef SOCIALD_UTIL_NETADDR_H
#define SOCIALD_UTIL_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/* True when sa (AF_INET or AF_INET6) is a public unicast address. */
bool netaddr_is_public(const struct sockaddr *sa);
/* True when sa is a loopback address (127/8, ::1). */
bool netaddr_is_loopback(const struct sockaddr *sa);
/* Parses a literal IPv4 or IPv6 address (no brackets) into ss; false if
 * s is not one. */
bool netaddr_parse(const char *s, struct sockaddr_storage *ss);

#endif
