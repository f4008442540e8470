/* Percent-decoding of paths, query strings and form bodies, and route
 * matching over the real route table. */
#include "fuzz.h"
#include "api/api.h"
#include "http/router.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    router_decode(a, (const char *)data, size, 1);
    router_decode(a, (const char *)data, size, 0);
    char *path = arena_strndup(a, (const char *)data, size);
    const char *params[REQ_MAX_PARAMS];
    int np = 0, bad = 0;
    unsigned allow = 0;
    router_match(api_routes, api_nroutes, HM_GET, path, a, params, &np, &allow, &bad);
    router_match(api_routes, api_nroutes, HM_POST, path, a, params, &np, &allow, &bad);
    arena_free(a);
    return 0;
}
