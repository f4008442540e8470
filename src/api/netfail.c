/*
 * netfail: how a failed network call is answered (SPEC §1.2) — one mapping
 * for every endpoint that waits on a network, and for live fields that
 * report a failure inside an otherwise good answer.
 */
#include "api/api.h"
#include "platforms/platform.h"

enum status api_net_rc_status(enum net_rc rc)
{
    switch (rc) {
    case NET_AUTH:
        return ST_NETWORK_AUTH;
    case NET_TIMEOUT:
        return ST_NETWORK_TIMEOUT;
    default:
        return ST_NETWORK_ERROR;
    }
}

enum status api_net_status(struct req *r, const struct net *n, enum net_rc rc)
{
    req_detail_str(r, "platform", n->platform);
    if (n->http_status)
        req_detail_int(r, "status", n->http_status);
    req_detail_str(r, "error", n->error ? n->error : net_rc_name(rc));
    return api_net_rc_status(rc);
}
