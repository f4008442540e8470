/* A network's token endpoint and API answers: the first two bytes choose
 * the HTTP status, the rest is the body. */
#include "fuzz.h"
#include "platforms/net.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    long status = 100 + (long)((data[0] << 8 | data[1]) % 500);
    struct arena *a = arena_new();
    char *body = arena_strndup(a, (const char *)data + 2, size - 2);
    struct netconf conf = {0};
    struct net n = {.a = a, .conf = &conf, .platform = "fuzz"};
    struct net_answer ans = {.status = status, .body = body, .len = size - 2};
    ans.json = json_loadb(body, size - 2, 0, NULL);
    struct tokens t;
    net_parse_tokens(&n, &ans, &t);
    net_check(&n, &ans, "fuzz");
    net_jstr(&n, ans.json, "data.user.open_id");
    net_jstr(&n, ans.json, "items.0.snippet.thumbnails.default.url");
    net_jint(ans.json, "error.code", 0);
    json_decref(ans.json);
    arena_free(a);
    return 0;
}
