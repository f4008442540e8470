/*
 * routes: the route table — every endpoint, what it needs, and its handler
 * (STYLE.md rule 8). Aliases of SPEC §6 are separate rows pointing at the
 * same handler.
 */
#include "api/api.h"

#define AUTH_PROFILE (ROUTE_AUTH | ROUTE_PROFILE | ROUTE_BODY_JSON)

const struct route api_routes[] = {
    {HM_GET, "/api/user", user_get, "user", AUTH_PROFILE | ROUTE_TOMBSTONE_OK, "user", 0},
    {HM_GET, "/healthz", health_get, "request", ROUTE_NO_COUNT, NULL, 0},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
