/* URLs users register (webhooks) and send (redirect). */
#include "fuzz.h"
#include "util/url.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    char *s = arena_strndup(a, (const char *)data, size);
    struct url u;
    const char *why;
    url_parse(a, s, &u, &why);
    arena_free(a);
    return 0;
}
