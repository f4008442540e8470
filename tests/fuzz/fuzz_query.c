/* What a request's query string carries: pair splitting and decoding,
 * booleans and array arguments, listing cursors, batch file signatures and
 * Range headers. */
#include "fuzz.h"
#include "api/api.h"
#include "api/cursor.h"
#include "jobs/batch.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->arena = a;
    r->file_fd = -1;
    char *q = arena_strndup(a, (const char *)data, size);
    if (req_parse_pairs(r, q, "query", &r->query, &r->nquery) == ST_OK) {
        bool b;
        req_query_bool(r, "validate", false, &b);
        const char *items[16];
        req_query_array(r, "includes", items, 16);
        req_query(r, "refId");
        /* The cursor of GET /api/profiles and the batch URL's signature. */
        static const unsigned char key[32] = {1, 2, 3};
        struct cursor c;
        const char *cur = req_query(r, "cursor");
        if (cur)
            cursor_decode(key, cur, &c);
        struct config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.public_url = "https://social.example.com";
        struct app app;
        memset(&app, 0, sizeof(app));
        app.cfg = &cfg;
        memcpy(app.signing_key, key, sizeof(key));
        const char *path = req_query(r, "path");
        batch_signature_ok(&app, path ? path : "/files/batch/x/y", req_query(r, "expires"),
                           req_query(r, "signature"), 1700000000000LL);
    }
    /* The same bytes as a Range header. */
    uint64_t off, len;
    api_batch_parse_range(q, 1000, &off, &len);
    api_batch_parse_range(q, 1, &off, &len);
    arena_free(a); /* frees err_details too */
    return 0;
}
